/**
 * `GET /api/events`: contract events as Server-Sent Events (`event: <name>`, `data: <json>`),
 * with a comment line every so often so idle proxies and browsers keep the stream open.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { eventNames } from '../../shared/contract';
import type { EventHub } from '../../shared/events';
import { writeHead } from './headers';

/** How often an idle stream gets a keep-alive comment. */
const HEARTBEAT_MS = 25_000;

/**
 * Streams every contract event to `res` until the client goes away or the returned function is
 * called (server shutdown). Returns that function.
 */
export function openEventStream(req: IncomingMessage, res: ServerResponse, events: EventHub): () => void {
  writeHead(res, 200, { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
  res.write(': open\n\n');
  const unsubscribes = eventNames.map((name) =>
    events.subscribe(name, (payload) => res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`)),
  );
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS).unref();
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    unsubscribes.forEach((unsubscribe) => unsubscribe());
    res.end();
  };
  req.on('close', close);
  return close;
}

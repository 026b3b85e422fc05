/**
 * A real `keyport serve` in a child process (the built CLI), with a session already traded for
 * its cookie, a contract caller and a recorder of its event stream: how the app-contract tests
 * drive the core exactly as the page does.
 */
import type http from 'node:http';
import { CLI_BUNDLE } from '../testbed/cli';
import { startProcess, waitUntil, type Proc } from '../testbed/proc';
import { openStream, send } from './http-client';

/** One event as the stream delivered it. */
export interface StreamEvent {
  event: string;
  data: unknown;
}

/** A running server and a logged-in page's view of it. */
export interface ServeProcess {
  port: number;
  proc: Proc;
  cookie: string;
  /** POST /api/<method> with `body`; the parsed Result. */
  call(method: string, body?: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
  /** Every event received so far. */
  events: StreamEvent[];
  /** Resolves with the first event (after `from`, an index into events) that matches. */
  waitForEvent(name: string, match?: (data: never) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<StreamEvent>;
  stop(): Promise<void>;
}

/** Runs a command inside something (a namespace): returns the command and arguments to start instead. */
export type Wrapper = (cmd: string, args: string[]) => [string, string[]];

/**
 * Starts `keyport --data-dir DIR serve` with `env` merged over ours (inside `wrap`, when given),
 * and opens its event stream.
 */
export async function startServe(dataDir: string, env: Record<string, string> = {}, args: string[] = [], wrap?: Wrapper): Promise<ServeProcess> {
  const [cmd, argv] = (wrap ?? ((c, a) => [c, a]))(process.execPath, [CLI_BUNDLE, '--data-dir', dataDir, 'serve', ...args]);
  const proc = await startProcess(cmd, argv, {
    name: 'keyport serve',
    env: { NO_COLOR: '1', ...env },
    ready: { line: /Keyport UI: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/ },
  });
  const url = new URL(/Keyport UI: (\S+)/.exec(proc.output())![1]!);
  const port = Number(url.port);
  const first = await send(port, { path: url.pathname + url.search });
  const cookie = String(first.headers['set-cookie']?.[0]).split(';')[0]!;
  const events: StreamEvent[] = [];
  const stream = await openStream(port, '/api/events', { cookie });
  recordEvents(stream, events);
  return {
    port,
    proc,
    cookie,
    events,
    async call(method, body = {}) {
      const reply = await send(port, {
        method: 'POST',
        path: `/api/${method}`,
        headers: { cookie, 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
        body: JSON.stringify(body),
      });
      return JSON.parse(reply.body);
    },
    async waitForEvent(name, match = () => true, opts = {}) {
      let found: StreamEvent | undefined;
      await waitUntil(
        () => {
          found = events.slice(opts.from ?? 0).find((e) => e.event === name && match(e.data as never));
          return found !== undefined;
        },
        { what: `event ${name}`, timeoutMs: opts.timeoutMs ?? 10_000, proc },
      );
      return found!;
    },
    async stop() {
      stream.destroy();
      await proc.stop();
    },
  };
}

/** Parses Server-Sent Events (`event:` + `data:` lines, blank-line separated) into `events`. */
function recordEvents(stream: http.IncomingMessage, events: StreamEvent[]): void {
  let buffer = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  });
  stream.on('error', () => {});
}

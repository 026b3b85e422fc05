import { startLoopbackProxy, type LoopbackProxy } from '../helpers/loopback-proxy';
import { encodeRecord, parseRecords, type FlightRecord } from './flight';

/** Rewrites the server's first `flightRecords` records, once, for one connection. */
export type FlightRewrite = (flight: FlightRecord[]) => Buffer;

/**
 * A loopback proxy to a live server that holds back the server's first flight until
 * `flightRecords` records arrived, hands them to the connection's rewrite, and passes
 * everything else through. `rewrite` is read per connection.
 */
export function startMutatingProxy(
  target: number,
  flightRecords: number,
  rewrite: () => FlightRewrite,
): Promise<LoopbackProxy> {
  return startLoopbackProxy(target, (client, upstream) => {
    const edit = rewrite();
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    let held: Buffer | null = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      if (!held) return void client.write(chunk);
      held = Buffer.concat([held, chunk]);
      const { records, tail } = parseRecords(held);
      if (records.length < flightRecords) return;
      const flight = records.slice(0, flightRecords);
      const rest = Buffer.concat([...records.slice(flightRecords).map(encodeRecord), tail]);
      held = null;
      client.write(Buffer.concat([edit(flight), rest]));
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
}


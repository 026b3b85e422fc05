import { connect, type ConnectOptions } from '../../../src/core/tls';
import { startLoopbackProxy } from '../helpers/loopback-proxy';
import { encodeRecord, HANDSHAKE, parseRecords, type FlightRecord } from './flight';

/** What the server sent after each ClientHello: flights[k] answers ClientHello k. */
export type Recording = FlightRecord[][];

const QUIET_MS = 300;

/**
 * Records a real server's flights for our client: a loopback proxy passes only the client's
 * ClientHello records on, so the server stops after its first flight (or after the
 * HelloRetryRequest exchange) and its bytes are exactly what a fuzzed replay needs.
 */
export async function recordFlights(serverPort: number, opts: Omit<ConnectOptions, 'host' | 'port'>): Promise<Recording> {
  const flights: Buffer[][] = [];
  let lastServerData = Date.now();
  const proxy = await startLoopbackProxy(serverPort, (client, upstream) => {
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const { records, tail } = parseRecords(pending);
      pending = Buffer.from(tail);
      for (const r of records) {
        if (r.type !== HANDSHAKE || r.body[0] !== 1) continue;
        flights.push([]);
        upstream.write(encodeRecord(r));
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      lastServerData = Date.now();
      flights.at(-1)?.push(chunk);
      client.write(chunk);
    });
  });
  const client = connect({ ...opts, host: '127.0.0.1', port: proxy.port, timeoutMs: 10_000 }).catch(() => undefined);
  try {
    const started = Date.now();
    while (Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
      if (flights.some((f) => f.length) && Date.now() - lastServerData > QUIET_MS) break;
    }
  } finally {
    await proxy.stop();
    await client;
  }
  const recording = flights.map((f) => parseRecords(Buffer.concat(f)).records).filter((f) => f.length);
  if (!recording.length) throw new Error('The server sent no flight to record.');
  return recording;
}

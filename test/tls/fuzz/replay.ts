import { sign, type KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import { startScriptedServer, type RawServer } from '../../testbed/tls-servers/raw';
import { encodeMessage, fragment, HANDSHAKE, parseMessages, parseRecords, type FlightRecord } from './flight';
import type { Recording } from './record-flights';

/** How long the server waits for the next ClientHello before it ends the connection. */
const IDLE_END_MS = 150;

/** The parts of a ClientHello a replayed flight must echo or sign. */
export interface ClientHelloFacts {
  random: Buffer;
  sessionId: Buffer;
}

/** Turns a recorded flight into the bytes for one connection (patch, then mutate). */
export type FlightScript = (flightIndex: number, flight: FlightRecord[], hello: ClientHelloFacts) => Buffer;

/**
 * A loopback server that answers each ClientHello with the next recorded flight, as `script`
 * rewrites it, and ends the connection after the last one (or when the client goes quiet):
 * the client never waits on a server that has nothing more to say. `script` is read per connection.
 */
export function startReplayServer(recording: Recording, script: () => FlightScript): Promise<RawServer> {
  return startScriptedServer((socket) => serve(socket, recording, script()));
}

function serve(socket: Socket, recording: Recording, script: FlightScript): Promise<void> {
  return new Promise((resolve) => {
    let pending = Buffer.alloc(0);
    let next = 0;
    let idle: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => {
      clearTimeout(idle);
      pending = Buffer.concat([pending, chunk]);
      const { records, tail } = parseRecords(pending);
      pending = Buffer.from(tail);
      for (const r of records) {
        const flight = recording[next];
        if (!flight || r.type !== HANDSHAKE || r.body[0] !== 1 || socket.writableEnded) continue;
        socket.write(script(next, flight, clientHelloFacts(r.body)));
        if (++next === recording.length) socket.end();
      }
      // A client that does not answer a flight with a ClientHello will get nothing more.
      if (!socket.writableEnded) idle = setTimeout(() => socket.end(), IDLE_END_MS);
    });
    socket.on('close', () => {
      clearTimeout(idle);
      resolve();
    });
  });
}

/** Random and legacy_session_id of a ClientHello handshake message (RFC 8446 §4.1.2). */
export function clientHelloFacts(message: Buffer): ClientHelloFacts {
  const random = message.subarray(6, 38);
  const idLength = message[38] ?? 0;
  return { random, sessionId: message.subarray(39, 39 + idLength) };
}

/** Applies `edit` to the handshake messages of the flight's plaintext handshake records. */
function editMessages(flight: FlightRecord[], edit: (type: number, body: Buffer) => Buffer): FlightRecord[] {
  const out: FlightRecord[] = [];
  for (let i = 0; i < flight.length; ) {
    const first = flight[i] as FlightRecord;
    if (first.type !== HANDSHAKE) {
      out.push(first);
      i++;
      continue;
    }
    const run: Buffer[] = [];
    while (flight[i]?.type === HANDSHAKE) run.push((flight[i++] as FlightRecord).body);
    const { messages, tail } = parseMessages(Buffer.concat(run));
    const stream = Buffer.concat([...messages.map((m) => encodeMessage({ type: m.type, body: edit(m.type, m.body) })), tail]);
    out.push(...fragment(stream, first.version));
  }
  return out;
}

/** A ServerHello or HelloRetryRequest echoing this client's session id (TLS 1.3 requires it). */
export function echoSessionId(flight: FlightRecord[], hello: ClientHelloFacts): FlightRecord[] {
  return editMessages(flight, (type, body) => {
    if (type !== 2) return body;
    const oldLength = body[34] ?? 0;
    return Buffer.concat([body.subarray(0, 34), Buffer.of(hello.sessionId.length), hello.sessionId, body.subarray(35 + oldLength)]);
  });
}

const ECDSA_HASH: Record<number, string> = { 0x0403: 'sha256', 0x0503: 'sha384', 0x0603: 'sha512' };

/**
 * A TLS 1.2 flight whose ServerKeyExchange is signed again over this client's random, so the
 * client gets past the signature check to CertificateRequest and ServerHelloDone.
 */
export function resignServerKeyExchange(flight: FlightRecord[], hello: ClientHelloFacts, key: KeyObject): FlightRecord[] {
  let serverRandom: Buffer = Buffer.alloc(32);
  return editMessages(flight, (type, body) => {
    if (type === 2) serverRandom = body.subarray(2, 34);
    if (type !== 12) return body;
    const params = body.subarray(0, 4 + (body[3] ?? 0));
    const scheme = body.readUInt16BE(params.length);
    const hash = ECDSA_HASH[scheme];
    if (!hash) throw new Error(`record the 1.2 flight with an ECDSA server key (got scheme ${scheme.toString(16)})`);
    const signature = sign(hash, Buffer.concat([hello.random, serverRandom, params]), { key, dsaEncoding: 'der' });
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(scheme, 0);
    tail.writeUInt16BE(signature.length, 2);
    return Buffer.concat([params, tail, signature]);
  });
}

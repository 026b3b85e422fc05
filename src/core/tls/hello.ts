import { AlertDescription, ExtensionType, HandshakeType, ProtocolVersion } from './constants';
import { Reader, Writer } from './bytes';
import { readExtensions, writeAlpn, type Extensions } from './extensions';
import { protocolError } from './tls-error';

/** What goes into our ClientHello. */
export interface ClientHelloParams {
  random: Buffer;
  sessionId: Buffer;
  suites: readonly number[];
  /** SNI host name; never an IP literal. */
  servername?: string;
  offer13: boolean;
  offer12: boolean;
  groups: readonly number[];
  keyShares: readonly { group: number; key: Buffer }[];
  signatureSchemes: readonly number[];
  alpn?: readonly string[];
  cookie?: Buffer;
  /** A resumption PSK offer; its binder is written later with `writeBinder`. */
  psk?: { identity: Buffer; obfuscatedAge: number; binderLength: number };
}

/** Wraps a body as a handshake message (type, u24 length, body). */
export function handshakeMessage(type: number, body: Buffer): Buffer {
  const h = Buffer.allocUnsafe(4);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([h, body]);
}

/** The ClientHello handshake message; with a PSK, its binder is zeros until `writeBinder`. */
export function encodeClientHello(p: ClientHelloParams): Buffer {
  const w = new Writer().u16(ProtocolVersion.TLS12).bytes(p.random).vec8(p.sessionId);
  w.vec16((s) => p.suites.forEach((id) => s.u16(id)));
  w.vec8(Buffer.of(0));
  w.vec16((e) => writeExtensions(e, p));
  return handshakeMessage(HandshakeType.client_hello, w.finish());
}

function writeExtensions(e: Writer, p: ClientHelloParams): void {
  if (p.servername) {
    const name = Buffer.from(p.servername, 'latin1');
    e.u16(ExtensionType.server_name).vec16((x) => x.vec16((l) => l.u8(0).vec16(name)));
  }
  if (p.offer12) e.u16(ExtensionType.ec_point_formats).vec16((x) => x.vec8(Buffer.of(0)));
  e.u16(ExtensionType.supported_groups).vec16((x) => x.vec16((l) => p.groups.forEach((g) => l.u16(g))));
  e.u16(ExtensionType.signature_algorithms).vec16((x) => x.vec16((l) => p.signatureSchemes.forEach((s) => l.u16(s))));
  if (p.alpn?.length) writeAlpn(e, p.alpn);
  if (p.offer12) {
    e.u16(ExtensionType.extended_master_secret).vec16(Buffer.alloc(0));
    // Secure renegotiation indication, empty on an initial handshake (RFC 5746 §3.4).
    e.u16(ExtensionType.renegotiation_info).vec16(Buffer.of(0));
  }
  e.u16(ExtensionType.supported_versions).vec16((x) =>
    x.vec8((l) => {
      if (p.offer13) l.u16(ProtocolVersion.TLS13);
      if (p.offer12) l.u16(ProtocolVersion.TLS12);
    }),
  );
  if (p.offer13) {
    e.u16(ExtensionType.key_share).vec16((x) => x.vec16((l) => p.keyShares.forEach((k) => l.u16(k.group).vec16(k.key))));
    e.u16(ExtensionType.psk_key_exchange_modes).vec16((x) => x.vec8(Buffer.of(1))); // psk_dhe_ke only
  }
  if (p.cookie) e.u16(ExtensionType.cookie).vec16((x) => x.vec16(p.cookie as Buffer));
  if (p.psk) {
    const { identity, obfuscatedAge, binderLength } = p.psk;
    e.u16(ExtensionType.pre_shared_key).vec16((x) => {
      x.vec16((ids) => ids.vec16(identity).u32(obfuscatedAge));
      x.vec16((bs) => bs.vec8(Buffer.alloc(binderLength)));
    });
  }
}

/** Bytes of the binders list at the end of a PSK ClientHello (RFC 8446 §4.2.11.2). */
export function bindersLength(binderLength: number): number {
  return 2 + 1 + binderLength;
}

/** Writes the binder into the last bytes of the ClientHello. */
export function writeBinder(clientHello: Buffer, binder: Buffer): void {
  binder.copy(clientHello, clientHello.length - binder.length);
}

/** A parsed ServerHello (or HelloRetryRequest, which shares the format). */
export interface ServerHello {
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  suite: number;
  extensions: Extensions;
}

export function parseServerHello(body: Buffer): ServerHello {
  const r = new Reader(body, 'ServerHello');
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec8();
  if (sessionId.length > 32) throw protocolError('The server sent a session id longer than 32 bytes.', AlertDescription.decode_error);
  const suite = r.u16();
  if (r.u8() !== 0) throw protocolError('The server selected compression, which TLS forbids.', AlertDescription.illegal_parameter);
  const extensions = readExtensions(r, 'ServerHello');
  r.end();
  return { legacyVersion, random, sessionId, suite, extensions };
}

import { AlertDescription, HandshakeType } from './constants';
import { Reader, Writer } from './bytes';
import { readDistinguishedNames, readSchemeList } from './extensions';
import { handshakeMessage } from './hello';
import type { CertificateRequestInfo } from './messages13';
import { protocolError } from './tls-error';

/** Codecs of the TLS 1.2 messages this client handles (RFC 5246 §7.4, RFC 8422 §5.4). */

export function parseCertificate12(body: Buffer): Buffer[] {
  const r = new Reader(body, 'Certificate');
  const list = new Reader(r.vec24(), 'Certificate list');
  r.end();
  const chain: Buffer[] = [];
  while (list.remaining > 0) chain.push(list.vec24());
  return chain;
}

export function encodeCertificate12(chain: readonly Buffer[]): Buffer {
  return handshakeMessage(HandshakeType.certificate, new Writer().vec24((l) => chain.forEach((c) => l.vec24(c))).finish());
}

/** An ECDHE ServerKeyExchange: the server's share and its signature over the randoms and params. */
export interface ServerKeyExchange {
  group: number;
  publicKey: Buffer;
  /** curve_type, named_curve and public point as sent: what the signature covers. */
  params: Buffer;
  scheme: number;
  signature: Buffer;
}

export function parseServerKeyExchange(body: Buffer): ServerKeyExchange {
  const r = new Reader(body, 'ServerKeyExchange');
  if (r.u8() !== 3) {
    throw protocolError('The server offered explicit elliptic-curve parameters, which Keyport refuses.', AlertDescription.illegal_parameter);
  }
  const group = r.u16();
  const publicKey = r.vec8();
  const params = body.subarray(0, 4 + publicKey.length);
  const scheme = r.u16();
  const signature = r.vec16();
  r.end();
  return { group, publicKey, params, scheme, signature };
}

export function parseCertificateRequest12(body: Buffer): CertificateRequestInfo {
  const r = new Reader(body, 'CertificateRequest');
  r.vec8(); // certificate_types: the signature schemes below say more
  const signatureSchemes = readSchemeList(r);
  const certificateAuthorities = readDistinguishedNames(r);
  r.end();
  return { context: Buffer.alloc(0), signatureSchemes, certificateAuthorities };
}

export function encodeClientKeyExchange(publicKey: Buffer): Buffer {
  return handshakeMessage(HandshakeType.client_key_exchange, new Writer().vec8(publicKey).finish());
}

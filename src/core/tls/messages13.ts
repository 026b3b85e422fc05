import { Name } from '../pki/x509';
import { AlertDescription, ExtensionType, HandshakeType } from './constants';
import { Reader, Writer } from './bytes';
import { readDistinguishedNames, readExtensions, readSchemeList, type Extensions } from './extensions';
import { handshakeMessage } from './hello';
import { schemeName } from './signature-schemes';
import { protocolError } from './tls-error';
import type { TlsInfo } from './types';

/** Codecs of the TLS 1.3 handshake messages after ServerHello (RFC 8446 §4.3-4.6). */

export function parseEncryptedExtensions(body: Buffer): Extensions {
  // Unlike a ServerHello's, this extensions block is never optional.
  if (body.length === 0) throw protocolError('The server sent an empty EncryptedExtensions message.', AlertDescription.decode_error);
  const r = new Reader(body, 'EncryptedExtensions');
  const exts = readExtensions(r, 'EncryptedExtensions');
  r.end();
  return exts;
}

/** A CertificateRequest: what the server will accept from us. */
export interface CertificateRequestInfo {
  context: Buffer;
  signatureSchemes: number[];
  /** DER Names, as sent. */
  certificateAuthorities: Buffer[];
}

/** What `tlsInfo.certificateRequest` reports of a request: scheme names and the CAs' DNs. */
export function describeCertificateRequest(r: CertificateRequestInfo): NonNullable<TlsInfo['certificateRequest']> {
  return { signatureAlgorithms: r.signatureSchemes.map(schemeName), certificateAuthorities: r.certificateAuthorities.map(describeName) };
}

/** A DER Name as an RFC 4514 string; a name we cannot parse still shows its first bytes. */
export function describeName(der: Buffer): string {
  try {
    return new Name(new Uint8Array(der)).toString();
  } catch {
    return `(unparsable name ${der.toString('hex').slice(0, 32)}...)`;
  }
}

export function parseCertificateRequest13(body: Buffer): CertificateRequestInfo {
  const r = new Reader(body, 'CertificateRequest');
  const context = r.vec8();
  const exts = readExtensions(r, 'CertificateRequest');
  r.end();
  const sigalgs = exts.get(ExtensionType.signature_algorithms);
  if (!sigalgs) {
    throw protocolError('The server sent a CertificateRequest without signature_algorithms.', AlertDescription.missing_extension);
  }
  const cas = exts.get(ExtensionType.certificate_authorities);
  return {
    context,
    signatureSchemes: readSchemeList(new Reader(sigalgs, 'signature_algorithms')),
    certificateAuthorities: cas ? readDistinguishedNames(new Reader(cas, 'certificate_authorities')) : [],
  };
}

/** The DER certificates of a 1.3 Certificate message, leaf first. */
export function parseCertificate13(body: Buffer): { context: Buffer; chain: Buffer[] } {
  const r = new Reader(body, 'Certificate');
  const context = r.vec8();
  const list = new Reader(r.vec24(), 'Certificate list');
  r.end();
  const chain: Buffer[] = [];
  while (list.remaining > 0) {
    chain.push(list.vec24());
    // We request no OCSP or SCT, so any per-certificate extension is unsolicited (RFC 8446 §4.4.2).
    if (list.vec16().length) {
      throw protocolError('The server sent certificate extensions that Keyport did not request.', AlertDescription.unsupported_extension);
    }
  }
  return { context, chain };
}

export function encodeCertificate13(context: Buffer, chain: readonly Buffer[]): Buffer {
  const w = new Writer().vec8(context).vec24((l) => chain.forEach((der) => l.vec24(der).vec16(Buffer.alloc(0))));
  return handshakeMessage(HandshakeType.certificate, w.finish());
}

/** A CertificateVerify (same shape in 1.2 and 1.3): scheme and signature. */
export function parseCertificateVerify(body: Buffer): { scheme: number; signature: Buffer } {
  const r = new Reader(body, 'CertificateVerify');
  const scheme = r.u16();
  const signature = r.vec16();
  r.end();
  return { scheme, signature };
}

export function encodeCertificateVerify(scheme: number, signature: Buffer): Buffer {
  return handshakeMessage(HandshakeType.certificate_verify, new Writer().u16(scheme).vec16(signature).finish());
}

/** The content a 1.3 CertificateVerify signs (RFC 8446 §4.4.3). */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Buffer): Buffer {
  return Buffer.concat([
    Buffer.alloc(64, 0x20),
    Buffer.from(`TLS 1.3, ${side} CertificateVerify`, 'latin1'),
    Buffer.of(0),
    transcriptHash,
  ]);
}

export interface NewSessionTicket {
  lifetimeSeconds: number;
  ageAdd: number;
  nonce: Buffer;
  ticket: Buffer;
}

export function parseNewSessionTicket(body: Buffer): NewSessionTicket {
  const r = new Reader(body, 'NewSessionTicket');
  const lifetimeSeconds = r.u32();
  const ageAdd = r.u32();
  const nonce = r.vec8();
  const ticket = r.vec16();
  readExtensions(r, 'NewSessionTicket'); // early_data only; we never send 0-RTT
  r.end();
  if (ticket.length === 0) throw protocolError('The server sent an empty session ticket.', AlertDescription.decode_error);
  return { lifetimeSeconds, ageAdd, nonce, ticket };
}

/** KeyUpdate: whether the peer asks us to update our sending key too. */
export function parseKeyUpdate(body: Buffer): { updateRequested: boolean } {
  const r = new Reader(body, 'KeyUpdate');
  const v = r.u8();
  r.end();
  if (v > 1) throw protocolError('The server sent an invalid KeyUpdate.', AlertDescription.illegal_parameter);
  return { updateRequested: v === 1 };
}

export function encodeKeyUpdate(updateRequested: boolean): Buffer {
  return handshakeMessage(HandshakeType.key_update, Buffer.of(updateRequested ? 1 : 0));
}

export function encodeFinished(verifyData: Buffer): Buffer {
  return handshakeMessage(HandshakeType.finished, verifyData);
}

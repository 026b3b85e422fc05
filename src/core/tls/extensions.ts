import { AlertDescription, ExtensionType } from './constants';
import { Reader, Writer } from './bytes';
import { protocolError } from './tls-error';

/** Extension bodies by type, from one extensions block. */
export type Extensions = Map<number, Buffer>;

/** Parses an extensions block; a repeated extension is illegal (RFC 8446 §4.2). */
export function readExtensions(r: Reader, where: string): Extensions {
  const out: Extensions = new Map();
  if (r.remaining === 0) return out;
  const block = r.sub16(`${where} extensions`);
  while (block.remaining > 0) {
    const type = block.u16();
    const body = block.vec16();
    if (out.has(type)) {
      throw protocolError(`The server repeated extension ${type} in its ${where}.`, AlertDescription.illegal_parameter);
    }
    out.set(type, body);
  }
  return out;
}

/** The extensions a server may answer whatever we offered, plus server_name and ALPN when we sent them. */
export function answerable(offered: { servername?: string; alpn?: readonly string[] }, always: readonly number[]): number[] {
  return [...always, ...(offered.servername ? [ExtensionType.server_name] : []), ...(offered.alpn?.length ? [ExtensionType.alpn] : [])];
}

/** Rejects extensions the server may not send in `where` (we only accept what we asked for, RFC 8446 §4.2). */
export function allowOnly(exts: Extensions, allowed: readonly number[], where: string): void {
  for (const type of exts.keys()) {
    if (!allowed.includes(type)) {
      throw protocolError(
        `The server sent extension ${type} in its ${where}, which Keyport did not offer.`,
        AlertDescription.unsupported_extension,
      );
    }
  }
}

/** The ALPN protocol the server selected, checked against what we offered. */
export function readAlpn(body: Buffer | undefined, offered: readonly string[] | undefined): string | undefined {
  if (!body) return undefined;
  const list = new Reader(body, 'ALPN extension').sub16();
  const name = list.vec8().toString('latin1');
  list.end();
  if (!offered?.includes(name)) {
    throw protocolError(`The server selected application protocol "${name}", which was not offered.`, AlertDescription.illegal_parameter);
  }
  return name;
}

export function writeAlpn(w: Writer, protocols: readonly string[]): void {
  w.u16(ExtensionType.alpn).vec16((e) => e.vec16((l) => protocols.forEach((p) => l.vec8(Buffer.from(p, 'latin1')))));
}

/** A signature_algorithms list (CertificateRequest, or 1.2 supported_signature_algorithms); never empty. */
export function readSchemeList(r: Reader): number[] {
  const list = r.sub16('signature algorithms');
  if (list.remaining === 0) {
    throw protocolError('The server sent an empty signature algorithms list in its CertificateRequest.', AlertDescription.decode_error);
  }
  const out: number[] = [];
  while (list.remaining > 0) out.push(list.u16());
  return out;
}

/** DistinguishedNames (certificate_authorities), DER each, as sent; not parsed here (see describeName). */
export function readDistinguishedNames(r: Reader): Buffer[] {
  const list = r.sub16('certificate authorities');
  const out: Buffer[] = [];
  while (list.remaining > 0) out.push(list.vec16());
  return out;
}

import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { Reader, Writer } from '../../../src/core/tls/bytes';
import { parseServerHello } from '../../../src/core/tls/hello';
import { readAlpn, readDistinguishedNames, readExtensions, readSchemeList } from '../../../src/core/tls/extensions';
import { parseCertificate12, parseCertificateRequest12, parseServerKeyExchange } from '../../../src/core/tls/messages12';
import {
  encodeCertificate13,
  encodeCertificateVerify,
  parseCertificate13,
  parseCertificateRequest13,
  parseCertificateVerify,
  parseEncryptedExtensions,
  parseKeyUpdate,
  parseNewSessionTicket,
} from '../../../src/core/tls/messages13';
import { HANDSHAKE, parseMessages, type FlightRecord } from './flight';

/** A parser under fuzz and valid inputs to mutate. */
export interface ParserTarget {
  name: string;
  valid: Buffer[];
  parse(body: Buffer): unknown;
}

/** Bodies of the plaintext handshake messages in recorded flights, by handshake type. */
export function bodiesByType(flights: readonly FlightRecord[][]): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  for (const flight of flights) {
    const stream = Buffer.concat(flight.filter((r) => r.type === HANDSHAKE).map((r) => r.body));
    for (const m of parseMessages(stream).messages) out.set(m.type, [...(out.get(m.type) ?? []), m.body]);
  }
  return out;
}

/** The DER subject name of a certificate, as certificate_authorities lists it. */
export function subjectDer(certDer: Buffer): Buffer {
  return Buffer.from(AsnConvert.serialize(AsnConvert.parse(certDer, Certificate).tbsCertificate.subject));
}

const body = (message: Buffer): Buffer => message.subarray(4);

/** Every handshake-message and extension parser, with valid bodies from real flights or our encoders. */
export function parserTargets(recorded: Map<number, Buffer[]>, certDer: Buffer, caName: Buffer): ParserTarget[] {
  const get = (type: number): Buffer[] => recorded.get(type) ?? [];
  const sigalgs = new Writer().vec16((l) => [0x0403, 0x0804, 0x0503].forEach((s) => l.u16(s))).finish();
  const cas = new Writer().vec16((l) => l.vec16(caName)).finish();
  const alpn = new Writer().vec16((l) => l.vec8(Buffer.from('h2'))).finish();
  const extensions = (exts: [number, Buffer][]): Buffer => new Writer().vec16((w) => exts.forEach(([t, b]) => w.u16(t).vec16(b))).finish();
  return [
    { name: 'ServerHello', valid: get(2), parse: parseServerHello },
    { name: 'Certificate (1.2)', valid: get(11), parse: parseCertificate12 },
    { name: 'ServerKeyExchange', valid: get(12), parse: parseServerKeyExchange },
    { name: 'CertificateRequest (1.2)', valid: get(13), parse: parseCertificateRequest12 },
    { name: 'EncryptedExtensions', valid: [extensions([[0, Buffer.alloc(0)], [16, alpn], [10, Buffer.from('0004001d0017', 'hex')]])], parse: parseEncryptedExtensions },
    { name: 'CertificateRequest (1.3)', valid: [new Writer().vec8(Buffer.alloc(0)).bytes(extensions([[13, sigalgs], [47, cas]])).finish()], parse: parseCertificateRequest13 },
    { name: 'Certificate (1.3)', valid: [body(encodeCertificate13(Buffer.alloc(0), [certDer, certDer]))], parse: parseCertificate13 },
    { name: 'CertificateVerify', valid: [body(encodeCertificateVerify(0x0403, Buffer.alloc(71, 0x30)))], parse: parseCertificateVerify },
    {
      name: 'NewSessionTicket',
      valid: [new Writer().u32(7200).u32(0x12345678).vec8(Buffer.of(0, 1)).vec16(Buffer.alloc(48, 7)).bytes(extensions([[42, Buffer.from('00004000', 'hex')]])).finish()],
      parse: parseNewSessionTicket,
    },
    { name: 'KeyUpdate', valid: [Buffer.of(0), Buffer.of(1)], parse: parseKeyUpdate },
    { name: 'extensions block', valid: [extensions([[43, Buffer.from('0304', 'hex')], [51, Buffer.alloc(36, 1)]])], parse: (b) => readExtensions(new Reader(b, 'test'), 'test') },
    { name: 'ALPN extension', valid: [alpn], parse: (b) => readAlpn(b, ['h2', 'http/1.1']) },
    { name: 'signature_algorithms', valid: [sigalgs], parse: (b) => readSchemeList(new Reader(b, 'test')) },
    { name: 'certificate_authorities', valid: [cas], parse: (b) => readDistinguishedNames(new Reader(b, 'test')) },
  ];
}

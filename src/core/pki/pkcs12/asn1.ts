/**
 * The few PKCS#5/PKCS#7 structures @peculiar/asn1-* does not ship, declared with its schema
 * decorators (applied as plain calls, so no compiler decorator support is needed), plus
 * helpers that turn any ASN.1 parse failure into a clear KeyportError.
 */
import { AsnParser, AsnPropTypes, AsnProp, AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { EncryptedContentInfo } from '@peculiar/asn1-cms';
import * as asn1js from 'asn1js';
import type { KeyportError } from '../../../shared/errors';
import { invalidPkcs12 } from './errors';

/** PBES2-params (RFC 8018 §A.4). */
export class Pbes2Params {
  keyDerivationFunc = new AlgorithmIdentifier();
  encryptionScheme = new AlgorithmIdentifier();
}
AsnProp({ type: AlgorithmIdentifier })(Pbes2Params.prototype, 'keyDerivationFunc');
AsnProp({ type: AlgorithmIdentifier })(Pbes2Params.prototype, 'encryptionScheme');

/** PBKDF2-params (RFC 8018 §A.2); only the `specified` salt choice exists in practice. */
export class Pbkdf2Params {
  salt = new OctetString();
  iterationCount: number | string = 0;
  keyLength?: number | string;
  prf?: AlgorithmIdentifier;
}
AsnProp({ type: OctetString })(Pbkdf2Params.prototype, 'salt');
AsnProp({ type: AsnPropTypes.Integer })(Pbkdf2Params.prototype, 'iterationCount');
AsnProp({ type: AsnPropTypes.Integer, optional: true })(Pbkdf2Params.prototype, 'keyLength');
AsnProp({ type: AlgorithmIdentifier, optional: true })(Pbkdf2Params.prototype, 'prf');

/** pkcs-12PbeParams (RFC 7292 App. C). */
export class Pkcs12PbeParams {
  salt = new OctetString();
  iterations: number | string = 0;
}
AsnProp({ type: OctetString })(Pkcs12PbeParams.prototype, 'salt');
AsnProp({ type: AsnPropTypes.Integer })(Pkcs12PbeParams.prototype, 'iterations');

/** PBMAC1-params (RFC 8018 §A.5, used by PKCS#12 per RFC 9579). */
export class Pbmac1Params {
  keyDerivationFunc = new AlgorithmIdentifier();
  messageAuthScheme = new AlgorithmIdentifier();
}
AsnProp({ type: AlgorithmIdentifier })(Pbmac1Params.prototype, 'keyDerivationFunc');
AsnProp({ type: AlgorithmIdentifier })(Pbmac1Params.prototype, 'messageAuthScheme');

/** RC2-CBC-Parameter (RFC 8018 §B.2.3). */
export class Rc2CbcParams {
  rc2ParameterVersion?: number | string;
  iv = new OctetString();
}
AsnProp({ type: AsnPropTypes.Integer, optional: true })(Rc2CbcParams.prototype, 'rc2ParameterVersion');
AsnProp({ type: OctetString })(Rc2CbcParams.prototype, 'iv');

/** EncryptedData (RFC 5652 §8); unprotectedAttrs never appear in PKCS#12. */
export class EncryptedData {
  version = 0;
  encryptedContentInfo = new EncryptedContentInfo();
}
AsnProp({ type: AsnPropTypes.Integer })(EncryptedData.prototype, 'version');
AsnProp({ type: EncryptedContentInfo })(EncryptedData.prototype, 'encryptedContentInfo');

type Ctor<T> = new () => T;

/** Encoded bytes as asn1-schema hands them over; an ASN.1 NULL in an ANY field arrives as null. */
export type Encoded = ArrayBuffer | ArrayBufferView | null | undefined;

/** Parses DER/BER as `type`; any failure becomes "Cannot import PKCS#12: <what> damaged; ...". */
export function parseAs<T>(data: Encoded, type: Ctor<T>, what: string): T {
  const input = encodedBytes(data, what);
  try {
    return AsnParser.parse(input, type);
  } catch (e) {
    throw damaged(what, e);
  }
}

function encodedBytes(data: Encoded, what: string): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) return toArrayBuffer(data);
  throw damaged(what);
}

function damaged(what: string, cause?: unknown): KeyportError {
  return invalidPkcs12(`${what} damaged; ask for a fresh copy of the file`, cause);
}

/** DER of an asn1-schema object as a Buffer. */
export function serialize(value: unknown): Buffer {
  return Buffer.from(AsnSerializer.serialize(value));
}

/** The bytes of an encoded OCTET STRING, primitive or constructed (BER). */
export function octetStringValue(der: Encoded, what: string): Buffer {
  const input = encodedBytes(der, what);
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(input);
  } catch (e) {
    throw damaged(what, e);
  }
  const value = parsed.result;
  if (parsed.offset === -1 || !(value instanceof asn1js.OctetString)) throw damaged(what);
  return bytes(value.getValue());
}

/** An OCTET STRING's DER encoding. */
export function encodeOctetString(data: Buffer): ArrayBuffer {
  return AsnSerializer.serialize(new OctetString(data));
}

/** An ASN.1 INTEGER read by asn1-schema (a number, or a decimal string when large) as a number. */
export function toCount(value: number | string | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return Number(value);
  return Number.NaN;
}

/** A Buffer over (a copy of) any binary value. */
export function bytes(data: ArrayBuffer | ArrayBufferView): Buffer {
  if (data instanceof ArrayBuffer) return Buffer.from(data.slice(0));
  return Buffer.from(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** A standalone ArrayBuffer holding the bytes of `data`. */
export function toArrayBuffer(data: ArrayBufferView): ArrayBuffer {
  const copy = new Uint8Array(data.byteLength);
  copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return copy.buffer;
}

/** An AlgorithmIdentifier whose parameters are the DER of `params` (or NULL when null). */
export function algorithm(oid: string, params: unknown | null): AlgorithmIdentifier {
  const id = new AlgorithmIdentifier({ algorithm: oid });
  id.parameters = params === null ? null : AsnSerializer.serialize(params);
  return id;
}

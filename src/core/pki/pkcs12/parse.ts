/**
 * Opens a PKCS#12 (.p12/.pfx) file: checks its MAC, decrypts its contents and collects its keys
 * and certificates. Every failure is a KeyportError whose message begins "Cannot import PKCS#12:".
 */
import { EncryptedContentInfo } from '@peculiar/asn1-cms';
import { AuthenticatedSafe, PFX, SafeContents } from '@peculiar/asn1-pfx';
import { Certificate } from '@peculiar/asn1-x509';
import { AsnParser } from '@peculiar/asn1-schema';
import { KeyportError } from '../../../shared/errors';
import { bytes, EncryptedData, octetStringValue, parseAs } from './asn1';
import { note, readSafeContents, type BagReader } from './bags';
import { decryptWith, schemeFor } from './decrypt';
import { invalidPkcs12, MAX_FILE_BYTES, MAX_ITERATIONS, unsupportedPkcs12 } from './errors';
import { verifyMac } from './mac';
import { OID } from './oids';
import { passwordSet } from './password';
import type { ParsePkcs12Options, Pkcs12Contents } from './types';

/**
 * Reads a PKCS#12 file with `password` (null when there is none). Rejects with
 * KEYPORT_PKCS12_WRONG_PASSWORD, KEYPORT_PKCS12_INVALID, KEYPORT_PKCS12_UNSUPPORTED or
 * KEYPORT_FILE_TOO_LARGE; nothing else.
 */
export async function parsePkcs12(
  data: Buffer,
  password: string | null,
  opts: ParsePkcs12Options = {},
): Promise<Pkcs12Contents> {
  try {
    return await parse(data, password, Math.min(opts.maxIterations ?? MAX_ITERATIONS, MAX_ITERATIONS));
  } catch (e) {
    if (e instanceof KeyportError) throw e;
    throw invalidPkcs12('the file is damaged or is not a PKCS#12 file', e);
  }
}

async function parse(data: Buffer, password: string | null, maxIterations: number): Promise<Pkcs12Contents> {
  checkShape(data);
  const pfx = readPfx(data);
  if (pfx.version !== 3) throw unsupportedPkcs12(`it has version ${pfx.version}; only version 3 exists`);
  if (pfx.authSafe.contentType !== OID.data) {
    throw unsupportedPkcs12('it is signed with a certificate (public-key integrity mode); re-export it with a password');
  }
  const authSafe = octetStringValue(pfx.authSafe.content, 'its contents are');
  const out: Pkcs12Contents = { keys: [], certs: [], encryption: [] };
  let passwords = passwordSet(password);
  if (hasMac(pfx)) {
    const mac = await verifyMac(pfx.macData, authSafe, passwords, maxIterations);
    out.macAlgorithm = mac.description;
    passwords = mac.passwords;
  }
  const reader: BagReader = { passwords, maxIterations, out };
  for (const info of parseAs(authSafe, AuthenticatedSafe, 'its contents are')) {
    await readContentInfo(info.contentType, info.content, reader);
  }
  return out;
}

function readPfx(data: Buffer): PFX {
  try {
    return AsnParser.parse(data, PFX);
  } catch (e) {
    throw invalidPkcs12('the file is not a PKCS#12 file or is damaged; check that you picked the right file', e);
  }
}

/** Clear words for files that are plainly something else, before ASN.1 parsing. */
function checkShape(data: Buffer): void {
  if (data.length > MAX_FILE_BYTES) {
    throw new KeyportError(
      'KEYPORT_FILE_TOO_LARGE',
      'Cannot import PKCS#12: the file is larger than 10 MB, which no PKCS#12 file is; check that you picked the right file',
    );
  }
  if (data.length === 0) throw invalidPkcs12('the file is empty');
  if (data.subarray(0, 64).toString('latin1').includes('-----BEGIN')) {
    throw invalidPkcs12('the file is PEM text, not PKCS#12; import it as a PEM certificate and key instead');
  }
  if (data[0] !== 0x30) throw invalidPkcs12('the file is not a PKCS#12 file (.p12/.pfx)');
  if (looksLikeCertificate(data)) {
    throw invalidPkcs12('the file is a single certificate, not PKCS#12; import it as a certificate with its key');
  }
}

function looksLikeCertificate(data: Buffer): boolean {
  try {
    AsnParser.parse(data, Certificate);
    return true;
  } catch {
    return false;
  }
}

/** asn1-schema leaves a default MacData when the field is absent: an empty digest means none. */
function hasMac(pfx: PFX): boolean {
  return pfx.macData !== undefined && pfx.macData.mac.digest.byteLength > 0;
}

/** Reads one ContentInfo of the AuthenticatedSafe: plain, password-encrypted, or refused. */
async function readContentInfo(contentType: string, content: ArrayBuffer, reader: BagReader): Promise<void> {
  switch (contentType) {
    case OID.data:
      return readSafeContents(octetStringValue(content, 'its contents are'), reader);
    case OID.encryptedData: {
      const eci = parseAs(content, EncryptedData, 'its encrypted contents are').encryptedContentInfo;
      const scheme = schemeFor(eci.contentEncryptionAlgorithm, reader.maxIterations);
      note(reader, scheme.description);
      // A right password gives a plaintext that parses; a wrong one rarely even pads right.
      const plain = await decryptWith(scheme, encryptedBytes(eci), reader.passwords, (p) => {
        parseAs(p, SafeContents, 'its contents are');
        return p;
      });
      return readSafeContents(plain, reader);
    }
    case OID.envelopedData:
      throw unsupportedPkcs12('it is encrypted to a certificate (public-key privacy mode); re-export it with a password');
    default:
      throw invalidPkcs12(`it holds content of unknown type ${contentType}; the file is damaged`);
  }
}

function encryptedBytes(eci: EncryptedContentInfo): Buffer {
  const content = eci.encryptedContent;
  if (content?.value) return bytes(content.value.buffer);
  if (content?.constructedValue) return Buffer.concat(content.constructedValue.map((part) => bytes(part.buffer)));
  throw invalidPkcs12('its encrypted contents are missing; the file is damaged');
}

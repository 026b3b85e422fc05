/**
 * PBMAC1 (RFC 9579) integrity: OpenSSL 3.0 cannot write it yet, so the test replaces the MAC of
 * a Keyport-built file with a PBMAC1 one computed here with plain node:crypto, per the RFC.
 */
import * as crypto from 'node:crypto';
import { MacData, PFX } from '@peculiar/asn1-pfx';
import { DigestInfo } from '@peculiar/asn1-rsa';
import { AsnParser, AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { algorithm, octetStringValue, Pbkdf2Params, Pbmac1Params } from '../../src/core/pki/pkcs12/asn1';
import { OID } from '../../src/core/pki/pkcs12/oids';
import { buildPkcs12, parsePkcs12, pickIdentity } from '../../src/core/pki/pkcs12';
import { isKeyportError } from '../../src/shared/errors';
import { makePki, tempDir } from './tools';
import { requireTools } from './require-tools';

/** A Keyport-built file for an openssl-made identity. */
async function builtFile(dir: string, password: string): Promise<{ file: Buffer; keyPkcs8: Buffer }> {
  const pki = makePki(dir, 'EC-P256');
  const keyPkcs8 = crypto.createPrivateKey(readFileSync(pki.keyPath)).export({ format: 'der', type: 'pkcs8' });
  return { file: await buildPkcs12({ keyPkcs8, chain: pki.chainDer, password }), keyPkcs8 };
}

/** `file` with its MAC replaced by PBMAC1 (PBKDF2-HMAC-SHA256, HMAC-SHA512), keyed by UTF-8 `password`. */
function withPbmac1(file: Buffer, password: string, iterations: number): Buffer {
  const pfx = AsnParser.parse(file, PFX);
  const authSafe = octetStringValue(pfx.authSafe.content, 'test');
  const salt = crypto.randomBytes(16);
  const key = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 64, 'sha256');
  const kdf = new Pbkdf2Params();
  kdf.salt = new OctetString(salt);
  kdf.iterationCount = iterations;
  kdf.keyLength = 64;
  kdf.prf = algorithm(OID.hmacWithSha256, null);
  const params = new Pbmac1Params();
  params.keyDerivationFunc = algorithm(OID.pbkdf2, kdf);
  params.messageAuthScheme = algorithm(OID.hmacWithSha512, null);
  const mac = new DigestInfo();
  mac.digestAlgorithm = algorithm(OID.pbmac1, params);
  mac.digest = new OctetString(crypto.createHmac('sha512', key).update(authSafe).digest());
  // RFC 9579 §4: macSalt is ignored by readers, iterations too.
  pfx.macData = new MacData({ mac, macSalt: new OctetString(Buffer.from('NOT USED')), iterations: 1 });
  return Buffer.from(AsnSerializer.serialize(pfx));
}

describe.runIf(requireTools('openssl'))('PBMAC1', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('opens a file whose MAC is PBMAC1, and rejects a wrong password', async () => {
    const { file, keyPkcs8 } = await builtFile(tmp.dir, 'pässwörd');
    const crafted = withPbmac1(file, 'pässwörd', 5000);
    const contents = await parsePkcs12(crafted, 'pässwörd');
    expect(contents.macAlgorithm).toBe('PBMAC1 (PBKDF2-HMAC-SHA256, HMAC-SHA512, 5000 iterations)');
    expect(pickIdentity(contents).keyPkcs8.equals(keyPkcs8)).toBe(true);
    const error = await parsePkcs12(crafted, 'passwörd').catch((e: unknown) => e);
    expect(isKeyportError(error, 'KEYPORT_PKCS12_WRONG_PASSWORD')).toBe(true);
  });
});

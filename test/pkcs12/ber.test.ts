/**
 * BER input: Windows (CryptoAPI) writes PFX files with indefinite lengths and the AuthenticatedSafe
 * in a constructed OCTET STRING split into chunks. The MAC covers the joined octets.
 */
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PFX } from '@peculiar/asn1-pfx';
import { AsnParser, AsnSerializer } from '@peculiar/asn1-schema';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPkcs12, parsePkcs12, pickIdentity } from '../../src/core/pki/pkcs12';
import { octetStringValue } from '../../src/core/pki/pkcs12/asn1';
import { makePki, tempDir } from './tools';
import { requireTools } from './require-tools';

const INDEFINITE_END = Buffer.from([0x00, 0x00]);

/** DER length octets. */
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = Buffer.from(n.toString(16).padStart(n > 0xffff ? 6 : 4, '0'), 'hex');
  return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
}

/** Re-encodes a DER PFX the way CryptoAPI does: indefinite lengths, the content split in 512-byte chunks. */
function toWindowsBer(der: Buffer): Buffer {
  const pfx = AsnParser.parse(der, PFX);
  const authSafe = octetStringValue(pfx.authSafe.content, 'test');
  const chunks: Buffer[] = [];
  for (let at = 0; at < authSafe.length; at += 512) {
    const chunk = authSafe.subarray(at, at + 512);
    chunks.push(Buffer.concat([Buffer.from([0x04]), length(chunk.length), chunk]));
  }
  const dataOid = Buffer.from('06092a864886f70d010701', 'hex');
  const content = Buffer.concat([Buffer.from([0xa0, 0x80, 0x24, 0x80]), ...chunks, INDEFINITE_END, INDEFINITE_END]);
  const contentInfo = Buffer.concat([Buffer.from([0x30, 0x80]), dataOid, content, INDEFINITE_END]);
  const macData = Buffer.from(AsnSerializer.serialize(pfx.macData));
  return Buffer.concat([Buffer.from([0x30, 0x80, 0x02, 0x01, 0x03]), contentInfo, macData, INDEFINITE_END]);
}

describe.runIf(requireTools('openssl'))('BER-encoded PKCS#12', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it.each([false, true])('opens a CryptoAPI-style file (legacy=%s)', async (legacy) => {
    const pki = makePki(tmp.dir, 'RSA-2048');
    const keyPkcs8 = crypto.createPrivateKey(readFileSync(pki.keyPath)).export({ format: 'der', type: 'pkcs8' });
    const der = await buildPkcs12({ keyPkcs8, chain: pki.chainDer, password: 'secret', legacy });
    const ber = toWindowsBer(der);
    expect(ber.subarray(0, 2).toString('hex')).toBe('3080');
    const identity = pickIdentity(await parsePkcs12(ber, 'secret'));
    expect(identity.keyPkcs8.equals(keyPkcs8)).toBe(true);
    expect(identity.chain).toEqual(pki.chainDer);
  });
});

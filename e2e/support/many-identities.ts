/**
 * A registry with many identities for the scale test, written the way Keyport stores it
 * (identities.json, schema 1): real X.509 certificates signed by a throwaway CA with
 * @peculiar/x509, each pointing at a keychain key that is never used (listing needs no key).
 * Writing the file directly is what makes 1,000 identities take a second instead of 1,000 CLI runs.
 */
import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import 'reflect-metadata';
import { X509CertificateGenerator, cryptoProvider } from '@peculiar/x509';

const DAY = 86_400_000;
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** What the scale test knows about each identity it wrote. */
export interface WrittenIdentity {
  id: string;
  label: string;
}

/** The label of identity `i`: a team and a service, so searches match known subsets. */
export function labelOf(i: number): string {
  const teams = ['payments', 'search', 'billing', 'platform', 'identity'];
  return `${teams[i % teams.length]} service ${i}`;
}

/** Writes `count` identities (every 10th expired, every 10th+1 expiring) into `dataDir`. */
export async function writeManyIdentities(dataDir: string, count: number): Promise<WrittenIdentity[]> {
  cryptoProvider.set(webcrypto as unknown as Crypto);
  const caKeys = (await webcrypto.subtle.generateKey(EC, false, ['sign', 'verify'])) as CryptoKeyPair;
  const leafKeys = (await webcrypto.subtle.generateKey(EC, false, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const written: WrittenIdentity[] = [];
  const records = [];
  for (let i = 0; i < count; i++) {
    const lifetime = i % 10 === 0 ? [-400, -5] : i % 10 === 1 ? [-360, 6] : [-30, 335 + (i % 60)];
    const cert = await X509CertificateGenerator.create({
      serialNumber: (0x1000 + i).toString(16),
      subject: `CN=svc-${i}.${labelOf(i).split(' ')[0]}.internal, O=Scale Test`,
      issuer: 'CN=Scale Test CA',
      notBefore: new Date(now + lifetime[0]! * DAY),
      notAfter: new Date(now + lifetime[1]! * DAY),
      signingAlgorithm: EC,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
    });
    const id = `scale${i.toString(16).padStart(6, '0')}`;
    const stamp = new Date(now - i * 1000).toISOString();
    records.push({ id, label: labelOf(i), source: 'pem', chain: [Buffer.from(cert.rawData).toString('base64')], key: { kind: 'keychain', keyId: `k${id}` }, createdAt: stamp, updatedAt: stamp });
    written.push({ id, label: labelOf(i) });
  }
  await writeFile(path.join(dataDir, 'identities.json'), JSON.stringify({ schemaVersion: 1, identities: records, pendingKeys: [] }));
  return written;
}

import { X509Certificate, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import vectors from './fixtures/rfc8448-simple-1rtt.json';
import { suiteById } from '../../src/core/tls/cipher-suites';
import * as ks from '../../src/core/tls/key-schedule13';
import { parseServerHello } from '../../src/core/tls/hello';
import { parseCertificate13, parseCertificateVerify, certificateVerifyContent } from '../../src/core/tls/messages13';
import { verifyServerSignature } from '../../src/core/tls/signature-schemes';
import { Transcript } from '../../src/core/tls/transcript';
import { Tls12Protection, Tls13Protection } from '../../src/core/tls/record-protection';
import { createAead, createNobleChaChaForTest } from '../../src/core/tls/aead';
import { ContentType } from '../../src/core/tls/constants';

const hex = (k: keyof typeof vectors): Buffer => Buffer.from(vectors[k], 'hex');
const body = (k: keyof typeof vectors): Buffer => hex(k).subarray(4);

describe('TLS 1.3 key schedule against RFC 8448 §3 (simple 1-RTT)', () => {
  const suite = suiteById(0x1301);
  if (!suite) throw new Error('TLS_AES_128_GCM_SHA256 missing');
  const t = new Transcript();
  t.useHash('sha256');
  t.add(hex('clientHello'));
  t.add(hex('serverHello'));
  const early = ks.earlySecret('sha256');
  const hs = ks.handshakeSecret('sha256', early, hex('sharedSecret'));
  const helloHash = t.hash();

  it('derives early and handshake secrets', () => {
    expect(early.toString('hex')).toBe(vectors.earlySecret);
    expect(hs.toString('hex')).toBe(vectors.handshakeSecret);
  });

  it('derives handshake traffic secrets, keys and IVs', () => {
    const c = ks.deriveSecret('sha256', hs, 'c hs traffic', helloHash);
    const s = ks.deriveSecret('sha256', hs, 's hs traffic', helloHash);
    expect(c.toString('hex')).toBe(vectors.clientHandshakeTrafficSecret);
    expect(s.toString('hex')).toBe(vectors.serverHandshakeTrafficSecret);
    expect(ks.trafficKeys(suite, s).key.toString('hex')).toBe(vectors.serverHandshakeKey);
    expect(ks.trafficKeys(suite, s).iv.toString('hex')).toBe(vectors.serverHandshakeIv);
    expect(ks.trafficKeys(suite, c).key.toString('hex')).toBe(vectors.clientHandshakeKey);
    expect(ks.trafficKeys(suite, c).iv.toString('hex')).toBe(vectors.clientHandshakeIv);
  });

  it('computes both Finished messages, application secrets and the resumption master secret', () => {
    const c = ks.deriveSecret('sha256', hs, 'c hs traffic', helloHash);
    const s = ks.deriveSecret('sha256', hs, 's hs traffic', helloHash);
    const full = new Transcript();
    full.useHash('sha256');
    for (const k of ['clientHello', 'serverHello', 'encryptedExtensions', 'certificate', 'certificateVerify'] as const) full.add(hex(k));
    expect(ks.finishedVerifyData('sha256', s, full.hash()).toString('hex')).toBe(body('serverFinished').toString('hex'));
    full.add(hex('serverFinished'));
    const master = ks.masterSecret('sha256', hs);
    expect(master.toString('hex')).toBe(vectors.masterSecret);
    const cAp = ks.deriveSecret('sha256', master, 'c ap traffic', full.hash());
    const sAp = ks.deriveSecret('sha256', master, 's ap traffic', full.hash());
    expect(cAp.toString('hex')).toBe(vectors.clientApplicationTrafficSecret);
    expect(sAp.toString('hex')).toBe(vectors.serverApplicationTrafficSecret);
    expect(ks.trafficKeys(suite, sAp).key.toString('hex')).toBe(vectors.serverApplicationKey);
    expect(ks.trafficKeys(suite, cAp).iv.toString('hex')).toBe(vectors.clientApplicationIv);
    expect(ks.finishedVerifyData('sha256', c, full.hash()).toString('hex')).toBe(body('clientFinished').toString('hex'));
    full.add(hex('clientFinished'));
    expect(ks.deriveSecret('sha256', master, 'res master', full.hash()).toString('hex')).toBe(vectors.resumptionMasterSecret);
  });

  it('parses the RFC ServerHello and verifies its CertificateVerify (rsa_pss_rsae_sha256)', () => {
    const sh = parseServerHello(body('serverHello'));
    expect(sh.suite).toBe(0x1301);
    const { chain } = parseCertificate13(body('certificate'));
    expect(chain).toHaveLength(1);
    const key = new X509Certificate(chain[0] as Buffer).publicKey;
    const t2 = new Transcript();
    t2.useHash('sha256');
    for (const k of ['clientHello', 'serverHello', 'encryptedExtensions', 'certificate'] as const) t2.add(hex(k));
    const cv = parseCertificateVerify(body('certificateVerify'));
    const content = certificateVerifyContent('server', t2.hash());
    expect(verifyServerSignature('TLSv1.3', cv.scheme, key, content, cv.signature)).toBe('rsa_pss_rsae_sha256');
    const tampered = Buffer.from(cv.signature);
    tampered[10] = (tampered[10] as number) ^ 1;
    expect(() => verifyServerSignature('TLSv1.3', cv.scheme, key, content, tampered)).toThrow(/does not verify/);
  });
});

describe('record protection', () => {
  for (const id of [0x1301, 0x1302, 0x1303]) {
    it(`round-trips and authenticates TLS 1.3 records with ${suiteById(id)?.name}`, () => {
      const suite = suiteById(id);
      if (!suite) throw new Error('suite');
      const key = randomBytes(suite.keyLength);
      const iv = randomBytes(12);
      const tx = new Tls13Protection(suite, key, iv);
      const rx = new Tls13Protection(suite, key, iv);
      for (const size of [0, 1, 16384]) {
        const data = randomBytes(size);
        const rec = Buffer.concat(tx.seal(ContentType.application_data, data));
        const opened = rx.open(rec.subarray(0, 5), rec.subarray(5));
        expect(opened.type).toBe(ContentType.application_data);
        expect(opened.data.equals(data)).toBe(true);
      }
      const forged = Buffer.concat(tx.seal(ContentType.handshake, Buffer.from('x')));
      forged[7] = (forged[7] as number) ^ 0x80;
      expect(() => rx.open(forged.subarray(0, 5), forged.subarray(5))).toThrow(/failed authentication/);
    });
  }

  for (const id of [0xc02b, 0xcca9]) {
    it(`round-trips TLS 1.2 records with ${suiteById(id)?.name}`, () => {
      const suite = suiteById(id);
      if (!suite) throw new Error('suite');
      const key = randomBytes(suite.keyLength);
      const iv = randomBytes(suite.aead === 'chacha20-poly1305' ? 12 : 4);
      const tx = new Tls12Protection(suite, key, iv);
      const rx = new Tls12Protection(suite, key, iv);
      const data = randomBytes(1000);
      const rec = Buffer.concat(tx.seal(ContentType.application_data, data));
      expect(rx.open(rec.subarray(0, 5), rec.subarray(5)).data.equals(data)).toBe(true);
    });
  }

  it('the @noble ChaCha20-Poly1305 fallback (Electron) interoperates with node:crypto', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const aad = randomBytes(13);
    const data = randomBytes(3000);
    const viaNode = Buffer.concat(createAead('chacha20-poly1305', key).seal(nonce, aad, Buffer.alloc(0), data));
    const opened = createNobleChaChaForTest(key).open(nonce, aad, viaNode);
    expect(opened?.equals(data)).toBe(true);
    const viaNoble = Buffer.concat(createNobleChaChaForTest(key).seal(nonce, aad, Buffer.alloc(0), data, Buffer.of(23)));
    expect(createAead('chacha20-poly1305', key).open(nonce, aad, viaNoble)?.equals(Buffer.concat([data, Buffer.of(23)]))).toBe(true);
    viaNoble[0] = (viaNoble[0] as number) ^ 1;
    expect(createNobleChaChaForTest(key).open(nonce, aad, viaNoble)).toBeNull();
  });
});

/** pickIdentity: key/certificate pairing, chain order by names and key identifiers, leftovers. */
import * as crypto from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickIdentity, type Pkcs12Contents } from '../../src/core/pki/pkcs12';
import { makePki, run, sha256Hex, tempDir, type TestPki } from './tools';
import { requireTools } from './require-tools';

const available = requireTools('openssl');

const pkcs8 = (pki: TestPki): Buffer =>
  crypto.createPrivateKey(readFileSync(pki.keyPath)).export({ format: 'der', type: 'pkcs8' });

describe.runIf(available)('pickIdentity', () => {
  const tmp = tempDir();
  let a: TestPki;
  let b: TestPki;
  /** An intermediate with the same name as a's but another key: only key identifiers tell them apart. */
  let rekeyedIntermediate: Buffer;

  beforeAll(() => {
    mkdirSync(join(tmp.dir, 'a'));
    mkdirSync(join(tmp.dir, 'b'));
    a = makePki(join(tmp.dir, 'a'), 'EC-P384', 'a.example');
    b = makePki(join(tmp.dir, 'b'), 'RSA-2048', 'b.example');
    const p = (f: string): string => join(tmp.dir, 'a', f);
    run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p('int2.key')]);
    run('openssl', ['req', '-new', '-key', p('int2.key'), '-subj', '/CN=Keyport Test Intermediate', '-out', p('int2.csr')]);
    run('openssl', ['x509', '-req', '-in', p('int2.csr'), '-CA', p('root.pem'), '-CAkey', p('root.key'), '-CAcreateserial',
      '-days', '30', '-extfile', p('ext.cnf'), '-extensions', 'ca', '-outform', 'DER', '-out', p('int2.der')]);
    rekeyedIntermediate = readFileSync(p('int2.der'));
  });
  afterAll(() => tmp.remove());

  it('orders a shuffled chain by key identifiers when two issuers share a name', () => {
    const [leaf, intermediate, root] = a.chainDer as [Buffer, Buffer, Buffer];
    const contents: Pkcs12Contents = {
      keys: [{ pkcs8: pkcs8(a) }],
      certs: [rekeyedIntermediate, root, leaf, intermediate, root].map((der) => ({ der })),
      encryption: [],
    };
    const identity = pickIdentity(contents);
    expect(identity.chain.map(sha256Hex)).toEqual(a.fingerprints);
    expect(identity.extraCerts).toEqual([rekeyedIntermediate]);
    expect(identity.keyAlgorithm).toBe('EC-P384');
  });

  it('pairs by localKeyId, falls back to the public key, and keeps other identities aside', () => {
    const contents: Pkcs12Contents = {
      keys: [
        { pkcs8: pkcs8(b), localKeyId: Buffer.from('02', 'hex'), friendlyName: 'b key' },
        { pkcs8: pkcs8(a), localKeyId: Buffer.from('01', 'hex') },
      ],
      certs: [
        // A localKeyId that points at the wrong certificate must not win over the public key.
        { der: a.chainDer[0]!, localKeyId: Buffer.from('02', 'hex') },
        { der: b.chainDer[0]!, localKeyId: Buffer.from('01', 'hex'), friendlyName: 'b cert' },
        ...b.chainDer.slice(1).map((der) => ({ der })),
      ],
      encryption: [],
    };
    const identity = pickIdentity(contents);
    expect(identity.keyPkcs8.equals(pkcs8(b))).toBe(true);
    expect(identity.keyAlgorithm).toBe('RSA-2048');
    expect(identity.chain.map(sha256Hex)).toEqual(b.fingerprints);
    expect(identity.extraCerts).toEqual([a.chainDer[0]]);
    expect(identity.friendlyName).toBe('b key');
  });

  it('uses the certificate friendly name when the key has none', () => {
    const identity = pickIdentity({
      keys: [{ pkcs8: pkcs8(a), localKeyId: Buffer.from('aa', 'hex') }],
      certs: [{ der: a.chainDer[0]!, localKeyId: Buffer.from('aa', 'hex'), friendlyName: 'from cert' }],
      encryption: [],
    });
    expect(identity.friendlyName).toBe('from cert');
    expect(identity.chain).toHaveLength(1);
  });

  it('refuses damaged keys and keys Keyport cannot sign with', () => {
    expect(() => pickIdentity({ keys: [{ pkcs8: Buffer.from('3003020100', 'hex') }], certs: [], encryption: [] })).toThrow(
      expect.objectContaining({ code: 'KEYPORT_KEY_INVALID' }),
    );
    const p = (f: string): string => join(tmp.dir, f);
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1', '-nodes', '-keyout', p('k1.key'),
      '-subj', '/CN=k1', '-days', '1', '-outform', 'DER', '-out', p('k1.der')]);
    const k1 = crypto.createPrivateKey(readFileSync(p('k1.key'))).export({ format: 'der', type: 'pkcs8' });
    expect(() => pickIdentity({ keys: [{ pkcs8: k1 }], certs: [{ der: readFileSync(p('k1.der')) }], encryption: [] })).toThrow(
      expect.objectContaining({ code: 'KEYPORT_KEY_UNSUPPORTED' }),
    );
  });
});

/**
 * `keyport enroll acme` against a real pebble on loopback (http-01 served by Keyport, dns-01 through
 * pebble-challtestsrv's DNS), into the keychain (gnome-keyring) and SoftHSM: what is stored, that the
 * identity works against an mTLS server, what a failure leaves (nothing: the registry as it was, no
 * key left in the store), and that no private key (identity or account) reaches the data dir.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliStores, type Store, type StoreName } from '../cli/cli-stores';
import { requireBackend } from '../testbed/backend';
import { CLI_BUNDLE, encodingsOf, scanForBytes } from '../testbed/cli';
import { startPebble, PEBBLE_PROBE, type Pebble } from '../testbed/pebble';
import { freePort, tempDir } from '../testbed/proc';
import { NGINX_WHOAMI_PATH, startTlsServer, TLS_SERVER_PROBES } from '../testbed/tls-servers';
import { expectRefused, keyCount, keychainPkcs8, registryKeyRefs } from './acme-stores';

const backends = [
  requireBackend('pebble', PEBBLE_PROBE),
  requireBackend('keyring'),
  requireBackend('softhsm2'),
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx),
];

describe.skipIf(backends.some((b) => b.missing))('keyport enroll acme against pebble', () => {
  let stores: CliStores;
  let pebble: Pebble;
  const enrolled: Partial<Record<StoreName, string>> = {};

  beforeAll(async () => {
    [stores, pebble] = await Promise.all([CliStores.start('acme'), startPebble()]);
  });
  afterAll(async () => {
    await Promise.all([stores?.stop(), pebble?.stop()]);
  });

  const acme = (p: Pebble, store: Store | StoreName, domains: string[], extra: string[] = []) => [
    'enroll', 'acme', '--directory', p.directory, '--ca', p.caFile,
    ...domains.flatMap((d) => ['--domain', d]),
    '--to', stores.to(store), '--http-port', String(p.httpPort), ...extra,
  ];

  it.each(['keychain', 'softhsm'] as const)('enrolls two names with http-01 into the %s', async (name) => {
    const domains = [`${name}.acme.test`, `www.${name}.acme.test`];
    const keysBefore = await keyCount(stores[name]);
    const { id } = await stores.json(name, acme(pebble, name, domains));
    enrolled[name] = id;
    const [shown] = (await stores.json(name, ['list'])).filter((i: { id: string }) => i.id === id);
    expect(shown).toMatchObject({ id, label: domains[0], sans: domains.map((d) => `DNS:${d}`) });
    expect(shown.issuer).toMatch(/Pebble/);
    expect(shown.keyStore.kind).toBe(name === 'keychain' ? 'keychain' : 'pkcs11');
    // The identity key and the account key, both in the store and both in the registry.
    expect(await keyCount(stores[name])).toBe(keysBefore + 2);
    const registry = JSON.parse(await fs.readFile(path.join(stores[name].dataDir.path, 'identities.json'), 'utf8'));
    const provider = registry.identities.find((i: { id: string }) => i.id === id).renewal.provider;
    expect(provider).toMatchObject({ kind: 'acme', directory: pebble.directory, domains, challenge: 'http-01' });
    expect(provider.accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/my-account\//);
    expect(provider.accountKey.kind).toBe(name === 'keychain' ? 'keychain' : 'pkcs11');
    await expect(fs.readFile(path.join(stores[name].dataDir.path, 'trust', `${provider.bundle}.pem`), 'utf8')).resolves.toBe(await fs.readFile(pebble.caFile, 'utf8'));
  });

  it.each(['keychain', 'softhsm'] as const)('the %s identity is accepted by an mTLS server that trusts pebble’s root', async (name) => {
    expect(enrolled[name], 'the enrollment ran').toBeDefined();
    const dir = await tempDir('acme-mtls');
    const server = await pebble.tlsCa.issueServer({ sans: ['IP:127.0.0.1'], ec: true });
    const clientCaFile = path.join(dir.path, 'pebble-root.pem');
    await fs.writeFile(clientCaFile, await pebble.issuerRoot());
    const tls = await startTlsServer('nginx', { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: pebble.tlsCa.intermediateFile, clientCaFile });
    try {
      const report = await stores.json(name, ['test', `https://127.0.0.1:${tls.port}${NGINX_WHOAMI_PATH}`, '--identity', enrolled[name]!, '--ca', pebble.tlsCa.rootFile]);
      expect(report).toMatchObject({ ok: true, negotiated: { clientCertificateSent: true }, http: { status: 200 } });
      const [seen] = await tls.evidence();
      expect(seen?.subject).toBe(`CN=${name}.acme.test`);
    } finally {
      await tls.stop();
      await dir.remove();
    }
  });

  it('proves a name with dns-01: prints the TXT record, continues on Enter', async () => {
    const store = await stores.fresh('softhsm');
    const domain = 'dns.acme.test';
    const args = [...store.backend.flags, ...acme(pebble, store, [domain], ['--challenge', 'dns-01', '--json'])];
    // Spawned directly (not startProcess): the test answers the prompt on the CLI's stdin.
    const child = spawn(process.execPath, [CLI_BUNDLE, '--data-dir', store.dataDir.path, ...args], {
      env: { ...process.env, ...store.backend.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      const record = new Promise<string>((resolve) =>
        child.stderr.on('data', (d: Buffer) => {
          stderr += d;
          const m = /_acme-challenge\.dns\.acme\.test\. TXT "([A-Za-z0-9_-]{43})"/.exec(stderr);
          if (m) resolve(m[1]!);
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await pebble.setTxt(`_acme-challenge.${domain}`, await record);
      child.stdin.end('\n');
      expect(await exited, stderr).toBe(0);
      expect(stderr).toMatch(/^Create this DNS record for dns\.acme\.test, then press Enter:\n/);
      const { id } = JSON.parse(stdout);
      const [shown] = await stores.json(store, ['list']);
      expect(shown).toMatchObject({ id, sans: [`DNS:${domain}`] });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each(['keychain', 'softhsm'] as const)('a failing http-01 challenge names the name and what pebble said; nothing is left in the %s', async (name) => {
    const store = await stores.fresh(name);
    const keysBefore = await keyCount(store);
    const wrongPort = String(await freePort());
    const args = acme(pebble, store, ['nobody.acme.test']).map((a) => (a === String(pebble.httpPort) ? wrongPort : a));
    const error = await expectRefused(stores, store, args, 'KEYPORT_ACME_CHALLENGE_FAILED', 7);
    expect(error.message).toMatch(/^The ACME server could not validate nobody\.acme\.test with http-01 \(authorization invalid\): .*(refused|connect)/i);
    expect(await keyCount(store), 'no orphan key (identity or account)').toBe(keysBefore);
  });

  it('refuses a directory URL that is not ACME, a CA that is down or untrusted, and a bad name, before making any key', async () => {
    const store = await stores.fresh('softhsm');
    const keysBefore = await keyCount(store);
    const bad = acme(pebble, store, ['a.acme.test']).map((a) => (a === pebble.directory ? pebble.directory.replace(/\/dir$/, '/nope') : a));
    const e1 = await stores.refused(store, bad, 'KEYPORT_ACME_DIRECTORY_INVALID', 6);
    expect(e1.message).toMatch(/is not an ACME directory \(HTTP 404\); check the --directory URL\.$/);
    const down = `https://127.0.0.1:${await freePort()}/dir`;
    const e2 = await stores.refused(store, acme(pebble, store, ['a.acme.test']).map((a) => (a === pebble.directory ? down : a)), 'KEYPORT_ACME_UNREACHABLE', 5);
    expect(e2.message).toBe(`Cannot reach the ACME server at ${down}: the connection was refused; check that the CA is running and the URL is right.`);
    const e3 = await stores.refused(store, acme(pebble, store, ['a.acme.test']).filter((a) => a !== '--ca' && a !== pebble.caFile), 'KEYPORT_ACME_UNREACHABLE', 5);
    expect(e3.message).toMatch(/its TLS certificate is not trusted .*; pass the CA's root with --ca FILE\.$/);
    const e4 = await stores.refused(store, acme(pebble, store, ['a.acme.test', 'not a name']), 'KEYPORT_INVALID_ARGUMENT', 2);
    expect(e4.message).toBe('Cannot ask for "not a name": --domain takes a DNS name such as api.example.com, or an IP address.');
    expect(await keyCount(store)).toBe(keysBefore);
  });

  it.each(['keychain', 'softhsm'] as const)('keyport remove deletes the identity key and its account key from the %s', async (name) => {
    const store = await stores.fresh(name);
    const before = await keyCount(store);
    const { id } = await stores.json(store, acme(pebble, store, [`gone.${name}.acme.test`]));
    expect(await keyCount(store)).toBe(before + 2);
    const r = await stores.cli(store, ['remove', id]);
    expect(r.code, r.stderr).toBe(0);
    expect(await keyCount(store)).toBe(before);
  });

  it('puts no private key (identity or account) in any data dir', async () => {
    expect(enrolled.keychain, 'the keychain enrollment ran').toBeDefined();
    const refs = await registryKeyRefs(stores.keychain.dataDir.path);
    expect(refs.length).toBeGreaterThanOrEqual(2);
    const keys = await Promise.all(refs.map((r) => keychainPkcs8(stores.keychain, r.keyId)));
    expect(keys.every((k) => k.length > 100)).toBe(true);
    const dirs = [stores.keychain.dataDir.path, stores.softhsm.dataDir.path, ...stores.keychain.backend.dirs, ...stores.softhsm.backend.dirs];
    expect(await scanForBytes(dirs, keys.flatMap(encodingsOf))).toEqual([]);
  });
});

describe.skipIf(backends.some((b) => b.missing))('keyport enroll acme against a pebble that refuses every nonce', () => {
  let stores: CliStores;
  let pebble: Pebble;
  beforeAll(async () => {
    [stores, pebble] = await Promise.all([CliStores.start('acme-nonce'), startPebble({ nonceRejectPercent: 100 })]);
  });
  afterAll(async () => {
    await Promise.all([stores?.stop(), pebble?.stop()]);
  });

  it('retries badNonce once, then stops with one sentence and leaves no key', async () => {
    const before = await keyCount(stores.softhsm);
    const args = ['enroll', 'acme', '--directory', pebble.directory, '--ca', pebble.caFile, '--domain', 'nonce.acme.test', '--to', stores.to('softhsm'), '--http-port', String(pebble.httpPort)];
    const error = await expectRefused(stores, stores.softhsm, args, 'KEYPORT_ACME_BAD_NONCE', 1);
    expect(error.message).toMatch(/^The ACME server refused to create the account \(HTTP 400\): .*nonce.*; try again\.$/i);
    expect(await keyCount(stores.softhsm)).toBe(before);
    // Once and once only again, with the fresh nonce the refusal carried (no second HEAD /nonce-plz).
    expect(pebble.log().match(/POST \/sign-me-up/g)).toHaveLength(2);
    expect(pebble.log().match(/HEAD \/nonce-plz/g)).toHaveLength(1);
  });
});

/**
 * `keyport test URL --identity auto` and `keyport connect --identity auto` through the built CLI,
 * with identities from CA A and CA B imported into the keychain (each chain with its root) in both
 * registry orders. openssl s_server trusting B names B in its CertificateRequest: one handshake,
 * B's identity. A server that names no CA (-no_ca_names) gets the first identity, and the next one
 * after it refuses that. A server that asks for CA C, which no identity has: one clear sentence, a
 * stable code, non-zero exit. Handshakes are counted from s_server's own message log.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { runCli, type CliResult } from '../testbed/cli';
import { startKeyring, type Keyring } from '../testbed/keyring';
import { tempDir, type TempDir } from '../testbed/proc';
import { createPki, type TestCert, type TestPki } from '../tls/helpers/pki';
import { startNodeTls, startOpenssl, type OpensslServer } from '../tls/helpers/servers';

const missing = requireBackend('openssl').missing || requireBackend('keyring').missing;

type Version = 'TLSv1.2' | 'TLSv1.3';

interface Report {
  ok: boolean;
  identity?: string;
  identitiesTried?: string[];
  steps: Array<{ step: string; ok: boolean; error?: { code: string; message: string } }>;
  certificateRequest?: { certificateAuthorities: string[] };
  http?: { status: number };
  diagnoses: Array<{ code: string; severity: string; detail: string }>;
}

describe.skipIf(missing)('--identity auto chooses from the server\'s CertificateRequest', () => {
  let pkis: Record<'a' | 'b' | 'c', TestPki>;
  let server: TestCert;
  let keyring: Keyring;
  /** Data dirs holding alice (CA A) and bob (CA B), imported in the order of the key. */
  const dirs = {} as Record<'ab' | 'ba', TempDir>;
  const ids = {} as Record<'ab' | 'ba', { alice: string; bob: string }>;
  const stops: Array<() => Promise<void>> = [];

  const cli = (dir: TempDir, args: string[], input?: string): Promise<CliResult> =>
    runCli(args, { dataDir: dir.path, env: keyring.env, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    pkis = { a: createPki('Auto CA A'), b: createPki('Auto CA B'), c: createPki('Auto CA C') };
    server = pkis.a.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    [keyring, dirs.ab, dirs.ba] = await Promise.all([startKeyring(), tempDir('auto-ab'), tempDir('auto-ba')]);
    const chainFile = (pki: TestPki, name: string) => {
      const leaf = pki.issue({ name, kind: 'ec', usage: 'client' });
      const file = path.join(pki.dir, `${name}-with-root.pem`);
      writeFileSync(file, Buffer.concat([leaf.certPem, pki.ca.certPem]));
      return { file, key: leaf.keyPath };
    };
    const alice = chainFile(pkis.a, 'alice-a');
    const bob = chainFile(pkis.b, 'bob-b');
    const add = async (dir: TempDir, who: { file: string; key: string }, label: string) => {
      const r = await cli(dir, ['import', who.file, '--key', who.key, '--label', label, '--json']);
      expect(r.stderr).toBe('');
      return (JSON.parse(r.stdout) as { id: string }).id;
    };
    ids.ab = { alice: await add(dirs.ab, alice, 'alice-a'), bob: await add(dirs.ab, bob, 'bob-b') };
    const bobFirst = await add(dirs.ba, bob, 'bob-b');
    ids.ba = { alice: await add(dirs.ba, alice, 'alice-a'), bob: bobFirst };
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(stops.map((s) => s()));
    await Promise.allSettled([keyring?.stop(), dirs.ab?.remove(), dirs.ba?.remove()]);
    Object.values(pkis ?? {}).forEach((p) => p.cleanup());
  });

  /** s_server answering GET with its status page; it requires a client certificate from `trusts`. */
  async function sServer(trusts: TestPki, version: Version, namesNoCa = false): Promise<OpensslServer> {
    const args = ['-cert', server.certPath, '-key', server.keyPath, '-Verify', '1', '-verify_return_error', '-CAfile', trusts.ca.certPath];
    args.push(version === 'TLSv1.3' ? '-tls1_3' : '-tls1_2', '-www', '-msg');
    if (namesNoCa) args.push('-no_ca_names');
    const s = await startOpenssl(args);
    stops.push(() => s.stop());
    return s;
  }

  const clientHellos = (s: OpensslServer) => s.output().split('\n').filter((l) => /^<<< .*ClientHello$/.test(l)).length;

  async function autoTest(dir: 'ab' | 'ba', s: OpensslServer, json = true): Promise<{ r: CliResult; report?: Report }> {
    const args = ['test', `https://127.0.0.1:${s.port}/`, '--identity', 'auto', '--ca', pkis.a.ca.certPath, '--servername', 'localhost'];
    const r = await cli(dirs[dir], json ? [...args, '--json'] : args);
    return { r, ...(json ? { report: JSON.parse(r.stdout) as Report } : {}) };
  }

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    for (const order of ['ab', 'ba'] as const) {
      it(`${version}, registry order ${order}: the server names CA B; one handshake with bob`, async () => {
        const s = await sServer(pkis.b, version);
        const { r, report } = await autoTest(order, s);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(report).toMatchObject({ ok: true, identity: ids[order].bob, identitiesTried: [ids[order].bob], http: { status: 200 } });
        expect(report!.certificateRequest?.certificateAuthorities).toEqual(['CN=Auto CA B']);
        expect(clientHellos(s)).toBe(1);
      });
    }

    it(`${version}: a server that names no CA gets the first identity, then the next after it refuses`, async () => {
      const trustsB = await sServer(pkis.b, version, true);
      const { r, report } = await autoTest('ab', trustsB);
      expect(r.code).toBe(0);
      expect(report).toMatchObject({ ok: true, identity: ids.ab.bob, identitiesTried: [ids.ab.alice, ids.ab.bob], http: { status: 200 } });
      expect(report!.certificateRequest?.certificateAuthorities).toEqual([]);
      expect(clientHellos(trustsB)).toBe(2);

      const trustsA = await sServer(pkis.a, version, true);
      const first = await autoTest('ab', trustsA);
      expect(first.report).toMatchObject({ ok: true, identity: ids.ab.alice, identitiesTried: [ids.ab.alice] });
      expect(clientHellos(trustsA)).toBe(1);
    });
  }

  it('the readable summary lists the identities tried', async () => {
    const s = await sServer(pkis.b, 'TLSv1.3', true);
    const { r } = await autoTest('ab', s, false);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^OK .*\\(identity ${ids.ab.bob}\\)\\n {2}tried {5}${ids.ab.alice}, ${ids.ab.bob} \\(the server names no CA\\)$`, 'm'));
  });

  it.each(['TLSv1.3', 'TLSv1.2'] as const)('%s: a server asking for CA C, which no identity has: one sentence, stable code, exit 7', async (version) => {
    const s = await sServer(pkis.c, version);
    const { r, report } = await autoTest('ab', s);
    expect(r.code).toBe(7);
    expect(report!.ok).toBe(false);
    expect(report!.identity).toBeUndefined();
    expect(report!.steps.slice(2)).toEqual([
      {
        step: 'handshake',
        ok: false,
        ms: expect.any(Number),
        error: { code: 'KEYPORT_NO_MATCHING_IDENTITY', message: 'No identity is issued by a CA the server asks for (CN=Auto CA C); import one issued by it.' },
      },
    ]);
    expect(report!.steps.slice(0, 2).map((step) => [step.step, step.ok])).toEqual([['dns', true], ['tcp', true]]);
    expect(report!.diagnoses[0]).toMatchObject({ code: 'client-ca-not-accepted', severity: 'error' });
    expect(report!.diagnoses[0]!.detail).toContain('CN=Auto CA C');
    expect(clientHellos(s)).toBe(1);
  });

  it('connect --identity auto presents the identity the server asks for', async () => {
    const echo = await startNodeTls(
      { cert: server.certPem, key: server.keyPem, ca: pkis.b.ca.certPem, requestCert: true, rejectUnauthorized: true },
      (sock: TLSSocket) => sock.once('data', (d: Buffer) => sock.end(d)),
    );
    stops.push(() => echo.stop());
    const r = await cli(dirs.ab, ['connect', `127.0.0.1:${echo.port}`, '--identity', 'auto', '--ca', pkis.a.ca.certPath, '--servername', 'localhost'], 'hello\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello\n');
    expect(r.stderr).toMatch(/; client certificate sent \(bob-b\)\n$/);
  });

  it('connect --identity auto to a server asking for an unknown CA: one sentence, exit 3', async () => {
    const s = await sServer(pkis.c, 'TLSv1.3');
    const r = await cli(dirs.ab, ['connect', `127.0.0.1:${s.port}`, '--identity', 'auto', '--ca', pkis.a.ca.certPath, '--servername', 'localhost'], 'hello\n');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^keyport: No identity is issued by a CA the server asks for \(CN=Auto CA C\); import one issued by it\. \[KEYPORT_NO_MATCHING_IDENTITY\]\n$/);
  });
});

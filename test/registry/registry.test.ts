import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from '../../src/core/identities/registry';
import type { IdentityRecord } from '../../src/core/identities/schema';
import { isKeyportError } from '../../src/shared/errors';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyport-registry-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function record(id: string): IdentityRecord {
  const now = new Date().toISOString();
  return { id, label: id, source: 'test', chain: ['AAAA'], key: { kind: 'keychain', keyId: `kc-${id}` }, createdAt: now, updatedAt: now, history: [] };
}

describe('identity registry', () => {
  it('reads a schema 1 registry as schema 2 (history, renewal, journal) and writes it back as 2', async () => {
    const r = new Registry(dir);
    const { history: _h, ...v1 } = record('a');
    await fs.writeFile(r.file, JSON.stringify({ schemaVersion: 1, identities: [v1], pendingKeys: [] }));
    const read = await r.read();
    expect(read.schemaVersion).toBe(2);
    expect(read.identities[0]).toMatchObject({ id: 'a', history: [] });
    expect(read.operations).toEqual([]);
    await r.update(() => undefined);
    expect(JSON.parse(await fs.readFile(r.file, 'utf8')).schemaVersion).toBe(2);
    expect(JSON.parse(await fs.readFile(r.backupFile, 'utf8')).schemaVersion).toBe(1);
  });

  it('starts empty and round-trips records with mode 0600', async () => {
    const r = new Registry(dir);
    expect((await r.read()).identities).toEqual([]);
    await r.update((d) => void d.identities.push(record('a')));
    expect((await r.read()).identities.map((i) => i.id)).toEqual(['a']);
    const mode = (await fs.stat(r.file)).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('keeps the previous good copy as .bak', async () => {
    const r = new Registry(dir);
    await r.update((d) => void d.identities.push(record('a')));
    await r.update((d) => void d.identities.push(record('b')));
    const bak = JSON.parse(await fs.readFile(r.backupFile, 'utf8'));
    expect(bak.identities.map((i: IdentityRecord) => i.id)).toEqual(['a']);
  });

  it('a change that throws writes nothing', async () => {
    const r = new Registry(dir);
    await r.update((d) => void d.identities.push(record('a')));
    const before = await fs.readFile(r.file, 'utf8');
    await expect(
      r.update((d) => {
        d.identities.push(record('b'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await fs.readFile(r.file, 'utf8')).toBe(before);
    await expect(fs.stat(path.join(dir, 'identities.lock'))).rejects.toThrow();
  });

  it('reports a corrupt file with KEYPORT_REGISTRY_CORRUPT and never overwrites it', async () => {
    const r = new Registry(dir);
    await r.update((d) => void d.identities.push(record('a')));
    await fs.writeFile(r.file, '{"schemaVersion":1,"identities":[{"id":');
    const err = await r.read().catch((e) => e);
    expect(isKeyportError(err, 'KEYPORT_REGISTRY_CORRUPT')).toBe(true);
    expect(err.message).toContain(r.backupFile);
    await expect(r.update((d) => void d.identities.push(record('b')))).rejects.toMatchObject({
      code: 'KEYPORT_REGISTRY_CORRUPT',
    });
    expect(await fs.readFile(r.file, 'utf8')).toBe('{"schemaVersion":1,"identities":[{"id":');
  });

  it('rejects a registry that fails the schema (a record holding key material is not a record)', async () => {
    const r = new Registry(dir);
    await fs.writeFile(r.file, JSON.stringify({ schemaVersion: 1, identities: [{ id: 'x' }], pendingKeys: [] }));
    await expect(r.read()).rejects.toMatchObject({ code: 'KEYPORT_REGISTRY_CORRUPT' });
  });

  it('refuses a registry from a newer Keyport', async () => {
    const r = new Registry(dir);
    await fs.writeFile(r.file, JSON.stringify({ schemaVersion: 99, identities: [], pendingKeys: [] }));
    await expect(r.read()).rejects.toMatchObject({ code: 'KEYPORT_REGISTRY_NEWER_SCHEMA' });
  });

  it('takes over a lock left by a dead process', async () => {
    const r = new Registry(dir);
    await fs.writeFile(path.join(dir, 'identities.lock'), JSON.stringify({ pid: 2 ** 22 + 7, at: Date.now() }));
    await r.update((d) => void d.identities.push(record('a')));
    expect((await r.read()).identities).toHaveLength(1);
  });

  it('loses no update when two processes write at once', async () => {
    const script = path.join(dir, 'writer.mts');
    await fs.writeFile(
      script,
      `import { Registry } from ${JSON.stringify(path.resolve('src/core/identities/registry.ts'))};
       const r = new Registry(process.argv[2]!);
       const tag = process.argv[3]!;
       // Both writers start together so their read-modify-writes really overlap.
       while (Date.now() < Number(process.argv[4])) await new Promise((r) => setTimeout(r, 1));
       for (let i = 0; i < 100; i++) {
         await r.update((d) => { const now = new Date().toISOString();
           d.identities.push({ id: tag + i, label: tag, source: 't', chain: ['AA'], key: { kind: 'keychain', keyId: 'k' }, createdAt: now, updatedAt: now }); });
       }`,
    );
    const startAt = String(Date.now() + 3000);
    const run = (tag: string) =>
      new Promise<number>((resolve) => {
        const child = fork(script, [dir, tag, startAt], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
        child.on('exit', (code) => resolve(code ?? 1));
      });
    expect(await Promise.all([run('a'), run('b')])).toEqual([0, 0]);
    const ids = (await new Registry(dir).read()).identities.map((i) => i.id);
    expect(ids).toHaveLength(200);
  }, 60_000);
});

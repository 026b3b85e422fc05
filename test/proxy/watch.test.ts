import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from '../../src/core/identities/registry';
import { watchRegistry } from '../../src/core/identities/watch';
import { waitUntil } from '../testbed/proc';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyport-watch-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function record(id: string) {
  const now = new Date().toISOString();
  return { id, label: id, source: 'test', chain: ['AAAA'], key: { kind: 'keychain' as const, keyId: `kc-${id}` }, createdAt: now, updatedAt: now, history: [] };
}

describe('watchRegistry', () => {
  it('reports each registry write once, ignores other files, and stops after unsubscribe', async () => {
    let calls = 0;
    const stop = watchRegistry(dir, () => calls++);
    try {
      const registry = new Registry(dir);
      await registry.update((d) => void d.identities.push(record('a')));
      await waitUntil(() => calls === 1, { what: 'registry change', timeoutMs: 1500 });
      await fs.writeFile(path.join(dir, 'other.json'), '{}');
      await new Promise((r) => setTimeout(r, 1200));
      expect(calls).toBe(1);
      await registry.update((d) => void d.identities.push(record('b')));
      await waitUntil(() => calls === 2, { what: 'registry change', timeoutMs: 1500 });
    } finally {
      stop();
    }
    await new Registry(dir).update((d) => void d.identities.push(record('c')));
    await new Promise((r) => setTimeout(r, 1200));
    expect(calls).toBe(2);
  });

  it('works when the data dir does not exist yet (poll fallback)', async () => {
    const sub = path.join(dir, 'later');
    let calls = 0;
    const stop = watchRegistry(sub, () => calls++);
    try {
      await fs.mkdir(sub);
      await new Registry(sub).update((d) => void d.identities.push(record('a')));
      await waitUntil(() => calls >= 1, { what: 'registry change', timeoutMs: 2500 });
    } finally {
      stop();
    }
  });
});

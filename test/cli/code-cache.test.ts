/**
 * bin/code-cache.cjs, the code cache the CLI bundle runs with on every Node: a
 * module runs as require() runs it, its V8 cache is kept owner-only and reused, a changed source
 * never runs stale code (V8 itself checks only the length, so the tests change a byte, not the
 * length, and one keeps the mtime), and a corrupt cache is replaced. Each run is a real `node`
 * child: the cache is written at exit.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CODE_CACHE = fileURLToPath(new URL('../../bin/code-cache.cjs', import.meta.url));
const KEYPORT_BIN = fileURLToPath(new URL('../../bin/keyport.cjs', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'keyport-code-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A module that prints `word`, its own file name and what require() gave it. */
const moduleSource = (word: string) => `const p = require('node:path'); module.exports.word = '${word}'; console.log(module.exports.word, p.basename(__filename), typeof require.main);\n`;

/** Runs `file` through the code cache from a main script, as bin/keyport.cjs does. */
async function runModule(file: string, cacheDir: string): Promise<string> {
  const main = path.join(dir, 'main.cjs');
  await writeFile(main, `const m = require(${JSON.stringify(CODE_CACHE)}).requireWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)}); if (m.word === undefined) process.exit(9);\n`);
  return execFileSync(process.execPath, [main], { encoding: 'utf8' });
}

async function cacheFiles(cacheDir: string): Promise<string[]> {
  return (await readdir(cacheDir)).filter((n) => n.endsWith('.v8'));
}

describe('bin/code-cache.cjs', () => {
  it('runs a module as require() does, keeps its cache owner-only and reuses it', async () => {
    const file = path.join(dir, 'mod.js');
    const cacheDir = path.join(dir, 'cache');
    await writeFile(file, moduleSource('alpha'));
    expect(await runModule(file, cacheDir)).toBe('alpha mod.js object\n');
    const [name] = await cacheFiles(cacheDir);
    expect(name).toMatch(/^keyport-v\d+\.\d+\.\d+-[0-9a-f]{32}\.v8$/);
    expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
    const first = await stat(path.join(cacheDir, name!));
    expect(first.mode & 0o777).toBe(0o600);
    expect(await runModule(file, cacheDir)).toBe('alpha mod.js object\n');
    const second = await stat(path.join(cacheDir, name!));
    expect(second.mtimeMs).toBe(first.mtimeMs); // accepted by V8, so not written again
  });

  it('never runs stale code: a same-length change gets a new cache and the old one is dropped', async () => {
    const file = path.join(dir, 'mod.js');
    const cacheDir = path.join(dir, 'cache');
    await writeFile(file, moduleSource('alpha'));
    await runModule(file, cacheDir);
    const [old] = await cacheFiles(cacheDir);
    await writeFile(file, moduleSource('omega'));
    expect(await runModule(file, cacheDir)).toBe('omega mod.js object\n');
    const now = await cacheFiles(cacheDir);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
  });

  it('never runs stale code when a same-length change keeps the old mtime (as an unpacker sets it)', async () => {
    const file = path.join(dir, 'mod.js');
    const cacheDir = path.join(dir, 'cache');
    const PACKED = 499_162_500; // npm packs every file with this mtime (1985-10-26T08:15Z)
    await writeFile(file, moduleSource('alpha'));
    await utimes(file, PACKED, PACKED);
    await runModule(file, cacheDir);
    await writeFile(file, moduleSource('omega'));
    await utimes(file, PACKED, PACKED);
    expect((await stat(file)).mtimeMs).toBe(PACKED * 1000);
    expect(await runModule(file, cacheDir)).toBe('omega mod.js object\n');
  });

  it('runs a module with non-ASCII text (read as UTF-8) and an ASCII one (read as latin1) with their text intact', async () => {
    const cacheDir = path.join(dir, 'cache');
    for (const word of ['caf\u00e9 \u00a75.1 \u2014 \u{1f511}', 'plain']) {
      const file = path.join(dir, `${word === 'plain' ? 'ascii' : 'utf8'}.js`);
      await writeFile(file, moduleSource(word), 'utf8');
      expect(await runModule(file, cacheDir)).toBe(`${word} ${path.basename(file)} object\n`);
      expect(await runModule(file, cacheDir)).toBe(`${word} ${path.basename(file)} object\n`);
    }
  });

  it("keeps another Node version's cache (switching Nodes must not recompile) unless it is a month old", async () => {
    const file = path.join(dir, 'mod.js');
    const cacheDir = path.join(dir, 'cache');
    const hash = 'ab'.repeat(16);
    const [otherNode, oldNode, unversioned] = [`keyport-v99.0.0-${hash}.v8`, `keyport-v98.0.0-${hash}.v8`, `keyport-${hash}.v8`];
    await mkdir(cacheDir, { recursive: true });
    for (const name of [otherNode, oldNode, unversioned]) await writeFile(path.join(cacheDir, name), 'cache');
    const fortyDaysAgo = Date.now() / 1000 - 40 * 86_400;
    await utimes(path.join(cacheDir, oldNode), fortyDaysAgo, fortyDaysAgo);
    await writeFile(file, moduleSource('alpha'));
    expect(await runModule(file, cacheDir)).toBe('alpha mod.js object\n');
    const names = await cacheFiles(cacheDir);
    expect(names).toContain(otherNode);
    expect(names).not.toContain(oldNode);
    expect(names).not.toContain(unversioned);
    expect(names.filter((n) => n.startsWith(`keyport-${process.version}-`))).toHaveLength(1);
  });

  it('replaces a corrupt cache and still runs the module', async () => {
    const file = path.join(dir, 'mod.js');
    const cacheDir = path.join(dir, 'cache');
    await writeFile(file, moduleSource('alpha'));
    await runModule(file, cacheDir);
    const [name] = await cacheFiles(cacheDir);
    const cache = path.join(cacheDir, name!);
    await writeFile(cache, Buffer.alloc(4096, 7));
    expect(await runModule(file, cacheDir)).toBe('alpha mod.js object\n');
    expect((await readFile(cache)).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it('bin/keyport.cjs runs the CLI bundle this way and again from its cache', async () => {
    const env = { ...process.env, HOME: dir };
    // What Node's own compile cache (used on Node 22+ before 2026-12-03) left: dropped with the first write.
    const nodeCache = path.join(dir, '.cache', 'keyport', 'compile-cache', 'v24.22.3-x64-964aae3f-0');
    await mkdir(nodeCache, { recursive: true });
    await writeFile(path.join(nodeCache, '7038ce79'), 'old');
    const version = () => execFileSync(process.execPath, [KEYPORT_BIN, '--version'], { encoding: 'utf8', env });
    expect(version()).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(version()).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(await readdir(path.join(dir, '.cache', 'keyport', 'compile-cache'))).toEqual([expect.stringMatching(/^keyport-v\d+\.\d+\.\d+-[0-9a-f]{32}\.v8$/)]);
  });
});

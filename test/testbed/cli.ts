/**
 * Driving the built `keyport` CLI from tests, and proving secrets never reached disk.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './proc.js';

/** The CLI bundle made by `npm run build:cli`. */
export const CLI_BUNDLE = fileURLToPath(new URL('../../out/cli/keyport.js', import.meta.url));

/** What a CLI run printed and how it ended. */
export interface CliResult {
  /** Exit code; a CLI killed by a signal counts as -1. */
  code: number;
  stdout: string;
  stderr: string;
}

/** How to run the CLI. */
export interface CliOptions {
  /** The data dir (always a temp dir in tests). */
  dataDir: string;
  /** Merged over process.env (e.g. a SoftHSM's or keyring's `env`, KEYPORT_PIN). */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  /** Default 60 s. */
  timeoutMs?: number;
}

/** Runs `node out/cli/keyport.js --data-dir DIR ...args` to completion. */
export async function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  if (!existsSync(CLI_BUNDLE)) throw new Error(`The CLI is not built (${CLI_BUNDLE} is missing): run npm run build:cli`);
  const result = await run(process.execPath, [CLI_BUNDLE, '--data-dir', opts.dataDir, ...args], {
    name: `keyport ${args[0] ?? ''}`.trim(),
    env: { NO_COLOR: '1', ...opts.env },
    input: opts.input,
    timeoutMs: opts.timeoutMs,
  });
  return { code: result.code ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Files under `dirs` (recursively, symlinks not followed) whose bytes contain any of
 * `needles`. Used to prove that no private key (or PIN) ever reached the disk.
 */
export async function scanForBytes(dirs: string[], needles: Buffer[]): Promise<string[]> {
  const wanted = needles.filter((n) => n.length > 0);
  if (wanted.length !== needles.length) throw new Error('Cannot scan for an empty needle: it matches every file');
  const hits: string[] = [];
  for (const dir of dirs) {
    for await (const file of walk(dir)) {
      const bytes = await readFile(file).catch(() => undefined); // a file may vanish mid-scan
      if (bytes && wanted.some((n) => bytes.includes(n))) hits.push(file);
    }
  }
  return hits;
}

/**
 * The forms a secret takes when written out: raw bytes, hex (both cases), base64 and
 * base64url. Base64 of a DER key wrapped in a PEM is found through its first 64-char line.
 */
export function encodingsOf(secret: Buffer): Buffer[] {
  const b64 = secret.toString('base64');
  const forms = [
    secret,
    secret.toString('hex'),
    secret.toString('hex').toUpperCase(),
    b64.length > 64 ? b64.slice(0, 64) : b64,
    secret.toString('base64url'),
  ];
  return forms.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
}

/** Regular files under `dir`; a missing top dir is an error (an empty scan proves nothing). */
async function* walk(dir: string, top = true): AsyncGenerator<string> {
  const entries = top ? await readdir(dir, { withFileTypes: true }) : await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full, false);
    else if (entry.isFile()) yield full;
  }
}

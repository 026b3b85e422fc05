/**
 * Builds the test bed's own compiled servers (test/servers/go-echo, test/servers/boringssl-deny)
 * once per source and toolchain into a cache directory under the OS temp dir, so a test file
 * pays for a compile only when something it depends on changed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One cached binary: where it lives, what it depends on, and how to build it. */
export interface CachedBuild {
  /** The cache directory (created when missing). */
  cacheDir: string;
  /** The binary's name before its hash, e.g. "go-echo". */
  name: string;
  /** Everything the binary depends on (toolchain version, source bytes, ...), hashed in order. */
  inputs: Array<string | Uint8Array>;
  /** Writes the binary to `output`. */
  build(output: string): Promise<void>;
}

/** The path of the binary for these inputs, building it first unless it is cached already. */
export async function cachedBuild(b: CachedBuild): Promise<string> {
  const hash = createHash('sha256');
  b.inputs.forEach((input, i) => {
    if (i > 0) hash.update('\0');
    hash.update(input);
  });
  const binary = path.join(b.cacheDir, `${b.name}-${hash.digest('hex').slice(0, 16)}`);
  if (await access(binary).then(() => true, () => false)) return binary;
  await mkdir(b.cacheDir, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  await b.build(partial);
  await rename(partial, binary); // atomic: a concurrent build of the same source wins either way
  return binary;
}

/**
 * Runs a compiler; on failure throws "Cannot build WHAT: <its stderr>; HINT", since the
 * compiler's own words say what is wrong.
 */
export async function runBuild(
  command: string,
  args: string[],
  o: { what: string; hint: string; env?: NodeJS.ProcessEnv },
): Promise<void> {
  try {
    await run(command, args, { env: o.env ?? process.env });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`Cannot build ${o.what}: ${stderr || String(error)}; ${o.hint}`);
  }
}

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import config from './config.json';

/**
 * BoringSSL's TLS test suite (BoGo) against Keyport's TLS client, through test/bogo/shim.ts.
 * Needs the runner built by scripts/build-bogo.sh; takes a few minutes on two cores. Every
 * client test must pass, exit 89 (unimplemented, flag listed in config.json), be disabled
 * with a reason, or be a known failure tied to a finding (config.json KnownFailures).
 */
const ROOT = join(__dirname, '..', '..');
const BOGO_DIR = process.env.KEYPORT_BOGO_DIR ?? join(homedir(), '.cache', 'keyport-bogo');
const RUNNER = join(BOGO_DIR, 'runner.test');
/**
 * The client tests that pass today number in the hundreds; far fewer means the shim broke
 * (e.g. everything answered 89) rather than that Keyport got better at refusing things.
 */
const MIN_PASSED = 300;
const RUN_TIMEOUT_MS = 20 * 60_000;

interface RunnerResults {
  num_failures_by_type: Record<string, number>;
  tests: Record<string, { actual: string; expected: string }>;
}

/** Runs scripts/run-bogo.sh; resolves with its exit status and output. */
function runBogo(json: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'run-bogo.sh')], {
      cwd: ROOT,
      env: { ...process.env, KEYPORT_BOGO_DIR: BOGO_DIR, KEYPORT_BOGO_JSON: json },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

describe('BoGo (BoringSSL TLS test suite) against the TLS client', () => {
  const work = mkdtempSync(join(tmpdir(), 'keyport-bogo-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(
    'passes every client test of a feature Keyport supports',
    async (ctx) => {
      if (!existsSync(RUNNER)) {
        const message = 'Backend missing: bogo (scripts/build-bogo.sh)';
        if (process.env.CI) throw new Error(message);
        console.warn(message);
        ctx.skip();
      }
      const json = join(work, 'results.json');
      const { status, output } = await runBogo(json);
      expect(existsSync(json), `the runner wrote no results:\n${output.slice(-4000)}`).toBe(true);
      const results = JSON.parse(readFileSync(json, 'utf8')) as RunnerResults;
      const known: Record<string, string> = config.KnownFailures;
      const tests = Object.entries(results.tests);
      const failed = tests.filter(([, t]) => t.actual === 'FAIL').map(([name]) => name);
      const unexpected = failed.filter((name) => !(name in known));
      const nowPassing = tests.filter(([name, t]) => name in known && t.actual === 'PASS').map(([name]) => name);
      const passed = results.num_failures_by_type.PASS ?? 0;
      console.log(
        `BoGo: ${passed} passed, ${failed.length} failed (${failed.length - unexpected.length} known), ` +
          `${results.num_failures_by_type.SKIP ?? 0} unimplemented`,
      );
      expect(unexpected, `failed, not in KnownFailures:\n${output.slice(-8000)}`).toEqual([]);
      expect(nowPassing, 'known failures that pass now: remove them from KnownFailures in test/bogo/config.json').toEqual([]);
      expect(status, output.slice(-2000)).toBe(0);
      expect(passed).toBeGreaterThanOrEqual(MIN_PASSED);
    },
    RUN_TIMEOUT_MS + 60_000,
  );
});

/**
 * Bug: the TLS client's X25519 key share read its public key with KeyObject.export({format:'jwk'}).
 * Node 20 holds the key's lock while that allocates; a garbage collection there can run the
 * finished key-generation job's destructor, which takes the same lock, and the process hangs for
 * good (a CI run hung in the TLS fuzz test; gdb showed ~KeyGenJob waiting under ExportJWKEdKey).
 * With a collection forced every 50 allocations the old code hung on this loop within seconds (20,000
 * shares, most dropped unused); the share now comes from a Diffie-Hellman with the base point.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOOP = fileURLToPath(new URL('./helpers/x25519-gc-loop.ts', import.meta.url));

describe('X25519 key shares under constant garbage collection', () => {
  it('never hang (the JWK export deadlocked with the key-generation job\'s destructor)', () => {
    const run = spawnSync(process.execPath, ['--gc-interval=50', '--import', 'tsx', LOOP, '20000'], { encoding: 'utf8', timeout: 45_000 });
    expect(run.signal, `the loop hung: ${run.stderr}`).toBeNull();
    expect(run.stdout.trim()).toBe('ok 20000');
  }, 60_000);
});

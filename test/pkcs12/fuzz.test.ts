/**
 * Fuzzes parsePkcs12 + pickIdentity with thousands of seeded mutations of valid files: every
 * case opens or fails with an expected KeyportError, within 2 s, with no unhandled rejection.
 * A longer run: `npx tsx scripts/fuzz-pkcs12.ts 100000`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFuzzCase, type FuzzOutcome } from './fuzz-case';
import { makeFuzzSeeds, type FuzzSeed } from './fuzz-seeds';
import { tempDir } from './tools';
import { requireTools } from './require-tools';

const CASES_PER_SEED = 500;
const available = requireTools('openssl');

describe.runIf(available)('PKCS#12 fuzz', () => {
  const tmp = tempDir();
  let seeds: FuzzSeed[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  beforeAll(async () => {
    seeds = await makeFuzzSeeds(tmp.dir);
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    tmp.remove();
  });

  it(`${CASES_PER_SEED} mutations of each seed fail cleanly`, { timeout: 180_000 }, async () => {
    const failures: string[] = [];
    const tally = new Map<string, number>();
    for (const [index, seed] of seeds.entries()) {
      for (let i = 0; i < CASES_PER_SEED; i++) {
        const caseSeed = index * 1_000_003 + i;
        const outcome: FuzzOutcome = await runFuzzCase(seed, caseSeed);
        tally.set(outcome.kind, (tally.get(outcome.kind) ?? 0) + 1);
        if (outcome.kind === 'failure') failures.push(`${seed.name} seed ${caseSeed}: ${outcome.reason}`);
      }
    }
    // Let stray promises settle so an unhandled rejection would be seen.
    await new Promise((resolve) => setTimeout(resolve, 50));
    console.info('PKCS#12 fuzz outcomes:', Object.fromEntries(tally));
    expect(failures).toEqual([]);
    expect(unhandled).toEqual([]);
    // The mutations must reach past the outer layers, not only break the framing.
    expect(tally.get('opened') ?? 0).toBeGreaterThan(0);
    expect(tally.get('KEYPORT_PKCS12_WRONG_PASSWORD') ?? 0).toBeGreaterThan(0);
  });
});

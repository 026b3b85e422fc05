/**
 * Long PKCS#12 fuzz run: `npx tsx scripts/fuzz-pkcs12.ts [CASES] [FIRST_SEED]`.
 * Mutates valid files made at start (openssl, Keyport) and checks every case opens or fails with
 * an expected KeyportError within 2 s. Prints cases per second and each failure with the seed
 * that reproduces it; exits 1 when any case failed.
 */
import { runFuzzCase } from '../test/pkcs12/fuzz-case';
import { makeFuzzSeeds } from '../test/pkcs12/fuzz-seeds';
import { tempDir } from '../test/pkcs12/tools';

async function main(): Promise<number> {
  const cases = Number(process.argv[2] ?? 20_000);
  const firstSeed = Number(process.argv[3] ?? 1);
  if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(firstSeed)) {
    console.error('usage: tsx scripts/fuzz-pkcs12.ts [CASES] [FIRST_SEED]');
    return 2;
  }
  const tmp = tempDir();
  const unhandled: unknown[] = [];
  process.on('unhandledRejection', (reason) => unhandled.push(reason));
  try {
    const seeds = await makeFuzzSeeds(tmp.dir);
    const tally = new Map<string, number>();
    let failures = 0;
    let slowest = 0;
    const started = performance.now();
    for (let i = 0; i < cases; i++) {
      const caseSeed = firstSeed + i;
      const seed = seeds[caseSeed % seeds.length]!;
      const outcome = await runFuzzCase(seed, caseSeed);
      tally.set(outcome.kind, (tally.get(outcome.kind) ?? 0) + 1);
      slowest = Math.max(slowest, outcome.ms);
      if (outcome.kind === 'failure') {
        failures++;
        console.log(`FAIL ${seed.name} seed ${caseSeed}: ${outcome.reason}`);
      }
      if ((i + 1) % 1000 === 0 || i + 1 === cases) {
        const seconds = (performance.now() - started) / 1000;
        console.log(`${i + 1} cases, ${((i + 1) / seconds).toFixed(0)} cases/s, slowest ${slowest.toFixed(0)} ms, ${failures} failures`);
      }
    }
    console.log('outcomes:', Object.fromEntries(tally));
    if (unhandled.length > 0) console.log(`FAIL ${unhandled.length} unhandled rejections: ${String(unhandled[0])}`);
    return failures === 0 && unhandled.length === 0 ? 0 : 1;
  } finally {
    tmp.remove();
  }
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e);
  process.exit(1);
});

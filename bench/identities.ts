/**
 * Listing 1,000 identities (the e2e scale test's registry) through Keyport, as `identities.list`
 * does: the first listing parses every leaf certificate, later ones reuse the facts parsed per
 * leaf (src/core/identities/leaf-facts.ts) and cost about the registry read. The peer is the cold
 * listing in the same run; the ratio is the warm listing's speed over it. Not a target.
 */
import { performance } from 'node:perf_hooks';
import { Keyport } from '../src/core/app';
import { writeManyIdentities } from '../e2e/support/many-identities';
import { tempDir } from '../test/testbed/proc';
import { median } from './stats';
import type { BenchRow } from './types';

const COUNT = 1000;
const WARM_LISTINGS = 5;

/** Runs the benchmark and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const data = await tempDir('bench-identities');
  const keyport = new Keyport({ dataDir: data.path });
  try {
    await writeManyIdentities(data.path, COUNT);
    const read = await millis(() => keyport.registry.read());
    const cold = await millis(() => keyport.listIdentities());
    const warm: number[] = [];
    for (let i = 0; i < WARM_LISTINGS; i++) warm.push(await millis(() => keyport.listIdentities()));
    const what = `list ${COUNT} identities`;
    return [
      { bench: 'identities', case: `${what}, first listing (parses every leaf)`, value: cold, unit: 'ms' },
      { bench: 'identities', case: `${what}, later listings, median (ratio: speed over the first)`, value: median(warm), unit: 'ms', ratio: cold / median(warm) },
      { bench: 'identities', case: `read the registry of ${COUNT} identities alone`, value: read, unit: 'ms' },
    ];
  } finally {
    await keyport.close();
    await data.remove();
  }
}

async function millis(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

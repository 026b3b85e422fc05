/**
 * 1,000 identities (the e2e scale test's data): Keyport.listIdentities parses each leaf once, so a
 * second listing of the same registry (the app's refresh, `identities.list` after a change) costs
 * the registry read, not 1,000 certificate parses. Both figures are printed for the report; the
 * ratio is loose (a shared 2-core machine is noisy) but fails when every call parses again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyport } from '../../src/core/app';
import { tempDir, type TempDir } from '../testbed/proc';
import { writeManyIdentities } from '../../e2e/support/many-identities';

const COUNT = 1000;

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

describe(`listing ${COUNT} identities`, () => {
  let data: TempDir;
  let keyport: Keyport;

  beforeAll(async () => {
    data = await tempDir('list-scale');
    await writeManyIdentities(data.path, COUNT);
    keyport = new Keyport({ dataDir: data.path });
    // The registry read alone, so the cold listing below measures the parses rather than module warm-up.
    await keyport.registry.read();
  });

  afterAll(async () => {
    await keyport?.close();
    await data?.remove();
  });

  it('is much cheaper the second time and gives the same views', async () => {
    const first = await timed(() => keyport.listIdentities());
    const second = await timed(() => keyport.listIdentities());
    const read = await timed(() => keyport.registry.read());
    console.log(
      `list-scale: ${COUNT} identities: listIdentities ${first.ms.toFixed(0)} ms cold, ${second.ms.toFixed(0)} ms warm ` +
        `(${((100 * second.ms) / first.ms).toFixed(1)}%); the registry read alone ${read.ms.toFixed(0)} ms`,
    );
    expect(first.value).toHaveLength(COUNT);
    expect(second.value).toEqual(first.value);
    expect(second.value.filter((v) => v.status === 'expired')).toHaveLength(COUNT / 10);
    expect(second.ms).toBeLessThan(first.ms * 0.5);
  });
});

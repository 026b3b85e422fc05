/**
 * 1,000 identities (the e2e scale test's data): a listing served from the per-leaf facts cache
 * (the app's refresh, `identities.list` after a change) gives exactly the views the first listing
 * parsed. What the cache saves is measured by bench/identities.ts, not here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyport } from '../../src/core/app';
import { tempDir, type TempDir } from '../testbed/proc';
import { writeManyIdentities } from '../../e2e/support/many-identities';

const COUNT = 1000;

describe(`listing ${COUNT} identities`, () => {
  let data: TempDir;
  let keyport: Keyport;

  beforeAll(async () => {
    data = await tempDir('list-scale');
    await writeManyIdentities(data.path, COUNT);
    keyport = new Keyport({ dataDir: data.path });
  });

  afterAll(async () => {
    await keyport?.close();
    await data?.remove();
  });

  it('gives the same views the second time', async () => {
    const first = await keyport.listIdentities();
    const second = await keyport.listIdentities();
    expect(first).toHaveLength(COUNT);
    expect(second).toEqual(first);
    expect(second.filter((v) => v.status === 'expired')).toHaveLength(COUNT / 10);
  });
});

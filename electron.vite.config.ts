/**
 * electron-vite build of the desktop app into out/main, out/preload and out/renderer.
 * The CLI and token host are bundled separately by scripts/build-cli.mjs.
 */
import { createRequire } from 'node:module';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import pkg from './package.json';

// electron-vite reads Electron's major version from the electron package. On machines where
// Electron could not be installed (it is an optional dependency), take it from package.json so
// the UI still builds for `keyport serve`.
try {
  createRequire(import.meta.url).resolve('electron/package.json');
} catch {
  process.env.ELECTRON_MAJOR_VER ??= /\d+/.exec(pkg.optionalDependencies.electron)?.[0];
}

/** Native addons load from node_modules at run time; they are never bundled. */
const nativeAddons = ['keytar', 'pkcs11js'];

export default defineConfig({
  main: {
    build: {
      externalizeDeps: { include: nativeAddons },
      rolldownOptions: { output: { format: 'cjs' } },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can only require('electron') and a few builtins, so everything it
      // uses (the shared client, zod) is bundled into one CommonJS file.
      externalizeDeps: false,
      rolldownOptions: { output: { format: 'cjs' } },
    },
  },
  renderer: {
    plugins: [react()],
    build: {
      // Source maps would reveal nothing secret, but keep the shipped renderer lean.
      sourcemap: false,
    },
  },
});

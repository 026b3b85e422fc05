/**
 * electron-vite build of the desktop app into out/main, out/preload and out/renderer.
 * The CLI and token host are bundled separately by scripts/build-cli.mjs.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

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

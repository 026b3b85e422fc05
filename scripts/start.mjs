// `npm start`: builds and opens the desktop app, or says in one sentence why it cannot.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Electron executable, or null when the npm package was installed without its binary. */
function electronBinary() {
  try {
    // The electron package's main module is the binary's path; it throws when the binary is absent.
    const binary = createRequire(path.join(root, 'package.json'))('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) {
  process.stderr.write(
    "Electron's binary is not installed on this machine, so the desktop window cannot open; " +
      'run `npx keyport serve` for the same UI in a browser, or use the `keyport` CLI (see README).\n',
  );
  process.exit(1);
}

/** Runs a Node script to completion in the project folder; resolves to its exit code. */
function runNode(args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

// The CLI bundle holds the token host the app starts; then `preview` builds main, preload and
// renderer and launches Electron on that production build, the one the strict CSP is written for.
const built = await runNode([path.join(root, 'scripts', 'build-cli.mjs')]);
if (built !== 0) process.exit(built);
const electronVite = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
process.exit(
  await runNode([electronVite, 'preview', ...process.argv.slice(2)], { ...process.env, ELECTRON_EXEC_PATH: binary }),
);

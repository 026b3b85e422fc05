import path from 'node:path';
import { app } from 'electron';
import { Keyport } from '../core/app';
import type { KeyportServices } from '../core/services';
import { utilityProcessHost } from './token-host';

/**
 * Starts Keyport's core for the desktop app, on the same data folder and PKCS#11 modules as the
 * CLI (`KEYPORT_DATA_DIR`, `KEYPORT_PKCS11_MODULES`). The folder is `<appData>/keyport`, which is
 * what the CLI uses, whatever the app's display name. PIN prompts arrive with the UI issue; until
 * then a token that needs a login answers KEYPORT_PIN_REQUIRED.
 */
export async function startServices(env: NodeJS.ProcessEnv = process.env): Promise<KeyportServices> {
  return new Keyport({
    dataDir: env.KEYPORT_DATA_DIR || path.join(app.getPath('appData'), 'keyport'),
    pkcs11Modules: [...new Set((env.KEYPORT_PKCS11_MODULES ?? '').split(':').filter(Boolean))],
    env,
    // The token host is bundled with the CLI (scripts/build-cli.mjs) and runs as a utility process.
    tokenHost: { entry: path.join(__dirname, '..', 'cli', 'tokenhost.js'), fork: utilityProcessHost },
  });
}

import path from 'node:path';
import { app } from 'electron';
import { AppServices } from '../core/app-services';
import type { EventHub } from '../shared/events';
import { utilityProcessHost } from './token-host';

/**
 * Starts Keyport's core for the desktop app, on the same data folder and PKCS#11 modules as the
 * CLI (`KEYPORT_DATA_DIR`, `KEYPORT_PKCS11_MODULES`). The folder is `<appData>/keyport`, which is
 * what the CLI uses, whatever the app's display name. PINs are asked in the window (`pin.required`).
 */
export async function startServices(events: EventHub, env: NodeJS.ProcessEnv = process.env): Promise<AppServices> {
  return new AppServices({
    dataDir: env.KEYPORT_DATA_DIR || path.join(app.getPath('appData'), 'keyport'),
    pkcs11Modules: [...new Set((env.KEYPORT_PKCS11_MODULES ?? '').split(':').filter(Boolean))],
    env,
    events,
    onError: (e) => console.error('Keyport:', e),
    // The token host is bundled with the CLI (scripts/build-cli.mjs) and runs as a utility process.
    tokenHost: { entry: path.join(__dirname, '..', 'cli', 'tokenhost.js'), fork: utilityProcessHost },
  });
}

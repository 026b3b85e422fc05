import os from 'node:os';
import path from 'node:path';

/**
 * The platform's app-data folder for Keyport, the same one Electron's `userData` resolves to, so the
 * CLI and the desktop app share one registry.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KEYPORT_DATA_DIR) return env.KEYPORT_DATA_DIR;
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'keyport');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'keyport');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'keyport');
  }
}

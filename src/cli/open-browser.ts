/**
 * Opens a URL in the user's default browser with the platform's launcher. The URL travels in the
 * launcher's argv, which other local users can read (ps, /proc): callers pass a one-time address
 * (UiServer.oneTimeUrl), worthless once the browser has used it.
 */
import { spawn } from 'node:child_process';

/** The launcher command and its arguments for `url` on `platform`. */
export function browserLauncher(url: string, platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start`'s first quoted argument is a window title, hence the empty one.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: [url] };
}

/** Starts the launcher detached; resolves with why it failed, or undefined once it started. */
export function openBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  const { command, args } = browserLauncher(url, platform);
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', windowsVerbatimArguments: platform === 'win32' });
    child.once('error', (e: NodeJS.ErrnoException) => resolve(`${command} failed (${e.code ?? e.message})`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}

/**
 * Electron main process: lifecycle only. It starts the core, serves the contract over IPC and
 * opens the window; all behaviour lives in src/core behind the contract.
 */
import { app, BrowserWindow } from 'electron';
import type { KeyportServices } from '../core/services';
import { createEventHub } from '../shared/events';
import { registerIpc } from './ipc';
import { registerRendererScheme, serveRenderer } from './protocol';
import { startServices } from './services';
import { createMainWindow, hardenSession, hardenWebContents } from './window';

/** How long quitting waits for the core to close its token sessions. */
const CLOSE_TIMEOUT_MS = 5000;

// Privileged schemes must be declared before `ready`.
registerRendererScheme();

// One Keyport per user: two would race on the registry and on token sessions.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  run();
}

function run(): void {
  let mainWindow: BrowserWindow | null = null;
  const events = createEventHub((e) => console.error('Keyport: an event listener failed:', e));
  const services = startServices(events);
  // Start-up failures are shown by the window through every IPC answer; don't also crash.
  services.catch(() => {});

  const openWindow = () => {
    mainWindow = createMainWindow();
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  };

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('second-instance', () => {
    if (!mainWindow) return openWindow();
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  // macOS keeps apps alive without windows; elsewhere closing the last window quits.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
  // Close the core (token host, registry lock) before exiting, but never hang on it.
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void closeWithin(services, CLOSE_TIMEOUT_MS).finally(() => {
      closed = true;
      app.quit();
    });
  });

  void app.whenReady().then(() => {
    hardenSession();
    serveRenderer();
    registerIpc(services, events);
    openWindow();
  });
}

async function closeWithin(services: Promise<KeyportServices>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  const close = services.then((ready) => ready.close()).catch(() => {});
  await Promise.race([close, timeout]);
  clearTimeout(timer);
}

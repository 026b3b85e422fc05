/**
 * Electron main process: lifecycle only. It starts the core, serves the contract over IPC, opens
 * the window, and wires the desktop around it (tray, notifications, opened files, power events);
 * all behaviour lives in src/core behind the contract.
 */
import { app, BrowserWindow, dialog } from 'electron';
import type { AppServices } from '../core/app-services';
import { toKeyportError } from '../shared/errors';
import { createEventHub, type EventHub } from '../shared/events';
import { registerIpc } from './ipc';
import { Notifier } from './notifications';
import { openableArgs, readOpenedFile } from './opened-files';
import { watchPower } from './power';
import { registerRendererScheme, serveRenderer } from './protocol';
import { startServices } from './services';
import { createTray, type AppTray } from './tray';
import { createMainWindow, hardenSession, hardenWebContents } from './window';

/** How long quitting waits for the core to close its token sessions. */
const CLOSE_TIMEOUT_MS = 5000;
/** Statuses drift with time alone (valid → expiring), so the tray and notices are refreshed hourly too. */
const ATTENTION_REFRESH_MS = 3_600_000;

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
  const logError = (e: unknown) => console.error('Keyport:', e);
  const events = createEventHub((e) => console.error('Keyport: an event listener failed:', e));
  const services = startServices(events);
  // Start-up failures are shown by the window through every IPC answer; don't also crash.
  services.catch(() => {});

  const showWindow = (identityId?: string) => {
    if (!app.isReady()) return;
    if (!mainWindow) {
      mainWindow = createMainWindow();
      mainWindow.on('closed', () => {
        mainWindow = null;
      });
    } else {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
    if (identityId) events.emit('app.showIdentity', { id: identityId });
  };

  /** Files from the OS (association, "open with"): their bytes go to the Import screen. */
  const openFiles = async (paths: string[]) => {
    for (const file of paths) {
      try {
        (await services).offerFile(await readOpenedFile(file));
      } catch (e) {
        dialog.showErrorBox('Keyport cannot open this file', toKeyportError(e, `Cannot open ${file}`).message);
      }
    }
    if (paths.length > 0) showWindow();
  };

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('second-instance', (_event, argv) => {
    showWindow();
    void openFiles(openableArgs(argv.slice(1)));
  });
  // macOS hands opened files over as events, also before `ready`.
  app.on('open-file', (event, file) => {
    event.preventDefault();
    void app.whenReady().then(() => openFiles([file]));
  });
  // macOS keeps apps alive without windows; elsewhere closing the last window quits.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) showWindow();
  });
  // Close the core before exiting, but never hang on it: the proxy routes and the renewal scheduler
  // stop first (they sign with token keys), then the watchers, PIN requests and the token host.
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
    showWindow();
    const showProxy = () => {
      showWindow();
      events.emit('app.showProxy', {});
    };
    const notifier = new Notifier(async () => (await (await services).getSettings()).notifications, showWindow, showProxy);
    const tray = createTray({
      show: showWindow,
      proxy: (action) => void services.then((ready) => (action === 'start' ? ready.startRoutes() : ready.stopRoutes())).catch(logError),
      quit: () => app.quit(),
    });
    app.once('will-quit', () => tray.destroy());
    const refreshAttention = async () => {
      const identities = await (await services).listIdentities();
      tray.update({ identities });
      await notifier.identities(identities);
    };
    const refresh = () => void refreshAttention().catch(logError);
    refresh();
    events.subscribe('identities.changed', refresh);
    setInterval(refresh, ATTENTION_REFRESH_MS).unref();
    events.subscribe('pin.required', (request) => void notifier.pinRequired(request, mainWindow?.isFocused() ?? false).catch(logError));
    wireBackground(services, events, tray, notifier, logError);
    watchPower(
      {
        lock: async () => (await services).lockTokens(),
        resume: async () => {
          await (await services).renewal.check();
          await refreshAttention();
        },
      },
      logError,
    );
    void openFiles(openableArgs(process.argv.slice(app.isPackaged ? 1 : 2)));
  });
}

/**
 * What runs beside the window, as in `keyport daemon`: the renewal scheduler and the saved proxy
 * routes. The tray follows the proxy's state; a failed renewal or one that needs a new enrollment
 * becomes a desktop notification.
 */
function wireBackground(services: Promise<AppServices>, events: EventHub, tray: AppTray, notifier: Notifier, logError: (e: unknown) => void): void {
  const showRoutes = async () => {
    const overview = await (await services).listRoutes();
    tray.update({ proxy: { running: overview.running, routes: overview.routes.flatMap((r) => (r.stats ? [r.stats] : [])), ...(overview.httpProxy ? { httpProxy: overview.httpProxy } : {}) } });
  };
  events.subscribe('routes.changed', () => void showRoutes().catch(logError));
  events.subscribe('proxy.stats', (proxy) => {
    tray.update({ proxy });
    void notifier.routes(proxy).catch(logError);
  });
  events.subscribe('renewal.notice', (notice) => {
    if (!('id' in notice)) return;
    const label = services.then((ready) => ready.listIdentities()).then((all) => all.find((i) => i.id === notice.id)?.label ?? notice.id);
    void label.then((name) => notifier.renewal(notice, name)).catch(logError);
  });
  void services.then((ready) => ready.startBackground()).then(showRoutes).catch(logError);
}

async function closeWithin(services: Promise<AppServices>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  const close = services.then((ready) => ready.close()).catch(() => {});
  await Promise.race([close, timeout]);
  clearTimeout(timer);
}

import path from 'node:path';
import { BrowserWindow, session, shell, type Session, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from './csp';
import { RENDERER_ENTRY_URL } from './renderer-origin';

/** Creates the main window on the sandboxed, CSP-locked renderer. */
export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1100,
    height: 720,
    minWidth: 720,
    minHeight: 480,
    title: 'Keyport',
    // Shown once painted, so there is no white flash and no half-built UI.
    show: false,
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.js'),
      // The renderer is an ordinary, untrusted web page: OS sandbox, no Node.js anywhere,
      // and the preload's world kept apart from the page's.
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      // Same-origin policy and mixed-content blocking stay on.
      webSecurity: true,
      allowRunningInsecureContent: false,
      // No <webview>: it could host content with different preferences.
      webviewTag: false,
      experimentalFeatures: false,
      // Dropping a file on the window must not navigate away from the app.
      navigateOnDragDrop: false,
      // Spellcheck would send typed text (labels, hostnames) to a dictionary service.
      spellcheck: false,
      // Middle-click on a link would try to open a new window (denied anyway below).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(RENDERER_ENTRY_URL);
  return window;
}

/**
 * Locks down every web contents the app creates (called from `web-contents-created`), so a
 * window added later cannot forget a rule.
 */
export function hardenWebContents(contents: WebContents): void {
  // The UI is one page: any navigation is an attack or a bug.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // No new windows; https links open in the user's browser, which has no access to Keyport.
  contents.setWindowOpenHandler(({ url }) => {
    if (isHttpsUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/**
 * Session-wide rules, applied once: no permission (camera, notifications, geolocation, HID,
 * ...) is ever granted to web content, and every response carries our CSP, in addition to
 * the meta tag in index.html.
 */
export function hardenSession(target: Session = session.defaultSession): void {
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
  target.setDevicePermissionHandler(() => false);
  target.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}

function isHttpsUrl(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

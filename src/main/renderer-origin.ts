/**
 * Where the renderer lives and how the main process recognises it. Electron-free so the
 * checks are unit-tested.
 *
 * The renderer is served from a privileged custom scheme rather than file:// so that it has a
 * real origin: CSP `'self'` then means exactly our bundle, and IPC can check the sender's
 * origin (every file:// page shares one opaque origin).
 */
import path from 'node:path';

/** The custom scheme the renderer is served from. */
export const RENDERER_SCHEME = 'keyport';

/** The host part of the renderer's URLs; scheme plus host make its origin. */
export const RENDERER_HOST = 'app';

/** The URL the main window loads. */
export const RENDERER_ENTRY_URL = `${RENDERER_SCHEME}://${RENDERER_HOST}/index.html`;

/**
 * True when an IPC message comes from our renderer: a live, top-level frame whose URL has
 * our scheme and host. Subframes and anything navigated elsewhere are refused.
 */
export function isTrustedFrame(frame: { url: string; parent: unknown } | null | undefined): boolean {
  if (!frame || frame.parent) return false;
  const url = parseUrl(frame.url);
  return url !== null && isRendererOrigin(url);
}

/**
 * Maps a request URL on our scheme to a file under `root`, or null when it is another host or
 * would escape `root` (e.g. `..` or encoded separators).
 */
export function rendererFileFor(requestUrl: string, root: string): string | null {
  const url = parseUrl(requestUrl);
  if (!url || !isRendererOrigin(url)) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0') || relative.includes('\\')) return null;
  const base = path.resolve(root);
  const file = path.resolve(base, `.${relative === '/' ? '/index.html' : relative}`);
  return file.startsWith(base + path.sep) ? file : null;
}

/**
 * Node's URL gives custom schemes an opaque origin ("null"), unlike Chromium where the scheme is
 * registered as standard, so compare scheme and host (ports and credentials are never ours).
 */
function isRendererOrigin(url: URL): boolean {
  return url.protocol === `${RENDERER_SCHEME}:` && url.host === RENDERER_HOST && !url.username && !url.password;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/**
 * The built renderer's files, and nothing else: a URL path maps to a regular file inside the
 * renderer folder (after resolving symlinks), never to a folder, a dotfile or anything outside.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** A file ready to send. */
export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/** Content types of what electron-vite emits; anything else is served as opaque bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The file for a URL path (still percent-encoded) under `root`, or null when there is none or
 * the path tries to leave `root` (`..`, encoded separators, NUL, backslashes, symlinks out).
 */
export async function readStaticFile(root: string, urlPath: string): Promise<StaticFile | null> {
  const relative = decodePath(urlPath === '/' ? '/index.html' : urlPath);
  if (relative === null) return null;
  const realRoot = await realpath(root).catch(() => null);
  if (realRoot === null) return null;
  const candidate = path.resolve(realRoot, `.${relative}`);
  const file = await realpath(candidate).catch(() => null);
  if (file === null || !isInside(realRoot, file) || !(await isRegularFile(file))) return null;
  const body = await readFile(file).catch(() => null);
  if (body === null) return null;
  return { body, contentType: CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' };
}

/** The decoded path, or null for anything a file name of ours never contains. */
function decodePath(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || /[\0\\]/.test(decoded)) return null;
  // No `.`/`..` segments and no dotfiles: the bundle has none, and they are how traversal starts.
  return decoded.split('/').some((segment) => segment.startsWith('.')) ? null : decoded;
}

function isInside(root: string, file: string): boolean {
  return file.startsWith(root + path.sep);
}

async function isRegularFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isFile() ?? false;
}

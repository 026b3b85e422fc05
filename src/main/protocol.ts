import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from './csp';
import { RENDERER_SCHEME, rendererFileFor } from './renderer-origin';

/**
 * Declares the renderer's scheme. Must run before the app is ready. `standard` gives it real
 * origins and relative URLs; `secure` makes it a secure context like https. It deliberately
 * does NOT get `bypassCSP`, `corsEnabled` or `allowServiceWorkers`.
 */
export function registerRendererScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: RENDERER_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves the built renderer (out/renderer) on the scheme, read-only, never outside that folder. */
export function serveRenderer(): void {
  const root = path.join(__dirname, '../renderer');
  protocol.handle(RENDERER_SCHEME, async (request) => {
    const file = request.method === 'GET' ? rendererFileFor(request.url, root) : null;
    if (!file) return notFound();
    // net.fetch rejects for a missing file; the page then sees a plain 404.
    const response = await net.fetch(pathToFileURL(file).href).catch(() => null);
    if (!response?.ok) return notFound();
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } });
}

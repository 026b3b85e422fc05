/**
 * `keyport serve`'s HTTP server on a real socket, probed as a hostile page or local process
 * would: wrong Host (DNS rebinding), foreign Origin, no session, CSRF-style content types,
 * oversized and broken bodies, path traversal; and the happy path: token -> cookie -> UI, API
 * and event stream. The core behind it is the in-memory stand-in (the contract is tested in
 * src/shared/serve.test.ts); the UI is a temp folder of fake bundle files.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../src/core/serve/server';
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp';
import { createEventHub } from '../../src/shared/events';
import { KeyportError } from '../../src/shared/errors';
import { memoryServices } from '../fixtures/memory-services';
import { tempDir, type TempDir } from '../testbed/proc';
import { openStream, send, sendRaw, type RawRequest } from './http-client';

const SECRET = 'outside-the-renderer-folder';
let dir: TempDir;
let ui: string;
let server: UiServer;
let cookie: string;
let port: number;

/** A request carrying the session cookie (unless `headers` overrides it). */
const withSession = (req: RawRequest) => send(port, { ...req, headers: { cookie, ...req.headers } });
const api = (method: string, body: string, headers: Record<string, string> = {}) =>
  withSession({ method: 'POST', path: `/api/${method}`, body, headers: { 'content-type': 'application/json', ...headers } });

beforeAll(async () => {
  dir = await tempDir('serve');
  ui = path.join(dir.path, 'renderer');
  await mkdir(path.join(ui, 'assets'), { recursive: true });
  await writeFile(path.join(ui, 'index.html'), '<!doctype html><title>Keyport</title>');
  await writeFile(path.join(ui, 'assets', 'app.js'), 'console.log(1);');
  await writeFile(path.join(ui, '.env'), SECRET);
  await writeFile(path.join(dir.path, 'secret.txt'), SECRET);
  await symlink(path.join(dir.path, 'secret.txt'), path.join(ui, 'assets', 'link.txt'));
  server = await startUiServer({ services: memoryServices(), rendererDir: ui });
  port = server.port;
  const first = await send(port, { path: new URL(server.url).pathname + new URL(server.url).search });
  cookie = String(first.headers['set-cookie']?.[0]).split(';')[0]!;
});

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

describe('listening', () => {
  it('binds 127.0.0.1 only and prints a URL with a 256-bit token', async () => {
    expect(server.origin).toBe(`http://127.0.0.1:${port}`);
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[A-Za-z0-9_-]{43}$`));
    // Nothing answers on the same port at IPv6 loopback or on the machine's other addresses.
    const interfaces = Object.values(os.networkInterfaces()).flat();
    const others = new Set(['::1', ...interfaces.map((a) => a!.address).filter((a) => !a.startsWith('127.'))]);
    for (const address of others) await expect(connects(address, port), address).resolves.toBe(false);
  });

  it.each(['0.0.0.0', '::', 'localhost', '192.168.1.10'])('refuses host %s with one sentence', async (host) => {
    const start = startUiServer({ services: memoryServices(), rendererDir: ui, host });
    await expect(start).rejects.toThrow(KeyportError);
    await expect(start).rejects.toMatchObject({ code: 'KEYPORT_INVALID_ARGUMENT', message: expect.stringMatching(/127\.0\.0\.1 only.*SSH tunnel/) });
  });

  it('refuses a bad port, a busy port and an unbuilt UI', async () => {
    await expect(startUiServer({ services: memoryServices(), rendererDir: ui, port: 70000 })).rejects.toMatchObject({ code: 'KEYPORT_INVALID_ARGUMENT' });
    await expect(startUiServer({ services: memoryServices(), rendererDir: ui, port })).rejects.toMatchObject({
      code: 'KEYPORT_UNAVAILABLE',
      message: expect.stringContaining(`port ${port} on 127.0.0.1 is in use`),
    });
    await expect(startUiServer({ services: memoryServices(), rendererDir: dir.path })).rejects.toMatchObject({
      code: 'KEYPORT_UNAVAILABLE',
      message: expect.stringContaining('run `npm run build`'),
    });
  });
});

describe('session', () => {
  it('trades the printed token for an HttpOnly, SameSite=Strict cookie named after the port, then drops it from the URL', async () => {
    const first = await send(port, { path: new URL(server.url).pathname + new URL(server.url).search });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(first.headers['set-cookie']).toEqual([`keyport-session-${port}=${new URL(server.url).searchParams.get('token')}; Path=/; HttpOnly; SameSite=Strict`]);
    expect(first.headers['referrer-policy']).toBe('no-referrer');
    const page = await withSession({ path: '/' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Keyport</title>');
  });

  it('refuses a wrong token, a missing or wrong cookie, on pages (text) and the API (JSON)', async () => {
    const wrongToken = await send(port, { path: '/?token=AAAA' });
    expect([wrongToken.status, wrongToken.headers['set-cookie']]).toEqual([401, undefined]);
    expect(wrongToken.body).toMatch(/open the address it printed/);
    const attempts: Record<string, string>[] = [{}, { cookie: `keyport-session-${port}=AAAA` }, { cookie: `${cookie.replace(/-\d+=/, `-${port + 1}=`)}` }];
    for (const headers of attempts) {
      const page = await send(port, { path: '/', headers });
      expect(page.status).toBe(401);
      expect(page.headers['content-type']).toMatch(/^text\/plain/);
      expect(page.body).not.toContain('<title>');
      const call = await send(port, { method: 'POST', path: '/api/identities.list', body: '{}', headers: { 'content-type': 'application/json', ...headers } });
      expect(call.status).toBe(401);
      expect(JSON.parse(call.body)).toEqual({ ok: false, error: { code: 'KEYPORT_FORBIDDEN', message: expect.stringMatching(/no Keyport session/) } });
    }
  });
});

describe('who may ask', () => {
  it.each([
    ['a rebinding name', 'evil.example:PORT'],
    ['another port', '127.0.0.1:OTHER'],
    ['no port', '127.0.0.1'],
    ['IPv6 loopback', '[::1]:PORT'],
  ])('refuses the Host header of %s with 421, before looking at the session', async (_what, host) => {
    const headers = { host: host.replace('PORT', String(port)).replace('OTHER', String(port + 1)) };
    expect((await withSession({ path: '/', headers })).status).toBe(421);
    expect((await api('identities.list', '{}', headers)).status).toBe(421);
  });

  it('refuses a request without a Host header', async () => {
    expect(await sendRaw(port, 'GET / HTTP/1.0\r\n\r\n')).toBe(421);
  });

  it('answers at localhost:PORT too (its own cookie jar, its own Origin)', async () => {
    const reply = await api('app.version', '{}', { host: `localhost:${port}`, origin: `http://localhost:${port}` });
    expect(reply.status).toBe(200);
  });

  it.each(['http://evil.example', 'http://127.0.0.1:1', 'null', 'https://127.0.0.1:PORT', 'http://localhost:PORT'])(
    'refuses Origin %s with 403',
    async (origin) => {
      const reply = await api('identities.list', '{}', { origin: origin.replace('PORT', String(port)) });
      expect(reply.status).toBe(403);
      expect(JSON.parse(reply.body).error.code).toBe('KEYPORT_FORBIDDEN');
      expect(reply.body).not.toContain('CN=dev');
    },
  );

  it('accepts its own Origin, and refuses the API to requests the browser marks as cross-site or same-site', async () => {
    expect((await api('identities.list', '{}', { origin: server.origin, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    for (const site of ['cross-site', 'same-site', 'none']) {
      expect((await api('identities.list', '{}', { 'sec-fetch-site': site })).status, site).toBe(403);
    }
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''])(
    'refuses a POST with content-type %j (what a page can send without a preflight) with 415',
    async (type) => {
      const reply = await withSession({ method: 'POST', path: '/api/identities.remove', body: '{"id":"id-1"}', headers: type ? { 'content-type': type } : {} });
      expect(reply.status).toBe(415);
      expect(JSON.parse(reply.body).error.code).toBe('KEYPORT_INVALID_REQUEST');
      expect((await api('identities.list', '{}')).body).toContain('"id-1"');
    },
  );
});

describe('the API', () => {
  it('answers with the Result as JSON, not cacheable, with the security headers', async () => {
    const reply = await api('identities.list', '{}', { 'content-type': 'application/json; charset=utf-8' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: true, value: [{ id: 'id-1', label: 'dev' }] });
    expect(reply.headers).toMatchObject({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-frame-options': 'DENY',
    });
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives KEYPORT_INVALID_REQUEST for bad JSON, bad UTF-8, a bad request and an unknown method', async () => {
    for (const body of ['{"id":', Buffer.from([0x7b, 0xff, 0x7d])]) {
      const reply = await api('identities.show', body as string);
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.body)).toEqual({ ok: false, error: { code: 'KEYPORT_INVALID_REQUEST', message: expect.stringMatching(/not valid JSON/) } });
    }
    expect(JSON.parse((await api('identities.show', '{"id":42}')).body).error).toMatchObject({ code: 'KEYPORT_INVALID_REQUEST', message: expect.stringMatching(/^Invalid identities.show request: id:/) });
    expect(JSON.parse((await api('__proto__', '{}')).body).error.code).toBe('KEYPORT_INVALID_REQUEST');
  });

  it('refuses a body over 64 KiB with 413, declared or chunked, and parses one at the limit', async () => {
    const over = `{"id":"${'a'.repeat(64 * 1024)}"}`;
    for (const chunked of [false, true]) {
      const reply = await withSession({ method: 'POST', path: '/api/identities.show', body: over, chunked, headers: { 'content-type': 'application/json' } });
      expect(reply.status, chunked ? 'chunked' : 'declared').toBe(413);
      expect(JSON.parse(reply.body).error).toMatchObject({ code: 'KEYPORT_INVALID_REQUEST', message: expect.stringMatching(/larger than 65536 bytes/) });
    }
    const atLimit = `{"id":"${'a'.repeat(64 * 1024 - 9)}"}`;
    expect(atLimit.length).toBe(64 * 1024);
    const reply = await api('identities.show', atLimit);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).error.message).toMatch(/id: the identity id is too long/);
  });

  it('reads larger bodies only for the methods that carry files, up to their own limit', async () => {
    const p12 = Buffer.alloc(1024 * 1024, 7).toString('base64');
    const body = JSON.stringify({ file: { name: 'big.p12', dataBase64: p12 }, to: { kind: 'keychain' } });
    expect(body.length).toBeGreaterThan(64 * 1024);
    expect(JSON.parse((await api('identities.import', body)).body)).toEqual({ ok: true, value: { id: 'id-2' } });
    expect((await api('identities.list', JSON.stringify({ pad: p12 }))).status).toBe(413);
    const tooLarge = JSON.stringify({ file: { name: 'huge.p12', dataBase64: 'A'.repeat(9 * 1024 * 1024) }, to: { kind: 'keychain' } });
    expect((await api('identities.import', tooLarge)).status).toBe(413);
  });

  it('trades a one-time token (serve --open) for a session once only', async () => {
    const once = new URL(server.oneTimeUrl());
    const first = await send(port, { path: once.pathname + once.search });
    expect(first.status).toBe(303);
    const ownCookie = String(first.headers['set-cookie']?.[0]).split(';')[0]!;
    expect((await send(port, { path: '/api/identities.list', method: 'POST', body: '{}', headers: { cookie: ownCookie, 'content-type': 'application/json' } })).status).toBe(200);
    expect((await send(port, { path: once.pathname + once.search })).status).toBe(401);
  });

  it('answers only the right HTTP method', async () => {
    expect((await withSession({ path: '/api/identities.list' })).status).toBe(405);
    expect((await withSession({ method: 'DELETE', path: '/' })).status).toBe(405);
    expect((await withSession({ method: 'POST', path: '/api/events', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(405);
    expect((await withSession({ method: 'HEAD', path: '/' })).status).toBe(200);
  });

  it('refuses an absolute-form request target', async () => {
    expect(await sendRaw(port, `GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)).toBe(400);
  });
});

describe('static files', () => {
  it('serves the UI with the CSP, nosniff and the right types', async () => {
    const js = await withSession({ path: '/assets/app.js' });
    expect([js.status, js.headers['content-type'], js.body]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log(1);']);
    const html = await withSession({ path: '/index.html' });
    expect(html.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(html.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/assets/..%5c..%5csecret.txt',
    '/%2fsecret.txt',
    `/${'%2e%2e%2f'.repeat(8)}etc/passwd`,
    '/index.html%00.js',
    '/.env',
    '/assets/link.txt',
    '/assets',
    '/assets/',
    '/%E0%A4%A',
    '/nope.js',
  ])('answers 404 for %s', async (p) => {
    const reply = await withSession({ path: p });
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain(SECRET);
    expect(reply.body).not.toContain('root:');
  });
});

describe('events', () => {
  it('streams identities.changed to a session, and ends the stream when the server closes', async () => {
    const events = createEventHub();
    const own = await startUiServer({ services: memoryServices(), rendererDir: ui, events });
    try {
      const { pathname, search } = new URL(own.url);
      const ownCookie = String((await send(own.port, { path: pathname + search })).headers['set-cookie']?.[0]).split(';')[0]!;
      expect((await send(own.port, { path: '/api/events' })).status).toBe(401);
      const stream = await openStream(own.port, '/api/events', { cookie: ownCookie });
      expect(stream.statusCode).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      let text = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const ended = new Promise((resolve) => stream.on('end', resolve).on('close', resolve));
      const removed = await send(own.port, {
        method: 'POST',
        path: '/api/identities.remove',
        body: '{"id":"id-1"}',
        headers: { cookie: ownCookie, 'content-type': 'application/json' },
      });
      expect(JSON.parse(removed.body)).toEqual({ ok: true, value: null });
      await expect.poll(() => text).toContain('event: identities.changed\ndata: {"change":"removed","id":"id-1"}\n\n');
      await own.close();
      await ended;
    } finally {
      await own.close();
    }
  });
});

/** True when a TCP connection to address:port succeeds. */
function connects(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * One request to `keyport serve`, in order: is it for us and from our page (guard), is it the
 * first visit trading the printed token for a cookie, does it carry the session, then the
 * route: `/api/events`, `POST /api/<method>` through serveContract, or a file of the UI.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventHub } from '../../shared/events';
import { serveContract } from '../../shared/serve';
import type { KeyportServices } from '../services';
import { isMethodName, maxRequestBytes } from '../../shared/contract';
import { MAX_BODY_BYTES, readJsonBody } from './body';
import { openEventStream } from './event-stream';
import { checkSource } from './guard';
import { sendJson, sendText, writeHead } from './headers';
import { reject, type Rejection } from './rejection';
import type { Session } from './session';
import { readStaticFile } from './static-files';

/** What the handler needs from the running server. */
export interface HandlerContext {
  port: number;
  session: Session;
  services: KeyportServices;
  events: EventHub;
  rendererDir: string;
  /** A fixed body limit for every method; by default each method's own (maxRequestBytes). */
  maxBodyBytes?: number;
  /** Open event streams, closed when the server stops. */
  streams: Set<() => void>;
  onInternalError?: (error: unknown) => void;
}

const NO_SESSION = 'This browser has no Keyport session: open the address that `keyport serve` printed, which carries the session token.';
const WRONG_TOKEN = "This address's session token is not the running keyport serve's: open the address it printed when it started.";

/** The server's request listener. */
export function createRequestHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      ctx.onInternalError?.(error);
      if (res.headersSent) res.destroy();
      else sendText(res, 500, 'Keyport failed to answer this request: see the terminal running keyport serve.');
    });
  };
}

async function handle(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Only origin-form targets ("/path?query"); an absolute URL here would pick its own host.
  const target = req.url ?? '';
  if (!target.startsWith('/')) return sendText(res, 400, 'Bad request target: ask for a path such as /.');
  const url = new URL(target, 'http://127.0.0.1');
  const api = url.pathname.startsWith('/api/');
  const refused = checkSource(req, ctx.port, api);
  if (refused) return refuse(res, refused, api);
  if (!api && url.pathname === '/' && url.searchParams.has('token')) return exchangeToken(ctx, res, url.searchParams.get('token') ?? '');
  if (!ctx.session.matches(ctx.session.tokenFrom(req.headers.cookie))) {
    return refuse(res, reject(401, 'KEYPORT_FORBIDDEN', NO_SESSION), api);
  }
  if (url.pathname === '/api/events') return streamEvents(ctx, req, res);
  if (api) return answerApi(ctx, req, res, url.pathname.slice('/api/'.length));
  return serveFile(ctx, req, res, url.pathname);
}

/** The printed URL's first visit: a valid token becomes the session cookie, and the URL loses it. */
function exchangeToken(ctx: HandlerContext, res: ServerResponse, token: string): void {
  if (!ctx.session.redeem(token)) return refuse(res, reject(401, 'KEYPORT_FORBIDDEN', WRONG_TOKEN), false);
  // 303 to "/" keeps the token out of the address bar and the history.
  writeHead(res, 303, { location: '/', 'set-cookie': ctx.session.cookie() });
  res.end();
}

function streamEvents(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET') return refuse(res, notAllowed('GET'), true, { allow: 'GET' });
  const close = openEventStream(req, res, ctx.events);
  ctx.streams.add(close);
  req.on('close', () => ctx.streams.delete(close));
}

async function answerApi(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
  if (req.method !== 'POST') return refuse(res, notAllowed('POST'), true, { allow: 'POST' });
  // A page elsewhere can only send JSON after a CORS preflight, which this server never approves.
  if (mediaType(req.headers['content-type']) !== 'application/json') {
    return refuse(res, reject(415, 'KEYPORT_INVALID_REQUEST', 'Keyport API requests must have content-type application/json.'), true);
  }
  const body = await readJsonBody(req, ctx.maxBodyBytes ?? (isMethodName(method) ? maxRequestBytes(method) : MAX_BODY_BYTES));
  if ('status' in body) return refuse(res, body, true, body.status === 413 ? { connection: 'close' } : {});
  const result = await serveContract(ctx.services, method, body.value, {
    events: ctx.events,
    ...(ctx.onInternalError ? { onInternalError: ctx.onInternalError } : {}),
  });
  sendJson(res, 200, result);
}

async function serveFile(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, notAllowed('GET'), false, { allow: 'GET, HEAD' });
  const file = await readStaticFile(ctx.rendererDir, pathname);
  if (!file) return sendText(res, 404, 'Not found.');
  writeHead(res, 200, { 'content-type': file.contentType, 'content-length': String(file.body.length) });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/** Refuses as a Result-shaped JSON body for the API, as one sentence of text for pages. */
function refuse(res: ServerResponse, rejection: Rejection, api: boolean, extra: Record<string, string> = {}): void {
  if (!api) return sendText(res, rejection.status, rejection.message, extra);
  sendJson(res, rejection.status, { ok: false, error: { code: rejection.code, message: rejection.message } }, extra);
}

function notAllowed(method: string): Rejection {
  return reject(405, 'KEYPORT_INVALID_REQUEST', `This address only answers ${method} requests.`);
}

/** `application/json; charset=utf-8` -> `application/json`. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

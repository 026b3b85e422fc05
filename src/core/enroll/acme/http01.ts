import { createServer, type Server } from 'node:http';
import { KeyportError } from '../../../shared/errors';

const PREFIX = '/.well-known/acme-challenge/';

/** The http-01 responder: answers `GET /.well-known/acme-challenge/TOKEN` with its key authorization. */
export interface Http01Responder {
  set(token: string, keyAuthorization: string): void;
  close(): Promise<void>;
}

/**
 * Serves http-01 key authorizations (RFC 8555 §8.3) on loopback only, for as long as one enrollment
 * runs. Every other path is 404; nothing else is served.
 */
export async function startHttp01(port: number, host = '127.0.0.1'): Promise<Http01Responder> {
  const answers = new Map<string, string>();
  const server = createServer((req, res) => {
    const token = req.method === 'GET' && req.url?.startsWith(PREFIX) ? req.url.slice(PREFIX.length) : undefined;
    const answer = token === undefined ? undefined : answers.get(token);
    res.writeHead(answer ? 200 : 404, { 'content-type': 'text/plain' }).end(answer ?? '');
  });
  await listen(server, port, host);
  return {
    set: (token, keyAuthorization) => void answers.set(token, keyAuthorization),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new KeyportError(
          'KEYPORT_UNAVAILABLE',
          `Cannot serve the http-01 challenge on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.code === 'EACCES' ? 'the port needs privileges' : e.message}; pick another with --http-port N (the port your CA validates on).`,
          { cause: e },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

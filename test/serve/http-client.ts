/**
 * A raw HTTP client for testing `keyport serve` the way an attacker would: any Host, Origin or
 * path bytes, which fetch() would refuse to send or would normalise.
 */
import http from 'node:http';
import net from 'node:net';

/** What came back. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request to 127.0.0.1:`port`; `headers.host` defaults to 127.0.0.1:`port`. */
export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body chunked, without a content-length. */
  chunked?: boolean;
}

/** Sends one request and reads the whole answer. */
export function send(port: number, req: RawRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...req.headers };
    if (req.body !== undefined && !req.chunked) headers['content-length'] = String(Buffer.byteLength(req.body));
    const request = http.request({ host: '127.0.0.1', port, method: req.method ?? 'GET', path: req.path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    request.on('error', reject);
    // Writing before end() sends the headers at once, so Node cannot add a content-length.
    if (req.chunked && req.body !== undefined) request.write(req.body);
    request.end(req.chunked ? undefined : req.body);
  });
}

/** Sends raw bytes (e.g. HTTP/1.0 without Host) and returns the status line's code. */
export function sendRaw(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.\d (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

/** Opens a GET whose answer is a stream; resolves with the response once headers arrived. */
export function openStream(port: number, path: string, headers: Record<string, string>): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false }, resolve);
    request.on('error', reject);
  });
}

/**
 * A Node https server (OpenSSL under node:tls) that requires a client certificate from `ca` and
 * answers what it verified: GET /whoami → {"cn","serial"}; GET /bytes?n=N → N deterministic bytes;
 * GET /headers → the request's headers as JSON (its answer names x-hop-only in its Connection header);
 * GET /big-header?bytes=N → an x-big header of N bytes; GET /trailers → a chunked body with trailer x-sum.
 * `maxVersion: 'TLSv1.2'` makes every connection a full handshake (Keyport resumes TLS 1.3 only),
 * so each one needs a signature from the key.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface WhoamiServer {
  port: number;
  stop(): Promise<void>;
}

const BLOCK = 64 * 1024;

/** Block i of the /bytes stream. */
export function block(i: number): Buffer {
  const b = Buffer.alloc(BLOCK, i % 253);
  b.writeUInt32BE(i, 0);
  return b;
}

/** SHA-256 of the first n bytes of the /bytes stream. */
export function bytesDigest(n: number): string {
  const h = createHash('sha256');
  for (let i = 0, left = n; left > 0; i++, left -= BLOCK) h.update(left >= BLOCK ? block(i) : block(i).subarray(0, left));
  return h.digest('hex');
}

export async function startWhoamiServer(o: { keyFile: string; chainPem: string; caFile: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3'; keepAliveMs?: number }): Promise<WhoamiServer> {
  const server = https.createServer(
    { key: await readFile(o.keyFile), cert: o.chainPem, ca: await readFile(o.caFile), requestCert: true, rejectUnauthorized: true, maxVersion: o.maxVersion ?? 'TLSv1.3', maxHeaderSize: 64 * 1024 },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      if (url.pathname === '/bytes') {
        let left = Number(url.searchParams.get('n'));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left });
        let i = 0;
        const more = (): void => {
          while (left > 0) {
            const b = left >= BLOCK ? block(i++) : block(i++).subarray(0, left);
            left -= b.length;
            if (!res.write(b)) return void res.once('drain', more);
          }
          res.end();
        };
        return more();
      }
      if (url.pathname === '/big-header') return void res.setHeader('x-big', 'y'.repeat(Number(url.searchParams.get('bytes')))).end('big header sent\n');
      if (url.pathname === '/trailers') {
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-sum' });
        res.write('body then ');
        res.addTrailers({ 'x-sum': '42' });
        return void res.end('trailers');
      }
      if (url.pathname === '/headers') {
        res.setHeader('x-end-to-end', 'kept');
        res.setHeader('x-hop-only', 'dropped');
        res.setHeader('connection', 'x-hop-only');
        res.setHeader('content-type', 'application/json');
        return void res.end(`${JSON.stringify(req.headers)}\n`);
      }
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.setHeader('content-type', 'application/json');
      res.end(`${JSON.stringify({ cn: peer.subject?.CN, serial: peer.serialNumber?.toLowerCase().replace(/^0+/, '') })}\n`);
    },
  );
  server.keepAliveTimeout = o.keepAliveMs ?? 2000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * nginx as a test-bed peer: HTTPS on loopback with `ssl_verify_client on`, run in the
 * foreground from a generated config in a private prefix directory. HTTP, not a raw echo:
 * - `POST /echo` answers with the request body (the echo module, libnginx-mod-http-echo);
 * - `GET /whoami` answers JSON with what nginx verified ($ssl_client_s_dn, ...);
 * - `GET /files/NAME` serves `filesDir`/NAME when the options give a `filesDir`;
 * - a request without a valid client certificate gets nginx's 400 (nginx completes the
 *   handshake and refuses the request, so rejections are HTTP 400s, not alerts).
 * Evidence: the access log, one JSON line per request with the client certificate nginx
 * verified ($ssl_client_raw_cert), counted once per connection.
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnServer, startOnFreePort, waitForListen } from './child.js';
import { checkOptions, groupsOf, makeWorkDir, normalizeVersion, pemFingerprint, writeCertChain } from './common.js';
import type { ClientEvidence, TlsServer, TlsServerOptions } from './types.js';

/** Debian's dynamic echo module (package libnginx-mod-http-echo). */
export const NGINX_ECHO_MODULE = '/usr/lib/nginx/modules/ngx_http_echo_module.so';

/** Paths nginx serves. */
export const NGINX_ECHO_PATH = '/echo';
export const NGINX_WHOAMI_PATH = '/whoami';

/** Starts nginx with a generated config; see the module comment for what it serves. */
export async function startNginxServer(o: TlsServerOptions): Promise<TlsServer> {
  checkOptions(o);
  if (o.alpn?.length && !o.alpn.includes('http/1.1')) {
    throw new Error(`Cannot start nginx with ALPN ${o.alpn.join(',')}: it speaks only http/1.1 here`);
  }
  await access(NGINX_ECHO_MODULE).catch(() => {
    throw new Error(`Cannot start nginx: ${NGINX_ECHO_MODULE} is missing; install the Debian package libnginx-mod-http-echo`);
  });
  const work = await makeWorkDir('nginx');
  try {
    const certChain = await writeCertChain(o, work.dir);
    const accessLog = path.join(work.dir, 'access.log');
    const { proc, port } = await startOnFreePort(async (port) => {
      const conf = path.join(work.dir, 'nginx.conf');
      await writeFile(conf, nginxConf(o, { port, dir: work.dir, certChain, accessLog, filesDir: o.filesDir }));
      const p = spawnServer('nginx', ['-p', work.dir, '-c', conf, '-e', 'stderr']);
      try {
        await waitForListen(port, p, 'nginx');
        return { proc: p, port };
      } catch (error) {
        await p.stop();
        throw error;
      }
    });
    const rejected = /client sent no required SSL certificate|client SSL certificate verify error|SSL_do_handshake\(\) failed/;
    return {
      kind: 'nginx',
      host: '127.0.0.1',
      port,
      evidence: async () => parseAccessLog(await readFile(accessLog, 'utf8').catch(() => '')),
      rejections: () => Promise.resolve(proc.stderr.filter((line) => rejected.test(line))),
      stop: async () => {
        await proc.stop();
        await work.remove();
      },
    };
  } catch (error) {
    await work.remove();
    throw error;
  }
}

interface ConfPaths {
  port: number;
  dir: string;
  certChain: string;
  accessLog: string;
  filesDir?: string;
}

/** The nginx.conf: one foreground process, every path inside `dir`, loopback only. */
function nginxConf(o: TlsServerOptions, p: ConfPaths): string {
  const q = (s: string) => JSON.stringify(s); // nginx accepts double-quoted strings with \" escapes
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((name) => `  ${name}_temp_path ${q(path.join(p.dir, name))};`)
    .join('\n');
  const groups = groupsOf(o);
  const whoami =
    '{"subject":"$ssl_client_s_dn","verify":"$ssl_client_verify",' +
    '"version":"$ssl_protocol","cipher":"$ssl_cipher"}\\n';
  return `load_module ${NGINX_ECHO_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${q(path.join(p.dir, 'nginx.pid'))};
error_log stderr info;
events { worker_connections 256; }
http {
${temp}
  log_format evidence escape=json '{"connection":"$connection","status":"$status",'
    '"verify":"$ssl_client_verify","subject":"$ssl_client_s_dn","version":"$ssl_protocol",'
    '"cipher":"$ssl_cipher","cert":"$ssl_client_raw_cert"}';
  access_log ${q(p.accessLog)} evidence;
  server {
    listen 127.0.0.1:${p.port} ssl;
    ssl_certificate ${q(p.certChain)};
    ssl_certificate_key ${q(o.keyFile)};
    ssl_client_certificate ${q(o.clientCaFile)};
    ssl_verify_client on;
    ssl_verify_depth 8;
    ssl_protocols ${o.version};
${o.sessionTickets === false ? '    ssl_session_tickets off;\n' : ''}${groups.length > 0 ? `    ssl_ecdh_curve ${groups.join(':')};\n` : ''}    client_max_body_size 64m;
    client_body_buffer_size 64m;
    location = ${NGINX_ECHO_PATH} { echo_read_request_body; echo_request_body; }
    location = ${NGINX_WHOAMI_PATH} { default_type application/json; return 200 '${whoami}'; }
${p.filesDir ? `    location /files/ { alias ${q(`${p.filesDir}/`)}; }\n` : ''}    location / { return 404; }
  }
}
`;
}

interface AccessLogEntry {
  connection: string;
  verify: string;
  subject: string;
  version: string;
  cipher: string;
  cert: string;
}

/** One evidence entry per connection, from its first request with a verified certificate. */
function parseAccessLog(text: string): ClientEvidence[] {
  const seen = new Set<string>();
  const out: ClientEvidence[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as AccessLogEntry;
    const version = normalizeVersion(entry.version);
    if (entry.verify !== 'SUCCESS' || !version || !entry.cert || seen.has(entry.connection)) continue;
    seen.add(entry.connection);
    out.push({ subject: entry.subject, fingerprintSha256: pemFingerprint(entry.cert), version, cipher: entry.cipher });
  }
  return out;
}

/**
 * Helpers for the connection doctor's tests: in-memory identities (the key in this process, as the
 * keychain store holds it once loaded) for in-process probes, openssl s_server and nginx started
 * with the exact configuration a case needs, and an assertion that a report carries a diagnosis.
 */
import { createPrivateKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { memorySigner } from '../../src/core/keystores/memory-signer';
import { readCertificates } from '../../src/core/pki/pem';
import { runProbe, type ProbeIdentity, type ProbeOptions } from '../../src/core/probe';
import type { Diagnosis, DiagnosisCode, DiagnosisSeverity } from '../../src/shared/diagnoses';
import type { ProbeReport } from '../../src/shared/probe-report';
import type { IssuedCert } from '../testbed/ca';
import { tempDir } from '../testbed/proc';
import { spawnServer, startOnFreePort, waitForListen, type ServerProcess } from '../testbed/tls-servers/child';
import { NGINX_ECHO_MODULE } from '../testbed/tls-servers/nginx';

/** An identity whose key is held in memory; `chainPem` decides what chain it offers. */
export function memoryIdentity(id: string, issued: Pick<IssuedCert, 'keyPem'> & { chainPem: string }, keyAlgorithm = 'EC-P256'): ProbeIdentity {
  const signer = memorySigner(createPrivateKey(issued.keyPem));
  return {
    id,
    label: id,
    status: 'valid',
    keyAlgorithm,
    store: { kind: 'keychain' },
    chain: readCertificates(Buffer.from(issued.chainPem), id),
    load: () => Promise.resolve(signer),
  };
}

/** runProbe against 127.0.0.1:port with short timeouts; `o` overrides. */
export function probe(port: number, o: Partial<ProbeOptions> & { path?: string; host?: string } = {}): Promise<ProbeReport> {
  const host = o.host ?? '127.0.0.1';
  const p = o.path ?? '/';
  return runProbe({
    url: `https://${host}:${port}${p}`,
    target: { host, port, path: p },
    identity: 'none',
    candidates: [],
    ca: [],
    caFiles: [],
    timeoutMs: 5_000,
    ...o,
  });
}

/** The report's diagnosis of `code`, checked for its severity and for words its detail or fix must hold. */
export function expectDiagnosis(report: ProbeReport, code: DiagnosisCode, severity: DiagnosisSeverity, ...mustName: Array<string | RegExp>): Diagnosis {
  const d = report.diagnoses.find((x) => x.code === code);
  expect(d, `diagnoses: ${JSON.stringify(report.diagnoses.map((x) => `${x.severity} ${x.code}: ${x.detail}`))}`).toBeDefined();
  expect(d!.severity).toBe(severity);
  const text = `${d!.detail}\n${d!.fix}`;
  for (const m of mustName) expect(text).toMatch(typeof m === 'string' ? new RegExp(escape(m)) : m);
  expect(d!.title.length).toBeGreaterThan(0);
  return d!;
}

/** The first error diagnosis, which must explain ok=false. */
export function firstError(report: ProbeReport): Diagnosis | undefined {
  return report.diagnoses.find((d) => d.severity === 'error');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A running server started by these helpers. */
export interface Server {
  port: number;
  proc: ServerProcess;
  stop(): Promise<void>;
}

/** `openssl s_server -accept 127.0.0.1:PORT ...args` (with -www unless args say otherwise). */
export async function startSServer(args: string[]): Promise<Server> {
  return startOnFreePort(async (port) => {
    const proc = spawnServer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, ...args]);
    try {
      await waitForListen(port, proc, 'openssl s_server');
    } catch (e) {
      await proc.stop();
      throw e;
    }
    return { port, proc, stop: () => proc.stop() };
  });
}

/** The server-block directives nginx gets besides listen, certificate and key. */
export interface NginxCase {
  server: Pick<IssuedCert, 'chainFile' | 'keyFile'>;
  /** e.g. "ssl_verify_client on; ssl_client_certificate /x/ca.pem;" */
  directives: string;
  /** http-level directives (a map, say). */
  http?: string;
  /** location blocks; default: `location / { return 200 "ok\n"; }` */
  locations?: string;
}

/** nginx in the foreground with one HTTPS server on loopback, configured by `c`. */
export async function startNginx(c: NginxCase): Promise<Server> {
  const work = await tempDir('doctor-nginx');
  const q = (s: string) => JSON.stringify(s);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((n) => `  ${n}_temp_path ${q(path.join(work.path, n))};`).join('\n');
  const server = await startOnFreePort(async (port) => {
    const conf = path.join(work.path, 'nginx.conf');
    await writeFile(
      conf,
      `load_module ${NGINX_ECHO_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${q(path.join(work.path, 'nginx.pid'))};
error_log stderr info;
events { worker_connections 64; }
http {
${temp}
  access_log off;
${c.http ?? ''}
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${q(c.server.chainFile)};
    ssl_certificate_key ${q(c.server.keyFile)};
    ${c.directives}
    ${c.locations ?? 'location / { return 200 "ok\\n"; }'}
  }
}
`,
    );
    const proc = spawnServer('nginx', ['-p', work.path, '-c', conf, '-e', 'stderr']);
    try {
      await waitForListen(port, proc, 'nginx');
    } catch (e) {
      await proc.stop();
      throw e;
    }
    return { port, proc };
  }).catch(async (e: unknown) => {
    await work.remove();
    throw e;
  });
  return { ...server, stop: async () => (await server.proc.stop(), await work.remove()) };
}

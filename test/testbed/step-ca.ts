/**
 * A real step-ca (0.19, built by scripts/build-step-ca.sh) on loopback, issuing from a test CA's
 * intermediate, with one JWK provisioner whose one-time tokens the test signs itself (ES256 with
 * node:crypto, `kid` = the RFC 7638 thumbprint of the public JWK, which is all ca.json holds).
 *
 * The dir holds the CA keys: scans for leaked key bytes must leave it out.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestCa } from './ca.js';
import { fileExists, type Probe } from './tools.js';
import { freePort, startProcess, tempDir, type Proc } from './proc.js';

/** Where scripts/build-step-ca.sh leaves the binary. */
export const STEP_CA_BINARY = path.join(
  process.env.KEYPORT_STEP_CA_DIR ?? path.join(os.homedir(), '.cache', 'keyport-step-ca'),
  'step-ca',
);

/** For requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT). */
export const STEP_CA_PROBE: Probe = () => fileExists(STEP_CA_BINARY) || `${STEP_CA_BINARY} not found`;
export const STEP_CA_HINT = 'build it with scripts/build-step-ca.sh';

const PROVISIONER = 'keyport-test';

/** How to start step-ca. */
export interface StepCaOptions {
  /** Issues from this CA's intermediate; its root is trusted. */
  ca: TestCa;
  /** More roots `/roots` lists (a rotation: the old root kept beside the new one). */
  extraRootFiles?: string[];
  /** Default certificate lifetime, Go syntax (default "5m"). */
  certDuration?: string;
  /** Port to listen on (default a free one; pass the old port to restart "in place"). */
  port?: number;
  /** Reuse this provisioner key (a restart keeps the tokens' signer). */
  provisionerKey?: KeyObject;
}

/** A running step-ca. */
export interface StepCa {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The root the CA's own TLS certificate chains to (for --root). */
  rootFile: string;
  provisionerKey: KeyObject;
  proc: Proc;
  /** A one-time token for POST /1.0/sign: CN must be `sub` (or empty), DNS SANs within `sans`. */
  token(sub: string, sans?: string[]): string;
  stop(): Promise<void>;
}

/** Starts step-ca and waits until it serves HTTPS. */
export async function startStepCa(o: StepCaOptions): Promise<StepCa> {
  const tmp = await tempDir('step-ca');
  const port = o.port ?? (await freePort());
  const provisionerKey = o.provisionerKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const jwk = publicJwk(provisionerKey);
  const config = path.join(tmp.path, 'ca.json');
  await writeFile(config, JSON.stringify(caJson(o, port, jwk), null, 2));
  let proc: Proc;
  try {
    proc = await startProcess(STEP_CA_BINARY, [config], {
      name: 'step-ca',
      cwd: tmp.path,
      env: { HOME: tmp.path, STEPPATH: tmp.path },
      ready: { line: /Serving HTTPS on/ },
      timeoutMs: 30_000,
    });
  } catch (e) {
    await tmp.remove();
    throw e;
  }
  const url = `https://127.0.0.1:${port}`;
  return {
    url,
    port,
    rootFile: o.ca.rootFile,
    provisionerKey,
    proc,
    token: (sub, sans = [sub]) => signToken(provisionerKey, jwk.kid!, { sub, sans, aud: `${url}/1.0/sign` }),
    stop: async () => {
      await proc.stop();
      await tmp.remove();
    },
  };
}

function caJson(o: StepCaOptions, port: number, jwk: Record<string, string>): unknown {
  return {
    root: [o.ca.rootFile, ...(o.extraRootFiles ?? [])],
    crt: o.ca.intermediateFile,
    key: path.join(o.ca.dir, 'int', 'key.pem'),
    address: `127.0.0.1:${port}`,
    dnsNames: ['127.0.0.1', 'localhost'],
    logger: { format: 'text' },
    authority: {
      // The default backdate (1 minute) would outlive minute-long test certificates.
      backdate: '1s',
      provisioners: [
        {
          type: 'JWK',
          name: PROVISIONER,
          key: jwk,
          claims: {
            minTLSCertDuration: '30s',
            maxTLSCertDuration: '24h',
            defaultTLSCertDuration: o.certDuration ?? '5m',
          },
        },
      ],
    },
    tls: { minVersion: 1.2, maxVersion: 1.3, renegotiation: false },
  };
}

/** The provisioner's public JWK with `kid` = its RFC 7638 thumbprint (what step-ca matches tokens by). */
function publicJwk(key: KeyObject): Record<string, string> {
  const { crv, x, y } = key.export({ format: 'jwk' }) as Record<string, string>;
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv, kty: 'EC', x, y })).digest('base64url');
  return { use: 'sig', kty: 'EC', kid: thumbprint, crv: crv!, alg: 'ES256', x: x!, y: y! };
}

/** A compact JWS (ES256, raw r‖s) as `step ca token` makes it. */
function signToken(key: KeyObject, kid: string, claims: { sub: string; sans: string[]; aud: string }): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'ES256', kid, typ: 'JWT' };
  const payload = { iss: PROVISIONER, ...claims, iat: now, nbf: now - 1, exp: now + 300, jti: randomBytes(16).toString('hex') };
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

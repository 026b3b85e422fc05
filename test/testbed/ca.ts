/**
 * A test CA made with the `openssl` CLI in a temp dir: a root and an intermediate (pathlen 0),
 * issuing leaves with random 128-bit serials, SKI/AKI and the EKUs asked for. Leaves are
 * signed with `openssl ca`, which keeps the CSR's public key and subject and (unlike
 * `openssl x509 -req` in OpenSSL 3.0) can set notBefore.
 *
 * The dir holds the CA keys and the keys of certificates issued with issueServer/issueClient:
 * scans for leaked key bytes must leave it out.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { caConfig, leafExtensions, opensslSubject, type Eku } from './ca-config.js';
import { runChecked, tempDir } from './proc.js';

export type { Eku } from './ca-config.js';

/** Options for signing a CSR. */
export interface SignOptions {
  /** Validity in days from notBefore (default 365). */
  days?: number;
  /** Default: now. */
  notBefore?: Date;
  /** Default: ['clientAuth']. */
  eku?: Eku[];
  /** "DNS:x", "IP:x", bare names or IPs. Default: the CSR's own SANs. */
  sans?: string[];
  /** "/CN=a/O=b" or "CN=a, O=b". Default: the CSR's subject. */
  subject?: string;
}

/** A certificate and its key, issued by the test CA. */
export interface IssuedCert {
  /** The leaf alone. */
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
  /** Leaf then intermediate. */
  chainPem: string;
  certFile: string;
  keyFile: string;
  chainFile: string;
}

/** A running test CA. */
export interface TestCa {
  dir: string;
  rootPem: string;
  intermediatePem: string;
  /** The root certificate: the trust anchor to give clients and servers. */
  rootFile: string;
  /** The intermediate certificate alone. */
  intermediateFile: string;
  /** Intermediate then root, e.g. for `ssl_client_certificate` or `-CAfile` with the whole chain. */
  chainFile: string;
  /** Signs a CSR (PEM) with the intermediate; returns leaf PEM followed by intermediate PEM. */
  signCsr(csrPem: string, opts?: SignOptions): Promise<string>;
  /** Issues a server certificate (EKU serverAuth) with a fresh key; CN is the first SAN. */
  issueServer(opts: { sans: string[]; ec?: boolean; days?: number }): Promise<IssuedCert>;
  /**
   * Issues a client certificate with a fresh key: EKU clientAuth unless `eku` says otherwise
   * (e.g. ['serverAuth'], a certificate a server must refuse for client authentication).
   */
  issueClient(opts: { cn: string; ec?: boolean; days?: number; notBefore?: Date; eku?: Eku[] }): Promise<IssuedCert>;
  /** Removes the dir and every key in it. */
  stop(): Promise<void>;
}

/** How long the CA certificates are valid, and how far back they start (clock-skew tests). */
const CA_DAYS = 3650;
const CA_BACKDATE_MS = 2 * 24 * 3600 * 1000;

/** Makes a root and an intermediate CA (EC P-256 with `ec`, else RSA-2048), named "NAME Root CA" and "NAME Intermediate CA" (default NAME: Keyport Test). */
export async function createTestCa(opts: { ec?: boolean; name?: string } = {}): Promise<TestCa> {
  const tmp = await tempDir('ca');
  try {
    return await buildCa(tmp.path, opts.ec ?? false, opts.name ?? 'Keyport Test', () => tmp.remove());
  } catch (error) {
    await tmp.remove();
    throw error;
  }
}

async function buildCa(dir: string, ec: boolean, caName: string, remove: () => Promise<void>): Promise<TestCa> {
  const config = path.join(dir, 'ca.cnf');
  await writeFile(config, caConfig(dir));
  for (const name of ['root', 'int']) {
    await mkdir(path.join(dir, name, 'issued'), { recursive: true, mode: 0o700 });
    await writeFile(path.join(dir, name, 'index.txt'), '');
  }
  const openssl = new OpensslCa(dir, config);
  const notBefore = new Date(Date.now() - CA_BACKDATE_MS);
  const caValidity = { notBefore, days: CA_DAYS };

  await genKey(path.join(dir, 'root', 'key.pem'), ec);
  const rootCsr = await makeCsr(path.join(dir, 'root', 'key.pem'), `/CN=${caName} Root CA/O=Keyport Tests`);
  const rootPem = await openssl.sign('ca_root', rootCsr, 'v3_root', config, { ...caValidity, selfSign: true });
  await writeFile(path.join(dir, 'root', 'cert.pem'), rootPem);

  await genKey(path.join(dir, 'int', 'key.pem'), ec);
  const intCsr = await makeCsr(path.join(dir, 'int', 'key.pem'), `/CN=${caName} Intermediate CA/O=Keyport Tests`);
  const intermediatePem = await openssl.sign('ca_root', intCsr, 'v3_int', config, caValidity);
  await writeFile(path.join(dir, 'int', 'cert.pem'), intermediatePem);

  const rootFile = path.join(dir, 'root.pem');
  const intermediateFile = path.join(dir, 'intermediate.pem');
  const chainFile = path.join(dir, 'ca-chain.pem');
  await writeFile(rootFile, rootPem);
  await writeFile(intermediateFile, intermediatePem);
  await writeFile(chainFile, intermediatePem + rootPem);

  let issued = 0;
  const signCsr = (csrPem: string, o: SignOptions = {}) => openssl.signLeaf(csrPem, o).then((leaf) => leaf + intermediatePem);
  const issue = async (kind: string, subject: string, useEc: boolean, o: SignOptions): Promise<IssuedCert> => {
    const base = path.join(dir, 'leaves', `${kind}-${++issued}`);
    await mkdir(path.dirname(base), { recursive: true, mode: 0o700 });
    const keyFile = `${base}.key`;
    await genKey(keyFile, useEc);
    const chainPem = await signCsr(await makeCsr(keyFile, subject), o);
    const certPem = chainPem.slice(0, chainPem.length - intermediatePem.length);
    const files = { certFile: `${base}.crt`, chainFile: `${base}-chain.pem` };
    await writeFile(files.certFile, certPem);
    await writeFile(files.chainFile, chainPem);
    return { certPem, keyPem: await readFile(keyFile, 'utf8'), chainPem, keyFile, ...files };
  };

  return {
    dir,
    rootPem,
    intermediatePem,
    rootFile,
    intermediateFile,
    chainFile,
    signCsr,
    issueServer: (o) => {
      const first = o.sans[0];
      if (first === undefined) throw new Error('Cannot issue a server certificate: give at least one SAN');
      const cn = first.replace(/^(DNS|IP):/, '');
      return issue('server', `/CN=${cn}`, o.ec ?? ec, { sans: o.sans, eku: ['serverAuth'], days: o.days });
    },
    issueClient: (o) =>
      issue('client', `/CN=${o.cn}`, o.ec ?? ec, { eku: o.eku ?? ['clientAuth'], days: o.days, notBefore: o.notBefore }),
    stop: remove,
  };
}

/** Runs `openssl ca`, one signing at a time (the CA database is a plain file). */
class OpensslCa {
  private queue: Promise<unknown> = Promise.resolve();
  private count = 0;

  constructor(
    private readonly dir: string,
    private readonly config: string,
  ) {}

  /** Signs an end-entity CSR with the intermediate. */
  signLeaf(csrPem: string, o: SignOptions): Promise<string> {
    const ext = path.join(this.dir, `leaf-ext-${++this.count}.cnf`);
    return this.serial(async () => {
      await writeFile(ext, leafExtensions(o.eku ?? ['clientAuth'], o.sans));
      return this.signNow('ca_int', csrPem, 'leaf', ext, o);
    });
  }

  /** Signs a CA CSR with `ca` (the root); `selfSign` signs the root's own CSR. */
  sign(ca: string, csrPem: string, extensions: string, extFile: string, o: SignOptions & { selfSign?: boolean }): Promise<string> {
    return this.serial(() => this.signNow(ca, csrPem, extensions, extFile, o));
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async signNow(
    ca: string,
    csrPem: string,
    extensions: string,
    extFile: string,
    o: SignOptions & { selfSign?: boolean },
  ): Promise<string> {
    const caDir = path.join(this.dir, ca === 'ca_root' ? 'root' : 'int');
    await writeFile(path.join(caDir, 'serial'), randomSerial());
    const notBefore = o.notBefore ?? new Date();
    const notAfter = new Date(notBefore.getTime() + (o.days ?? 365) * 24 * 3600 * 1000);
    const args = ['ca', '-batch', '-config', this.config, '-name', ca, '-notext', '-preserveDN'];
    args.push('-extfile', extFile, '-extensions', extensions);
    args.push('-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter));
    if (o.selfSign) args.push('-selfsign', '-keyfile', path.join(caDir, 'key.pem'));
    if (o.subject) args.push('-subj', opensslSubject(o.subject));
    // Node's stdio pipes are sockets, which openssl cannot fopen as /dev/stdin: use a file.
    const csrFile = path.join(this.dir, `request-${++this.count}.csr`);
    await writeFile(csrFile, csrPem);
    args.push('-in', csrFile);
    const { stdout } = await runChecked('openssl', args, { name: 'openssl ca' });
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(stdout)?.[0];
    if (!pem) throw new Error(`openssl ca printed no certificate: ${stdout.slice(0, 200)}`);
    return pem.endsWith('\n') ? pem : `${pem}\n`;
  }
}

/** Generates a private key file (PKCS#8 PEM, mode 0600): EC P-256 or RSA-2048. */
async function genKey(file: string, ec: boolean): Promise<void> {
  const alg = ec ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  await runChecked('openssl', ['genpkey', ...alg, '-out', file], { name: 'openssl genpkey' });
}

/** A CSR (PEM) for the key in `keyFile`. */
async function makeCsr(keyFile: string, subject: string): Promise<string> {
  const { stdout } = await runChecked('openssl', ['req', '-new', '-key', keyFile, '-subj', subject, '-sha256'], {
    name: 'openssl req',
  });
  return stdout;
}

/** 128 random bits as hex, top bit clear so the DER INTEGER stays positive without padding. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return `${bytes.toString('hex').toUpperCase()}\n`;
}

/** YYYYMMDDHHMMSSZ, which `openssl ca` turns into UTCTime or GeneralizedTime as RFC 5280 says. */
function asn1Time(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

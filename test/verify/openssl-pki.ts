/**
 * Test fixture: issues certificates with the `openssl` CLI (`openssl ca`, which unlike
 * `openssl x509` in 3.0 can set any validity dates) in a temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key made by `openssl genpkey`, by file. */
export interface TestKey {
  name: string;
  file: string;
}

/** A certificate issued by TestPki. */
export interface TestCert {
  name: string;
  file: string;
  pem: string;
  der: Buffer;
  key: TestKey;
}

/** Validity window as [notBefore, notAfter]. */
export type Window = [Date, Date];

const DAY = 86_400_000;

/** Common windows relative to now. */
export const windows = {
  current: (): Window => [new Date(Date.now() - DAY), new Date(Date.now() + 365 * DAY)],
  expired: (): Window => [new Date(Date.now() - 60 * DAY), new Date(Date.now() - DAY)],
  future: (): Window => [new Date(Date.now() + DAY), new Date(Date.now() + 60 * DAY)],
};

/** What to issue. `issuer` omitted: self-signed. `ext` is the body of an `openssl x509 -extfile` section. */
export interface IssueOptions {
  name: string;
  subject: string;
  key: TestKey;
  issuer?: TestCert;
  ext: string[];
  window?: Window;
  /** `openssl ca -sigopt` values, e.g. RSA-PSS padding. */
  sigopt?: string[];
}

/** A throwaway CA workspace; call dispose() when done. */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'keyport-verify-'));
  private readonly config = join(this.dir, 'ca.cnf');
  private files = 0;

  constructor() {
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'serial'), '1000\n');
    writeFileSync(
      this.config,
      [
        '[ca]',
        'default_ca = d',
        '[d]',
        `database = ${join(this.dir, 'index.txt')}`,
        `new_certs_dir = ${this.dir}`,
        `serial = ${join(this.dir, 'serial')}`,
        'default_md = sha256',
        'policy = p',
        'unique_subject = no',
        'copy_extensions = none',
        'email_in_dn = yes',
        '[p]',
        ...['C', 'O', 'OU', 'CN', 'emailAddress'].map((f) => `${f} = optional`),
        '',
      ].join('\n'),
    );
  }

  /** A new EC P-256 or RSA key. */
  key(name: string, type: 'ec' | 'rsa' = 'ec'): TestKey {
    const file = `${this.fileBase(name)}.key`;
    const opts =
      type === 'ec' ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
    openssl(['genpkey', ...opts, '-out', file]);
    return { name, file };
  }

  /** Issues a certificate as described. */
  issue(o: IssueOptions): TestCert {
    const base = this.fileBase(o.name);
    const csr = `${base}.csr`;
    const extFile = `${base}.ext`;
    const file = `${base}.pem`;
    const [from, to] = o.window ?? windows.current();
    writeFileSync(extFile, ['[e]', ...o.ext, ''].join('\n'));
    openssl(['req', '-new', '-key', o.key.file, '-subj', o.subject, '-out', csr]);
    const signer = o.issuer ? ['-cert', o.issuer.file, '-keyfile', o.issuer.key.file] : ['-selfsign', '-keyfile', o.key.file];
    openssl([
      'ca', '-batch', '-config', this.config, ...signer, '-in', csr, '-out', file, '-notext', '-preserveDN',
      '-startdate', opensslTime(from), '-enddate', opensslTime(to), '-extfile', extFile, '-extensions', 'e',
      ...(o.sigopt ?? []).flatMap((s) => ['-sigopt', s]),
    ]);
    const pem = readFileSync(file, 'utf8');
    return { name: o.name, file, pem, der: pemToDer(pem), key: o.key };
  }

  /** A copy of `cert` with the last byte of its signature flipped. */
  tamper(cert: TestCert, name: string): TestCert {
    const der = Buffer.from(cert.der);
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    return this.write(name, der, cert.key);
  }

  /** Writes DER as a PEM file (for openssl and node:tls). */
  write(name: string, der: Buffer, key: TestKey): TestCert {
    const pem = derToPem(der);
    const file = `${this.fileBase(name)}.pem`;
    writeFileSync(file, pem);
    return { name, file, pem, der, key };
  }

  /** A unique, shell-friendly path prefix for files about `name`. */
  fileBase(name: string): string {
    return join(this.dir, `${++this.files}-${name.replace(/\W+/g, '-')}`);
  }

  /** Removes the workspace. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs openssl; throws with its stderr when it fails. */
export function openssl(args: string[]): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

function opensslTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

function derToPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
}

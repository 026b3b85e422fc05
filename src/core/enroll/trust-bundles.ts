import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KeyportError } from '../../shared/errors';
import { writeFileAtomic } from '../identities/atomic-file';
import { parseCertificate } from '../pki/certificate';
import { encodePem, readCertificates } from '../pki/pem';

/** One root of a bundle, as `roots refresh` reports it. */
export interface RootView {
  subject: string;
  fingerprintSha256: string;
  notAfter: string;
}

/** A bundle after a refresh, and what changed. */
export interface BundleChange {
  name: string;
  /** The PEM file routes and `--ca` can reference; rewritten in place, so readers see new roots at once. */
  file: string;
  roots: RootView[];
  added: RootView[];
  removed: RootView[];
}

/**
 * A trust bundle file per CA in the data dir (`trust/<name>.pem`): the roots the CA publishes, kept
 * current by `keyport roots refresh` and the daemon. Public material only; written atomically.
 */
export class TrustBundles {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'trust');
  }

  /** A stable file name for a CA URL, e.g. `step-ca-127.0.0.1-9000`. */
  nameFor(kind: string, caUrl: string): string {
    let url: URL;
    try {
      url = new URL(caUrl);
    } catch {
      throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot use CA URL "${caUrl}": give an https URL such as https://ca.example:9000.`);
    }
    const port = url.port || '443';
    return `${kind}-${url.hostname.replace(/[^A-Za-z0-9.-]/g, '_')}-${port}`;
  }

  file(name: string): string {
    return path.join(this.dir, `${path.basename(name)}.pem`);
  }

  /** The roots (DER) of a bundle; empty when it does not exist yet. */
  async read(name: string): Promise<Buffer[]> {
    const data = await fs.readFile(this.file(name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    return data ? readCertificates(data, `the trust bundle ${this.file(name)}`) : [];
  }

  /** Replaces a bundle with `roots`; reports the roots added and removed. */
  async write(name: string, roots: Buffer[]): Promise<BundleChange> {
    const before = await this.read(name);
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(name);
    await writeFileAtomic(file, roots.map((r) => encodePem('CERTIFICATE', r)).join(''));
    const has = (list: Buffer[], c: Buffer): boolean => list.some((x) => x.equals(c));
    return {
      name,
      file,
      roots: roots.map(rootView),
      added: roots.filter((r) => !has(before, r)).map(rootView),
      removed: before.filter((r) => !has(roots, r)).map(rootView),
    };
  }
}

function rootView(der: Buffer): RootView {
  const c = parseCertificate(der, 'a root certificate');
  return { subject: c.subject, fingerprintSha256: c.fingerprintSha256, notAfter: c.notAfter.toISOString() };
}

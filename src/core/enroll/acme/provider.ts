import { isIP } from 'node:net';
import { KeyportError } from '../../../shared/errors';
import type { KeyRef, Signer } from '../../keystores/types';
import { createCsr } from '../../pki/csr';
import { decodePem, encodePem } from '../../pki/pem';
import type { CurrentIdentity, EnrollRequest, EnrollmentProvider, Issued, NewKey, ProviderContext, ProviderSettings, TrustBundle } from '../provider';
import { checkEabGiven, ensureAccount, type ExternalAccount } from './account';
import type { ChallengeType, DnsRecord } from './authorization';
import { AcmeClient } from './client';
import { accountKey, type AccountKey } from './jws';
import { orderCertificate, type Account } from './order';
import { problemName, type AcmeProblem } from './problem';
import { openSolver } from './solver';

/** The account key Keyport makes for a first enrollment: EC-P256 (ES256), supported by every ACME CA. */
const ACCOUNT_KEY_ALGORITHM = 'EC-P256';

/** What an ACME identity needs, stored with it (no secret: the EAB MAC key is used once, never kept). */
export interface AcmeParams {
  directory: string;
  domains: string[];
  challenge: ChallengeType;
  /** Loopback port the http-01 answers are served on (the port the CA validates on; 80 for real CAs). */
  httpPort: number;
  /** Set once the account exists. */
  accountKey?: KeyRef;
  accountUrl?: string;
  /** The trust bundle file in the data dir, when the server's HTTPS is not publicly trusted. */
  bundle?: string;
}

/** What the provider needs from Keyport beyond the provider context. */
export interface AcmeDependencies {
  /** The signer of a key already in a store (the account key, at renewal). */
  signerFor(ref: KeyRef): Promise<Signer>;
  /** Asked to create each dns-01 TXT record; resolves once it exists. Without it dns-01 is refused. */
  awaitDnsRecord?(record: DnsRecord): Promise<void>;
  /** Used once, for the first newAccount. */
  eab?: ExternalAccount;
}

/**
 * ACME (RFC 8555) behind Keyport's provider interface. The account key lives in a Keyport store like
 * any identity key, so every request is signed there. Renewal and rekey are new orders for the same
 * names; ACME has no root-bundle endpoint, so `roots` is the bundle the user trusted.
 */
export class AcmeProvider implements EnrollmentProvider {
  readonly kind = 'acme' as const;
  private clientCache?: AcmeClient;

  constructor(
    private params: AcmeParams,
    private readonly deps: AcmeDependencies,
  ) {}

  /** The provider of an identity enrolled before, from its stored settings. */
  static fromSettings(s: Extract<ProviderSettings, { kind: 'acme' }>, deps: AcmeDependencies): AcmeProvider {
    const { directory, domains, challenge, httpPort, accountKey: key, accountUrl, bundle } = s;
    return new AcmeProvider({ directory, domains, challenge, httpPort, accountKey: key, accountUrl, bundle }, deps);
  }

  settings(): ProviderSettings {
    const { directory, domains, accountKey: key, accountUrl, bundle, challenge, httpPort } = this.params;
    return { kind: 'acme', directory, domains, challenge, httpPort, ...(key ? { accountKey: key } : {}), ...(accountUrl ? { accountUrl } : {}), ...(bundle ? { bundle } : {}) };
  }

  /**
   * Checks what can be checked before any key is made: the directory answers, and an EAB is given
   * when the CA demands one. A bad URL, a CA that is down or a missing EAB then costs no key.
   */
  async preflight(ctx: Pick<ProviderContext, 'caRoots'>): Promise<void> {
    await checkEabGiven(this.client(ctx), this.deps.eab);
  }

  async enroll(request: EnrollRequest, ctx: ProviderContext): Promise<Issued & { key: NewKey }> {
    const label = request.label ?? this.params.domains[0]!;
    const account = await this.account(ctx, label);
    const key = await ctx.makeKey(request.algorithm, label);
    const chain = await this.order(ctx, account, () => key.csr(subjectOf(this.params.domains), sansOf(this.params.domains)));
    return { chain, key };
  }

  async renew(current: CurrentIdentity, ctx: ProviderContext): Promise<Issued> {
    const account = await this.account(ctx, current.id);
    const csr = () => createCsr({ subject: subjectOf(this.params.domains), sans: sansOf(this.params.domains), signer: current.signer });
    return { chain: await this.order(ctx, account, csr) };
  }

  async rekey(current: CurrentIdentity, next: NewKey, ctx: ProviderContext): Promise<Issued> {
    const account = await this.account(ctx, current.id);
    return { chain: await this.order(ctx, account, () => next.csr(subjectOf(this.params.domains), sansOf(this.params.domains))) };
  }

  async roots(ctx: ProviderContext): Promise<TrustBundle> {
    return { roots: ctx.caRoots, source: this.params.bundle ?? this.params.directory };
  }

  /** The account: the stored one, or a new key (made in the identity's store) and registration. */
  private async account(ctx: ProviderContext, label: string): Promise<Account> {
    const client = this.client(ctx);
    let key: AccountKey;
    if (this.params.accountKey) {
      key = accountKey(await this.deps.signerFor(this.params.accountKey));
    } else {
      const made = await ctx.makeKey(ACCOUNT_KEY_ALGORITHM, `${label} (ACME account)`);
      key = accountKey(made.signer);
      this.params = { ...this.params, accountKey: made.ref };
    }
    const kid = this.params.accountUrl ?? (await ensureAccount(client, key, this.deps.eab));
    this.params = { ...this.params, accountUrl: kid };
    ctx.log?.(`ACME account ${kid}`);
    return { key, kid };
  }

  private async order(ctx: ProviderContext, account: Account, csrPem: () => Promise<string>): Promise<Buffer[]> {
    const client = this.client(ctx);
    const solver = await openSolver(this.params.challenge, { httpPort: this.params.httpPort, awaitDnsRecord: this.deps.awaitDnsRecord });
    const run = (a: Account) => orderCertificate(client, a, { domains: this.params.domains, solver, csrDer: async () => csrDer(await csrPem()) });
    try {
      return await run(account).catch(async (e: unknown) => {
        // The CA no longer knows the stored account (reset, or purged): register the same key again, once.
        if (problemName((e as KeyportError).cause as AcmeProblem) !== 'accountDoesNotExist') throw e;
        const kid = await ensureAccount(client, account.key, this.deps.eab);
        this.params = { ...this.params, accountUrl: kid };
        ctx.log?.(`ACME account re-registered as ${kid}`);
        return run({ key: account.key, kid });
      });
    } finally {
      await solver.close();
    }
  }

  private client(ctx: Pick<ProviderContext, 'caRoots'>): AcmeClient {
    const ca = ctx.caRoots.length > 0 ? ctx.caRoots.map((der) => encodePem('CERTIFICATE', der)).join('') : undefined;
    this.clientCache ??= new AcmeClient(this.params.directory, { ca });
    return this.clientCache;
  }
}

/** The CSR subject: CN is the first name (CAs take the names from the SANs). */
function subjectOf(domains: string[]): string {
  return `CN=${domains[0]}`;
}

function sansOf(domains: string[]): string[] {
  return domains.map((d) => (isIP(d) ? `IP:${d}` : `DNS:${d}`));
}

/** The DER inside a CSR PEM, as finalize wants it. */
function csrDer(pem: string): Buffer {
  const block = decodePem(pem).find((b) => b.label === 'CERTIFICATE REQUEST');
  if (!block) throw new KeyportError('KEYPORT_INTERNAL', 'The key store produced no CSR.');
  return block.der;
}

import { KeyportError } from '../../../shared/errors';
import { readCertificates } from '../../pki/pem';
import { parseCertificate } from '../../pki/certificate';
import type { KeyAlgorithm } from '../../keystores/types';
import type { CurrentIdentity, EnrollmentProvider, EnrollRequest, Issued, NewKey, ProviderContext, TrustBundle } from '../provider';
import type { ProviderSettings } from '../settings';
import { caRequest, type CaResponse } from './http';
import { subjectOfToken } from './token';

/** A step-ca: its URL, the trust bundle file it is tracked by, and (first enrollment only) a one-time token. */
export interface StepCaParams {
  caUrl: string;
  bundle: string;
  /** The one-time token from `step ca token` (JWK/X5C provisioner). Never stored. */
  token?: string;
}

/**
 * step-ca's HTTP API: `POST /1.0/sign` with a one-time token, `POST /1.0/renew` and `POST /1.0/rekey`
 * authenticated by the current identity over Keyport's mTLS client, `GET /roots` and `/federation`.
 */
export class StepCaProvider implements EnrollmentProvider {
  readonly kind = 'step-ca' as const;
  private readonly base: URL;

  constructor(private readonly params: StepCaParams) {
    this.base = parseCaUrl(params.caUrl);
  }

  settings(): ProviderSettings {
    return { kind: 'step-ca', caUrl: this.base.origin, bundle: this.params.bundle };
  }

  /** Makes the key, asks for the token's subject and SANs, signs the CSR with the new key. */
  async enroll(request: EnrollRequest, ctx: ProviderContext): Promise<Issued & { key: NewKey }> {
    if (!this.params.token) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'A first step-ca enrollment needs a one-time token: pass --token-file with the output of `step ca token`.');
    const { sub, sans } = subjectOfToken(this.params.token);
    const key = await ctx.makeKey(request.algorithm, request.label ?? sub);
    const csr = await key.csr(`CN=${sub}`, sans);
    const issued = await this.issue('/1.0/sign', { csr, ott: this.params.token }, ctx);
    return { ...issued, key };
  }

  async renew(current: CurrentIdentity, ctx: ProviderContext): Promise<Issued> {
    return this.issue('/1.0/renew', undefined, ctx, current);
  }

  async rekey(current: CurrentIdentity, next: NewKey, ctx: ProviderContext): Promise<Issued> {
    const leaf = parseCertificate(current.chain[0]!, 'the current certificate');
    const csr = await next.csr(leaf.subject, leaf.sans);
    return this.issue('/1.0/rekey', { csr }, ctx, current);
  }

  /** Every root `/roots` lists, plus `/federation`'s where the CA offers it. */
  async roots(ctx: ProviderContext): Promise<TrustBundle> {
    const roots = certificatesOf(await this.call('GET', '/roots', undefined, ctx), 'crts', '/roots');
    const federation = await this.call('GET', '/federation', undefined, ctx).catch(() => undefined);
    const federated = federation && federation.status === 200 ? certificatesOf(federation, 'crts', '/federation') : [];
    const all = [...roots, ...federated.filter((f) => !roots.some((r) => r.equals(f)))];
    return { roots: all, source: new URL('/roots', this.base).href };
  }

  private async issue(path: string, body: unknown, ctx: ProviderContext, current?: CurrentIdentity): Promise<Issued> {
    const res = await this.call('POST', path, body ?? {}, ctx, current);
    ctx.log?.(`step-ca ${path}: HTTP ${res.status}`);
    const json = res.json as { crt?: string; ca?: string; certChain?: string[] };
    const pems = json.certChain?.length ? json.certChain : [json.crt, json.ca].filter((p): p is string => !!p);
    const chain = pems.flatMap((p) => readCertificates(Buffer.from(p), `the certificate step-ca returned from ${path}`));
    if (chain.length === 0) throw badResponse(path, 'no certificate');
    return { chain };
  }

  private async call(method: 'GET' | 'POST', path: string, body: unknown, ctx: ProviderContext, current?: CurrentIdentity): Promise<CaResponse> {
    const url = new URL(path, this.base);
    const res = await caRequest({ url, method, body, roots: ctx.caRoots, ...(current ? { identity: { signer: current.signer, chain: current.chain } } : {}) });
    if (res.status >= 200 && res.status < 300) return res;
    const message = (res.json as { message?: string } | null)?.message ?? 'no reason given';
    throw new KeyportError('KEYPORT_ENROLL_REFUSED', `step-ca refused ${method} ${path} (HTTP ${res.status}: ${message}); ${advice(path)}`);
  }
}

function advice(path: string): string {
  if (path === '/1.0/sign') return 'get a fresh one-time token with `step ca token` (tokens are single-use and expire in minutes) and try again.';
  if (path === '/1.0/renew' || path === '/1.0/rekey') return 'check that renewal is allowed for this provisioner; if the certificate expired, enroll again.';
  return 'check the CA URL.';
}

function certificatesOf(res: CaResponse, field: string, path: string): Buffer[] {
  const list = (res.json as Record<string, unknown> | null)?.[field];
  if (!Array.isArray(list)) throw badResponse(path, `no "${field}" list`);
  return list.flatMap((p) => readCertificates(Buffer.from(String(p)), `a root from ${path}`));
}

function badResponse(path: string, what: string): KeyportError {
  return new KeyportError('KEYPORT_ENROLL_BAD_RESPONSE', `step-ca's answer to ${path} has ${what}; check that --ca-url points at a step-ca.`);
}

function parseCaUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot use CA URL "${text}": give an https URL such as https://ca.example:9000.`);
  }
  if (url.protocol !== 'https:') throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot use CA URL "${text}": step-ca is reached over https.`);
  return new URL(url.origin);
}

/** Key algorithms a step-ca issues for by default. */
export const STEP_CA_ALGORITHMS: readonly KeyAlgorithm[] = ['EC-P256', 'EC-P384', 'RSA-2048', 'RSA-3072'];

import * as z from 'zod';
import { KeyportError } from '../../../shared/errors';
import { signJws, type AccountKey, type JwsIdentity } from './jws';
import { problemError, problemName, type AcmeProblem } from './problem';
import { acmeRequest, type AcmeResponse, type TransportOptions } from './transport';

/** The directory's resources (RFC 8555 §7.1.1); only those Keyport uses are required. */
const DirectorySchema = z.object({
  newNonce: z.string().url(),
  newAccount: z.string().url(),
  newOrder: z.string().url(),
  meta: z.object({ externalAccountRequired: z.boolean().optional(), termsOfService: z.string().optional() }).passthrough().optional(),
});
export type AcmeDirectory = z.infer<typeof DirectorySchema>;

/** A signed request's answer: status, Location (new resources), the parsed body. */
export interface SignedResponse {
  status: number;
  location?: string;
  body: Buffer;
  json: () => unknown;
}

/** How long to wait when the server says rateLimited without a usable Retry-After. */
const RATE_LIMIT_WAIT_MS = 1000;
const MAX_RETRY_AFTER_MS = 10_000;

/**
 * Talks to one ACME server: reads the directory, keeps a nonce from each answer (RFC 8555 §7.2),
 * signs each request with the account key, and retries once on badNonce or rateLimited.
 */
export class AcmeClient {
  private nonce?: string;
  private dir?: AcmeDirectory;

  constructor(
    readonly directoryUrl: string,
    private readonly transport: TransportOptions = {},
  ) {}

  /** The directory, fetched once. */
  async directory(): Promise<AcmeDirectory> {
    if (this.dir) return this.dir;
    const res = await acmeRequest(this.directoryUrl, { ...this.transport, method: 'GET' });
    const parsed = DirectorySchema.safeParse(res.status === 200 ? parseJson(res.body) : undefined);
    if (!parsed.success) {
      throw new KeyportError(
        'KEYPORT_ACME_DIRECTORY_INVALID',
        `${this.directoryUrl} is not an ACME directory (HTTP ${res.status}${res.status === 200 ? ', no newNonce/newAccount/newOrder' : ''}); check the --directory URL.`,
      );
    }
    this.dir = parsed.data;
    return this.dir;
  }

  /**
   * POSTs a JWS to `url` (payload undefined: POST-as-GET). `what` names the step in errors, e.g.
   * "create the order". Answers 2xx; problem documents become KeyportErrors.
   */
  async post(
    url: string,
    o: { key: AccountKey; identity: JwsIdentity; payload?: unknown; what: string; accept?: string },
  ): Promise<SignedResponse> {
    let res = await this.signedOnce(url, o);
    const problem = problemOf(res);
    if (problem && ['badNonce', 'rateLimited'].includes(problemName(problem) ?? '')) {
      if (problemName(problem) === 'rateLimited') await sleep(retryAfterMs(res) ?? RATE_LIMIT_WAIT_MS);
      res = await this.signedOnce(url, o);
    }
    if (res.status >= 300) throw problemError(o.what, problemOf(res), res.status);
    const location = header(res, 'location');
    return { status: res.status, location, body: res.body, json: () => parseJson(res.body) };
  }

  private async signedOnce(
    url: string,
    o: { key: AccountKey; identity: JwsIdentity; payload?: unknown; accept?: string },
  ): Promise<AcmeResponse> {
    const nonce = await this.takeNonce();
    const jws = await signJws(o.key, { url, nonce, payload: o.payload, identity: o.identity });
    const res = await acmeRequest(url, { ...this.transport, method: 'POST', body: JSON.stringify(jws), accept: o.accept });
    this.nonce = header(res, 'replay-nonce') ?? undefined;
    return res;
  }

  private async takeNonce(): Promise<string> {
    const saved = this.nonce;
    this.nonce = undefined;
    if (saved) return saved;
    const { newNonce } = await this.directory();
    const res = await acmeRequest(newNonce, { ...this.transport, method: 'HEAD' });
    const nonce = header(res, 'replay-nonce');
    if (!nonce) {
      throw new KeyportError('KEYPORT_ACME_DIRECTORY_INVALID', `The ACME server gave no Replay-Nonce at ${newNonce} (HTTP ${res.status}); check the --directory URL.`);
    }
    return nonce;
  }
}

function problemOf(res: AcmeResponse): AcmeProblem | undefined {
  if (res.status < 400) return undefined;
  const json = parseJson(res.body);
  return json && typeof json === 'object' ? (json as AcmeProblem) : { detail: res.body.toString('utf8').slice(0, 200) };
}

function header(res: AcmeResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After in seconds or as an HTTP date, capped so a CLI run never hangs for long. */
export function retryAfterMs(res: AcmeResponse, now = Date.now()): number | undefined {
  const value = header(res, 'retry-after');
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

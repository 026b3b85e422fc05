/**
 * The caller's side of the token host: starts the host on first use, numbers requests, applies
 * per-method timeouts, and turns a dead host into clear errors. The next call after a crash
 * starts a new host; logins do not survive that, so key stores log in again.
 */
import { KeyportError } from '../../shared/errors';
import {
  methodActivity,
  responseEnvelope,
  type ParamsOf,
  type ResultOf,
  type TokenHostMethod,
  type TokenHostRequest,
} from './protocol';
import { defaultEntry, entryFor, forkHost, type HostEntry, type HostLauncher, type HostProcess } from './transport';

/** How long each method may take; smartcards sign and generate slowly and PIN pads wait for a person. */
export const DEFAULT_TIMEOUTS: Record<TokenHostMethod, number> = {
  listTokens: 30_000,
  login: 60_000,
  logout: 30_000,
  generateKey: 120_000,
  importPrivateKey: 60_000,
  writeCertificate: 30_000,
  findObjects: 30_000,
  describeKey: 30_000,
  sign: 60_000,
  deleteKey: 30_000,
};

export interface TokenHostClientOptions {
  /** Environment of the host (module configuration such as SOFTHSM2_CONF); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** One timeout for every method, in ms; overrides the defaults. */
  timeoutMs?: number;
  /** Timeouts for single methods, in ms. */
  timeouts?: Partial<Record<TokenHostMethod, number>>;
  /** The host script; default out/cli/tokenhost.js when bundled, else the TypeScript source. */
  entry?: string;
  /** Starts the host; default `child_process.fork`. The Electron main passes a utilityProcess adapter. */
  fork?: HostLauncher;
}

interface Pending {
  method: TokenHostMethod;
  resolve(value: unknown): void;
  reject(error: KeyportError): void;
  timer: NodeJS.Timeout;
}

/** A typed RPC client for the token host process. */
export class TokenHostClient {
  private host: HostProcess | undefined;
  private hostExited: Promise<void> = Promise.resolve();
  private hostGeneration = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly entry: HostEntry;
  private readonly launch: HostLauncher;

  constructor(private readonly opts: TokenHostClientOptions = {}) {
    this.entry = opts.entry ? entryFor(opts.entry) : defaultEntry();
    this.launch = opts.fork ?? forkHost;
  }

  /** PID of the running host, if one is running. */
  get pid(): number | undefined {
    return this.host?.pid;
  }

  /** Counts hosts started so far; a change means logins were lost. */
  get generation(): number {
    return this.hostGeneration;
  }

  /** Calls `method` on the host, starting it if needed. Rejects with a KeyportError. */
  call<M extends TokenHostMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const host = this.ensureHost();
    const id = this.nextId++;
    const request: TokenHostRequest<M> = { id, method, params };
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const timeout = this.opts.timeouts?.[method] ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUTS[method];
      const timer = setTimeout(() => this.timedOut(id, timeout), timeout);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      host.setBusy?.(true);
      host.postMessage(request);
    });
  }

  /** Stops the host, letting it finalize its modules; pending calls are rejected. */
  async close(): Promise<void> {
    const host = this.host;
    if (!host) return;
    this.detach(host, (activity) => `The token host was closed while ${activity}; try again.`);
    const force = setTimeout(() => host.kill(), 2_000);
    if (host.close) host.close();
    else host.kill();
    await this.hostExited;
    clearTimeout(force);
  }

  private ensureHost(): HostProcess {
    if (this.host) return this.host;
    const host = this.launch(this.entry, this.opts.env ?? process.env);
    this.hostGeneration++;
    host.on('message', (m) => this.received(host, m));
    this.hostExited = new Promise((resolve) => {
      host.on('exit', () => {
        if (this.host === host) this.detach(host, (activity) => `The token host stopped while ${activity}; try again.`);
        resolve();
      });
    });
    this.host = host;
    return host;
  }

  private received(host: HostProcess, message: unknown): void {
    const parsed = responseEnvelope.safeParse(message);
    if (!parsed.success) return;
    const response = parsed.data;
    const call = this.pending.get(response.id);
    if (!call) return;
    this.settle(response.id);
    if (this.pending.size === 0) host.setBusy?.(false);
    if (response.ok) call.resolve(response.value);
    else call.reject(new KeyportError(response.error.code, response.error.message));
  }

  /** A stuck host cannot serve anyone: the call fails and the host is replaced on the next call. */
  private timedOut(id: number, timeout: number): void {
    const call = this.pending.get(id);
    if (!call) return;
    this.settle(id);
    const seconds = Math.round(timeout / 100) / 10;
    call.reject(new KeyportError('KEYPORT_TOKENHOST_TIMEOUT', `The token host did not answer within ${seconds} s while ${methodActivity[call.method]}; check the token and try again.`));
    const host = this.host;
    if (!host) return;
    this.detach(host, (activity) => `The token host was restarted after a timeout while ${activity}; try again.`);
    host.kill();
  }

  /** Forgets `host` and rejects every pending call with KEYPORT_TOKENHOST_CRASHED. */
  private detach(host: HostProcess, message: (activity: string) => string): void {
    if (this.host === host) this.host = undefined;
    host.setBusy?.(false);
    for (const [id, call] of [...this.pending]) {
      this.settle(id);
      call.reject(new KeyportError('KEYPORT_TOKENHOST_CRASHED', message(methodActivity[call.method])));
    }
  }

  private settle(id: number): void {
    const call = this.pending.get(id);
    if (call) clearTimeout(call.timer);
    this.pending.delete(id);
  }
}

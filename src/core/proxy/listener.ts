import type { Server } from 'node:net';
import { inSetting } from './config-errors';
import { checkLoopback, listen, stageListener, type ListenAddress, type StagedChange } from './listen';

/**
 * What a TCP route and the HTTP proxy share: a server on a checked (loopback) address and the
 * settings that connections accepted from now on get. stage() reads what new settings name (CA
 * files, ...) and binds a new address first, so a used port refuses the change while the old
 * listener still serves (see stageListener); what the old one accepted runs on.
 */
export abstract class Listener<C extends { listen: ListenAddress }, Prepared, S extends Server> {
  protected server: S;
  protected config!: C;
  private boundPort = 0;

  protected constructor(private readonly allowNonLoopback: boolean) {
    this.server = this.createServer();
  }

  /** The port actually bound (differs from the config's when that said 0). */
  get port(): number {
    return this.boundPort;
  }

  /** The listen address as configured (port 0: any free one). */
  get listen(): ListenAddress {
    return this.config.listen;
  }

  /** Where connections are accepted now: the configured host and the bound port. */
  get address(): ListenAddress {
    return { host: this.config.listen.host, port: this.boundPort };
  }

  /** Prepares `config` for connections accepted from now on: commit() applies it, abort() drops it. */
  async stage(config: C): Promise<StagedChange> {
    const prepared = await this.prepared(config);
    return stageListener({
      current: { server: this.server, listen: this.config.listen, port: this.boundPort },
      next: config.listen,
      allowNonLoopback: this.allowNonLoopback,
      what: this.describe(config),
      createServer: () => this.createServer(),
      take: (server, port) => {
        this.server = server;
        this.take(config, prepared, port);
      },
    });
  }

  /** Checks and binds the first address, then takes `config`. */
  protected async bind(config: C): Promise<void> {
    const what = this.describe(config);
    checkLoopback(config.listen, this.allowNonLoopback, what);
    const prepared = await this.prepared(config);
    this.take(config, prepared, await listen(this.server, config.listen, what));
  }

  /** prepare(), its failure naming this listener (a CA file of which route). */
  private async prepared(config: C): Promise<Prepared> {
    try {
      return await this.prepare(config);
    } catch (e) {
      throw inSetting(this.describe(config), e);
    }
  }

  private take(config: C, prepared: Prepared, port: number): void {
    this.apply(config, prepared, port); // this.config still holds the settings it replaces
    this.config = config;
    this.boundPort = port;
  }

  /** Runs in the base constructor, before the subclass's own fields are set: it may only wire handlers. */
  protected abstract createServer(): S;
  /** Reads what `config` names, before anything changes; a failure refuses the settings. */
  protected abstract prepare(config: C): Promise<Prepared>;
  /** Takes the settings for connections accepted from now on, on `port`. */
  protected abstract apply(config: C, prepared: Prepared, port: number): void;
  /** Names the listener in errors ("route web", "the HTTP proxy"). */
  protected abstract describe(config: C): string;
}

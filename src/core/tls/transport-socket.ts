import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * A Duplex over a transport stream that forwards the `net.Socket` methods `node:http` and
 * agents call (timeouts, keep-alive, ref/unref) when the transport has them.
 */
export abstract class TransportSocket extends Duplex {
  private readonly net: Partial<Socket>;

  protected constructor(protected readonly transport: Duplex) {
    // allowHalfOpen false: when the server's data ends we end ours, as net.Socket does.
    super({ allowHalfOpen: false });
    this.net = transport as Partial<Socket>;
    transport.on('timeout', () => this.emit('timeout'));
  }

  setTimeout(ms: number, cb?: () => void): this {
    this.net.setTimeout?.(ms);
    if (cb) this.once('timeout', cb);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.net.setNoDelay?.(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.net.setKeepAlive?.(enable, delay);
    return this;
  }

  ref(): this {
    this.net.ref?.();
    return this;
  }

  unref(): this {
    this.net.unref?.();
    return this;
  }

  get remoteAddress(): string | undefined {
    return this.net.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.net.remotePort;
  }
}

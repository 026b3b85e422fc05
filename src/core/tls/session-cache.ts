import { createHash } from 'node:crypto';

/** What resuming a TLS 1.3 session needs, from one NewSessionTicket. Lives in memory only. */
export interface SessionTicket {
  ticket: Buffer;
  /** The resumption PSK; a secret, so tickets never leave this process. */
  psk: Buffer;
  /** Cipher suite of the original connection; resumption must use one with the same hash. */
  suiteId: number;
  ageAdd: number;
  /** Absolute expiry (ms since epoch) and receipt time, for obfuscated_ticket_age. */
  expiresAt: number;
  receivedAt: number;
  alpn?: string;
  /** The chain the server proved it owns when the ticket was issued. */
  serverChain: Buffer[];
  /** The leaf of the client certificate the session was authenticated with, if one was sent. */
  clientLeaf?: Buffer;
}

/** RFC 8446 §4.6.1: a ticket lives at most seven days. */
export const MAX_TICKET_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/**
 * In-memory TLS 1.3 tickets keyed by host:port:servername:identity. Tickets are used once
 * (RFC 8446 Appendix C.4), so a cache key holds a few of them, newest last.
 */
export class SessionCache {
  private readonly entries = new Map<string, SessionTicket[]>();

  constructor(
    private readonly maxKeys = 256,
    private readonly perKey = 4,
  ) {}

  /** Removes and returns a live ticket for `key`. */
  take(key: string, now = Date.now()): SessionTicket | undefined {
    const list = this.entries.get(key);
    if (!list) return undefined;
    let ticket: SessionTicket | undefined;
    while ((ticket = list.pop()) && ticket.expiresAt <= now);
    if (list.length === 0) this.entries.delete(key);
    return ticket;
  }

  put(key: string, ticket: SessionTicket): void {
    const list = this.entries.get(key) ?? [];
    this.entries.delete(key);
    list.push(ticket);
    if (list.length > this.perKey) list.shift();
    this.entries.set(key, list);
    if (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** Number of tickets held for `key`. */
  count(key: string): number {
    return this.entries.get(key)?.length ?? 0;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The cache key of a connection: host:port:servername:SHA-256 of the client leaf (or "anonymous"). */
export function sessionKey(host: string, port: number, servername: string, clientLeaf?: Buffer): string {
  const identity = clientLeaf ? createHash('sha256').update(clientLeaf).digest('hex') : 'anonymous';
  return `${host}:${port}:${servername}:${identity}`;
}

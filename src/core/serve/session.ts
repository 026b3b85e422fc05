/**
 * The per-run session: a random token printed once in the URL, exchanged for an HttpOnly,
 * SameSite=Strict cookie, and required on every later request. Cookies ignore ports, so the
 * cookie's name carries the port: another local server or a second `keyport serve` never
 * overwrites it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A running server's session. */
export interface Session {
  /** The secret, 256 random bits as base64url; it appears only in the printed URL. */
  readonly token: string;
  /** True when `candidate` is the token (constant time). */
  matches(candidate: string | undefined): boolean;
  /**
   * A token for one first visit only (`keyport serve --open` passes it to the browser launcher,
   * whose argv other local users can read): traded once for the cookie, then worthless.
   */
  oneTimeToken(): string;
  /** True when `candidate` is the token or an unused one-time token, which it then uses up. */
  redeem(candidate: string): boolean;
  /** The Set-Cookie value that hands the token to the browser. */
  cookie(): string;
  /** The token the request's Cookie header carries for this session, if any. */
  tokenFrom(cookieHeader: string | undefined): string | undefined;
}

/** Makes a fresh session for a server on `port`. */
export function createSession(port: number): Session {
  const token = randomBytes(32).toString('base64url');
  const name = `keyport-session-${port}`;
  const digest = sha256(token);
  const oneTime = new Set<string>();
  const matches = (candidate: string | undefined) => candidate !== undefined && timingSafeEqual(sha256(candidate), digest);
  return {
    token,
    matches,
    oneTimeToken: () => {
      const fresh = randomBytes(32).toString('base64url');
      oneTime.add(sha256(fresh).toString('hex'));
      return fresh;
    },
    // A Set lookup by hash: the hash is what is compared, so timing says nothing about the token.
    redeem: (candidate) => matches(candidate) || oneTime.delete(sha256(candidate).toString('hex')),
    cookie: () => `${name}=${token}; Path=/; HttpOnly; SameSite=Strict`,
    tokenFrom: (header) => cookieValue(header, name),
  };
}

/** Hashing first makes the comparison constant-time whatever the candidate's length. */
function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The value of cookie `name` in a Cookie header (`a=1; b=2`), or undefined. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

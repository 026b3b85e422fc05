/**
 * A client that speaks TLS to a listener that takes plain text (`curl https://` at a route,
 * `redis-cli --tls`, `HTTPS_PROXY=https://...`) would otherwise hang or get garbage back: its
 * ClientHello went upstream inside our TLS session as if it were the protocol's first bytes.
 */

/** What the proxy says when it sees one; every listener of the proxy takes plain text only. */
export const CLIENT_SENT_TLS =
  'The client started a TLS handshake, but Keyport listens in plain text and makes the TLS connection itself: point the client at it without TLS (http:// instead of https://, redis-cli without --tls, HTTP_PROXY=http://...).';

/**
 * True when `first`, the first bytes a client sent, begin a TLS handshake record holding a
 * ClientHello (content type 22, version 3.x with x <= 4, handshake type 1 once that byte is in).
 * No plain-text protocol a route carries starts so: HTTP and Redis with letters, MQTT with 0x10,
 * Kafka and Postgres with a length far below the 369 MB these bytes would mean.
 */
export function startsTlsHandshake(first: Buffer): boolean {
  if (first.length < 3 || first[0] !== 0x16 || first[1] !== 0x03 || (first[2] as number) > 0x04) return false;
  return first.length < 6 || first[5] === 0x01;
}

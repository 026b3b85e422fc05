// boringssl-deny is the BoringSSL peer of Keyport's test bed: a TLS echo server on loopback that
// requires a client certificate, verifies it chains to -client-ca, and then applies a service's
// authorisation policy: a verified certificate whose subject CN is -deny-cn is refused with alert
// 49 access_denied. Go and OpenSSL cannot send that alert on TCP; BoringSSL's custom verify
// callback can. It prints one JSON object per line on stdout, like go-echo:
// {"event":"listening","port":N} once, then {"event":"verified",...} or
// {"event":"rejected","error":...} per connection. One connection at a time.
//
// Flags (one or two leading dashes): -version TLSv1.2|TLSv1.3, -cert FILE (leaf then
// intermediates), -key FILE, -client-ca FILE, [-deny-cn NAME], [-groups X25519,P-256,...].
// Built against Debian's android-libboringssl-dev (headers in /usr/include/android).
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

// How long one connection may stall a read or write, and how long a refused one is drained.
#define IO_TIMEOUT_S 10
#define DRAIN_TIMEOUT_S 2

struct options {
  const char *version, *cert, *key, *client_ca, *deny_cn, *groups;
};

// What the verify callback decided about one connection, for its JSON line.
struct conn_state {
  char reason[512];   // why the certificate was refused, empty when it was not
  char subject[1024]; // the verified leaf's subject, RFC 4514
};

static X509_STORE *g_client_cas;
static const char *g_deny_cn;
static int g_state_index = -1;

static void fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("boringssl-deny: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(2);
}

// The first error on BoringSSL's queue as text, or `fallback` when it is empty.
static const char *ssl_error_text(char *buf, size_t len, const char *fallback) {
  uint32_t err = ERR_get_error();
  if (err == 0) return fallback;
  ERR_error_string_n(err, buf, len);
  return buf;
}

static void json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void emit_rejected(const char *error) {
  printf("{\"event\":\"rejected\",\"error\":");
  json_string(error);
  printf("}\n");
  fflush(stdout);
}

static void emit_verified(const char *subject, const char *fingerprint, const char *version, const char *cipher) {
  printf("{\"event\":\"verified\",\"subject\":");
  json_string(subject);
  printf(",\"fingerprintSha256\":\"%s\",\"version\":", fingerprint);
  json_string(version);
  printf(",\"cipher\":");
  json_string(cipher);
  printf("}\n");
  fflush(stdout);
}

static void parse_args(int argc, char **argv, struct options *o) {
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i];
    if (flag[0] != '-') fail("unexpected argument %s", flag);
    flag += flag[1] == '-' ? 2 : 1;
    if (i + 1 >= argc) fail("flag -%s needs a value", flag);
    const char *value = argv[++i];
    if (strcmp(flag, "version") == 0) o->version = value;
    else if (strcmp(flag, "cert") == 0) o->cert = value;
    else if (strcmp(flag, "key") == 0) o->key = value;
    else if (strcmp(flag, "client-ca") == 0) o->client_ca = value;
    else if (strcmp(flag, "deny-cn") == 0) o->deny_cn = value;
    else if (strcmp(flag, "groups") == 0) o->groups = value;
    else fail("unknown flag -%s", flag);
  }
  if (!o->cert || !o->key || !o->client_ca) fail("-cert, -key and -client-ca are required");
}

// The alert for a chain that did not verify: 48 when no trusted issuer was found.
static uint8_t alert_for_verify_error(int err) {
  switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return SSL_AD_UNKNOWN_CA;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return SSL_AD_CERTIFICATE_EXPIRED;
    default:
      return SSL_AD_BAD_CERTIFICATE;
  }
}

// The peer's certificates as X509 objects: the leaf in *leaf, the rest in *untrusted.
static int parse_peer_chain(const STACK_OF(CRYPTO_BUFFER) *chain, X509 **leaf, STACK_OF(X509) **untrusted) {
  *leaf = NULL;
  *untrusted = sk_X509_new_null();
  if (!*untrusted) return 0;
  for (size_t i = 0; i < sk_CRYPTO_BUFFER_num(chain); i++) {
    X509 *cert = X509_parse_from_buffer(sk_CRYPTO_BUFFER_value(chain, i));
    if (!cert) return 0;
    if (i == 0) *leaf = cert;
    else if (!sk_X509_push(*untrusted, cert)) {
      X509_free(cert);
      return 0;
    }
  }
  return *leaf != NULL;
}

// Verifies leaf against -client-ca for client authentication; on failure says why in `state`.
static int verify_leaf(X509 *leaf, STACK_OF(X509) *untrusted, struct conn_state *state, uint8_t *alert) {
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  if (!ctx || !X509_STORE_CTX_init(ctx, g_client_cas, leaf, untrusted) ||
      !X509_STORE_CTX_set_default(ctx, "ssl_client")) {
    X509_STORE_CTX_free(ctx);
    snprintf(state->reason, sizeof state->reason, "cannot set up certificate verification");
    *alert = SSL_AD_INTERNAL_ERROR;
    return 0;
  }
  int ok = X509_verify_cert(ctx) == 1;
  if (!ok) {
    int err = X509_STORE_CTX_get_error(ctx);
    snprintf(state->reason, sizeof state->reason, "certificate verify failed: %s", X509_verify_cert_error_string(err));
    *alert = alert_for_verify_error(err);
  }
  X509_STORE_CTX_free(ctx);
  return ok;
}

// Whether the subject's CN is exactly `cn` (a CN with an embedded NUL never matches).
static int common_name_is(X509 *cert, const char *cn) {
  char buf[256];
  int len = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return len >= 0 && (size_t)len == strlen(cn) && strcmp(buf, cn) == 0;
}

static void subject_of(X509 *cert, char *out, size_t len) {
  snprintf(out, len, "?");
  BIO *bio = BIO_new(BIO_s_mem());
  const uint8_t *data;
  size_t size;
  if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0 &&
      BIO_mem_contents(bio, &data, &size)) {
    snprintf(out, len, "%.*s", (int)size, (const char *)data);
  }
  BIO_free(bio);
}

// The custom verify callback: chain first (48 unknown_ca), then the policy (49 access_denied).
static enum ssl_verify_result_t verify_client(SSL *ssl, uint8_t *out_alert) {
  struct conn_state *state = SSL_get_ex_data(ssl, g_state_index);
  const STACK_OF(CRYPTO_BUFFER) *chain = SSL_get0_peer_certificates(ssl);
  if (!state || !chain || sk_CRYPTO_BUFFER_num(chain) == 0) {
    if (state) snprintf(state->reason, sizeof state->reason, "no client certificate");
    *out_alert = SSL_AD_CERTIFICATE_REQUIRED;
    return ssl_verify_invalid;
  }
  X509 *leaf;
  STACK_OF(X509) *untrusted;
  enum ssl_verify_result_t result = ssl_verify_invalid;
  if (!parse_peer_chain(chain, &leaf, &untrusted)) {
    snprintf(state->reason, sizeof state->reason, "cannot parse the client certificate chain");
    *out_alert = SSL_AD_BAD_CERTIFICATE;
  } else if (verify_leaf(leaf, untrusted, state, out_alert)) {
    if (g_deny_cn && common_name_is(leaf, g_deny_cn)) {
      snprintf(state->reason, sizeof state->reason, "access denied: -deny-cn refuses client certificate CN \"%s\"", g_deny_cn);
      *out_alert = SSL_AD_ACCESS_DENIED;
    } else {
      subject_of(leaf, state->subject, sizeof state->subject);
      result = ssl_verify_ok;
    }
  }
  X509_free(leaf);
  sk_X509_pop_free(untrusted, X509_free);
  return result;
}

static uint16_t version_number(const char *name) {
  if (!name || strcmp(name, "TLSv1.3") == 0) return TLS1_3_VERSION;
  if (strcmp(name, "TLSv1.2") == 0) return TLS1_2_VERSION;
  fail("unknown -version %s: use TLSv1.2 or TLSv1.3", name);
  return 0;
}

static SSL_CTX *make_context(const struct options *o) {
  char err[256];
  uint16_t version = version_number(o->version);
  SSL_CTX *ctx = SSL_CTX_new(TLS_method());
  if (!ctx) fail("cannot create an SSL_CTX: %s", ssl_error_text(err, sizeof err, "out of memory"));
  if (!SSL_CTX_set_min_proto_version(ctx, version) || !SSL_CTX_set_max_proto_version(ctx, version)) {
    fail("cannot set the protocol version");
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    fail("cannot load the server certificate and key: %s", ssl_error_text(err, sizeof err, "unknown error"));
  }
  if (o->groups) {
    char list[256];
    if (snprintf(list, sizeof list, "%s", o->groups) >= (int)sizeof list) fail("-groups is too long");
    for (char *p = list; *p; p++) if (*p == ',') *p = ':';
    if (!SSL_CTX_set1_curves_list(ctx, list)) fail("unknown group in -groups %s", o->groups);
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_custom_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_client);
  return ctx;
}

static X509_STORE *load_client_cas(const char *file) {
  char err[256];
  X509_STORE *store = X509_STORE_new();
  if (!store || X509_STORE_load_locations(store, file, NULL) != 1) {
    fail("cannot load -client-ca %s: %s", file, ssl_error_text(err, sizeof err, "no certificates"));
  }
  return store;
}

static int listen_loopback(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("socket: %s", strerror(errno));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
    fail("cannot listen on 127.0.0.1: %s", strerror(errno));
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

static void set_timeouts(int fd, int seconds) {
  struct timeval tv = {.tv_sec = seconds, .tv_usec = 0};
  // Best effort: without a timeout a stalled client only holds this one connection longer.
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// After a refusal: closing with the client's flight unread would make the kernel send a reset,
// which may reach the client before our alert. Say we are done, then read until it closes.
static void drain(int fd) {
  char buf[4096];
  set_timeouts(fd, DRAIN_TIMEOUT_S);
  (void)shutdown(fd, SHUT_WR);
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

static void report_verified(SSL *ssl, const struct conn_state *state) {
  const STACK_OF(CRYPTO_BUFFER) *chain = SSL_get0_peer_certificates(ssl);
  const CRYPTO_BUFFER *leaf = chain ? sk_CRYPTO_BUFFER_value(chain, 0) : NULL;
  uint8_t digest[SHA256_DIGEST_LENGTH];
  char hex[2 * SHA256_DIGEST_LENGTH + 1] = "";
  if (leaf) {
    SHA256(CRYPTO_BUFFER_data(leaf), CRYPTO_BUFFER_len(leaf), digest);
    for (size_t i = 0; i < sizeof digest; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  }
  const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
  emit_verified(state->subject, hex, SSL_get_version(ssl), cipher ? SSL_CIPHER_standard_name(cipher) : "");
}

static void echo(SSL *ssl) {
  char buf[16384];
  int n;
  while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) {
    if (SSL_write(ssl, buf, n) != n) return;
  }
  if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) (void)SSL_shutdown(ssl);
}

// One connection: handshake (the callback verifies), report, then echo or drain.
static void serve(SSL_CTX *ctx, int fd) {
  struct conn_state state = {.reason = "", .subject = ""};
  char err[256];
  set_timeouts(fd, IO_TIMEOUT_S);
  ERR_clear_error();
  SSL *ssl = SSL_new(ctx);
  if (!ssl || !SSL_set_fd(ssl, fd) || !SSL_set_ex_data(ssl, g_state_index, &state)) {
    emit_rejected(ssl_error_text(err, sizeof err, "cannot set up the connection"));
  } else if (SSL_accept(ssl) != 1) {
    emit_rejected(state.reason[0] ? state.reason : ssl_error_text(err, sizeof err, "handshake failed"));
    drain(fd);
  } else {
    report_verified(ssl, &state);
    echo(ssl);
  }
  SSL_free(ssl);
  close(fd);
}

int main(int argc, char **argv) {
  struct options o = {0};
  parse_args(argc, argv, &o);
  signal(SIGPIPE, SIG_IGN);
  g_state_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  if (g_state_index < 0) fail("cannot allocate SSL ex_data");
  g_client_cas = load_client_cas(o.client_ca);
  g_deny_cn = o.deny_cn;
  SSL_CTX *ctx = make_context(&o);
  int port;
  int listener = listen_loopback(&port);
  printf("{\"event\":\"listening\",\"port\":%d}\n", port);
  fflush(stdout);
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      fail("accept: %s", strerror(errno));
    }
    serve(ctx, fd);
  }
}

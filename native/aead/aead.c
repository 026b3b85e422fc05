/*
 * AES-GCM sealing and opening of TLS records with one OpenSSL cipher context per key.
 *
 * node:crypto creates a cipher context (and fetches the algorithm) for every record, since its
 * API takes the nonce only when a cipher is created, and hands back a fresh zero-filled buffer for
 * each output. Per 16 KB record that is about 20 us, against 2-6 us for the same EVP calls on a
 * context that only takes a new nonce (bench/tls-aead.ts measures both). This file holds no
 * cryptography of its own: it calls the OpenSSL EVP functions that node:crypto calls.
 *
 * openRun also frames TLS 1.3 records, for a bulk transfer's sake: each record cost the
 * JavaScript around it (slicing, the nonce, the call, the plaintext's slice) about as much again
 * as its decryption. It takes only the plain case (whole, authentic, non-empty application data
 * within TLS's limits) and stops before anything else, which the TypeScript record layer then
 * handles and reports as before; test/tls/record-runs.test.ts checks the two paths agree.
 *
 * Every argument is checked here (types, lengths, which direction a context is for), so a wrong
 * call from JavaScript throws instead of touching memory it should not.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <openssl/evp.h>

#define TAG_LENGTH 16
#define NONCE_LENGTH 12

/* Marks the externals this file made, so another external is never taken for a context. */
static const napi_type_tag GCM_TYPE = {0x6b6579706f72742eULL, 0x6165732d67636d31ULL};

typedef struct {
  EVP_CIPHER_CTX *ctx;
  int encrypt;
} Gcm;

typedef struct {
  uint8_t *data;
  size_t length;
} Bytes;

static void free_gcm(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Gcm *gcm = data;
  EVP_CIPHER_CTX_free(gcm->ctx); /* clears the key schedule */
  free(gcm);
}

/* Reads a Uint8Array (a Buffer or a view of one); throws a TypeError naming `what` otherwise. */
static int get_bytes(napi_env env, napi_value value, const char *what, Bytes *out) {
  bool is_typed = false;
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  void *data = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, &out->length, &data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, "KEYPORT_INTERNAL", what);
    return 0;
  }
  if (out->length > INT_MAX) {
    napi_throw_range_error(env, "KEYPORT_INTERNAL", what);
    return 0;
  }
  out->data = data;
  return 1;
}

/* The context behind `value`, if it is one of ours made for this direction; throws otherwise. */
static Gcm *get_gcm(napi_env env, napi_value value, int encrypt) {
  bool tagged = false;
  void *data = NULL;
  if (napi_check_object_type_tag(env, value, &GCM_TYPE, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, value, &data) != napi_ok) {
    napi_throw_type_error(env, "KEYPORT_INTERNAL", "not an AES-GCM context");
    return NULL;
  }
  Gcm *gcm = data;
  if (gcm->encrypt != encrypt) {
    napi_throw_type_error(env, "KEYPORT_INTERNAL", encrypt ? "an opening context cannot seal" : "a sealing context cannot open");
    return NULL;
  }
  return gcm;
}

/* True when the two ranges share a byte without being the same range (GCM allows only exact in-place). */
static int overlaps_partly(const uint8_t *a, size_t a_length, const uint8_t *b, size_t b_length) {
  if (a_length == 0 || b_length == 0 || a == b) return 0;
  return a < b + b_length && b < a + a_length;
}

/* Starts a record: the nonce, then the additional data. */
static int start_record(Gcm *gcm, const Bytes *nonce, const Bytes *aad) {
  int written;
  if (EVP_CipherInit_ex(gcm->ctx, NULL, NULL, NULL, nonce->data, -1) != 1) return 0;
  return aad->length == 0 || EVP_CipherUpdate(gcm->ctx, NULL, &written, aad->data, (int)aad->length) == 1;
}

/* Runs `length` bytes from `in` to `out` through the cipher. */
static int crypt(Gcm *gcm, uint8_t *out, const uint8_t *in, size_t length) {
  int written;
  return length == 0 || (EVP_CipherUpdate(gcm->ctx, out, &written, in, (int)length) == 1 && (size_t)written == length);
}

static napi_value get_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    napi_throw_type_error(env, "KEYPORT_INTERNAL", "wrong number of arguments");
    return NULL;
  }
  return argv[0];
}

/* create(key, encrypt): a context for a 16- or 32-byte key, for sealing or for opening. */
static napi_value create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Bytes key;
  bool encrypt;
  if (!get_args(env, info, 2, argv) || !get_bytes(env, argv[0], "key must be a Uint8Array", &key)) return NULL;
  if (napi_get_value_bool(env, argv[1], &encrypt) != napi_ok) {
    napi_throw_type_error(env, "KEYPORT_INTERNAL", "encrypt must be a boolean");
    return NULL;
  }
  const EVP_CIPHER *cipher = key.length == 16 ? EVP_aes_128_gcm() : key.length == 32 ? EVP_aes_256_gcm() : NULL;
  if (!cipher) {
    napi_throw_range_error(env, "KEYPORT_INTERNAL", "an AES-GCM key is 16 or 32 bytes");
    return NULL;
  }
  Gcm *gcm = malloc(sizeof(Gcm));
  if (!gcm) {
    napi_throw_error(env, "KEYPORT_INTERNAL", "out of memory");
    return NULL;
  }
  gcm->encrypt = encrypt;
  gcm->ctx = EVP_CIPHER_CTX_new();
  if (!gcm->ctx || EVP_CipherInit_ex(gcm->ctx, cipher, NULL, key.data, NULL, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_ctrl(gcm->ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LENGTH, NULL) != 1) {
    EVP_CIPHER_CTX_free(gcm->ctx);
    free(gcm);
    napi_throw_error(env, "KEYPORT_INTERNAL", "OpenSSL could not set up AES-GCM");
    return NULL;
  }
  napi_value external;
  if (napi_create_external(env, gcm, free_gcm, NULL, &external) != napi_ok) {
    free_gcm(env, gcm, NULL);
    napi_throw_error(env, "KEYPORT_INTERNAL", "could not wrap the AES-GCM context");
    return NULL;
  }
  napi_type_tag_object(env, external, &GCM_TYPE);
  return external;
}

/* Reads the nonce and additional data every record call starts with (argv[1], argv[2]). */
static int get_nonce_aad(napi_env env, napi_value *argv, Bytes *nonce, Bytes *aad) {
  if (!get_bytes(env, argv[1], "nonce must be a Uint8Array", nonce) ||
      !get_bytes(env, argv[2], "aad must be a Uint8Array", aad)) return 0;
  if (nonce->length != NONCE_LENGTH) {
    napi_throw_range_error(env, "KEYPORT_INTERNAL", "the nonce is 12 bytes");
    return 0;
  }
  return 1;
}

/*
 * seal(ctx, nonce, aad, plaintext, trailer, out, offset): writes the ciphertext of plaintext then
 * trailer, and the 16-byte tag, into out from offset. out must hold exactly that.
 */
static napi_value seal(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  Bytes nonce, aad, plain, trailer, out;
  uint32_t offset;
  if (!get_args(env, info, 7, argv)) return NULL;
  Gcm *gcm = get_gcm(env, argv[0], 1);
  if (!gcm || !get_nonce_aad(env, argv, &nonce, &aad) ||
      !get_bytes(env, argv[3], "plaintext must be a Uint8Array", &plain) ||
      !get_bytes(env, argv[4], "trailer must be a Uint8Array", &trailer) ||
      !get_bytes(env, argv[5], "out must be a Uint8Array", &out)) return NULL;
  if (napi_get_value_uint32(env, argv[6], &offset) != napi_ok ||
      (size_t)offset + plain.length + trailer.length + TAG_LENGTH != out.length) {
    napi_throw_range_error(env, "KEYPORT_INTERNAL", "out must hold the sealed record from offset exactly");
    return NULL;
  }
  uint8_t *body = out.data + offset;
  uint8_t *tag = body + plain.length + trailer.length;
  if (overlaps_partly(body, plain.length, plain.data, plain.length) ||
      overlaps_partly(body + plain.length, trailer.length, trailer.data, trailer.length)) {
    napi_throw_range_error(env, "KEYPORT_INTERNAL", "out overlaps the input");
    return NULL;
  }
  int written;
  if (!start_record(gcm, &nonce, &aad) || !crypt(gcm, body, plain.data, plain.length) ||
      !crypt(gcm, body + plain.length, trailer.data, trailer.length) ||
      EVP_CipherFinal_ex(gcm->ctx, tag, &written) != 1 ||
      EVP_CIPHER_CTX_ctrl(gcm->ctx, EVP_CTRL_GCM_GET_TAG, TAG_LENGTH, tag) != 1) {
    napi_throw_error(env, "KEYPORT_INTERNAL", "OpenSSL could not seal the record");
    return NULL;
  }
  return NULL;
}

/*
 * open(ctx, nonce, aad, sealed, out): decrypts sealed (ciphertext then tag) into out, whose length
 * is sealed's less the tag. Returns false when authentication fails; out then holds nothing usable.
 */
static napi_value open_record(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  Bytes nonce, aad, sealed, out;
  if (!get_args(env, info, 5, argv)) return NULL;
  Gcm *gcm = get_gcm(env, argv[0], 0);
  if (!gcm || !get_nonce_aad(env, argv, &nonce, &aad) ||
      !get_bytes(env, argv[3], "sealed must be a Uint8Array", &sealed) ||
      !get_bytes(env, argv[4], "out must be a Uint8Array", &out)) return NULL;
  if (sealed.length < TAG_LENGTH || out.length != sealed.length - TAG_LENGTH) {
    napi_throw_range_error(env, "KEYPORT_INTERNAL", "out must be as long as the sealed record less its tag");
    return NULL;
  }
  if (overlaps_partly(out.data, out.length, sealed.data, sealed.length)) {
    napi_throw_range_error(env, "KEYPORT_INTERNAL", "out overlaps the input");
    return NULL;
  }
  uint8_t *tag = sealed.data + out.length;
  int written;
  int ok = start_record(gcm, &nonce, &aad) && crypt(gcm, out.data, sealed.data, out.length) &&
           EVP_CIPHER_CTX_ctrl(gcm->ctx, EVP_CTRL_GCM_SET_TAG, TAG_LENGTH, tag) == 1 &&
           EVP_CipherFinal_ex(gcm->ctx, tag, &written) == 1;
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

/* TLS 1.3 record framing (RFC 8446 §5.1-5.2): application_data, legacy version 3.3, a 2-byte length. */
#define RECORD_HEADER 5
#define MAX_INNER_PLAINTEXT (16384 + 1)
#define MAX_CIPHERTEXT_13 (16384 + 256)
#define APPLICATION_DATA 23

/* Reads a Uint32Array of exactly `length` elements into `out`; throws naming `what` otherwise. */
static int get_u32s(napi_env env, napi_value value, size_t length, const char *what, uint32_t **out) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t count, offset;
  void *data = NULL;
  napi_value arraybuffer;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, &count, &data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint32_array || count != length) {
    napi_throw_type_error(env, "KEYPORT_INTERNAL", what);
    return 0;
  }
  *out = data;
  return 1;
}

/* The nonce of record `seq`: the IV with the 64-bit sequence number XORed into its last 8 bytes. */
static void record_nonce(const uint8_t *iv, uint64_t seq, uint8_t *nonce) {
  memcpy(nonce, iv, NONCE_LENGTH);
  for (int i = 0; i < 8; i++) nonce[NONCE_LENGTH - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

/*
 * openRun(ctx, iv, seq, input, out, maxRecords, result): opens the TLS 1.3 records that lie whole
 * at the start of input, one after another, while each is non-empty application data, and writes
 * their data back to back into out (content type and padding dropped). It stops before the first
 * record that is incomplete, is not framed as application data, fails authentication, turns out to
 * be another content type or empty, would overflow TLS's limit or out, or would be the
 * maxRecords+1-th; that record is left to the caller's record-by-record path, which handles or
 * reports it. Bytes of out past what it reports may have been written. result (a Uint32Array of
 * 3): records opened, input bytes consumed, bytes written to out. seq is the first record's number.
 */
static napi_value open_run(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  Bytes iv, input, out;
  double seq_value;
  uint32_t max_records;
  uint32_t *result;
  if (!get_args(env, info, 7, argv)) return NULL;
  Gcm *gcm = get_gcm(env, argv[0], 0);
  if (!gcm || !get_bytes(env, argv[1], "iv must be a Uint8Array", &iv) ||
      !get_bytes(env, argv[3], "input must be a Uint8Array", &input) ||
      !get_bytes(env, argv[4], "out must be a Uint8Array", &out) ||
      !get_u32s(env, argv[6], 3, "result must be a Uint32Array of 3", &result)) return NULL;
  /* 2^53: the sequence numbers JavaScript counts exactly; keys are updated long before. */
  if (iv.length != NONCE_LENGTH || napi_get_value_double(env, argv[2], &seq_value) != napi_ok || !(seq_value >= 0) ||
      seq_value >= 9007199254740992.0 || seq_value != (double)(uint64_t)seq_value ||
      napi_get_value_uint32(env, argv[5], &max_records) != napi_ok) {
    napi_throw_range_error(env, "KEYPORT_INTERNAL", "openRun needs a 12-byte iv, a sequence number and a record count");
    return NULL;
  }
  if (input.length && out.length && input.data < out.data + out.length && out.data < input.data + input.length) {
    napi_throw_range_error(env, "KEYPORT_INTERNAL", "out overlaps the input");
    return NULL;
  }
  uint64_t seq = (uint64_t)seq_value;
  size_t consumed = 0, written = 0;
  uint32_t records = 0;
  while (records < max_records && input.length - consumed >= RECORD_HEADER) {
    const uint8_t *header = input.data + consumed;
    size_t length = ((size_t)header[3] << 8) | header[4];
    if (header[0] != APPLICATION_DATA || header[1] != 3 || header[2] != 3 || length <= TAG_LENGTH ||
        length > MAX_CIPHERTEXT_13 || input.length - consumed - RECORD_HEADER < length) break;
    size_t inner = length - TAG_LENGTH;
    if (inner > MAX_INNER_PLAINTEXT || out.length - written < inner) break;
    uint8_t nonce[NONCE_LENGTH];
    record_nonce(iv.data, seq, nonce);
    const Bytes nonce_bytes = {nonce, NONCE_LENGTH}, aad = {(uint8_t *)header, RECORD_HEADER};
    const uint8_t *sealed = header + RECORD_HEADER;
    uint8_t *plain = out.data + written;
    uint8_t tag[TAG_LENGTH];
    memcpy(tag, sealed + inner, TAG_LENGTH);
    int final_length;
    if (!start_record(gcm, &nonce_bytes, &aad) || !crypt(gcm, plain, sealed, inner) ||
        EVP_CIPHER_CTX_ctrl(gcm->ctx, EVP_CTRL_GCM_SET_TAG, TAG_LENGTH, tag) != 1 ||
        EVP_CipherFinal_ex(gcm->ctx, tag, &final_length) != 1) break;
    size_t end = inner;
    while (end > 0 && plain[end - 1] == 0) end--;
    /* No content type, an empty record, or not application data: the record path handles it. */
    if (end < 2 || plain[end - 1] != APPLICATION_DATA) break;
    written += end - 1;
    consumed += RECORD_HEADER + length;
    seq++;
    records++;
  }
  result[0] = records;
  result[1] = (uint32_t)consumed;
  result[2] = (uint32_t)written;
  return NULL;
}

static int export_function(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value value;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value) == napi_ok &&
         napi_set_named_property(env, exports, name, value) == napi_ok;
}

NAPI_MODULE_INIT() {
  if (!export_function(env, exports, "create", create) || !export_function(env, exports, "seal", seal) ||
      !export_function(env, exports, "open", open_record) || !export_function(env, exports, "openRun", open_run)) return NULL;
  return exports;
}

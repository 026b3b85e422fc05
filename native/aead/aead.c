/*
 * AES-GCM sealing and opening of TLS records with one OpenSSL cipher context per key.
 *
 * node:crypto creates a cipher context (and fetches the algorithm) for every record, since its
 * API takes the nonce only when a cipher is created, and hands back a fresh zero-filled buffer for
 * each output. Per 16 KB record that is about 20 us, against 2-6 us for the same EVP calls on a
 * context that only takes a new nonce (see README "Where the time goes"). This file holds no
 * cryptography of its own: it calls the OpenSSL EVP functions that node:crypto calls.
 *
 * Every argument is checked here (types, lengths, which direction a context is for), so a wrong
 * call from JavaScript throws instead of touching memory it should not.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
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

static int export_function(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value value;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value) == napi_ok &&
         napi_set_named_property(env, exports, name, value) == napi_ok;
}

NAPI_MODULE_INIT() {
  if (!export_function(env, exports, "create", create) || !export_function(env, exports, "seal", seal) ||
      !export_function(env, exports, "open", open_record)) return NULL;
  return exports;
}

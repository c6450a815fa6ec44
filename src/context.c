/*
 * context.c - tlswire_context: creation, lifetime, configuration.
 */
#include <limits.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conn.h"
#include "context.h"
#include "safety.h"

#define FROZEN_MSG                                                             \
  "Context has already been used to create a Connection, it cannot be "        \
  "mutated again"

/* Guards shared by every mutator: a context, not frozen. */
#define CTX_MUTABLE(ctx)                                                       \
  do {                                                                         \
    TW_GUARD((ctx) != NULL, TLSWIRE_E_INVALID);                                \
    if (__atomic_load_n(&(ctx)->frozen, __ATOMIC_ACQUIRE))                     \
      return tlswire_error_set(&(ctx)->err, TLSWIRE_E_STATE, FROZEN_MSG);      \
  } while (0)

struct method_row {
  int selector;
  const SSL_METHOD *(*method)(void);
  int pinned_version; /* 0: not pinned */
};

static const struct method_row method_table[] = {
    {TLSWIRE_SSLv23_METHOD, TLS_method, 0},
    {TLSWIRE_TLSv1_METHOD, TLS_method, TLS1_VERSION},
    {TLSWIRE_TLSv1_1_METHOD, TLS_method, TLS1_1_VERSION},
    {TLSWIRE_TLSv1_2_METHOD, TLS_method, TLS1_2_VERSION},
    {TLSWIRE_TLS_METHOD, TLS_method, 0},
    {TLSWIRE_TLS_SERVER_METHOD, TLS_server_method, 0},
    {TLSWIRE_TLS_CLIENT_METHOD, TLS_client_method, 0},
    {TLSWIRE_DTLS_METHOD, DTLS_method, 0},
    {TLSWIRE_DTLS_SERVER_METHOD, DTLS_server_method, 0},
    {TLSWIRE_DTLS_CLIENT_METHOD, DTLS_client_method, 0},
};

static const struct method_row *method_find(int selector) {
  size_t n = sizeof method_table / sizeof method_table[0];
  for (size_t i = 0; i < n; i++)
    if (method_table[i].selector == selector)
      return &method_table[i];
  return NULL;
}

/* Without a passphrase callback, libssl would prompt on the terminal for an
 * encrypted key; a library must fail instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *arg) {
  return 0;
}

static int context_configure(tlswire_context *ctx,
                             const struct method_row *row) {
  SSL_CTX_set_default_passwd_cb(ctx->ssl_ctx, no_passphrase);
  SSL_CTX_set_mode(ctx->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (row->pinned_version == 0)
    return TLSWIRE_OK;
  TW_GUARD_OSSL(
      SSL_CTX_set_min_proto_version(ctx->ssl_ctx, row->pinned_version),
      &ctx->err);
  TW_GUARD_OSSL(
      SSL_CTX_set_max_proto_version(ctx->ssl_ctx, row->pinned_version),
      &ctx->err);
  return TLSWIRE_OK;
}

int tlswire_context_new(tlswire_context **out, int method) {
  TW_GUARD(out != NULL, TLSWIRE_E_INVALID);
  *out = NULL;
  if (method == TLSWIRE_SSLv2_METHOD || method == TLSWIRE_SSLv3_METHOD)
    return TLSWIRE_E_UNSUPPORTED;
  const struct method_row *row = method_find(method);
  TW_GUARD(row != NULL, TLSWIRE_E_INVALID);

  tlswire_context *ctx = OPENSSL_zalloc(sizeof *ctx);
  if (ctx == NULL)
    return TLSWIRE_E_NOMEM;
  ctx->method = method;
  ctx->refs = 1;
  ctx->ring_capacity = TLSWIRE_DEFAULT_RING_CAPACITY;
  ctx->ssl_ctx = SSL_CTX_new(row->method());
  if (ctx->ssl_ctx == NULL)
    goto fail_ssl_ctx;
  if (context_configure(ctx, row) != TLSWIRE_OK)
    goto fail_configure;
  *out = ctx;
  return TLSWIRE_OK;

fail_configure:
  SSL_CTX_free(ctx->ssl_ctx);
fail_ssl_ctx:
  OPENSSL_free(ctx);
  tlswire_error_clear_queue();
  return TLSWIRE_E_SSL;
}

void tlswire_context_ref(tlswire_context *ctx) {
  __atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
}

void tlswire_context_freeze(tlswire_context *ctx) {
  __atomic_store_n(&ctx->frozen, 1, __ATOMIC_RELEASE);
}

void tlswire_context_free(tlswire_context *ctx) {
  if (ctx == NULL || __atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  SSL_CTX_free(ctx->ssl_ctx);
  OPENSSL_free(ctx);
}

const tlswire_error *tlswire_context_last_error(const tlswire_context *ctx) {
  return ctx ? &ctx->err : NULL;
}

int tlswire_context_get_method(const tlswire_context *ctx) {
  return ctx ? ctx->method : TLSWIRE_E_INVALID;
}

SSL_CTX *tlswire_context_get_ssl_ctx(const tlswire_context *ctx) {
  return ctx ? ctx->ssl_ctx : NULL;
}

int tlswire_context_set_ring_capacity(tlswire_context *ctx, size_t capacity) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(capacity >= TLSWIRE_MIN_RING_CAPACITY &&
                   capacity <= TLSWIRE_MAX_RING_CAPACITY,
               &ctx->err, "ring capacity out of range");
  ctx->ring_capacity = capacity;
  return TLSWIRE_OK;
}

size_t tlswire_context_get_ring_capacity(const tlswire_context *ctx) {
  return ctx ? ctx->ring_capacity : 0;
}

/* --- certificates and keys ------------------------------------------------ */

static int filetype_valid(int filetype) {
  return filetype == TLSWIRE_FILETYPE_PEM || filetype == TLSWIRE_FILETYPE_ASN1;
}

int tlswire_context_use_certificate(tlswire_context *ctx, X509 *cert) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(cert != NULL, &ctx->err, "cert is NULL");
  TW_GUARD_OSSL(SSL_CTX_use_certificate(ctx->ssl_ctx, cert), &ctx->err);
  return TLSWIRE_OK;
}

int tlswire_context_use_privatekey(tlswire_context *ctx, EVP_PKEY *pkey) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(pkey != NULL, &ctx->err, "pkey is NULL");
  TW_GUARD_OSSL(SSL_CTX_use_PrivateKey(ctx->ssl_ctx, pkey), &ctx->err);
  return TLSWIRE_OK;
}

int tlswire_context_use_certificate_file(tlswire_context *ctx, const char *path,
                                         int filetype) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(path != NULL, &ctx->err, "path is NULL");
  TW_GUARD_ARG(filetype_valid(filetype), &ctx->err, "unknown filetype");
  TW_GUARD_OSSL(SSL_CTX_use_certificate_file(ctx->ssl_ctx, path, filetype),
                &ctx->err);
  return TLSWIRE_OK;
}

int tlswire_context_use_privatekey_file(tlswire_context *ctx, const char *path,
                                        int filetype) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(path != NULL, &ctx->err, "path is NULL");
  TW_GUARD_ARG(filetype_valid(filetype), &ctx->err, "unknown filetype");
  TW_GUARD_OSSL(SSL_CTX_use_PrivateKey_file(ctx->ssl_ctx, path, filetype),
                &ctx->err);
  return TLSWIRE_OK;
}

int tlswire_context_use_certificate_chain_file(tlswire_context *ctx,
                                               const char *path) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(path != NULL, &ctx->err, "path is NULL");
  TW_GUARD_OSSL(SSL_CTX_use_certificate_chain_file(ctx->ssl_ctx, path),
                &ctx->err);
  return TLSWIRE_OK;
}

/* A read-only memory BIO over the caller's bytes, or NULL. */
static BIO *mem_bio(const void *buf, size_t len) {
  if (len > INT_MAX)
    return NULL;
  return BIO_new_mem_buf(buf, (int)len);
}

/* Parses one certificate; the caller frees it. NULL with the queue set. */
static X509 *cert_parse(BIO *bio, int filetype) {
  if (filetype == TLSWIRE_FILETYPE_ASN1)
    return d2i_X509_bio(bio, NULL);
  return PEM_read_bio_X509(bio, NULL, NULL, NULL);
}

#define MEM_ARGS_VALID(ctx, buf, len)                                          \
  do {                                                                         \
    TW_GUARD_ARG((buf) != NULL && (len) > 0, &(ctx)->err,                      \
                 "buffer is NULL or empty");                                   \
    TW_GUARD_ARG((len) <= INT_MAX, &(ctx)->err, "buffer too large");           \
  } while (0)

int tlswire_context_use_certificate_mem(tlswire_context *ctx, const void *buf,
                                        size_t len, int filetype) {
  CTX_MUTABLE(ctx);
  MEM_ARGS_VALID(ctx, buf, len);
  TW_GUARD_ARG(filetype_valid(filetype), &ctx->err, "unknown filetype");
  BIO *bio = mem_bio(buf, len);
  if (bio == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_NOMEM);
  X509 *cert = cert_parse(bio, filetype);
  BIO_free(bio);
  if (cert == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  int ok = SSL_CTX_use_certificate(ctx->ssl_ctx, cert);
  X509_free(cert);
  TW_GUARD_OSSL(ok, &ctx->err);
  return TLSWIRE_OK;
}

static EVP_PKEY *key_parse(SSL_CTX *ssl_ctx, BIO *bio, int filetype) {
  if (filetype == TLSWIRE_FILETYPE_ASN1)
    return d2i_PrivateKey_bio(bio, NULL);
  return PEM_read_bio_PrivateKey(
      bio, NULL, SSL_CTX_get_default_passwd_cb(ssl_ctx),
      SSL_CTX_get_default_passwd_cb_userdata(ssl_ctx));
}

int tlswire_context_use_privatekey_mem(tlswire_context *ctx, const void *buf,
                                       size_t len, int filetype) {
  CTX_MUTABLE(ctx);
  MEM_ARGS_VALID(ctx, buf, len);
  TW_GUARD_ARG(filetype_valid(filetype), &ctx->err, "unknown filetype");
  BIO *bio = mem_bio(buf, len);
  if (bio == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_NOMEM);
  EVP_PKEY *pkey = key_parse(ctx->ssl_ctx, bio, filetype);
  BIO_free(bio);
  if (pkey == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  int ok = SSL_CTX_use_PrivateKey(ctx->ssl_ctx, pkey);
  EVP_PKEY_free(pkey);
  TW_GUARD_OSSL(ok, &ctx->err);
  return TLSWIRE_OK;
}

/* Adds every further PEM certificate of bio as an extra chain certificate. */
static int chain_add_rest(tlswire_context *ctx, BIO *bio) {
  X509 *extra;
  SSL_CTX_clear_chain_certs(ctx->ssl_ctx);
  while ((extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    if (SSL_CTX_add0_chain_cert(ctx->ssl_ctx, extra) != 1) {
      X509_free(extra);
      return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
    }
  }
  /* The loop ends on "no start line" at the end of input: not an error. */
  unsigned long last = ERR_peek_last_error();
  if (ERR_GET_LIB(last) == ERR_LIB_PEM &&
      ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
    ERR_clear_error();
    return TLSWIRE_OK;
  }
  return last == 0 ? TLSWIRE_OK
                   : tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
}

int tlswire_context_use_certificate_chain_mem(tlswire_context *ctx,
                                              const void *buf, size_t len) {
  CTX_MUTABLE(ctx);
  MEM_ARGS_VALID(ctx, buf, len);
  BIO *bio = mem_bio(buf, len);
  if (bio == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_NOMEM);
  X509 *leaf = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
  int rc = leaf != NULL && SSL_CTX_use_certificate(ctx->ssl_ctx, leaf) == 1
               ? chain_add_rest(ctx, bio)
               : tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  X509_free(leaf);
  BIO_free(bio);
  return rc;
}

int tlswire_context_check_privatekey(tlswire_context *ctx) {
  TW_GUARD(ctx != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_OSSL(SSL_CTX_check_private_key(ctx->ssl_ctx), &ctx->err);
  return TLSWIRE_OK;
}

/* --- trust and verification ------------------------------------------------
 */

int tlswire_context_load_verify_locations(tlswire_context *ctx,
                                          const char *cafile,
                                          const char *capath) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(cafile != NULL || capath != NULL, &ctx->err,
               "cafile and capath are both NULL");
  TW_GUARD_OSSL(SSL_CTX_load_verify_locations(ctx->ssl_ctx, cafile, capath),
                &ctx->err);
  return TLSWIRE_OK;
}

/* Adds each certificate of bio to store; how many, or -1 on failure. */
static int store_add_all(X509_STORE *store, BIO *bio, int filetype) {
  int added = 0;
  X509 *cert;
  while ((cert = cert_parse(bio, filetype)) != NULL) {
    int ok = X509_STORE_add_cert(store, cert);
    X509_free(cert);
    if (!ok)
      return -1;
    added++;
    if (filetype == TLSWIRE_FILETYPE_ASN1)
      break;
  }
  return added;
}

int tlswire_context_load_verify_locations_mem(tlswire_context *ctx,
                                              const void *buf, size_t len,
                                              int filetype) {
  CTX_MUTABLE(ctx);
  MEM_ARGS_VALID(ctx, buf, len);
  TW_GUARD_ARG(filetype_valid(filetype), &ctx->err, "unknown filetype");
  BIO *bio = mem_bio(buf, len);
  if (bio == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_NOMEM);
  int added =
      store_add_all(SSL_CTX_get_cert_store(ctx->ssl_ctx), bio, filetype);
  BIO_free(bio);
  if (added <= 0)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  tlswire_error_clear_queue(); /* the end-of-input "no start line" */
  return TLSWIRE_OK;
}

int tlswire_context_verify_trampoline(int preverify_ok, X509_STORE_CTX *store) {
  SSL *ssl =
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  tlswire_verify_cb cb = NULL;
  void *arg = NULL;
  tlswire_conn_verify_callback(conn, &cb, &arg);
  if (cb == NULL)
    return preverify_ok;
  int ok = cb(conn, X509_STORE_CTX_get_current_cert(store),
              X509_STORE_CTX_get_error(store),
              X509_STORE_CTX_get_error_depth(store), preverify_ok, arg);
  if (ok) {
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
  }
  return 0;
}

int tlswire_context_set_verify(tlswire_context *ctx, int mode,
                               tlswire_verify_cb cb, void *arg) {
  CTX_MUTABLE(ctx);
  int known = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT |
              SSL_VERIFY_CLIENT_ONCE | SSL_VERIFY_POST_HANDSHAKE;
  TW_GUARD_ARG((mode & ~known) == 0, &ctx->err, "unknown verify mode bits");
  ctx->verify_cb = cb;
  ctx->verify_arg = arg;
  SSL_CTX_set_verify(ctx->ssl_ctx, mode,
                     cb ? tlswire_context_verify_trampoline : NULL);
  return TLSWIRE_OK;
}

int tlswire_context_get_verify_mode(const tlswire_context *ctx) {
  return ctx ? SSL_CTX_get_verify_mode(ctx->ssl_ctx) : TLSWIRE_E_INVALID;
}

/* --- protocol ----------------------------------------------------------------
 */

int tlswire_context_set_cipher_list(tlswire_context *ctx, const char *ciphers) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(ciphers != NULL, &ctx->err, "cipher list is NULL");
  TW_GUARD_OSSL(SSL_CTX_set_cipher_list(ctx->ssl_ctx, ciphers), &ctx->err);
  return TLSWIRE_OK;
}

int tlswire_context_set_options(tlswire_context *ctx, uint64_t options,
                                uint64_t *new_options) {
  CTX_MUTABLE(ctx);
  uint64_t now = SSL_CTX_set_options(ctx->ssl_ctx, options);
  if (new_options != NULL)
    *new_options = now;
  return TLSWIRE_OK;
}

int tlswire_context_set_mode(tlswire_context *ctx, long mode, long *new_mode) {
  CTX_MUTABLE(ctx);
  long now = SSL_CTX_set_mode(ctx->ssl_ctx, mode);
  if (new_mode != NULL)
    *new_mode = now;
  return TLSWIRE_OK;
}

int tlswire_context_set_min_proto_version(tlswire_context *ctx, int version) {
  CTX_MUTABLE(ctx);
  TW_GUARD_OSSL(SSL_CTX_set_min_proto_version(ctx->ssl_ctx, version),
                &ctx->err);
  return TLSWIRE_OK;
}

int tlswire_context_set_max_proto_version(tlswire_context *ctx, int version) {
  CTX_MUTABLE(ctx);
  TW_GUARD_OSSL(SSL_CTX_set_max_proto_version(ctx->ssl_ctx, version),
                &ctx->err);
  return TLSWIRE_OK;
}

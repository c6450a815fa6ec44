/* SPDX-License-Identifier: Apache-2.0 */
/*
 * context.c - tlswire_context: creation, lifetime, configuration.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "alpn.h"
#include "context.h"
#include "safety.h"

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

static int context_configure(tlswire_context *ctx,
                             const struct method_row *row) {
  /* Every trampoline finds ctx here; it can fail to allocate its slot, and
   * a context whose callbacks cannot find it must not exist. */
  if (!SSL_CTX_set_app_data(ctx->ssl_ctx, ctx))
    return tlswire_error_set(&ctx->err, TLSWIRE_E_NOMEM, "out of memory");
  tlswire_passwd_install(ctx->ssl_ctx, &ctx->cbs.pw);
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
  tlswire_ring_pool_init(&ctx->pool,
                         tlswire_bio_ring_size(TLSWIRE_DEFAULT_RING_CAPACITY));
  int rc = TLSWIRE_E_SSL;
  ctx->ssl_ctx = SSL_CTX_new(row->method());
  if (ctx->ssl_ctx == NULL)
    goto fail_ssl_ctx;
  rc = context_configure(ctx, row);
  if (rc != TLSWIRE_OK)
    goto fail_configure;
  *out = ctx;
  return TLSWIRE_OK;

fail_configure:
  SSL_CTX_free(ctx->ssl_ctx);
fail_ssl_ctx:
  tlswire_error_release(&ctx->err);
  OPENSSL_free(ctx);
  tlswire_error_clear_queue();
  return rc;
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
  tlswire_ring_pool_drain(&ctx->pool);
  tlswire_error_release(&ctx->err);
  OPENSSL_free(ctx);
}

tlswire_context *tlswire_context_of_ssl(const SSL *ssl) {
  return ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
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
  /* Not frozen: no connection holds storage from the pool yet. */
  tlswire_ring_pool_drain(&ctx->pool);
  tlswire_ring_pool_init(&ctx->pool, tlswire_bio_ring_size(capacity));
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
  tlswire_passwd_reset(&ctx->cbs.pw);
  if (SSL_CTX_use_PrivateKey_file(ctx->ssl_ctx, path, filetype) != 1)
    return tlswire_passwd_load_failed(&ctx->cbs.pw, &ctx->err);
  return TLSWIRE_OK;
}

int tlswire_context_use_certificate_chain_file(tlswire_context *ctx,
                                               const char *path) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(path != NULL, &ctx->err, "path is NULL");
  tlswire_passwd_reset(&ctx->cbs.pw);
  if (SSL_CTX_use_certificate_chain_file(ctx->ssl_ctx, path) != 1)
    return tlswire_passwd_load_failed(&ctx->cbs.pw, &ctx->err);
  return TLSWIRE_OK;
}

/* Certificates are never encrypted in practice; a PEM block claiming to be
 * must fail rather than make OpenSSL prompt on the terminal. */
static int no_prompt(char *buf, int size, int rwflag, void *arg) {
  (void)buf, (void)size, (void)rwflag, (void)arg;
  return 0;
}

/* Parses one certificate; the caller frees it. NULL with the queue set. */
static X509 *cert_parse(BIO *bio, int filetype) {
  if (filetype == TLSWIRE_FILETYPE_ASN1)
    return d2i_X509_bio(bio, NULL);
  return PEM_read_bio_X509(bio, NULL, no_prompt, NULL);
}

/* What every memory loader checks first: the bytes and their type. Then a
 * read-only BIO over the caller's bytes in *bio, which the caller frees. */
static int mem_source(tlswire_context *ctx, const void *buf, size_t len,
                      int filetype, BIO **bio) {
  *bio = NULL;
  TW_GUARD_ARG(buf != NULL && len > 0, &ctx->err, "buffer is NULL or empty");
  TW_GUARD_ARG(len <= INT_MAX, &ctx->err, "buffer too large");
  TW_GUARD_ARG(filetype_valid(filetype), &ctx->err, "unknown filetype");
  *bio = BIO_new_mem_buf(buf, (int)len);
  if (*bio == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_NOMEM);
  return TLSWIRE_OK;
}

int tlswire_context_use_certificate_mem(tlswire_context *ctx, const void *buf,
                                        size_t len, int filetype) {
  CTX_MUTABLE(ctx);
  BIO *bio;
  TW_TRY(mem_source(ctx, buf, len, filetype, &bio));
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
  BIO *bio;
  TW_TRY(mem_source(ctx, buf, len, filetype, &bio));
  tlswire_passwd_reset(&ctx->cbs.pw);
  EVP_PKEY *pkey = key_parse(ctx->ssl_ctx, bio, filetype);
  BIO_free(bio);
  if (pkey == NULL)
    return tlswire_passwd_load_failed(&ctx->cbs.pw, &ctx->err);
  int ok = SSL_CTX_use_PrivateKey(ctx->ssl_ctx, pkey);
  EVP_PKEY_free(pkey);
  TW_GUARD_OSSL(ok, &ctx->err);
  return TLSWIRE_OK;
}

/* Adds every further PEM certificate of bio as an extra chain certificate. */
static int chain_add_rest(tlswire_context *ctx, BIO *bio) {
  X509 *extra;
  SSL_CTX_clear_chain_certs(ctx->ssl_ctx);
  while ((extra = PEM_read_bio_X509(bio, NULL, no_prompt, NULL)) != NULL) {
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
  BIO *bio;
  TW_TRY(mem_source(ctx, buf, len, TLSWIRE_FILETYPE_PEM, &bio));
  X509 *leaf = PEM_read_bio_X509_AUX(bio, NULL, no_prompt, NULL);
  int rc = leaf != NULL && SSL_CTX_use_certificate(ctx->ssl_ctx, leaf) == 1
               ? chain_add_rest(ctx, bio)
               : tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  X509_free(leaf);
  BIO_free(bio);
  return rc;
}

/* Allowed on a frozen context shared by several threads: the failure goes
 * to the calling thread's record, never to ctx. */
int tlswire_context_check_privatekey(tlswire_context *ctx) {
  struct tlswire_error *rec = tlswire_error_thread();
  TW_GUARD_ARG(ctx != NULL, rec, "ctx is NULL");
  TW_GUARD_OSSL(SSL_CTX_check_private_key(ctx->ssl_ctx), rec);
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
  BIO *bio;
  TW_TRY(mem_source(ctx, buf, len, filetype, &bio));
  int added =
      store_add_all(SSL_CTX_get_cert_store(ctx->ssl_ctx), bio, filetype);
  BIO_free(bio);
  if (added <= 0)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  tlswire_error_clear_queue(); /* the end-of-input "no start line" */
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

int tlswire_context_clear_mode(tlswire_context *ctx, long mode,
                               long *new_mode) {
  CTX_MUTABLE(ctx);
  /* Without these a short write would have to be retried with the same
   * buffer, which send's "bytes accepted" contract never asks for. */
  TW_GUARD_ARG((mode & (TLSWIRE_MODE_ENABLE_PARTIAL_WRITE |
                        TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER)) == 0,
               &ctx->err,
               "ENABLE_PARTIAL_WRITE and ACCEPT_MOVING_WRITE_BUFFER cannot be "
               "cleared: the stream-integrity contract of send depends on "
               "them");
  long now = SSL_CTX_clear_mode(ctx->ssl_ctx, mode);
  if (new_mode != NULL)
    *new_mode = now;
  return TLSWIRE_OK;
}

int tlswire_context_set_tls13_ciphersuites(tlswire_context *ctx,
                                           const char *suites) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(suites != NULL, &ctx->err, "cipher suites are NULL");
  TW_GUARD_OSSL(SSL_CTX_set_ciphersuites(ctx->ssl_ctx, suites), &ctx->err);
  return TLSWIRE_OK;
}

int tlswire_context_set_tmp_ecdh_nid(tlswire_context *ctx, int nid) {
  CTX_MUTABLE(ctx);
  if (nid == NID_undef)
    return tlswire_error_set(&ctx->err, TLSWIRE_E_SSL, "unknown curve");
  TW_GUARD_OSSL(SSL_CTX_set1_groups(ctx->ssl_ctx, &nid, 1), &ctx->err);
  return TLSWIRE_OK;
}

/* The cryptography names pyOpenSSL maps onto OpenSSL's own. */
static const char *curve_alias(const char *curve) {
  if (strcmp(curve, "secp192r1") == 0)
    return "prime192v1";
  if (strcmp(curve, "secp256r1") == 0)
    return "prime256v1";
  return curve;
}

int tlswire_context_set_tmp_ecdh(tlswire_context *ctx, const char *curve) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(curve != NULL, &ctx->err, "curve name is NULL");
  curve = curve_alias(curve);
  int nid = OBJ_txt2nid(curve); /* "prime256v1", "secp384r1", "X25519" */
  if (nid == NID_undef)
    nid = EC_curve_nist2nid(curve); /* "P-256" */
  tlswire_error_clear_queue();
  return tlswire_context_set_tmp_ecdh_nid(ctx, nid);
}

/* Reads DH parameters from bio; NULL unless they are DH parameters. */
static EVP_PKEY *dh_parse(BIO *bio, int filetype) {
  EVP_PKEY *pkey = filetype == TLSWIRE_FILETYPE_ASN1
                       ? d2i_KeyParams_bio(EVP_PKEY_DH, NULL, bio)
                       : PEM_read_bio_Parameters(bio, NULL);
  if (pkey != NULL && !EVP_PKEY_is_a(pkey, "DH")) {
    EVP_PKEY_free(pkey);
    return NULL;
  }
  return pkey;
}

/* Installs parameters read from bio; frees bio. */
static int dh_load(tlswire_context *ctx, BIO *bio, int filetype) {
  if (bio == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  EVP_PKEY *dh = dh_parse(bio, filetype);
  BIO_free(bio);
  if (dh == NULL) {
    if (ERR_peek_error() == 0)
      return tlswire_error_set(&ctx->err, TLSWIRE_E_SSL,
                               "not Diffie-Hellman parameters");
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  }
  if (SSL_CTX_set0_tmp_dh_pkey(ctx->ssl_ctx, dh) != 1) {
    EVP_PKEY_free(dh); /* ownership passes only on success */
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  }
  return TLSWIRE_OK;
}

int tlswire_context_load_tmp_dh(tlswire_context *ctx, const char *path) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(path != NULL, &ctx->err, "path is NULL");
  return dh_load(ctx, BIO_new_file(path, "r"), TLSWIRE_FILETYPE_PEM);
}

int tlswire_context_load_tmp_dh_mem(tlswire_context *ctx, const void *buf,
                                    size_t len, int filetype) {
  CTX_MUTABLE(ctx);
  BIO *bio;
  TW_TRY(mem_source(ctx, buf, len, filetype, &bio));
  return dh_load(ctx, bio, filetype);
}

int tlswire_context_set_tlsext_use_srtp(tlswire_context *ctx,
                                        const char *profiles) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(profiles != NULL, &ctx->err, "profiles are NULL");
  /* The one libssl setter that returns 0 on success. */
  if (SSL_CTX_set_tlsext_use_srtp(ctx->ssl_ctx, profiles) != 0)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  return TLSWIRE_OK;
}

/* --- sessions ------------------------------------------------------------- */

int tlswire_context_set_session_id(tlswire_context *ctx, const void *buf,
                                   size_t len) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(buf != NULL || len == 0, &ctx->err, "buffer is NULL");
  TW_GUARD_ARG(len <= UINT_MAX, &ctx->err, "buffer too large");
  /* libssl itself refuses more than 32 bytes, with pyOpenSSL's message. */
  TW_GUARD_OSSL(
      SSL_CTX_set_session_id_context(ctx->ssl_ctx, buf, (unsigned int)len),
      &ctx->err);
  return TLSWIRE_OK;
}

#define SESS_CACHE_KNOWN                                                       \
  (SSL_SESS_CACHE_BOTH | SSL_SESS_CACHE_NO_AUTO_CLEAR |                        \
   SSL_SESS_CACHE_NO_INTERNAL)

int tlswire_context_set_session_cache_mode(tlswire_context *ctx, long mode,
                                           long *previous) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(mode >= 0 && (mode & ~(long)SESS_CACHE_KNOWN) == 0, &ctx->err,
               "unknown session cache mode bits");
  long before = SSL_CTX_set_session_cache_mode(ctx->ssl_ctx, mode);
  if (previous != NULL)
    *previous = before;
  return TLSWIRE_OK;
}

int tlswire_context_get_session_cache_mode(const tlswire_context *ctx) {
  return ctx ? (int)SSL_CTX_get_session_cache_mode(ctx->ssl_ctx)
             : TLSWIRE_E_INVALID;
}

int tlswire_context_set_timeout(tlswire_context *ctx, long timeout,
                                long *previous) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(timeout >= 0, &ctx->err, "negative timeout");
  long before = SSL_CTX_set_timeout(ctx->ssl_ctx, timeout);
  if (previous != NULL)
    *previous = before;
  return TLSWIRE_OK;
}

long tlswire_context_get_timeout(const tlswire_context *ctx) {
  return ctx ? SSL_CTX_get_timeout(ctx->ssl_ctx) : TLSWIRE_E_INVALID;
}

/* --- more trust and verification ------------------------------------------ */

int tlswire_context_set_default_verify_paths(tlswire_context *ctx) {
  CTX_MUTABLE(ctx);
  TW_GUARD_OSSL(SSL_CTX_set_default_verify_paths(ctx->ssl_ctx), &ctx->err);
  tlswire_error_clear_queue(); /* missing default files are not an error */
  return TLSWIRE_OK;
}

int tlswire_context_set_verify_depth(tlswire_context *ctx, int depth) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(depth >= 0, &ctx->err, "negative verify depth");
  SSL_CTX_set_verify_depth(ctx->ssl_ctx, depth);
  return TLSWIRE_OK;
}

int tlswire_context_get_verify_depth(const tlswire_context *ctx) {
  return ctx ? SSL_CTX_get_verify_depth(ctx->ssl_ctx) : TLSWIRE_E_INVALID;
}

X509_STORE *tlswire_context_get_cert_store(const tlswire_context *ctx) {
  return ctx ? SSL_CTX_get_cert_store(ctx->ssl_ctx) : NULL;
}

int tlswire_context_add_extra_chain_cert(tlswire_context *ctx, X509 *cert) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(cert != NULL, &ctx->err, "cert is NULL");
  X509 *copy = X509_dup(cert);
  if (copy == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_NOMEM);
  if (SSL_CTX_add_extra_chain_cert(ctx->ssl_ctx, copy) != 1) {
    X509_free(copy); /* libssl took it only on success */
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  }
  return TLSWIRE_OK;
}

/* --- client CA names --------------------------------------------------------
 */

int tlswire_context_load_client_ca(tlswire_context *ctx, const char *cafile) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(cafile != NULL, &ctx->err, "cafile is NULL");
  STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cafile);
  if (names == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  SSL_CTX_set_client_CA_list(ctx->ssl_ctx, names); /* takes names */
  tlswire_error_clear_queue(); /* the end-of-input "no start line" */
  return TLSWIRE_OK;
}

static int name_listed(STACK_OF(X509_NAME) * names, const X509_NAME *name) {
  for (int i = 0; i < sk_X509_NAME_num(names); i++)
    if (X509_NAME_cmp(sk_X509_NAME_value(names, i), name) == 0)
      return 1;
  return 0;
}

/* Appends a copy of name unless it is listed; 0 ok, -1 out of memory. */
static int names_add(STACK_OF(X509_NAME) * names, const X509_NAME *name) {
  if (name_listed(names, name))
    return 0;
  X509_NAME *copy = X509_NAME_dup(name);
  if (copy != NULL && sk_X509_NAME_push(names, copy) > 0)
    return 0;
  X509_NAME_free(copy);
  return -1;
}

/* The subjects of every certificate in bio; NULL if there is none. */
static STACK_OF(X509_NAME) * subjects_parse(BIO *bio, int filetype) {
  STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
  X509 *cert;
  while (names != NULL && (cert = cert_parse(bio, filetype)) != NULL) {
    int rc = names_add(names, X509_get_subject_name(cert));
    X509_free(cert);
    if (rc != 0 || filetype == TLSWIRE_FILETYPE_ASN1)
      break;
  }
  if (names != NULL && sk_X509_NAME_num(names) > 0)
    return names;
  sk_X509_NAME_pop_free(names, X509_NAME_free);
  return NULL;
}

int tlswire_context_load_client_ca_mem(tlswire_context *ctx, const void *buf,
                                       size_t len, int filetype) {
  CTX_MUTABLE(ctx);
  BIO *bio;
  TW_TRY(mem_source(ctx, buf, len, filetype, &bio));
  STACK_OF(X509_NAME) *names = subjects_parse(bio, filetype);
  BIO_free(bio);
  if (names == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_SSL);
  SSL_CTX_set_client_CA_list(ctx->ssl_ctx, names);
  tlswire_error_clear_queue();
  return TLSWIRE_OK;
}

int tlswire_context_set_client_ca_list(tlswire_context *ctx,
                                       X509_NAME *const *names, size_t n) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(names != NULL || n == 0, &ctx->err, "names is NULL");
  for (size_t i = 0; i < n; i++)
    TW_GUARD_ARG(names[i] != NULL, &ctx->err, "a name is NULL");
  STACK_OF(X509_NAME) *list = sk_X509_NAME_new_null();
  for (size_t i = 0; list != NULL && i < n; i++) {
    X509_NAME *copy = X509_NAME_dup(names[i]);
    if (copy == NULL || sk_X509_NAME_push(list, copy) <= 0) {
      X509_NAME_free(copy);
      sk_X509_NAME_pop_free(list, X509_NAME_free);
      list = NULL;
    }
  }
  if (list == NULL)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_NOMEM);
  SSL_CTX_set_client_CA_list(ctx->ssl_ctx, list);
  return TLSWIRE_OK;
}

int tlswire_context_add_client_ca(tlswire_context *ctx, X509 *cert) {
  CTX_MUTABLE(ctx);
  TW_GUARD_ARG(cert != NULL, &ctx->err, "cert is NULL");
  TW_GUARD_OSSL(SSL_CTX_add_client_CA(ctx->ssl_ctx, cert), &ctx->err);
  return TLSWIRE_OK;
}

/* --- ALPN (client side) ----------------------------------------------------
 */

int tlswire_context_set_alpn_protos_wire(tlswire_context *ctx,
                                         const unsigned char *wire,
                                         size_t len) {
  CTX_MUTABLE(ctx);
  TW_TRY(tlswire_alpn_wire_check(&ctx->err, wire, len));
  /* The other libssl setter that returns 0 on success. */
  if (SSL_CTX_set_alpn_protos(ctx->ssl_ctx, wire, (unsigned int)len) != 0)
    return tlswire_error_from_queue(&ctx->err, TLSWIRE_E_NOMEM);
  return TLSWIRE_OK;
}

int tlswire_context_set_alpn_protos(tlswire_context *ctx,
                                    const char *const *protos, size_t n) {
  CTX_MUTABLE(ctx);
  unsigned char *wire = NULL;
  size_t len = 0;
  TW_TRY(tlswire_alpn_wire_build(&ctx->err, protos, n, &wire, &len));
  int rc = tlswire_context_set_alpn_protos_wire(ctx, wire, len);
  OPENSSL_free(wire);
  return rc;
}

/* --- application data --------------------------------------------------------
 */

int tlswire_context_set_app_data(tlswire_context *ctx, void *data) {
  CTX_MUTABLE(ctx);
  ctx->app_data = data;
  return TLSWIRE_OK;
}

void *tlswire_context_get_app_data(const tlswire_context *ctx) {
  return ctx ? ctx->app_data : NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_context_api.c - the Context methods beyond the foundation
 * (pyOpenSSL's TestContext, TestContextConnection and the client-CA part of
 * TestMemoryBIO), every memory loader, and the frozen rule for every
 * mutator.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <tlswire/tlswire.h>

#include "pump.h"
#include "testmain.h"

static tlswire_context *ctx_new(int method) {
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, method), TLSWIRE_OK);
  return ctx;
}

static const char *first_reason(const tlswire_context *ctx) {
  const char *reason = "";
  tlswire_error_entry(tlswire_context_last_error(ctx), 0, NULL, NULL, &reason);
  return reason;
}

/* --- modes, suites, curves, DH, SRTP ----------------------------------------
 */

START_TEST(clear_mode_returns_new_mask) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  long mask = -1;
  /* libssl's own default (AUTO_RETRY) plus tlswire's two write modes. */
  long initial = SSL_CTX_get_mode(tlswire_context_get_ssl_ctx(ctx));
  ck_assert_int_eq(initial, TLSWIRE_MODE_AUTO_RETRY |
                                TLSWIRE_MODE_ENABLE_PARTIAL_WRITE |
                                TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* The two write modes are protected (check_args tests the refusal). */
  ck_assert_int_eq(
      tlswire_context_clear_mode(ctx, TLSWIRE_MODE_AUTO_RETRY, &mask),
      TLSWIRE_OK);
  ck_assert_int_eq(mask, initial & ~TLSWIRE_MODE_AUTO_RETRY);
  ck_assert_int_eq(
      tlswire_context_set_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, &mask),
      TLSWIRE_OK);
  ck_assert_int_eq(mask, (initial & ~TLSWIRE_MODE_AUTO_RETRY) |
                             TLSWIRE_MODE_RELEASE_BUFFERS);
  ck_assert_int_eq(
      tlswire_context_clear_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL),
      TLSWIRE_OK);
  ck_assert_int_eq(SSL_CTX_get_mode(tlswire_context_get_ssl_ctx(ctx)),
                   initial & ~TLSWIRE_MODE_AUTO_RETRY);
  ck_assert_int_eq(tlswire_context_clear_mode(NULL, 1, NULL),
                   TLSWIRE_E_INVALID);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(tls13_ciphersuites) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_context_set_tls13_ciphersuites(sctx, "bogus"),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  ck_assert_int_eq(tlswire_context_set_tls13_ciphersuites(sctx, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_tls13_ciphersuites(
                       sctx, "TLS_CHACHA20_POLY1305_SHA256"),
                   TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_str_eq(tlswire_conn_get_cipher_name(p.client),
                   "TLS_CHACHA20_POLY1305_SHA256");
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* pyOpenSSL's test_set_tmp_ecdh loops over curves; OpenSSL 3 restricts the
 * groups, so the negotiated group is the one set. */
START_TEST(tmp_ecdh_curves) {
  static const struct {
    const char *name;
    int nid;
  } curves[] = {
      {"prime256v1", NID_X9_62_prime256v1}, {"secp384r1", NID_secp384r1},
      {"secp521r1", NID_secp521r1},         {"P-384", NID_secp384r1},
      {"secp256r1", NID_X9_62_prime256v1},  {"X25519", NID_X25519}};
  for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
    tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
    tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
    ck_assert_int_eq(tlswire_context_set_tmp_ecdh(sctx, curves[i].name),
                     TLSWIRE_OK);
    tw_pair p;
    ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
    ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
    ck_assert_int_eq(SSL_get_negotiated_group(tlswire_conn_get_ssl(p.client)),
                     curves[i].nid);
    tw_pair_free(&p);
    tlswire_context_free(sctx);
    tlswire_context_free(cctx);
  }
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_set_tmp_ecdh(ctx, "no-such-curve"),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_set_tmp_ecdh(ctx, NULL), TLSWIRE_E_INVALID);
  /* A real curve, but not one TLS negotiates. */
  ck_assert_int_eq(tlswire_context_set_tmp_ecdh(ctx, "secp112r1"),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_set_tmp_ecdh_nid(ctx, NID_undef),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_set_tmp_ecdh_nid(ctx, NID_secp384r1),
                   TLSWIRE_OK);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context_free(ctx);
}
END_TEST

/* RFC 7919 ffdhe2048 parameters, PEM or DER, made at run time (fast). */
static unsigned char *dh_params(int der, size_t *len) {
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
  EVP_PKEY *pkey = NULL;
  ck_assert_int_eq(EVP_PKEY_paramgen_init(pctx), 1);
  ck_assert_int_eq(EVP_PKEY_CTX_set_group_name(pctx, "ffdhe2048"), 1);
  ck_assert_int_eq(EVP_PKEY_paramgen(pctx, &pkey), 1);
  BIO *bio = BIO_new(BIO_s_mem());
  ck_assert_int_eq(der ? i2d_KeyParams_bio(bio, pkey)
                       : PEM_write_bio_Parameters(bio, pkey),
                   1);
  char *data;
  *len = (size_t)BIO_get_mem_data(bio, &data);
  unsigned char *out = malloc(*len);
  memcpy(out, data, *len);
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(pctx);
  return out;
}

/* A TLS 1.2 DHE-only handshake; 0 on success. */
static int dhe_handshake(tlswire_context *sctx) {
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  const char *dhe = "DHE-RSA-AES128-GCM-SHA256";
  ck_assert_int_eq(tlswire_context_set_cipher_list(sctx, dhe), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_cipher_list(cctx, dhe), TLSWIRE_OK);
  tlswire_context_set_max_proto_version(sctx, TLSWIRE_TLS1_2_VERSION);
  tlswire_context_set_max_proto_version(cctx, TLSWIRE_TLS1_2_VERSION);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  int rc = tw_handshake(p.client, p.server, NULL, NULL);
  if (rc == 0)
    ck_assert_str_eq(tlswire_conn_get_cipher_name(p.client), dhe);
  tw_pair_free(&p);
  tlswire_context_free(cctx);
  return rc;
}

/* _i: 0 file, 1 PEM memory, 2 DER memory, 3 none (DHE then fails). */
START_TEST(load_tmp_dh_enables_dhe) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  size_t len;
  unsigned char *params = dh_params(_i == 2, &len);
  char *path = tw_tmpfile_write("dh.pem", params, len);
  int rc = TLSWIRE_OK;
  if (_i == 0)
    rc = tlswire_context_load_tmp_dh(sctx, path);
  else if (_i == 1)
    rc = tlswire_context_load_tmp_dh_mem(sctx, params, len,
                                         TLSWIRE_FILETYPE_PEM);
  else if (_i == 2)
    rc = tlswire_context_load_tmp_dh_mem(sctx, params, len,
                                         TLSWIRE_FILETYPE_ASN1);
  ck_assert_int_eq(rc, TLSWIRE_OK);
  ck_assert_int_eq(dhe_handshake(sctx), _i == 3 ? -1 : 0);
  free(path);
  free(params);
  tw_tmpdir_remove();
  tlswire_context_free(sctx);
}
END_TEST

START_TEST(load_tmp_dh_failures) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_load_tmp_dh(ctx, "/nonexistent/dh.pem"),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_load_tmp_dh(ctx, NULL), TLSWIRE_E_INVALID);
  static const char junk[] = "-----BEGIN DH PARAMETERS-----\nxx\n";
  ck_assert_int_eq(tlswire_context_load_tmp_dh_mem(ctx, junk, sizeof junk - 1,
                                                   TLSWIRE_FILETYPE_PEM),
                   TLSWIRE_E_SSL);
  /* EC parameters are parameters, but not Diffie-Hellman ones. */
  EVP_PKEY *ec = tw_key_new(TW_KEY_EC_P256);
  BIO *bio = BIO_new(BIO_s_mem());
  PEM_write_bio_Parameters(bio, ec);
  char *data;
  long n = BIO_get_mem_data(bio, &data);
  ck_assert_int_eq(
      tlswire_context_load_tmp_dh_mem(ctx, data, n, TLSWIRE_FILETYPE_PEM),
      TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_load_tmp_dh_mem(ctx, data, n, 9),
                   TLSWIRE_E_INVALID);
  BIO_free(bio);
  EVP_PKEY_free(ec);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(tlsext_use_srtp) {
  tlswire_context *ctx = ctx_new(TLSWIRE_DTLS_METHOD);
  ck_assert_int_eq(tlswire_context_set_tlsext_use_srtp(
                       ctx, "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"),
                   TLSWIRE_OK);
  SSL *ssl = SSL_new(tlswire_context_get_ssl_ctx(ctx));
  STACK_OF(SRTP_PROTECTION_PROFILE) *profiles = SSL_get_srtp_profiles(ssl);
  ck_assert_int_eq(sk_SRTP_PROTECTION_PROFILE_num(profiles), 2);
  ck_assert_str_eq(sk_SRTP_PROTECTION_PROFILE_value(profiles, 0)->name,
                   "SRTP_AES128_CM_SHA1_80");
  SSL_free(ssl);
  ck_assert_int_eq(tlswire_context_set_tlsext_use_srtp(ctx, "SRTP_BOGUS"),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_set_tlsext_use_srtp(ctx, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context_free(ctx);
}
END_TEST

/* --- sessions ----------------------------------------------------------------
 */

START_TEST(session_id_length_limit) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  unsigned char id[33];
  memset(id, 'i', sizeof id);
  ck_assert_int_eq(tlswire_context_set_session_id(ctx, id, 32), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_session_id(ctx, id, 33), TLSWIRE_E_SSL);
  ck_assert_str_eq(first_reason(ctx), "ssl session id context too long");
  ck_assert_int_eq(tlswire_context_set_session_id(ctx, NULL, 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_session_id(ctx, NULL, 4),
                   TLSWIRE_E_INVALID);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(session_cache_mode_returns_previous) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  long previous = -1;
  ck_assert_int_eq(tlswire_context_get_session_cache_mode(ctx),
                   TLSWIRE_SESS_CACHE_SERVER);
  ck_assert_int_eq(tlswire_context_set_session_cache_mode(
                       ctx, TLSWIRE_SESS_CACHE_OFF, &previous),
                   TLSWIRE_OK);
  ck_assert_int_eq(previous, TLSWIRE_SESS_CACHE_SERVER);
  ck_assert_int_eq(tlswire_context_set_session_cache_mode(
                       ctx,
                       TLSWIRE_SESS_CACHE_BOTH | TLSWIRE_SESS_CACHE_NO_INTERNAL,
                       &previous),
                   TLSWIRE_OK);
  ck_assert_int_eq(previous, TLSWIRE_SESS_CACHE_OFF);
  ck_assert_int_eq(tlswire_context_get_session_cache_mode(ctx), 0x303);
  ck_assert_int_eq(tlswire_context_set_session_cache_mode(ctx, 0x8000, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_session_cache_mode(ctx, -1, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_get_session_cache_mode(ctx), 0x303);
  ck_assert_int_eq(tlswire_context_get_session_cache_mode(NULL),
                   TLSWIRE_E_INVALID);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(timeout_returns_previous) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  long previous = -1;
  long initial = tlswire_context_get_timeout(ctx);
  /* The default the header states: libssl's 7200 s, pyOpenSSL's too. */
  ck_assert_int_eq(initial, 7200);
  ck_assert_int_eq(initial,
                   SSL_CTX_get_timeout(tlswire_context_get_ssl_ctx(ctx)));
  ck_assert_int_eq(tlswire_context_set_timeout(ctx, 1234, &previous),
                   TLSWIRE_OK);
  ck_assert_int_eq(previous, initial);
  ck_assert_int_eq(tlswire_context_get_timeout(ctx), 1234);
  ck_assert_int_eq(tlswire_context_set_timeout(ctx, -5, &previous),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_get_timeout(ctx), 1234);
  ck_assert_int_eq(tlswire_context_get_timeout(NULL), TLSWIRE_E_INVALID);
  tlswire_context_free(ctx);
}
END_TEST

/* --- trust and verification
 * --------------------------------------------------- */

static int connect_with(tlswire_context *cctx, tlswire_context *sctx) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  int rc = tw_handshake(p.client, p.server, NULL, NULL);
  tw_pair_free(&p);
  return rc;
}

/* The chain is leaf (depth 0) <- intermediate (1) <- CA (2). */
START_TEST(verify_depth) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_context_set_verify_depth(cctx, 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_get_verify_depth(cctx), 0);
  ck_assert_int_eq(tlswire_context_set_verify_depth(cctx, -1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(connect_with(cctx, sctx), -1);
  tlswire_context_free(cctx);
  cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_context_set_verify_depth(cctx, 2), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_get_verify_depth(cctx), 2);
  ck_assert_int_eq(connect_with(cctx, sctx), 0);
  ck_assert_int_eq(tlswire_context_get_verify_depth(NULL), TLSWIRE_E_INVALID);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* pyOpenSSL's tests add trust anchors through get_cert_store; the store is
 * live, and still reachable on a frozen context. */
START_TEST(cert_store_is_live) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = ctx_new(TLSWIRE_TLS_METHOD);
  tlswire_context_set_verify(cctx, TLSWIRE_VERIFY_PEER, NULL, NULL);
  X509_STORE *store = tlswire_context_get_cert_store(cctx);
  ck_assert_ptr_nonnull(store);
  ck_assert_ptr_eq(store,
                   SSL_CTX_get_cert_store(tlswire_context_get_ssl_ctx(cctx)));
  ck_assert_int_eq(connect_with(cctx, sctx), -1);
  ck_assert_ptr_eq(tlswire_context_get_cert_store(cctx), store); /* frozen */
  ck_assert_int_eq(X509_STORE_add_cert(store, c->ca), 1);
  ck_assert_int_eq(connect_with(cctx, sctx), 0);
  ck_assert_ptr_null(tlswire_context_get_cert_store(NULL));
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* pyOpenSSL's test_set_default_verify_paths, without the network: the
 * default locations honour $SSL_CERT_FILE. */
START_TEST(default_verify_paths_use_env) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  char *pem;
  size_t len;
  ck_assert_int_eq(tw_cert_pem(c->ca, &pem, &len), 0);
  char *path = tw_tmpfile_write("ca.pem", pem, len);
  ck_assert_int_eq(setenv("SSL_CERT_FILE", path, 1), 0);
  ck_assert_int_eq(setenv("SSL_CERT_DIR", "/nonexistent", 1), 0);
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = ctx_new(TLSWIRE_TLS_METHOD);
  tlswire_context_set_verify(cctx, TLSWIRE_VERIFY_PEER, NULL, NULL);
  ck_assert_int_eq(tlswire_context_set_default_verify_paths(cctx), TLSWIRE_OK);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  ck_assert_int_eq(connect_with(cctx, sctx), 0);
  ck_assert_int_eq(tlswire_context_set_default_verify_paths(NULL),
                   TLSWIRE_E_INVALID);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
  free(path);
  free(pem);
  tw_tmpdir_remove();
}
END_TEST

/* The intermediate reaches the client only as an extra chain certificate. */
START_TEST(add_extra_chain_cert) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  for (int with_extra = 0; with_extra < 2; with_extra++) {
    tlswire_context *sctx = ctx_new(TLSWIRE_TLS_METHOD);
    tlswire_context_use_certificate(sctx, c->leaf);
    tlswire_context_use_privatekey(sctx, c->leaf_key);
    if (with_extra) {
      ck_assert_int_eq(tlswire_context_add_extra_chain_cert(sctx, NULL),
                       TLSWIRE_E_INVALID);
      ck_assert_int_eq(
          tlswire_context_add_extra_chain_cert(sctx, c->intermediate),
          TLSWIRE_OK);
      STACK_OF(X509) *extra = NULL;
      SSL_CTX_get_extra_chain_certs(tlswire_context_get_ssl_ctx(sctx), &extra);
      ck_assert_int_eq(sk_X509_num(extra), 1);
      ck_assert_ptr_ne(sk_X509_value(extra, 0), c->intermediate); /* a copy */
    }
    ck_assert_int_eq(connect_with(cctx, sctx), with_extra ? 0 : -1);
    tlswire_context_free(sctx);
  }
  tlswire_context_free(cctx);
}
END_TEST

/* --- client CA names
 * ------------------------------------------------------------ */

/* The CA names a server connection of ctx would send, as CNs joined by ','. */
static void ca_names(tlswire_context *ctx, char *out, size_t size) {
  tlswire_conn *conn;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  out[0] = '\0';
  for (size_t i = 0; i < tlswire_conn_get_client_ca_count(conn); i++) {
    char cn[128];
    X509_NAME_get_text_by_NID(tlswire_conn_get_client_ca(conn, i),
                              NID_commonName, cn, sizeof cn);
    strncat(out, cn, size - strlen(out) - 2);
    strcat(out, ",");
  }
  tlswire_conn_free(conn);
}

#define CA "tlswire test CA,"
#define INT "tlswire test intermediate,"
#define CCA "tlswire test client CA,"

START_TEST(client_ca_list_set_and_add) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  const tw_chain *o = tw_fixture_client(TW_KEY_EC_P256);
  char got[512];
  X509_NAME *names[] = {X509_NAME_dup(X509_get_subject_name(c->ca)),
                        X509_NAME_dup(X509_get_subject_name(o->ca))};
  /* empty */
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_set_client_ca_list(ctx, NULL, 0),
                   TLSWIRE_OK);
  ca_names(ctx, got, sizeof got);
  ck_assert_str_eq(got, "");
  tlswire_context_free(ctx);
  /* one, multiple, reset; the list is a copy of the caller's names */
  ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_set_client_ca_list(ctx, names, 1),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_client_ca_list(ctx, names, 2),
                   TLSWIRE_OK);
  X509_NAME_add_entry_by_txt(names[0], "O", MBSTRING_ASC,
                             (const unsigned char *)"mutated", -1, -1, 0);
  ca_names(ctx, got, sizeof got);
  ck_assert_str_eq(got, CA CCA);
  STACK_OF(X509_NAME) *list =
      SSL_CTX_get_client_CA_list(tlswire_context_get_ssl_ctx(ctx));
  ck_assert_int_ne(X509_NAME_cmp(sk_X509_NAME_value(list, 0), names[0]), 0);
  tlswire_context_free(ctx);
  /* set then add, add then set */
  ctx = ctx_new(TLSWIRE_TLS_METHOD);
  tlswire_context_set_client_ca_list(ctx, names + 1, 1);
  ck_assert_int_eq(tlswire_context_add_client_ca(ctx, c->intermediate),
                   TLSWIRE_OK);
  ca_names(ctx, got, sizeof got);
  ck_assert_str_eq(got, CCA INT);
  tlswire_context_free(ctx);
  ctx = ctx_new(TLSWIRE_TLS_METHOD);
  tlswire_context_add_client_ca(ctx, c->intermediate);
  tlswire_context_add_client_ca(ctx, c->ca);
  ca_names(ctx, got, sizeof got);
  ck_assert_str_eq(got, INT CA);
  tlswire_context_free(ctx);
  ctx = ctx_new(TLSWIRE_TLS_METHOD);
  tlswire_context_add_client_ca(ctx, c->intermediate);
  tlswire_context_set_client_ca_list(ctx, names + 1, 1);
  ca_names(ctx, got, sizeof got);
  ck_assert_str_eq(got, CCA);
  tlswire_context_free(ctx);
  /* bad arguments */
  ctx = ctx_new(TLSWIRE_TLS_METHOD);
  X509_NAME *with_null[] = {names[1], NULL};
  ck_assert_int_eq(tlswire_context_set_client_ca_list(ctx, NULL, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_client_ca_list(ctx, with_null, 2),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_add_client_ca(ctx, NULL), TLSWIRE_E_INVALID);
  tlswire_context_free(ctx);
  X509_NAME_free(names[0]);
  X509_NAME_free(names[1]);
}
END_TEST

/* _i: 0 file, 1 PEM memory, 2 DER memory (one certificate). */
START_TEST(load_client_ca_sources) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  const tw_chain *o = tw_fixture_client(TW_KEY_EC_P256);
  X509 *certs[] = {c->ca, o->ca, c->ca}; /* a duplicate is kept once */
  char *pem, got[512];
  size_t len;
  ck_assert_int_eq(tw_certs_pem(certs, 3, &pem, &len), 0);
  unsigned char *der;
  size_t dlen;
  ck_assert_int_eq(tw_cert_der(o->ca, &der, &dlen), 0);
  char *path = tw_tmpfile_write("cas.pem", pem, len);
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  int rc = _i == 0   ? tlswire_context_load_client_ca(ctx, path)
           : _i == 1 ? tlswire_context_load_client_ca_mem(ctx, pem, len,
                                                          TLSWIRE_FILETYPE_PEM)
                     : tlswire_context_load_client_ca_mem(
                           ctx, der, dlen, TLSWIRE_FILETYPE_ASN1);
  ck_assert_int_eq(rc, TLSWIRE_OK);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  ca_names(ctx, got, sizeof got);
  ck_assert_str_eq(got, _i == 2 ? CCA : CA CCA);
  tlswire_context_free(ctx);
  free(path);
  free(pem);
  free(der);
  tw_tmpdir_remove();
}
END_TEST

START_TEST(load_client_ca_failures) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  char *empty = tw_tmpfile_write("empty.pem", "", 0);
  ck_assert_int_eq(tlswire_context_load_client_ca(ctx, "/nonexistent/ca.pem"),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_load_client_ca(ctx, empty), TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_load_client_ca(ctx, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(
      tlswire_context_load_client_ca_mem(ctx, "junk", 4, TLSWIRE_FILETYPE_PEM),
      TLSWIRE_E_SSL);
  ck_assert_int_eq(
      tlswire_context_load_client_ca_mem(ctx, "junk", 4, TLSWIRE_FILETYPE_ASN1),
      TLSWIRE_E_SSL);
  ck_assert_int_eq(
      tlswire_context_load_client_ca_mem(ctx, NULL, 4, TLSWIRE_FILETYPE_PEM),
      TLSWIRE_E_INVALID);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  free(empty);
  tw_tmpdir_remove();
  tlswire_context_free(ctx);
}
END_TEST

/* The names reach the client in the CertificateRequest. */
START_TEST(client_ca_list_reaches_client) {
  const tw_chain *o = tw_fixture_client(TW_KEY_EC_P256);
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context_add_client_ca(sctx, o->ca);
  tlswire_context_set_verify(sctx, TLSWIRE_VERIFY_PEER, NULL, NULL);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_uint_eq(tlswire_conn_get_client_ca_count(p.client), 1);
  ck_assert_int_eq(X509_NAME_cmp(tlswire_conn_get_client_ca(p.client, 0),
                                 X509_get_subject_name(o->ca)),
                   0);
  ck_assert_ptr_null(tlswire_conn_get_client_ca(p.client, 1));
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* A PEM certificate claiming to be encrypted fails cleanly in every memory
 * loader: no passphrase prompt on the terminal (that would hang here). */
START_TEST(encrypted_pem_certificate_never_prompts) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  char *pem;
  size_t len;
  ck_assert_int_eq(tw_cert_pem(c->ca, &pem, &len), 0);
  static const char hdr[] = "Proc-Type: 4,ENCRYPTED\n"
                            "DEK-Info: AES-128-CBC,"
                            "00112233445566778899AABBCCDDEEFF\n\n";
  const char *body = strchr(pem, '\n') + 1;
  size_t head = (size_t)(body - pem);
  char *enc = malloc(len + sizeof hdr);
  memcpy(enc, pem, head);
  memcpy(enc + head, hdr, sizeof hdr - 1);
  memcpy(enc + head + sizeof hdr - 1, body, len - head);
  size_t elen = len + sizeof hdr - 1;
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  int pem_type = TLSWIRE_FILETYPE_PEM;
  ck_assert_int_eq(
      tlswire_context_use_certificate_mem(ctx, enc, elen, pem_type),
      TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_use_certificate_chain_mem(ctx, enc, elen),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(
      tlswire_context_load_verify_locations_mem(ctx, enc, elen, pem_type),
      TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_load_client_ca_mem(ctx, enc, elen, pem_type),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context_free(ctx);
  free(enc);
  free(pem);
}
END_TEST

START_TEST(app_data) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  int token;
  ck_assert_ptr_null(tlswire_context_get_app_data(ctx));
  ck_assert_int_eq(tlswire_context_set_app_data(ctx, &token), TLSWIRE_OK);
  ck_assert_ptr_eq(tlswire_context_get_app_data(ctx), &token);
  ck_assert_ptr_null(tlswire_context_get_app_data(NULL));
  ck_assert_int_eq(tlswire_context_set_app_data(NULL, &token),
                   TLSWIRE_E_INVALID);
  tlswire_context_free(ctx);
}
END_TEST

/* --- the frozen rule
 * --------------------------------------------------------------- Every mutator
 * (pyOpenSSL 26.2's 37 guarded methods, their memory twins and tlswire's own
 * setters) refuses once a connection exists. Each is called with valid
 * arguments, so on a fresh context it must not answer TLSWIRE_E_STATE. */

static const tw_chain *fx;
static char *fx_pem, *fx_path, *fx_key_path;
static size_t fx_len;

#define MUT(name, call)                                                        \
  static int mut_##name(tlswire_context *ctx) { return (call); }
MUT(set_min_proto_version,
    tlswire_context_set_min_proto_version(ctx, TLSWIRE_TLS1_2_VERSION))
MUT(set_max_proto_version,
    tlswire_context_set_max_proto_version(ctx, TLSWIRE_TLS1_3_VERSION))
MUT(load_verify_locations,
    tlswire_context_load_verify_locations(ctx, fx_path, NULL))
MUT(load_verify_locations_mem,
    tlswire_context_load_verify_locations_mem(ctx, fx_pem, fx_len,
                                              TLSWIRE_FILETYPE_PEM))
MUT(set_passwd_cb, tlswire_context_set_passwd_cb(ctx, NULL, NULL))
MUT(set_default_verify_paths, tlswire_context_set_default_verify_paths(ctx))
MUT(use_certificate_chain_file,
    tlswire_context_use_certificate_chain_file(ctx, fx_path))
MUT(use_certificate_chain_mem,
    tlswire_context_use_certificate_chain_mem(ctx, fx_pem, fx_len))
MUT(use_certificate_file,
    tlswire_context_use_certificate_file(ctx, fx_path, TLSWIRE_FILETYPE_PEM))
MUT(use_certificate_mem,
    tlswire_context_use_certificate_mem(ctx, fx_pem, fx_len,
                                        TLSWIRE_FILETYPE_PEM))
MUT(use_certificate, tlswire_context_use_certificate(ctx, fx->ca))
MUT(add_extra_chain_cert, tlswire_context_add_extra_chain_cert(ctx, fx->ca))
MUT(use_privatekey_file,
    tlswire_context_use_privatekey_file(ctx, fx_key_path, TLSWIRE_FILETYPE_PEM))
MUT(use_privatekey, tlswire_context_use_privatekey(ctx, fx->ca_key))
MUT(load_client_ca, tlswire_context_load_client_ca(ctx, fx_path))
MUT(load_client_ca_mem,
    tlswire_context_load_client_ca_mem(ctx, fx_pem, fx_len,
                                       TLSWIRE_FILETYPE_PEM))
MUT(set_session_id, tlswire_context_set_session_id(ctx, "id", 2))
MUT(set_session_cache_mode,
    tlswire_context_set_session_cache_mode(ctx, TLSWIRE_SESS_CACHE_BOTH, NULL))
MUT(set_verify,
    tlswire_context_set_verify(ctx, TLSWIRE_VERIFY_PEER, NULL, NULL))
MUT(set_verify_depth, tlswire_context_set_verify_depth(ctx, 3))
MUT(load_tmp_dh, tlswire_context_load_tmp_dh(ctx, "/nonexistent/dh.pem"))
MUT(load_tmp_dh_mem,
    tlswire_context_load_tmp_dh_mem(ctx, "x", 1, TLSWIRE_FILETYPE_PEM))
MUT(set_tmp_ecdh, tlswire_context_set_tmp_ecdh(ctx, "prime256v1"))
MUT(set_tmp_ecdh_nid, tlswire_context_set_tmp_ecdh_nid(ctx, NID_secp384r1))
MUT(set_cipher_list, tlswire_context_set_cipher_list(ctx, "HIGH"))
MUT(set_tls13_ciphersuites,
    tlswire_context_set_tls13_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256"))
MUT(set_client_ca_list, tlswire_context_set_client_ca_list(ctx, NULL, 0))
MUT(add_client_ca, tlswire_context_add_client_ca(ctx, fx->ca))
MUT(set_timeout, tlswire_context_set_timeout(ctx, 10, NULL))
MUT(set_info_callback, tlswire_context_set_info_callback(ctx, NULL, NULL))
MUT(set_keylog_callback, tlswire_context_set_keylog_callback(ctx, NULL, NULL))
MUT(set_app_data, tlswire_context_set_app_data(ctx, &fx))
MUT(set_options, tlswire_context_set_options(ctx, TLSWIRE_OP_NO_TICKET, NULL))
MUT(set_mode, tlswire_context_set_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL))
MUT(clear_mode,
    tlswire_context_clear_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL))
MUT(set_tlsext_servername_callback,
    tlswire_context_set_tlsext_servername_callback(ctx, NULL, NULL))
MUT(set_tlsext_use_srtp,
    tlswire_context_set_tlsext_use_srtp(ctx, "SRTP_AES128_CM_SHA1_80"))
MUT(set_alpn_protos,
    tlswire_context_set_alpn_protos(ctx, (const char *const[]){"h2"}, 1))
MUT(set_alpn_protos_wire,
    tlswire_context_set_alpn_protos_wire(ctx, (const unsigned char *)"\x02h2",
                                         3))
MUT(set_alpn_select_callback,
    tlswire_context_set_alpn_select_callback(ctx, NULL, NULL))
MUT(set_ocsp_server_callback,
    tlswire_context_set_ocsp_server_callback(ctx, NULL, NULL))
MUT(set_ocsp_client_callback,
    tlswire_context_set_ocsp_client_callback(ctx, NULL, NULL))
MUT(set_cookie_generate_callback,
    tlswire_context_set_cookie_generate_callback(ctx, NULL, NULL))
MUT(set_cookie_verify_callback,
    tlswire_context_set_cookie_verify_callback(ctx, NULL, NULL))
MUT(set_ring_capacity, tlswire_context_set_ring_capacity(ctx, 4096))
MUT(use_privatekey_mem,
    tlswire_context_use_privatekey_mem(ctx, fx_pem, fx_len,
                                       TLSWIRE_FILETYPE_PEM))

struct mutator {
  const char *name;
  int (*fn)(tlswire_context *);
  int pyopenssl_guarded; /* one of pyOpenSSL 26.2's 37 */
};

#define ROW(name, guarded)                                                     \
  { #name, mut_##name, guarded }
static const struct mutator mutators[] = {
    ROW(set_min_proto_version, 1),
    ROW(set_max_proto_version, 1),
    ROW(load_verify_locations, 1),
    ROW(set_passwd_cb, 1),
    ROW(set_default_verify_paths, 1),
    ROW(use_certificate_chain_file, 1),
    ROW(use_certificate_file, 1),
    ROW(use_certificate, 1),
    ROW(add_extra_chain_cert, 1),
    ROW(use_privatekey_file, 1),
    ROW(use_privatekey, 1),
    ROW(load_client_ca, 1),
    ROW(set_session_id, 1),
    ROW(set_session_cache_mode, 1),
    ROW(set_verify, 1),
    ROW(set_verify_depth, 1),
    ROW(load_tmp_dh, 1),
    ROW(set_tmp_ecdh, 1),
    ROW(set_cipher_list, 1),
    ROW(set_tls13_ciphersuites, 1),
    ROW(set_client_ca_list, 1),
    ROW(add_client_ca, 1),
    ROW(set_timeout, 1),
    ROW(set_info_callback, 1),
    ROW(set_keylog_callback, 1),
    ROW(set_app_data, 1),
    ROW(set_options, 1),
    ROW(set_mode, 1),
    ROW(clear_mode, 1),
    ROW(set_tlsext_servername_callback, 1),
    ROW(set_tlsext_use_srtp, 1),
    ROW(set_alpn_protos, 1),
    ROW(set_alpn_select_callback, 1),
    ROW(set_ocsp_server_callback, 1),
    ROW(set_ocsp_client_callback, 1),
    ROW(set_cookie_generate_callback, 1),
    ROW(set_cookie_verify_callback, 1),
    /* memory twins and tlswire's own */
    ROW(load_verify_locations_mem, 0),
    ROW(use_certificate_chain_mem, 0),
    ROW(use_certificate_mem, 0),
    ROW(use_privatekey_mem, 0),
    ROW(load_client_ca_mem, 0),
    ROW(load_tmp_dh_mem, 0),
    ROW(set_tmp_ecdh_nid, 0),
    ROW(set_alpn_protos_wire, 0),
    ROW(set_ring_capacity, 0),
};
#define N_MUTATORS (sizeof mutators / sizeof mutators[0])

static void frozen_setup(void) {
  fx = tw_fixture_chain(TW_KEY_EC_P256);
  ck_assert_int_eq(tw_cert_pem(fx->ca, &fx_pem, &fx_len), 0);
  fx_path = tw_tmpfile_write("ca.pem", fx_pem, fx_len);
  char *key;
  size_t klen;
  ck_assert_int_eq(tw_key_pem(fx->ca_key, NULL, &key, &klen), 0);
  fx_key_path = tw_tmpfile_write("key.pem", key, klen);
  free(key);
}

static void frozen_teardown(void) {
  free(fx_pem);
  free(fx_path);
  free(fx_key_path);
  tw_tmpdir_remove();
}

START_TEST(pyopenssl_guards_37) {
  size_t guarded = 0;
  for (size_t i = 0; i < N_MUTATORS; i++)
    guarded += (size_t)mutators[i].pyopenssl_guarded;
  ck_assert_uint_eq(guarded, 37);
}
END_TEST

START_TEST(mutator_refused_when_frozen) {
  const struct mutator *m = &mutators[_i];
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_msg(m->fn(ctx) != TLSWIRE_E_STATE, "%s refused on a fresh context",
                m->name);
  tlswire_conn *conn;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  ck_assert_msg(m->fn(ctx) == TLSWIRE_E_STATE, "%s allowed when frozen",
                m->name);
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_context_last_error(ctx)),
             "cannot be mutated again"));
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_conn_free(conn);
  tlswire_context_free(ctx);
}
END_TEST

/* pyOpenSSL's 7 unguarded methods keep working on a frozen context. */
START_TEST(getters_allowed_when_frozen) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  int token;
  tlswire_context_use_certificate(ctx, c->leaf);
  tlswire_context_use_privatekey(ctx, c->leaf_key);
  tlswire_context_set_verify_depth(ctx, 4);
  tlswire_context_set_timeout(ctx, 77, NULL);
  tlswire_context_set_app_data(ctx, &token);
  tlswire_context_set_verify(ctx, TLSWIRE_VERIFY_PEER, NULL, NULL);
  tlswire_conn *conn;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_check_privatekey(ctx), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_get_session_cache_mode(ctx),
                   TLSWIRE_SESS_CACHE_SERVER);
  ck_assert_int_eq(tlswire_context_get_verify_mode(ctx), TLSWIRE_VERIFY_PEER);
  ck_assert_int_eq(tlswire_context_get_verify_depth(ctx), 4);
  ck_assert_int_eq(tlswire_context_get_timeout(ctx), 77);
  ck_assert_ptr_eq(tlswire_context_get_app_data(ctx), &token);
  ck_assert_ptr_nonnull(tlswire_context_get_cert_store(ctx));
  tlswire_conn_free(conn);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(null_context_everywhere) {
  for (size_t i = 0; i < N_MUTATORS; i++)
    ck_assert_msg(mutators[i].fn(NULL) == TLSWIRE_E_INVALID, "%s(NULL)",
                  mutators[i].name);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("context_api");
  TW_ADD(s, clear_mode_returns_new_mask);
  TW_ADD(s, tls13_ciphersuites);
  TCase *tc = tcase_create("tmp_ecdh_curves");
  tcase_add_test(tc, tmp_ecdh_curves);
  tcase_set_timeout(tc, 10);
  suite_add_tcase(s, tc);
  tc = tcase_create("load_tmp_dh_enables_dhe");
  tcase_add_loop_test(tc, load_tmp_dh_enables_dhe, 0, 4);
  tcase_set_timeout(tc, 10);
  suite_add_tcase(s, tc);
  TW_ADD(s, load_tmp_dh_failures);
  TW_ADD(s, tlsext_use_srtp);
  TW_ADD(s, session_id_length_limit);
  TW_ADD(s, session_cache_mode_returns_previous);
  TW_ADD(s, timeout_returns_previous);
  TW_ADD(s, verify_depth);
  TW_ADD(s, cert_store_is_live);
  TW_ADD(s, default_verify_paths_use_env);
  TW_ADD(s, add_extra_chain_cert);
  TW_ADD(s, client_ca_list_set_and_add);
  tc = tcase_create("load_client_ca_sources");
  tcase_add_loop_test(tc, load_client_ca_sources, 0, 3);
  suite_add_tcase(s, tc);
  TW_ADD(s, load_client_ca_failures);
  TW_ADD(s, client_ca_list_reaches_client);
  TW_ADD(s, encrypted_pem_certificate_never_prompts);
  TW_ADD(s, app_data);
  tc = tcase_create("frozen");
  tcase_add_checked_fixture(tc, frozen_setup, frozen_teardown);
  tcase_add_test(tc, pyopenssl_guards_37);
  tcase_add_loop_test(tc, mutator_refused_when_frozen, 0, (int)N_MUTATORS);
  tcase_add_test(tc, getters_allowed_when_frozen);
  tcase_add_test(tc, null_context_everywhere);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)

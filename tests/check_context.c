/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_context.c - tlswire_context: methods, loaders, configuration.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include <tlswire/tlswire.h>

#include "pump.h"
#include "testmain.h"

static tlswire_context *ctx_new(int method) {
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, method), TLSWIRE_OK);
  ck_assert_ptr_nonnull(ctx);
  return ctx;
}

/* Every selector pyOpenSSL accepts, with what libssl then allows. */
struct method_case {
  int method;
  int min_version, max_version; /* pinned for TLSv1*_METHOD, else 0 */
  int dtls;
};

static const struct method_case methods[] = {
    {TLSWIRE_SSLv23_METHOD, 0, 0, 0},
    {TLSWIRE_TLSv1_METHOD, TLS1_VERSION, TLS1_VERSION, 0},
    {TLSWIRE_TLSv1_1_METHOD, TLS1_1_VERSION, TLS1_1_VERSION, 0},
    {TLSWIRE_TLSv1_2_METHOD, TLS1_2_VERSION, TLS1_2_VERSION, 0},
    {TLSWIRE_TLS_METHOD, 0, 0, 0},
    {TLSWIRE_TLS_SERVER_METHOD, 0, 0, 0},
    {TLSWIRE_TLS_CLIENT_METHOD, 0, 0, 0},
    {TLSWIRE_DTLS_METHOD, 0, 0, 1},
    {TLSWIRE_DTLS_SERVER_METHOD, 0, 0, 1},
    {TLSWIRE_DTLS_CLIENT_METHOD, 0, 0, 1},
};
#define N_METHODS (sizeof methods / sizeof methods[0])

START_TEST(method_selectors) {
  const struct method_case *m = &methods[_i];
  tlswire_context *ctx = ctx_new(m->method);
  SSL_CTX *s = tlswire_context_get_ssl_ctx(ctx);
  ck_assert_int_eq(tlswire_context_get_method(ctx), m->method);
  ck_assert_int_eq(SSL_CTX_get_min_proto_version(s), m->min_version);
  ck_assert_int_eq(SSL_CTX_get_max_proto_version(s), m->max_version);
  long modes = SSL_CTX_get_mode(s);
  ck_assert(modes & SSL_MODE_ENABLE_PARTIAL_WRITE);
  ck_assert(modes & SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL *ssl = SSL_new(s);
  ck_assert_int_eq(SSL_is_dtls(ssl), m->dtls);
  SSL_free(ssl);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(method_values_are_pyopenssls) {
  ck_assert_int_eq(TLSWIRE_SSLv2_METHOD, 1);
  ck_assert_int_eq(TLSWIRE_SSLv3_METHOD, 2);
  ck_assert_int_eq(TLSWIRE_SSLv23_METHOD, 3);
  ck_assert_int_eq(TLSWIRE_TLSv1_METHOD, 4);
  ck_assert_int_eq(TLSWIRE_TLSv1_1_METHOD, 5);
  ck_assert_int_eq(TLSWIRE_TLSv1_2_METHOD, 6);
  ck_assert_int_eq(TLSWIRE_TLS_METHOD, 7);
  ck_assert_int_eq(TLSWIRE_TLS_SERVER_METHOD, 8);
  ck_assert_int_eq(TLSWIRE_TLS_CLIENT_METHOD, 9);
  ck_assert_int_eq(TLSWIRE_DTLS_METHOD, 10);
  ck_assert_int_eq(TLSWIRE_DTLS_SERVER_METHOD, 11);
  ck_assert_int_eq(TLSWIRE_DTLS_CLIENT_METHOD, 12);
}
END_TEST

START_TEST(sslv2_sslv3_unsupported) {
  tlswire_context *ctx = (tlswire_context *)&ctx;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_SSLv2_METHOD),
                   TLSWIRE_E_UNSUPPORTED);
  ck_assert_ptr_null(ctx);
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_SSLv3_METHOD),
                   TLSWIRE_E_UNSUPPORTED);
  ck_assert_ptr_null(ctx);
}
END_TEST

START_TEST(unknown_method_invalid) {
  static const int bad[] = {0, -1, 13, 100, 0x303};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tlswire_context *ctx = (tlswire_context *)&ctx;
    ck_assert_int_eq(tlswire_context_new(&ctx, bad[i]), TLSWIRE_E_INVALID);
    ck_assert_ptr_null(ctx);
  }
  ck_assert_int_eq(tlswire_context_new(NULL, TLSWIRE_TLS_METHOD),
                   TLSWIRE_E_INVALID);
}
END_TEST

START_TEST(null_context_arguments) {
  tlswire_context_free(NULL);
  ck_assert_int_eq(tlswire_context_use_certificate(NULL, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_use_privatekey(NULL, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_cipher_list(NULL, "HIGH"),
                   TLSWIRE_E_INVALID);
  ck_assert_ptr_null(tlswire_context_last_error(NULL));
  ck_assert_ptr_null(tlswire_context_get_ssl_ctx(NULL));
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_use_certificate(ctx, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_use_privatekey(ctx, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_use_certificate_file(ctx, NULL, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_use_certificate_mem(ctx, NULL, 10, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_use_privatekey_mem(ctx, "x", 0, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_load_verify_locations(ctx, NULL, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_cipher_list(ctx, NULL),
                   TLSWIRE_E_INVALID);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(bad_filetype_invalid) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_use_certificate_file(ctx, "/x", 3),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_use_privatekey_file(ctx, "/x", 0),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_use_certificate_mem(ctx, "x", 1, 7),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_load_verify_locations_mem(ctx, "x", 1, -1),
                   TLSWIRE_E_INVALID);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(use_certificate_and_key_objects) {
  const tw_chain *c = tw_fixture_chain((tw_key_type)_i);
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_check_privatekey(ctx), TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_error_code(tlswire_thread_last_error()),
                   TLSWIRE_E_SSL);
  ck_assert_uint_ge(tlswire_error_count(tlswire_thread_last_error()), 1);
  ck_assert_int_eq(tlswire_error_code(tlswire_context_last_error(ctx)),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_check_privatekey(NULL), TLSWIRE_E_INVALID);
  ck_assert_str_eq(tlswire_error_message(tlswire_thread_last_error()),
                   "ctx is NULL");
  ck_assert_int_eq(tlswire_context_use_certificate(ctx, c->leaf), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_privatekey(ctx, c->leaf_key),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_check_privatekey(ctx), TLSWIRE_OK);
  ck_assert_int_eq(
      X509_cmp(SSL_CTX_get0_certificate(tlswire_context_get_ssl_ctx(ctx)),
               c->leaf),
      0);
  tlswire_context_free(ctx);
}
END_TEST

/* The key of another certificate is refused (pyOpenSSL: Error). */
START_TEST(mismatched_key_refused) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_use_certificate(ctx, c->leaf), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_privatekey(ctx, c->ca_key),
                   TLSWIRE_E_SSL);
  ck_assert_uint_ge(tlswire_error_count(tlswire_context_last_error(ctx)), 1);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context_free(ctx);
}
END_TEST

/* _i: 0 PEM, 1 DER. Certificate and key from memory, then from files. */
START_TEST(load_from_memory_and_files) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_RSA2048);
  int pem = _i == 0;
  int ft = pem ? TLSWIRE_FILETYPE_PEM : TLSWIRE_FILETYPE_ASN1;
  unsigned char *cert = NULL, *key = NULL;
  size_t clen, klen;
  if (pem) {
    ck_assert_int_eq(tw_cert_pem(c->leaf, (char **)&cert, &clen), 0);
    ck_assert_int_eq(tw_key_pem(c->leaf_key, NULL, (char **)&key, &klen), 0);
  } else {
    ck_assert_int_eq(tw_cert_der(c->leaf, &cert, &clen), 0);
    ck_assert_int_eq(tw_key_der(c->leaf_key, &key, &klen), 0);
  }
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_use_certificate_mem(ctx, cert, clen, ft),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_privatekey_mem(ctx, key, klen, ft),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_check_privatekey(ctx), TLSWIRE_OK);
  tlswire_context_free(ctx);

  char *cpath = tw_tmpfile_write(pem ? "c.pem" : "c.der", cert, clen);
  char *kpath = tw_tmpfile_write(pem ? "k.pem" : "k.der", key, klen);
  ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_use_certificate_file(ctx, cpath, ft),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_privatekey_file(ctx, kpath, ft),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_check_privatekey(ctx), TLSWIRE_OK);
  /* The wrong type for the bytes fails cleanly. */
  int other = pem ? TLSWIRE_FILETYPE_ASN1 : TLSWIRE_FILETYPE_PEM;
  ck_assert_int_eq(tlswire_context_use_certificate_file(ctx, cpath, other),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_use_certificate_mem(ctx, cert, clen, other),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context_free(ctx);
  free(cpath);
  free(kpath);
  free(cert);
  free(key);
  tw_tmpdir_remove();
}
END_TEST

START_TEST(missing_file_is_ssl_error) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  const char *nowhere = "/nonexistent/tlswire/none.pem";
  ck_assert_int_eq(
      tlswire_context_use_certificate_file(ctx, nowhere, TLSWIRE_FILETYPE_PEM),
      TLSWIRE_E_SSL);
  ck_assert_int_eq(
      tlswire_context_use_privatekey_file(ctx, nowhere, TLSWIRE_FILETYPE_PEM),
      TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_use_certificate_chain_file(ctx, nowhere),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_load_verify_locations(ctx, nowhere, NULL),
                   TLSWIRE_E_SSL);
  ck_assert_uint_ge(tlswire_error_count(tlswire_context_last_error(ctx)), 1);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(garbage_memory_is_ssl_error) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  static const char junk[] = "-----BEGIN CERTIFICATE-----\nnot base64!\n";
  ck_assert_int_eq(tlswire_context_use_certificate_mem(
                       ctx, junk, sizeof junk - 1, TLSWIRE_FILETYPE_PEM),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_use_privatekey_mem(
                       ctx, junk, sizeof junk - 1, TLSWIRE_FILETYPE_ASN1),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(
      tlswire_context_use_certificate_chain_mem(ctx, junk, sizeof junk - 1),
      TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_load_verify_locations_mem(
                       ctx, junk, sizeof junk - 1, TLSWIRE_FILETYPE_PEM),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context_free(ctx);
}
END_TEST

/* An encrypted key without a passphrase callback fails; it never prompts. */
START_TEST(encrypted_key_without_callback_fails) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  char *key;
  size_t klen;
  ck_assert_int_eq(tw_key_pem(c->leaf_key, "secret", &key, &klen), 0);
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(
      tlswire_context_use_privatekey_mem(ctx, key, klen, TLSWIRE_FILETYPE_PEM),
      TLSWIRE_E_SSL);
  char *path = tw_tmpfile_write("enc.pem", key, klen);
  ck_assert_int_eq(
      tlswire_context_use_privatekey_file(ctx, path, TLSWIRE_FILETYPE_PEM),
      TLSWIRE_E_SSL);
  free(path);
  free(key);
  tw_tmpdir_remove();
  tlswire_context_free(ctx);
}
END_TEST

/* Leaf + intermediate in one PEM, from memory and from a file: the
 * intermediate becomes a chain certificate. */
START_TEST(certificate_chain_mem_and_file) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  X509 *certs[] = {c->leaf, c->intermediate};
  char *pem;
  size_t len;
  ck_assert_int_eq(tw_certs_pem(certs, 2, &pem, &len), 0);
  char *path = tw_tmpfile_write("chain.pem", pem, len);
  for (int from_file = 0; from_file < 2; from_file++) {
    tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
    int rc = from_file
                 ? tlswire_context_use_certificate_chain_file(ctx, path)
                 : tlswire_context_use_certificate_chain_mem(ctx, pem, len);
    ck_assert_int_eq(rc, TLSWIRE_OK);
    ck_assert_int_eq(tlswire_context_use_privatekey(ctx, c->leaf_key),
                     TLSWIRE_OK);
    ck_assert_int_eq(tlswire_context_check_privatekey(ctx), TLSWIRE_OK);
    STACK_OF(X509) *chain = NULL;
    SSL_CTX_get0_chain_certs(tlswire_context_get_ssl_ctx(ctx), &chain);
    ck_assert_int_eq(sk_X509_num(chain), 1);
    ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 0), c->intermediate), 0);
    tlswire_context_free(ctx);
  }
  ck_assert_uint_eq(ERR_peek_error(), 0);
  free(path);
  free(pem);
  tw_tmpdir_remove();
}
END_TEST

/* Trust anchors from a file, a hashed directory, PEM and DER memory: each
 * lets a client verify the fixture server. _i selects the source. */
START_TEST(verify_locations_sources) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  tlswire_context *cctx = ctx_new(TLSWIRE_TLS_METHOD);
  char *pem;
  size_t plen;
  unsigned char *der;
  size_t dlen;
  ck_assert_int_eq(tw_cert_pem(c->ca, &pem, &plen), 0);
  ck_assert_int_eq(tw_cert_der(c->ca, &der, &dlen), 0);
  char hashed[32];
  snprintf(hashed, sizeof hashed, "%08lx.0", X509_subject_name_hash(c->ca));
  char *file = tw_tmpfile_write(hashed, pem, plen);
  int rc = TLSWIRE_E_INVALID;
  switch (_i) {
  case 0:
    rc = tlswire_context_load_verify_locations(cctx, file, NULL);
    break;
  case 1:
    rc = tlswire_context_load_verify_locations(cctx, NULL, tw_tmpdir());
    break;
  case 2:
    rc = tlswire_context_load_verify_locations_mem(cctx, pem, plen,
                                                   TLSWIRE_FILETYPE_PEM);
    break;
  default:
    rc = tlswire_context_load_verify_locations_mem(cctx, der, dlen,
                                                   TLSWIRE_FILETYPE_ASN1);
    break;
  }
  ck_assert_int_eq(rc, TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_verify(cctx, TLSWIRE_VERIFY_PEER, NULL, NULL),
      TLSWIRE_OK);
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_eq(tlswire_conn_get_verify_result(p.client), X509_V_OK);
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
  free(file);
  free(pem);
  free(der);
  tw_tmpdir_remove();
}
END_TEST

/* Without trust anchors, VERIFY_PEER fails the handshake with the reason
 * pyOpenSSL shows: "certificate verify failed". */
START_TEST(verify_peer_without_anchor_fails) {
  tlswire_context *cctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(
      tlswire_context_set_verify(cctx, TLSWIRE_VERIFY_PEER, NULL, NULL),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_get_verify_mode(cctx), TLSWIRE_VERIFY_PEER);
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  int crc, src;
  ck_assert_int_eq(tw_handshake(p.client, p.server, &crc, &src), -1);
  ck_assert_int_eq(crc, TLSWIRE_E_SSL);
  const char *reason;
  tlswire_error_entry(tlswire_conn_last_error(p.client), 0, NULL, NULL,
                      &reason);
  ck_assert_str_eq(reason, "certificate verify failed");
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

static int verify_count;
static int accept_all(tlswire_conn *conn, X509 *cert, int errnum, int depth,
                      int ok, void *arg) {
  ck_assert_ptr_nonnull(conn);
  ck_assert_ptr_nonnull(cert);
  ck_assert_ptr_eq(arg, &verify_count);
  verify_count++;
  return 1;
}

/* A verify callback that accepts overrides the missing trust anchor. */
START_TEST(verify_callback_overrides) {
  tlswire_context *cctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_set_verify(cctx, TLSWIRE_VERIFY_PEER,
                                              accept_all, &verify_count),
                   TLSWIRE_OK);
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  verify_count = 0;
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_ge(verify_count, 2);
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

START_TEST(set_verify_rejects_unknown_bits) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_context_set_verify(ctx, 0x100, NULL, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_get_verify_mode(ctx), TLSWIRE_VERIFY_NONE);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(cipher_list) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(
      tlswire_context_set_cipher_list(ctx, "ECDHE-RSA-AES128-GCM-SHA256"),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_cipher_list(ctx, "imaginary-cipher"),
                   TLSWIRE_E_SSL);
  const char *lib, *reason;
  tlswire_error_entry(tlswire_context_last_error(ctx), 0, &lib, NULL, &reason);
  ck_assert_str_eq(lib, "SSL routines");
  ck_assert_str_eq(reason, "no cipher match");
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(options_and_modes_return_new_mask) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  uint64_t before = SSL_CTX_get_options(tlswire_context_get_ssl_ctx(ctx));
  uint64_t now = 0;
  ck_assert_int_eq(tlswire_context_set_options(ctx, TLSWIRE_OP_NO_TICKET, &now),
                   TLSWIRE_OK);
  ck_assert_uint_eq(now, before | TLSWIRE_OP_NO_TICKET);
  ck_assert_int_eq(
      tlswire_context_set_options(ctx, TLSWIRE_OP_NO_TLSv1_3, NULL),
      TLSWIRE_OK);
  long mode = 0;
  ck_assert_int_eq(
      tlswire_context_set_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, &mode),
      TLSWIRE_OK);
  ck_assert_int_eq(
      mode, SSL_MODE_ENABLE_PARTIAL_WRITE |
                SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS |
                (SSL_CTX_get_mode(tlswire_context_get_ssl_ctx(ctx)) &
                 SSL_MODE_AUTO_RETRY));
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(proto_versions) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  SSL_CTX *s = tlswire_context_get_ssl_ctx(ctx);
  ck_assert_int_eq(
      tlswire_context_set_min_proto_version(ctx, TLSWIRE_TLS1_2_VERSION),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_max_proto_version(ctx, TLSWIRE_TLS1_3_VERSION),
      TLSWIRE_OK);
  ck_assert_int_eq(SSL_CTX_get_min_proto_version(s), TLS1_2_VERSION);
  ck_assert_int_eq(SSL_CTX_get_max_proto_version(s), TLS1_3_VERSION);
  ck_assert_int_eq(tlswire_context_set_min_proto_version(ctx, 0x999),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_set_max_proto_version(ctx, 0), TLSWIRE_OK);
  tlswire_context_free(ctx);
}
END_TEST

/* A 1.3-only server and a 1.2-max client fail with "unsupported protocol"
 * (pyOpenSSL's test_set_min_proto_version). */
START_TEST(version_mismatch_fails) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context_set_min_proto_version(sctx, TLSWIRE_TLS1_3_VERSION);
  tlswire_context_set_max_proto_version(cctx, TLSWIRE_TLS1_2_VERSION);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  int crc, src;
  ck_assert_int_eq(tw_handshake(p.client, p.server, &crc, &src), -1);
  ck_assert_int_eq(src, TLSWIRE_E_SSL);
  const char *reason;
  tlswire_error_entry(tlswire_conn_last_error(p.server), 0, NULL, NULL,
                      &reason);
  ck_assert_str_eq(reason, "unsupported protocol");
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

START_TEST(ring_capacity_range) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  ck_assert_uint_eq(tlswire_context_get_ring_capacity(ctx),
                    TLSWIRE_DEFAULT_RING_CAPACITY);
  ck_assert_int_eq(
      tlswire_context_set_ring_capacity(ctx, TLSWIRE_MIN_RING_CAPACITY - 1),
      TLSWIRE_E_INVALID);
  ck_assert_int_eq(
      tlswire_context_set_ring_capacity(ctx, TLSWIRE_MAX_RING_CAPACITY + 1),
      TLSWIRE_E_INVALID);
  ck_assert_int_eq(
      tlswire_context_set_ring_capacity(ctx, TLSWIRE_MIN_RING_CAPACITY),
      TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_context_get_ring_capacity(ctx),
                    TLSWIRE_MIN_RING_CAPACITY);
  tlswire_context_free(ctx);
}
END_TEST

/* A connection freezes its context; getters keep working. */
START_TEST(frozen_after_connection) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  tlswire_conn *conn;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_cipher_list(ctx, "HIGH"),
                   TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_context_set_options(ctx, TLSWIRE_OP_NO_TICKET, NULL),
                   TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_context_set_ring_capacity(ctx, 4096),
                   TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_context_set_verify(ctx, 1, NULL, NULL),
                   TLSWIRE_E_STATE);
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_context_last_error(ctx)),
             "cannot be mutated"));
  ck_assert_int_eq(tlswire_context_get_verify_mode(ctx), 0);
  ck_assert_int_eq(tlswire_context_check_privatekey(ctx), TLSWIRE_E_SSL);
  /* Allowed on a frozen (shareable) context: the failure is the thread's,
   * and the context's record still holds the refusal. */
  const tlswire_error *mine = tlswire_thread_last_error();
  ck_assert_int_eq(tlswire_error_code(mine), TLSWIRE_E_SSL);
  ck_assert_str_eq(tlswire_error_message(mine),
                   "SSL routines: no certificate assigned");
  ck_assert_int_eq(tlswire_error_code(tlswire_context_last_error(ctx)),
                   TLSWIRE_E_STATE);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_conn_free(conn);
  tlswire_context_free(ctx);
}
END_TEST

/* The caller's reference can go first; the connection keeps the context. */
START_TEST(connection_keeps_context_alive) {
  tlswire_context *ctx = ctx_new(TLSWIRE_TLS_METHOD);
  tlswire_conn *conn;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  tlswire_context_free(ctx);
  /* Still usable: its SSL_CTX is alive (ASan/valgrind would catch it). */
  ck_assert_int_eq(tlswire_conn_set_connect_state(conn), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_do_handshake(conn), TLSWIRE_E_WANT_READ);
  ck_assert_uint_gt(tlswire_conn_bio_pending_out(conn), 0);
  tlswire_conn_free(conn);
}
END_TEST

static Suite *context_suite(void) {
  Suite *s = suite_create("context");
  TCase *tc = tcase_create("methods");
  tcase_add_loop_test(tc, method_selectors, 0, N_METHODS);
  suite_add_tcase(s, tc);
  TW_ADD(s, method_values_are_pyopenssls);
  TW_ADD(s, sslv2_sslv3_unsupported);
  TW_ADD(s, unknown_method_invalid);
  TW_ADD(s, null_context_arguments);
  TW_ADD(s, bad_filetype_invalid);
  tc = tcase_create("use_objects");
  tcase_add_loop_test(tc, use_certificate_and_key_objects, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, mismatched_key_refused);
  tc = tcase_create("loaders");
  tcase_add_loop_test(tc, load_from_memory_and_files, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, missing_file_is_ssl_error);
  TW_ADD(s, garbage_memory_is_ssl_error);
  TW_ADD(s, encrypted_key_without_callback_fails);
  TW_ADD(s, certificate_chain_mem_and_file);
  tc = tcase_create("verify_locations");
  tcase_add_loop_test(tc, verify_locations_sources, 0, 4);
  suite_add_tcase(s, tc);
  TW_ADD(s, verify_peer_without_anchor_fails);
  TW_ADD(s, verify_callback_overrides);
  TW_ADD(s, set_verify_rejects_unknown_bits);
  TW_ADD(s, cipher_list);
  TW_ADD(s, options_and_modes_return_new_mask);
  TW_ADD(s, proto_versions);
  TW_ADD(s, version_mismatch_fails);
  TW_ADD(s, ring_capacity_range);
  TW_ADD(s, frozen_after_connection);
  TW_ADD(s, connection_keeps_context_alive);
  return s;
}

TW_TEST_MAIN(context_suite, 1)

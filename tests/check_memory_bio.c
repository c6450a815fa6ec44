/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_memory_bio.c - pyOpenSSL's TestMemoryBIO in memory mode: a mutual
 * TLS handshake (VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT, client
 * certificates from tw_fixture_client), the secrets and transcripts before
 * and after it (randoms, master key, Finished, exporter), client CA lists on
 * both sides, and the byte-getter argument rules.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "conn_util.h"
#include "testmain.h"

typedef int (*getter)(const tlswire_conn *, void *, size_t, size_t *);

/* A getter that has nothing yet: TLSWIRE_E_STATE and size 0. */
static void assert_none(getter get, const tlswire_conn *conn) {
  unsigned char buf[64];
  size_t size = 99;
  ck_assert_int_eq(get(conn, buf, sizeof buf, &size), TLSWIRE_E_STATE);
  ck_assert_uint_eq(size, 0);
}

/* Both sides' values of get are present, of length want, and equal. */
static void assert_equal(getter get_a, const tlswire_conn *a, getter get_b,
                         const tlswire_conn *b, size_t want) {
  unsigned char va[64], vb[64];
  size_t na = 0, nb = 0;
  ck_assert_int_eq(get_a(a, va, sizeof va, &na), TLSWIRE_OK);
  ck_assert_int_eq(get_b(b, vb, sizeof vb, &nb), TLSWIRE_OK);
  ck_assert_uint_eq(na, want);
  ck_assert_uint_eq(nb, want);
  ck_assert_mem_eq(va, vb, want);
}

static int version_of(int i) {
  return (i & 2) ? TLS1_3_VERSION : TLS1_2_VERSION;
}

/* _i: bit 0 key type, bit 1 version (1.2 / 1.3). */
START_TEST(mutual_tls_memory_connect) {
  tw_key_type type = (_i & 1) ? TW_KEY_EC_P256 : TW_KEY_RSA2048;
  int version = version_of(_i);
  tlswire_context *s = cu_mtls_server_ctx(type, version);
  tlswire_context *c = cu_mtls_client_ctx(type, version);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  /* None of it exists before the handshake. */
  assert_none(tlswire_conn_master_key, p.client);
  assert_none(tlswire_conn_client_random, p.client);
  assert_none(tlswire_conn_server_random, p.server);
  assert_none(tlswire_conn_get_finished, p.client);
  assert_none(tlswire_conn_get_peer_finished, p.server);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_eq(tlswire_conn_get_protocol_version(p.client), version);

  /* The server saw the client's leaf, verified up to the client CA. */
  const tw_chain *cc = tw_fixture_client(type);
  X509 *peer = tlswire_conn_get_peer_certificate(p.server);
  ck_assert_int_eq(X509_cmp(peer, cc->leaf), 0);
  X509_free(peer);
  STACK_OF(X509) *chain = NULL;
  ck_assert_int_eq(tlswire_conn_get_peer_cert_chain(p.server, &chain),
                   TLSWIRE_OK);
  ck_assert_int_eq(sk_X509_num(chain), 1); /* the leaf is not in it */
  ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 0), cc->intermediate), 0);
  sk_X509_pop_free(chain, X509_free);
  ck_assert_int_eq(tlswire_conn_get_verified_chain(p.server, &chain),
                   TLSWIRE_OK);
  ck_assert_int_eq(sk_X509_num(chain), 3);
  ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 0), cc->leaf), 0);
  ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 2), cc->ca), 0);
  sk_X509_pop_free(chain, X509_free);

  if (version == TLS1_3_VERSION)
    cu_read_tickets(p.client);
  assert_equal(tlswire_conn_client_random, p.client, tlswire_conn_client_random,
               p.server, 32);
  assert_equal(tlswire_conn_server_random, p.client, tlswire_conn_server_random,
               p.server, 32);
  assert_equal(tlswire_conn_master_key, p.client, tlswire_conn_master_key,
               p.server, 48);
  size_t fin = version == TLS1_3_VERSION ? 48 : 12;
  const char *cipher = tlswire_conn_get_cipher_name(p.client);
  if (version == TLS1_3_VERSION && strstr(cipher, "SHA256") != NULL)
    fin = 32;
  assert_equal(tlswire_conn_get_finished, p.client,
               tlswire_conn_get_peer_finished, p.server, fin);
  assert_equal(tlswire_conn_get_finished, p.server,
               tlswire_conn_get_peer_finished, p.client, fin);
  unsigned char f1[64], f2[64];
  size_t n1, n2;
  tlswire_conn_get_finished(p.client, f1, sizeof f1, &n1);
  tlswire_conn_get_finished(p.server, f2, sizeof f2, &n2);
  ck_assert_mem_ne(f1, f2, fin);

  cu_roundtrip(p.client, p.server, "One if by land");
  cu_roundtrip(p.server, p.client, "Two if by sea");
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* The server demands a certificate; a client without one is refused. */
START_TEST(mutual_tls_no_client_cert) {
  tlswire_context *s = cu_mtls_server_ctx(TW_KEY_EC_P256, version_of(_i * 2));
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  int crc, src;
  ck_assert_int_eq(tw_handshake(p.client, p.server, &crc, &src), -1);
  ck_assert_int_eq(src, TLSWIRE_E_SSL);
  ck_assert_ptr_nonnull(strstr(cu_reason(p.server), "certificate"));
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* TLS 1.3: a client has no master key until it has read the server's
 * NewSessionTicket (pyOpenSSL raises Error([]) there); one recv fixes it. */
START_TEST(master_key_tls13_needs_ticket) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, TLS1_3_VERSION), 0);
  unsigned char key[64];
  size_t size = 5;
  ck_assert_int_eq(tlswire_conn_master_key(p.client, key, sizeof key, &size),
                   TLSWIRE_E_WANT_READ);
  ck_assert_uint_eq(size, 0);
  ck_assert_int_eq(tlswire_conn_master_key(p.server, key, sizeof key, &size),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size, 48);
  cu_read_tickets(p.client);
  ck_assert_int_eq(tlswire_conn_master_key(p.client, key, sizeof key, &size),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size, 48);
  tw_pair_free(&p);
}
END_TEST

/* Neither side has a key in the middle of the handshake, and no input
 * given to master_key itself changes that: TLSWIRE_E_SSL (pyOpenSSL's
 * Error([])), not WANT_READ. _i: TLS 1.2 / 1.3. */
START_TEST(master_key_mid_handshake) {
  int version = _i ? TLS1_3_VERSION : TLS1_2_VERSION;
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  cu_pin(s, version);
  cu_pin(c, version);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  tw_pump(p.client, p.server);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.server), TLSWIRE_E_WANT_READ);
  unsigned char key[64];
  size_t size = 5;
  for (int side = 0; side < 2; side++) {
    tlswire_conn *conn = side ? p.server : p.client;
    ck_assert_int_eq(tlswire_conn_master_key(conn, key, sizeof key, &size),
                     TLSWIRE_E_SSL);
    ck_assert_uint_eq(size, 0);
    ck_assert_str_eq(tlswire_error_message(tlswire_thread_last_error()),
                     "no master key before the handshake is done");
  }
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* A TLS 1.3 server that issues no ticket: its client's WANT_READ lasts
 * while the connection is open, whatever arrives, and becomes TLSWIRE_E_SSL
 * once it is closed; the server itself has no key (TLSWIRE_E_SSL). */
START_TEST(master_key_tls13_no_ticket) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  cu_pin(s, TLS1_3_VERSION);
  ck_assert_int_eq(SSL_CTX_set_num_tickets(tlswire_context_get_ssl_ctx(s), 0),
                   1);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  unsigned char key[64];
  size_t size;
  ck_assert_int_eq(tlswire_conn_master_key(p.client, key, sizeof key, &size),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_master_key(p.server, key, sizeof key, &size),
                   TLSWIRE_E_SSL);
  ck_assert_str_eq(tlswire_error_message(tlswire_thread_last_error()),
                   "no master key: no session ticket received");
  cu_roundtrip(p.server, p.client, "application data, no ticket");
  ck_assert_int_eq(tlswire_conn_master_key(p.client, key, sizeof key, &size),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), 0);
  tw_pump(p.server, p.client);
  size_t n;
  ck_assert_int_eq(tlswire_conn_recv(p.client, key, sizeof key, &n),
                   TLSWIRE_E_ZERO_RETURN);
  ck_assert_int_eq(tlswire_conn_master_key(p.client, key, sizeof key, &size),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(size, 0);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* pyOpenSSL 23 on the server, which asks for a client certificate without
 * demanding one (VERIFY_PEER alone), for a client that sends _i: 0
 * nothing, 1 its leaf only, 2 its leaf and intermediate. get_peer_cert_chain
 * is [] for 0 and 1 and [intermediate] for 2; get_verified_chain is None
 * for 0. NULL is None, an empty stack []. */
START_TEST(server_chain_empty_or_none) {
  const tw_chain *cc = tw_fixture_client(TW_KEY_EC_P256);
  tlswire_context *s = cu_mtls_server_ctx(TW_KEY_EC_P256, 0);
  ck_assert_int_eq(
      tlswire_context_set_verify(s, TLSWIRE_VERIFY_PEER, NULL, NULL),
      TLSWIRE_OK);
  /* So that a bare leaf verifies too. */
  ck_assert_int_eq(
      X509_STORE_add_cert(tlswire_context_get_cert_store(s), cc->intermediate),
      1);
  tlswire_context *c = _i == 2
                           ? cu_mtls_client_ctx(TW_KEY_EC_P256, 0)
                           : tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  if (_i == 1) {
    ck_assert_int_eq(tlswire_context_use_certificate(c, cc->leaf), TLSWIRE_OK);
    ck_assert_int_eq(tlswire_context_use_privatekey(c, cc->leaf_key),
                     TLSWIRE_OK);
    SSL_CTX_set_mode(tlswire_context_get_ssl_ctx(c), SSL_MODE_NO_AUTO_CHAIN);
  }
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  X509 *peer = tlswire_conn_get_peer_certificate(p.server);
  ck_assert_int_eq(peer != NULL, _i != 0);
  X509_free(peer);
  STACK_OF(X509) *chain = NULL;
  ck_assert_int_eq(tlswire_conn_get_peer_cert_chain(p.server, &chain),
                   TLSWIRE_OK);
  ck_assert_ptr_nonnull(chain);
  ck_assert_int_eq(sk_X509_num(chain), _i == 2 ? 1 : 0);
  sk_X509_pop_free(chain, X509_free);
  chain = (STACK_OF(X509) *)1;
  ck_assert_int_eq(tlswire_conn_get_verified_chain(p.server, &chain),
                   TLSWIRE_OK);
  if (_i == 0) {
    ck_assert_ptr_null(chain);
  } else {
    ck_assert_int_eq(sk_X509_num(chain), 3);
    ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 0), cc->leaf), 0);
    sk_X509_pop_free(chain, X509_free);
  }
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* The byte-getter convention: size query, truncation, bad arguments. */
START_TEST(byte_getter_arguments) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, TLS1_2_VERSION), 0);
  size_t size = 0;
  ck_assert_int_eq(tlswire_conn_client_random(p.client, NULL, 0, &size),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size, 32);
  unsigned char full[32], part[40];
  memset(part, 0xEE, sizeof part);
  ck_assert_int_eq(tlswire_conn_client_random(p.client, full, 32, &size),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_client_random(p.client, part, 10, &size),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size, 32);
  ck_assert_mem_eq(part, full, 10);
  ck_assert_uint_eq(part[10], 0xEE);
  ck_assert_int_eq(tlswire_conn_client_random(p.client, NULL, 5, &size),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_master_key(p.client, full, 32, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_get_finished(NULL, full, 32, &size),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_master_key(p.client, NULL, 0, &size),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size, 48);
  tw_pair_free(&p);
}
END_TEST

/* pyOpenSSL test_export_keying_material: equal on both sides, with and
 * without context; different labels and contexts differ; an error before
 * the handshake. _i: 0 TLS 1.2, 1 TLS 1.3. */
START_TEST(export_keying_material) {
  tlswire_conn *fresh = cu_fresh(TLSWIRE_TLS_METHOD);
  unsigned char a[32], b[32], c[32], d[32];
  ck_assert_int_eq(
      tlswire_conn_export_keying_material(fresh, "label", 5, NULL, 0, a, 32),
      TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_conn_free(fresh);

  tw_pair p;
  int version = _i ? TLS1_3_VERSION : TLS1_2_VERSION;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, version), 0);
  ck_assert_int_eq(
      tlswire_conn_export_keying_material(p.client, "label", 5, NULL, 0, a, 32),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_conn_export_keying_material(p.server, "label", 5, NULL, 0, b, 32),
      TLSWIRE_OK);
  ck_assert_mem_eq(a, b, 32);
  ck_assert_int_eq(tlswire_conn_export_keying_material(p.client, "label", 5,
                                                       "ctx", 3, c, 32),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_export_keying_material(p.server, "label", 5,
                                                       "ctx", 3, d, 32),
                   TLSWIRE_OK);
  ck_assert_mem_eq(c, d, 32);
  ck_assert_mem_ne(a, c, 32);
  ck_assert_int_eq(
      tlswire_conn_export_keying_material(p.client, "other", 5, NULL, 0, c, 32),
      TLSWIRE_OK);
  ck_assert_mem_ne(a, c, 32);
  /* An empty context is a context in TLS 1.2 and the same as none in 1.3
   * (RFC 8446, 7.5). */
  ck_assert_int_eq(
      tlswire_conn_export_keying_material(p.client, "label", 5, "", 0, c, 32),
      TLSWIRE_OK);
  if (_i)
    ck_assert_mem_eq(a, c, 32);
  else
    ck_assert_mem_ne(a, c, 32);
  ck_assert_int_eq(
      tlswire_conn_export_keying_material(p.client, NULL, 0, NULL, 0, c, 32),
      TLSWIRE_E_INVALID);
  ck_assert_int_eq(
      tlswire_conn_export_keying_material(p.client, "l", 1, NULL, 0, c, 0),
      TLSWIRE_E_INVALID);
  tw_pair_free(&p);
}
END_TEST

/* Client CA lists: the server's configured names before and after; the
 * client's empty before, the received names after. */
START_TEST(client_ca_list) {
  tlswire_context *s = cu_mtls_server_ctx(TW_KEY_RSA2048, version_of(_i * 2));
  tlswire_context *c = cu_mtls_client_ctx(TW_KEY_RSA2048, version_of(_i * 2));
  X509_NAME *want =
      X509_get_subject_name(tw_fixture_client(TW_KEY_RSA2048)->ca);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_uint_eq(tlswire_conn_get_client_ca_count(p.client), 0);
  ck_assert_ptr_null(tlswire_conn_get_client_ca(p.client, 0));
  ck_assert_uint_eq(tlswire_conn_get_client_ca_count(p.server), 1);
  ck_assert_int_eq(X509_NAME_cmp(tlswire_conn_get_client_ca(p.server, 0), want),
                   0);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_uint_eq(tlswire_conn_get_client_ca_count(p.client), 1);
  ck_assert_int_eq(X509_NAME_cmp(tlswire_conn_get_client_ca(p.client, 0), want),
                   0);
  ck_assert_ptr_null(tlswire_conn_get_client_ca(p.client, 1));
  ck_assert_uint_eq(tlswire_conn_get_client_ca_count(p.server), 1);
  ck_assert_uint_eq(tlswire_conn_get_client_ca_count(NULL), 0);
  ck_assert_ptr_null(tlswire_conn_get_client_ca(NULL, 0));
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* The getters on a plain connection after the handshake (Appendix B). */
START_TEST(getters_after_tls13) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_RSA2048, TLS1_3_VERSION), 0);
  ck_assert_str_eq(tlswire_conn_get_cipher_name(p.client),
                   "TLS_AES_256_GCM_SHA384");
  ck_assert_int_eq(tlswire_conn_get_cipher_bits(p.client), 256);
  size_t size;
  ck_assert_int_eq(tlswire_conn_get_finished(p.client, NULL, 0, &size),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size, 48);
  ck_assert_int_eq(tlswire_conn_get_peer_finished(p.client, NULL, 0, &size),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size, 48);
  STACK_OF(X509) *chain = NULL;
  ck_assert_int_eq(tlswire_conn_get_peer_cert_chain(p.server, &chain),
                   TLSWIRE_OK);
  ck_assert_ptr_null(chain);
  tw_pair_free(&p);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("memory_bio");
  TCase *tc = tcase_create("mutual_tls_memory_connect");
  tcase_add_loop_test(tc, mutual_tls_memory_connect, 0, 4);
  tcase_set_timeout(tc, 10);
  suite_add_tcase(s, tc);
  tc = tcase_create("mutual_tls_no_client_cert");
  tcase_add_loop_test(tc, mutual_tls_no_client_cert, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, master_key_tls13_needs_ticket);
  tc = tcase_create("master_key_mid_handshake");
  tcase_add_loop_test(tc, master_key_mid_handshake, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, master_key_tls13_no_ticket);
  tc = tcase_create("server_chain_empty_or_none");
  tcase_add_loop_test(tc, server_chain_empty_or_none, 0, 3);
  suite_add_tcase(s, tc);
  TW_ADD(s, byte_getter_arguments);
  tc = tcase_create("export_keying_material");
  tcase_add_loop_test(tc, export_keying_material, 0, 2);
  suite_add_tcase(s, tc);
  tc = tcase_create("client_ca_list");
  tcase_add_loop_test(tc, client_ca_list, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, getters_after_tls13);
  return s;
}

TW_TEST_MAIN(make_suite, 1)

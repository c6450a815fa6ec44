/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_util.c - helpers shared by the Connection/Session/DTLS test programs.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "conn_util.h"

tlswire_conn *cu_fresh(int method) {
  tlswire_context *ctx = NULL;
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, method), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  tlswire_context_free(ctx);
  return conn;
}

const char *cu_reason(const tlswire_conn *conn) {
  const char *reason = "";
  tlswire_error_entry(tlswire_conn_last_error(conn), 0, NULL, NULL, &reason);
  return reason;
}

void cu_pin(tlswire_context *ctx, int version) {
  if (version == 0)
    return;
  ck_assert_int_eq(tlswire_context_set_min_proto_version(ctx, version),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_max_proto_version(ctx, version),
                   TLSWIRE_OK);
}

void cu_connect(tw_pair *p, tlswire_context *cctx, tlswire_context *sctx) {
  ck_assert_ptr_nonnull(cctx);
  ck_assert_ptr_nonnull(sctx);
  ck_assert_int_eq(tw_pair_init(p, cctx, sctx), 0);
  int crc, src;
  int rc = tw_handshake(p->client, p->server, &crc, &src);
  if (rc != 0)
    ck_abort_msg("handshake failed: client %s (%s), server %s (%s)",
                 tlswire_status_name(crc),
                 tlswire_error_message(tlswire_conn_last_error(p->client)),
                 tlswire_status_name(src),
                 tlswire_error_message(tlswire_conn_last_error(p->server)));
}

void cu_trust(tlswire_context *ctx, X509 *ca) {
  char *pem = NULL;
  size_t len = 0;
  ck_assert_int_eq(tw_cert_pem(ca, &pem, &len), 0);
  ck_assert_int_eq(tlswire_context_load_verify_locations_mem(
                       ctx, pem, len, TLSWIRE_FILETYPE_PEM),
                   TLSWIRE_OK);
  free(pem);
}

tlswire_context *cu_mtls_server_ctx(tw_key_type type, int version) {
  tlswire_context *ctx = tw_server_ctx(TLSWIRE_TLS_METHOD, type);
  ck_assert_ptr_nonnull(ctx);
  cu_pin(ctx, version);
  cu_trust(ctx, tw_fixture_client(type)->ca);
  ck_assert_int_eq(
      tlswire_context_set_verify(
          ctx, TLSWIRE_VERIFY_PEER | TLSWIRE_VERIFY_FAIL_IF_NO_PEER_CERT, NULL,
          NULL),
      TLSWIRE_OK);
  /* The names the server asks for: the client CA. */
  X509_NAME *name = X509_get_subject_name(tw_fixture_client(type)->ca);
  ck_assert_int_eq(tlswire_context_set_client_ca_list(ctx, &name, 1),
                   TLSWIRE_OK);
  return ctx;
}

tlswire_context *cu_mtls_client_ctx(tw_key_type type, int version) {
  const tw_chain *mine = tw_fixture_client(type);
  tlswire_context *ctx = tw_client_ctx(TLSWIRE_TLS_METHOD, type);
  ck_assert_ptr_nonnull(ctx);
  cu_pin(ctx, version);
  ck_assert_int_eq(tlswire_context_use_certificate(ctx, mine->leaf),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_privatekey(ctx, mine->leaf_key),
                   TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_add_extra_chain_cert(ctx, mine->intermediate),
      TLSWIRE_OK);
  return ctx;
}

void cu_read_tickets(tlswire_conn *client) {
  unsigned char buf[16];
  size_t n = 1;
  ck_assert_int_eq(tlswire_conn_recv(client, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_uint_eq(n, 0);
}

void cu_roundtrip(tlswire_conn *from, tlswire_conn *to, const char *msg) {
  ck_assert_int_eq(
      tw_transfer(from, to, (const unsigned char *)msg, strlen(msg)), 0);
}

int cu_mode_version(int mode) {
  return mode == CU_TLS13_TICKET ? TLSWIRE_TLS1_3_VERSION
                                 : TLSWIRE_TLS1_2_VERSION;
}

tlswire_context *cu_resuming_server(int mode) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(s);
  cu_pin(s, cu_mode_version(mode));
  ck_assert_int_eq(tlswire_context_set_session_id(s, "tlswire-tests", 13),
                   TLSWIRE_OK);
  if (mode == CU_TLS12_ID)
    ck_assert_int_eq(tlswire_context_set_options(s, TLSWIRE_OP_NO_TICKET, NULL),
                     TLSWIRE_OK);
  return s;
}

tlswire_context *cu_resuming_client(int mode) {
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(c);
  cu_pin(c, cu_mode_version(mode));
  return c;
}

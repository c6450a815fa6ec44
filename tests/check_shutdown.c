/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_shutdown.c - close_notify, truncation and the shutdown state, as
 * pyOpenSSL reports them over memory BIOs.
 */
#include <string.h>

#include <openssl/err.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "pump.h"
#include "testmain.h"

static void connected(tw_pair *p, int version) {
  ck_assert_int_eq(tw_pair_connected(p, TW_KEY_EC_P256, version), 0);
}

/* pyOpenSSL's sequence: server 0, client recv ZERO_RETURN, client 1,
 * server 1, server recv ZERO_RETURN. _i selects TLS 1.2 / 1.3. */
START_TEST(full_shutdown_sequence) {
  tw_pair p;
  connected(&p, _i ? TLS1_3_VERSION : TLS1_2_VERSION);
  char buf[16];
  size_t n;
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), 0);
  ck_assert_int_eq(tlswire_conn_get_shutdown(p.server), TLSWIRE_SENT_SHUTDOWN);
  tw_pump(p.server, p.client);
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_ZERO_RETURN);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tlswire_conn_get_shutdown(p.client),
                   TLSWIRE_RECEIVED_SHUTDOWN);
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), 1);
  ck_assert_int_eq(tlswire_conn_get_shutdown(p.client),
                   TLSWIRE_SENT_SHUTDOWN | TLSWIRE_RECEIVED_SHUTDOWN);
  tw_pump(p.client, p.server);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), 1);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_ZERO_RETURN);
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(p.server)),
                   TLSWIRE_E_ZERO_RETURN);
  tw_pair_free(&p);
}
END_TEST

/* Data sent before close_notify still arrives, then ZERO_RETURN. */
START_TEST(data_then_close_notify) {
  tw_pair p;
  connected(&p, 0);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.client, "last words", 10, &n),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), 0);
  tw_pump(p.client, p.server);
  char buf[32];
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 10);
  ck_assert_int_eq(memcmp(buf, "last words", 10), 0);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_ZERO_RETURN);
  tw_pair_free(&p);
}
END_TEST

/* Input ended without close_notify: SYSCALL with errno -1, never a clean
 * close (pyOpenSSL: SysCallError(-1, 'Unexpected EOF')). */
START_TEST(truncation_is_syscall) {
  tw_pair p;
  connected(&p, _i ? TLS1_3_VERSION : TLS1_2_VERSION);
  char buf[16];
  size_t n;
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_bio_shutdown(p.client), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_SYSCALL);
  const tlswire_error *err = tlswire_conn_last_error(p.client);
  ck_assert_int_eq(tlswire_error_errno(err), -1);
  ck_assert_str_eq(tlswire_error_message(err), "Unexpected EOF");
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tw_pair_free(&p);
}
END_TEST

/* Data buffered before the EOF is delivered first. */
START_TEST(truncation_after_data) {
  tw_pair p;
  connected(&p, 0);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "abc", 3, &n), TLSWIRE_OK);
  tw_pump(p.server, p.client);
  tlswire_conn_bio_shutdown(p.client);
  char buf[16];
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_SYSCALL);
  tw_pair_free(&p);
}
END_TEST

/* A record cut in the middle, then EOF: still a truncation. */
START_TEST(truncation_mid_record) {
  tw_pair p;
  connected(&p, 0);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "abcdefgh", 8, &n), TLSWIRE_OK);
  unsigned char rec[64];
  size_t len;
  ck_assert_int_eq(tlswire_conn_bio_read(p.server, rec, sizeof rec, &len),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_write(p.client, rec, len / 2, &n),
                   TLSWIRE_OK);
  char buf[16];
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  tlswire_conn_bio_shutdown(p.client);
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.client)), -1);
  tw_pair_free(&p);
}
END_TEST

/* pyOpenSSL's test_shutdown_truncated: the second shutdown waits
 * (WANT_READ), and after bio_shutdown it fails with SYSCALL. */
START_TEST(shutdown_truncated) {
  tw_pair p;
  connected(&p, 0);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), 0);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), TLSWIRE_E_WANT_READ);
  tlswire_conn_bio_shutdown(p.server);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.server)), -1);
  tw_pair_free(&p);
}
END_TEST

/* A fresh server whose input ends at once fails (SSL or SYSCALL,
 * as pyOpenSSL's TestMemoryBIO.test_shutdown accepts). */
START_TEST(fresh_server_eof) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_conn *server;
  ck_assert_int_eq(tlswire_conn_new(&server, sctx, NULL), TLSWIRE_OK);
  tlswire_conn_set_accept_state(server);
  tlswire_conn_bio_shutdown(server);
  char buf[8];
  size_t n;
  int rc = tlswire_conn_recv(server, buf, sizeof buf, &n);
  ck_assert(rc == TLSWIRE_E_SYSCALL || rc == TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_conn_do_handshake(server), rc);
  tlswire_conn_free(server);
  tlswire_context_free(sctx);
}
END_TEST

START_TEST(shutdown_without_role) {
  tlswire_context *ctx;
  tlswire_conn *conn;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_shutdown(conn), TLSWIRE_E_SSL);
  const char *reason;
  tlswire_error_entry(tlswire_conn_last_error(conn), 0, NULL, NULL, &reason);
  ck_assert_str_eq(reason, "uninitialized");
  tlswire_conn_free(conn);
  tlswire_context_free(ctx);
}
END_TEST

/* bio_write after bio_shutdown is refused; bio_shutdown is idempotent. */
START_TEST(bio_write_after_eof) {
  tw_pair p;
  connected(&p, 0);
  size_t n = 5;
  ck_assert_int_eq(tlswire_conn_bio_shutdown(p.client), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_shutdown(p.client), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_write(p.client, "x", 1, &n),
                   TLSWIRE_E_STATE);
  ck_assert_uint_eq(n, 0);
  void *w;
  ck_assert_int_eq(tlswire_conn_bio_window(p.client, &w, &n), TLSWIRE_E_STATE);
  tw_pair_free(&p);
}
END_TEST

/* set_shutdown marks the state without sending anything. */
START_TEST(set_shutdown_state) {
  tw_pair p;
  connected(&p, 0);
  ck_assert_int_eq(
      tlswire_conn_set_shutdown(p.client, TLSWIRE_RECEIVED_SHUTDOWN),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_get_shutdown(p.client),
                   TLSWIRE_RECEIVED_SHUTDOWN);
  ck_assert_uint_eq(tlswire_conn_bio_pending_out(p.client), 0);
  ck_assert_int_eq(tlswire_conn_set_shutdown(p.client, 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_get_shutdown(p.client), 0);
  ck_assert_int_eq(tlswire_conn_get_shutdown(NULL), 0);
  tw_pair_free(&p);
}
END_TEST

/* A full output ring delays close_notify (WANT_WRITE); draining lets it go. */
START_TEST(shutdown_backpressure) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_context_set_ring_capacity(cctx, 256), TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  static unsigned char data[4096];
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.client, data, sizeof data, &n),
                   TLSWIRE_OK);
  /* The ring is past its capacity, but a record always fits its storage:
   * close_notify queues behind the data, and more data is refused. */
  ck_assert_uint_gt(tlswire_conn_bio_pending_out(p.client), 256);
  ck_assert_int_eq(tlswire_conn_send(p.client, data, sizeof data, &n),
                   TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), 0);
  tw_pump(p.client, p.server);
  unsigned char buf[8192];
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, sizeof data);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_ZERO_RETURN);
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* With OP_IGNORE_UNEXPECTED_EOF, libssl treats EOF as a clean close: the
 * option is the only way truncation becomes ZERO_RETURN. */
START_TEST(ignore_unexpected_eof_option) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context_set_options(cctx, TLSWIRE_OP_IGNORE_UNEXPECTED_EOF, NULL);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  tlswire_conn_bio_shutdown(p.client);
  char buf[8];
  size_t n;
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_ZERO_RETURN);
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* The same on a bound connection, where end of file is the transport's:
 * the pipe's other end freed. _i 0: with the option, clean close; 1:
 * without it, a truncated stream. */
START_TEST(ignore_unexpected_eof_bound) {
  tlswire_transport *a = NULL, *b = NULL;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 65536), TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, a, b), 0);
  if (_i == 0)
    ck_assert_int_eq(tlswire_conn_set_options(
                         p.client, TLSWIRE_OP_IGNORE_UNEXPECTED_EOF, NULL),
                     TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  tlswire_conn_free(p.server); /* frees b: a reads end of file */
  p.server = NULL;
  char buf[8];
  size_t n = 1;
  int rc = TLSWIRE_E_WANT_READ;
  for (int i = 0; i < 4 && rc == TLSWIRE_E_WANT_READ; i++)
    rc = tlswire_conn_recv(p.client, buf, sizeof buf, &n);
  ck_assert_uint_eq(n, 0);
  if (_i == 0) {
    ck_assert_int_eq(rc, TLSWIRE_E_ZERO_RETURN);
  } else {
    ck_assert_int_eq(rc, TLSWIRE_E_SYSCALL);
    ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.client)),
                     -1);
  }
  tw_pair_free(&p);
}
END_TEST

static Suite *shutdown_suite(void) {
  Suite *s = suite_create("shutdown");
  TCase *tc = tcase_create("sequence");
  tcase_add_loop_test(tc, full_shutdown_sequence, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, data_then_close_notify);
  tc = tcase_create("truncation");
  tcase_add_loop_test(tc, truncation_is_syscall, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, truncation_after_data);
  TW_ADD(s, truncation_mid_record);
  TW_ADD(s, shutdown_truncated);
  TW_ADD(s, fresh_server_eof);
  TW_ADD(s, shutdown_without_role);
  TW_ADD(s, bio_write_after_eof);
  TW_ADD(s, set_shutdown_state);
  TW_ADD(s, shutdown_backpressure);
  TW_ADD(s, ignore_unexpected_eof_option);
  tc = tcase_create("ignore_unexpected_eof_bound");
  tcase_add_loop_test(tc, ignore_unexpected_eof_bound, 0, 2);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(shutdown_suite, 1)

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_session.c - tlswire_session: getting and setting sessions, the
 * context pin (pyOpenSSL 26.3), resumption with TLS 1.2 session IDs and
 * tickets and TLS 1.3 tickets, sessions that stay resumable when a clean
 * connection is freed without shutdown, session_reused, and serialization.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "conn_util.h"
#include "testmain.h"

static void master_key(const tlswire_conn *conn, unsigned char key[48]) {
  size_t size = 0;
  ck_assert_int_eq(tlswire_conn_master_key(conn, key, 48, &size), TLSWIRE_OK);
  ck_assert_uint_eq(size, 48);
}

/* One full handshake; returns the client's session (read after the TLS 1.3
 * tickets when read_tickets) and the server's master key. The connections
 * are freed WITHOUT shutdown when !clean_close. */
static tlswire_session *first_connection(tlswire_context *c, tlswire_context *s,
                                         int mode, int read_tickets,
                                         int clean_close,
                                         unsigned char key[48]) {
  tw_pair p;
  cu_connect(&p, c, s);
  ck_assert_int_eq(tlswire_conn_session_reused(p.server), 0);
  ck_assert_int_eq(tlswire_conn_session_reused(p.client), 0);
  if (read_tickets)
    cu_read_tickets(p.client);
  if (mode != CU_TLS13_TICKET)
    master_key(p.server, key);
  tlswire_session *sess = NULL;
  ck_assert_int_eq(tlswire_conn_get_session(p.client, &sess), TLSWIRE_OK);
  ck_assert_ptr_nonnull(sess);
  ck_assert_ptr_eq(tlswire_session_get_context(sess), c);
  if (clean_close) {
    ck_assert_int_eq(tlswire_conn_shutdown(p.client), 0);
    tw_pump(p.client, p.server);
    char buf[4];
    size_t n;
    ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                     TLSWIRE_E_ZERO_RETURN);
    ck_assert_int_eq(tlswire_conn_shutdown(p.server), 1);
  }
  tw_pair_free(&p);
  return sess;
}

/* A second handshake offering sess; returns whether the server resumed,
 * checking the client agrees, and the server's master key. */
static int resume(tlswire_context *c, tlswire_context *s, tlswire_session *sess,
                  unsigned char key[48]) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_int_eq(tlswire_conn_set_session(p.client, sess), TLSWIRE_OK);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  int reused = tlswire_conn_session_reused(p.server);
  ck_assert_int_eq(tlswire_conn_session_reused(p.client), reused);
  if (tlswire_conn_get_protocol_version(p.server) == TLS1_2_VERSION)
    master_key(p.server, key);
  tw_pair_free(&p);
  return reused;
}

/* pyOpenSSL test_client_set_session, in each mode, closing cleanly. */
START_TEST(resumption) {
  tlswire_context *s = cu_resuming_server(_i);
  tlswire_context *c = cu_resuming_client(_i);
  unsigned char k1[48], k2[48];
  tlswire_session *sess = first_connection(c, s, _i, 1, 1, k1);
  ck_assert_int_eq(tlswire_session_is_resumable(sess), 1);
  ck_assert_int_eq(resume(c, s, sess, k2), 1);
  if (_i != CU_TLS13_TICKET)
    ck_assert_mem_eq(k1, k2, 48); /* the same session, the same secret */
  tlswire_session_free(sess);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* Freed without shutdown after a clean handshake: still resumable (libssl
 * alone would discard it, see PITFALLS). */
START_TEST(resumable_after_free_without_shutdown) {
  tlswire_context *s = cu_resuming_server(_i);
  tlswire_context *c = cu_resuming_client(_i);
  unsigned char k1[48], k2[48];
  tlswire_session *sess = first_connection(c, s, _i, 1, 0, k1);
  ck_assert_int_eq(tlswire_session_is_resumable(sess), 1);
  ck_assert_int_eq(resume(c, s, sess, k2), 1);
  if (_i != CU_TLS13_TICKET)
    ck_assert_mem_eq(k1, k2, 48);
  tlswire_session_free(sess);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* A connection that failed fatally (_i 0: bad record; 1: truncated) keeps
 * its session non-resumable. */
START_TEST(fatal_error_discards_session) {
  tlswire_context *s = cu_resuming_server(CU_TLS12_ID);
  tlswire_context *c = cu_resuming_client(CU_TLS12_ID);
  tw_pair p;
  cu_connect(&p, c, s);
  tlswire_session *sess = NULL;
  ck_assert_int_eq(tlswire_conn_get_session(p.client, &sess), TLSWIRE_OK);
  static const unsigned char garbage[] = "\x17\x03\x03\x00\x10 not a record!!!";
  size_t n;
  char buf[8];
  if (_i == 0) {
    ck_assert_int_eq(
        tlswire_conn_bio_write(p.client, garbage, sizeof garbage - 1, &n),
        TLSWIRE_OK);
    ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                     TLSWIRE_E_SSL);
  } else { /* truncation: the input ends without close_notify */
    ck_assert_int_eq(tlswire_conn_bio_shutdown(p.client), TLSWIRE_OK);
    ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                     TLSWIRE_E_SYSCALL);
  }
  tw_pair_free(&p);
  ck_assert_int_eq(tlswire_session_is_resumable(sess), 0);
  unsigned char key[48];
  ck_assert_int_eq(resume(c, s, sess, key), 0);
  tlswire_session_free(sess);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* TLS 1.3 without reading the tickets: the session is not resumable. */
START_TEST(tls13_session_needs_ticket_read) {
  tlswire_context *s = cu_resuming_server(CU_TLS13_TICKET);
  tlswire_context *c = cu_resuming_client(CU_TLS13_TICKET);
  unsigned char key[48];
  tlswire_session *sess = first_connection(c, s, CU_TLS13_TICKET, 0, 0, key);
  ck_assert_int_eq(tlswire_session_is_resumable(sess), 0);
  ck_assert_int_eq(resume(c, s, sess, key), 0);
  tlswire_session_free(sess);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* pyOpenSSL test_get_session_unconnected / _client / _server. */
START_TEST(get_session_states) {
  tlswire_conn *fresh = cu_fresh(TLSWIRE_TLS_METHOD);
  tlswire_session *sess = (tlswire_session *)1;
  ck_assert_int_eq(tlswire_conn_get_session(fresh, &sess), TLSWIRE_OK);
  ck_assert_ptr_null(sess);
  ck_assert_int_eq(tlswire_conn_get_session(fresh, NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_get_session(NULL, &sess), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(sess);
  tlswire_conn_free(fresh);
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  for (int side = 0; side < 2; side++) {
    tlswire_conn *conn = side ? p.server : p.client;
    ck_assert_int_eq(tlswire_conn_get_session(conn, &sess), TLSWIRE_OK);
    ck_assert_ptr_nonnull(sess);
    ck_assert_ptr_eq(tlswire_session_get_context(sess),
                     tlswire_conn_get_context(conn));
    tlswire_session_free(sess);
  }
  tw_pair_free(&p);
  tlswire_session_free(NULL);
  ck_assert_ptr_null(tlswire_session_get_context(NULL));
  ck_assert_int_eq(tlswire_session_is_resumable(NULL), 0);
}
END_TEST

/* pyOpenSSL 26.3 test_set_session_wrong_context: a session from another
 * context is refused, even a context configured the same way; the session
 * keeps its context alive after the caller dropped it. */
START_TEST(set_session_wrong_context) {
  tlswire_context *s = cu_resuming_server(CU_TLS12_ID);
  tlswire_context *c = cu_resuming_client(CU_TLS12_ID);
  tlswire_context *other = cu_resuming_client(CU_TLS12_ID);
  unsigned char key[48];
  tlswire_session *sess = first_connection(c, s, CU_TLS12_ID, 0, 1, key);
  tlswire_context_free(c); /* the session's pin keeps it alive */
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, other, s), 0);
  ck_assert_int_eq(tlswire_conn_set_session(p.client, sess), TLSWIRE_E_INVALID);
  ck_assert_str_eq(tlswire_error_message(tlswire_conn_last_error(p.client)),
                   "Session and Connection must share the same Context");
  ck_assert_int_eq(tlswire_conn_set_session(p.client, NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_session(NULL, sess), TLSWIRE_E_INVALID);
  /* After switching to the session's own context it is accepted. */
  ck_assert_int_eq(
      tlswire_conn_set_context(p.client, tlswire_session_get_context(sess)),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_session(p.client, sess), TLSWIRE_OK);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_eq(tlswire_conn_session_reused(p.server), 1);
  tw_pair_free(&p);
  tlswire_session_free(sess);
  tlswire_context_free(s);
  tlswire_context_free(other);
}
END_TEST

/* Serialized and rebuilt (as after a restart): resumption still works, in
 * each mode, and the rebuilt session is pinned to the context given. */
START_TEST(serialization_round_trip) {
  tlswire_context *s = cu_resuming_server(_i);
  tlswire_context *c = cu_resuming_client(_i);
  unsigned char k1[48], k2[48];
  tlswire_session *sess = first_connection(c, s, _i, 1, 1, k1);
  size_t size = 0;
  ck_assert_int_eq(tlswire_session_to_bytes(sess, NULL, 0, &size), TLSWIRE_OK);
  ck_assert_uint_gt(size, 48);
  unsigned char *der = malloc(size);
  size_t size2 = 0;
  ck_assert_int_eq(tlswire_session_to_bytes(sess, der, size, &size2),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size2, size);
  tlswire_session_free(sess);

  tlswire_context *c2 = cu_resuming_client(_i); /* "after the restart" */
  tlswire_session *back = NULL;
  ck_assert_int_eq(tlswire_session_from_bytes(&back, c2, der, size),
                   TLSWIRE_OK);
  ck_assert_ptr_eq(tlswire_session_get_context(back), c2);
  ck_assert_int_eq(tlswire_session_is_resumable(back), 1);
  unsigned char *again = malloc(size);
  ck_assert_int_eq(tlswire_session_to_bytes(back, again, size, &size2),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size2, size);
  ck_assert_mem_eq(again, der, size);
  ck_assert_int_eq(resume(c2, s, back, k2), 1);
  if (_i != CU_TLS13_TICKET)
    ck_assert_mem_eq(k1, k2, 48);
  free(again);
  free(der);
  tlswire_session_free(back);
  tlswire_context_free(s);
  tlswire_context_free(c);
  tlswire_context_free(c2);
}
END_TEST

/* Exactly one encoded session: bytes after it are refused (they would
 * otherwise be silently dropped), and a truncated one does not decode. */
START_TEST(serialization_trailing_bytes_refused) {
  tlswire_context *s = cu_resuming_server(CU_TLS12_ID);
  tlswire_context *c = cu_resuming_client(CU_TLS12_ID);
  unsigned char key[48];
  tlswire_session *sess = first_connection(c, s, CU_TLS12_ID, 1, 1, key);
  size_t size = 0;
  ck_assert_int_eq(tlswire_session_to_bytes(sess, NULL, 0, &size), TLSWIRE_OK);
  unsigned char *der = malloc(2 * size);
  ck_assert_int_eq(tlswire_session_to_bytes(sess, der, size, &size),
                   TLSWIRE_OK);
  memcpy(der + size, der, size); /* a second, valid session behind it */
  tlswire_session_free(sess);

  const size_t extra[] = {1, 7, size};
  for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
    tlswire_session *back = (tlswire_session *)1;
    ck_assert_int_eq(tlswire_session_from_bytes(&back, c, der, size + extra[i]),
                     TLSWIRE_E_INVALID);
    ck_assert_ptr_null(back);
    ck_assert_int_eq(tlswire_error_code(tlswire_thread_last_error()),
                     TLSWIRE_E_INVALID);
    ck_assert_str_eq(tlswire_error_message(tlswire_thread_last_error()),
                     "trailing bytes after the session");
    ck_assert_uint_eq(ERR_peek_error(), 0);
  }
  tlswire_session *back = NULL;
  ck_assert_int_eq(tlswire_session_from_bytes(&back, c, der, size - 1),
                   TLSWIRE_E_SSL);
  ck_assert_ptr_null(back);
  ck_assert_int_eq(tlswire_session_from_bytes(&back, c, der, size), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_session_is_resumable(back), 1);
  ck_assert_int_eq(tlswire_error_code(tlswire_context_last_error(c)),
                   TLSWIRE_OK);
  tlswire_session_free(back);
  free(der);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

START_TEST(serialization_bad_input) {
  tlswire_context *c = cu_resuming_client(CU_TLS12_ID);
  tlswire_session *sess = (tlswire_session *)1;
  static const unsigned char junk[] = "\x30\x03\x02\x01\x01 nonsense";
  const tlswire_error *rec = tlswire_thread_last_error();
  ck_assert_int_eq(tlswire_session_from_bytes(&sess, c, junk, sizeof junk),
                   TLSWIRE_E_SSL);
  ck_assert_ptr_null(sess);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  ck_assert_int_eq(tlswire_error_code(rec), TLSWIRE_E_SSL);
  ck_assert_uint_ge(tlswire_error_count(rec), 1);
  ck_assert_int_eq(tlswire_session_from_bytes(&sess, c, junk, 0),
                   TLSWIRE_E_INVALID);
  ck_assert_str_eq(tlswire_error_message(rec),
                   "session bytes are NULL or empty");
  ck_assert_int_eq(tlswire_session_from_bytes(&sess, c, NULL, 4),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_session_from_bytes(&sess, NULL, junk, 4),
                   TLSWIRE_E_INVALID);
  ck_assert_str_eq(tlswire_error_message(rec), "ctx is NULL");
  ck_assert_int_eq(tlswire_session_from_bytes(NULL, c, junk, 4),
                   TLSWIRE_E_INVALID);
  ck_assert_str_eq(tlswire_error_message(rec), "out is NULL");
  /* ctx may be shared by several threads: its record is never written */
  ck_assert_int_eq(tlswire_error_code(tlswire_context_last_error(c)),
                   TLSWIRE_OK);
  size_t size = 3;
  ck_assert_int_eq(tlswire_session_to_bytes(NULL, NULL, 0, &size),
                   TLSWIRE_E_INVALID);
  tlswire_context_free(c);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("session");
  TCase *tc = tcase_create("resumption");
  tcase_add_loop_test(tc, resumption, CU_TLS12_ID, CU_TLS13_TICKET + 1);
  suite_add_tcase(s, tc);
  tc = tcase_create("resumable_after_free_without_shutdown");
  tcase_add_loop_test(tc, resumable_after_free_without_shutdown, CU_TLS12_ID,
                      CU_TLS13_TICKET + 1);
  suite_add_tcase(s, tc);
  tc = tcase_create("fatal_error_discards_session");
  tcase_add_loop_test(tc, fatal_error_discards_session, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, tls13_session_needs_ticket_read);
  TW_ADD(s, get_session_states);
  TW_ADD(s, set_session_wrong_context);
  tc = tcase_create("serialization_round_trip");
  tcase_add_loop_test(tc, serialization_round_trip, CU_TLS12_ID,
                      CU_TLS13_TICKET + 1);
  suite_add_tcase(s, tc);
  TW_ADD(s, serialization_trailing_bytes_refused);
  TW_ADD(s, serialization_bad_input);
  return s;
}

TW_TEST_MAIN(make_suite, 1)

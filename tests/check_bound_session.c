/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_bound_session.c - session resumption over connections bound to the
 * in-process pipe transport (every build has it): TLS 1.2 session IDs,
 * TLS 1.2 tickets and TLS 1.3 tickets, with the session serialized to bytes
 * and rebuilt between the two connections, as a client that restarts would.
 * session_reused on the server is the proof; a server that cannot know the
 * session (a fresh context) is the failure path beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "bound.h"
#include "conn_util.h"
#include "testmain.h"

/* A client and a server on c and s, bound to the two ends of a pipe;
 * chunk > 0 makes every transport call move at most chunk bytes. */
static void pipe_pair(tw_pair *p, tlswire_context *c, tlswire_context *s,
                      size_t chunk) {
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 4096), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(a, chunk), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(b, chunk), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&p->client, c, a), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&p->server, s, b), TLSWIRE_OK);
  tlswire_conn_set_connect_state(p->client);
  tlswire_conn_set_accept_state(p->server);
}

/* The first connection: a full handshake, the TLS 1.3 tickets read, then
 * the client's session serialized. Returns the bytes (malloc'd, *len). */
static unsigned char *first_connection(tlswire_context *c, tlswire_context *s,
                                       size_t chunk, size_t *len) {
  tw_pair p;
  pipe_pair(&p, c, s, chunk);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_session_reused(p.server), 0);
  char buf[8];
  size_t n;
  /* Reads the tickets a TLS 1.3 server sent after its handshake. */
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  tlswire_session *sess = NULL;
  ck_assert_int_eq(tlswire_conn_get_session(p.client, &sess), TLSWIRE_OK);
  ck_assert_ptr_nonnull(sess);
  ck_assert_int_eq(tlswire_session_is_resumable(sess), 1);
  ck_assert_int_eq(tlswire_session_to_bytes(sess, NULL, 0, len), TLSWIRE_OK);
  unsigned char *der = malloc(*len);
  size_t size = 0;
  ck_assert_int_eq(tlswire_session_to_bytes(sess, der, *len, &size),
                   TLSWIRE_OK);
  ck_assert_uint_eq(size, *len);
  tlswire_session_free(sess);
  tw_pair_free(&p); /* no shutdown: a clean connection stays resumable */
  return der;
}

/* A second connection on c2 / s offering the session rebuilt from der.
 * Returns the server's session_reused, after checking the client agrees and
 * data flows both ways. */
static int second_connection(tlswire_context *c2, tlswire_context *s,
                             const unsigned char *der, size_t len,
                             size_t chunk) {
  tlswire_session *sess = NULL;
  ck_assert_int_eq(tlswire_session_from_bytes(&sess, c2, der, len), TLSWIRE_OK);
  tw_pair p;
  pipe_pair(&p, c2, s, chunk);
  ck_assert_int_eq(tlswire_conn_set_session(p.client, sess), TLSWIRE_OK);
  tlswire_session_free(sess); /* the connection keeps its own reference */
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  int reused = tlswire_conn_session_reused(p.server);
  ck_assert_int_eq(tlswire_conn_session_reused(p.client), reused);
  ck_assert_int_eq(tlswire_conn_get_protocol_version(p.server),
                   tlswire_conn_get_protocol_version(p.client));
  unsigned char *data = tw_pattern(40000, 2);
  int who = -1;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, 40000, &who),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_transfer(p.server, p.client, data, 40000, &who),
                   TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
  return reused;
}

/* Resumption over bound pipes, the session passing through bytes; a
 * client context rebuilt "after a restart" takes the session. _i is the
 * mode; the second loop half (3..5) moves at most 7 bytes per transport
 * call, so every record crosses in pieces. */
START_TEST(resumption_over_pipe_with_serialization) {
  int mode = _i % 3;
  size_t chunk = _i >= 3 ? 7 : 0;
  tlswire_context *s = cu_resuming_server(mode);
  tlswire_context *c = cu_resuming_client(mode);
  size_t len = 0;
  unsigned char *der = first_connection(c, s, chunk, &len);
  tlswire_context_free(c);
  tlswire_context *c2 = cu_resuming_client(mode);
  ck_assert_int_eq(second_connection(c2, s, der, len, chunk), 1);
  /* Resumed again: a session is good for more than one resumption. */
  ck_assert_int_eq(second_connection(c2, s, der, len, chunk), 1);
  free(der);
  tlswire_context_free(c2);
  tlswire_context_free(s);
}
END_TEST

/* The failure path: a server on a fresh context (empty cache, new ticket
 * keys) cannot resume the session and falls back to a full handshake. */
START_TEST(fresh_server_does_not_resume) {
  tlswire_context *s = cu_resuming_server(_i);
  tlswire_context *c = cu_resuming_client(_i);
  size_t len = 0;
  unsigned char *der = first_connection(c, s, 0, &len);
  tlswire_context *s2 = cu_resuming_server(_i);
  ck_assert_int_eq(second_connection(c, s2, der, len, 0), 0);
  free(der);
  tlswire_context_free(s2);
  tlswire_context_free(c);
  tlswire_context_free(s);
}
END_TEST

/* Without a session-ID context, a TLS 1.2 server that does not verify
 * clients still resumes session IDs (libssl only insists on one, failing
 * the handshake, when it verifies client certificates). */
START_TEST(no_session_id_context_still_resumes) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  cu_pin(s, TLSWIRE_TLS1_2_VERSION);
  ck_assert_int_eq(tlswire_context_set_options(s, TLSWIRE_OP_NO_TICKET, NULL),
                   TLSWIRE_OK);
  tlswire_context *c = cu_resuming_client(CU_TLS12_ID);
  size_t len = 0;
  unsigned char *der = first_connection(c, s, 0, &len);
  ck_assert_int_eq(second_connection(c, s, der, len, 0), 1);
  free(der);
  tlswire_context_free(c);
  tlswire_context_free(s);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("bound_session");
  TCase *tc = tcase_create("resumption_over_pipe_with_serialization");
  tcase_set_timeout(tc, 20);
  tcase_add_loop_test(tc, resumption_over_pipe_with_serialization, 0, 6);
  suite_add_tcase(s, tc);
  tc = tcase_create("fresh_server_does_not_resume");
  tcase_add_loop_test(tc, fresh_server_does_not_resume, 0, 3);
  suite_add_tcase(s, tc);
  TW_ADD(s, no_session_id_context_still_resumes);
  return s;
}

TW_TEST_MAIN(make_suite, 1)

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_failmalloc_bound.c - check_failmalloc's scenario with both
 * connections bound to an in-process pipe: every allocation fails in turn,
 * also the transport's own and those of binding (a failed tlswire_conn_new
 * must free the transport it was given). Each run must end in success or a
 * clean status: no crash, no status outside the table, and (under ASan) no
 * leak.
 */


#include <tlswire/tlswire.h>

#if TLSWIRE_HAVE_POSIX_TRANSPORTS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include "bound.h"
#include "failmalloc.h"
#include "pump.h"
#include "testmain.h"

/* Creates one bound connection on ctx over t (taken over even on
 * failure); NULL on failure, with a valid status. */
static tlswire_conn *bound_conn(tlswire_context *ctx, tlswire_transport *t,
                                int server) {
  tlswire_conn *conn = NULL;
  int rc = tlswire_conn_new(&conn, ctx, t);
  ck_assert(tw_valid_status(rc));
  if (rc != TLSWIRE_OK) {
    ck_assert_ptr_null(conn);
    /* recorded in this thread's record, not in the (shareable) context's */
    ck_assert_int_eq(tlswire_error_code(tlswire_thread_last_error()), rc);
    ck_assert_int_eq(tlswire_error_code(tlswire_context_last_error(ctx)),
                     TLSWIRE_OK);
    return NULL;
  }
  if (server)
    tlswire_conn_set_accept_state(conn);
  else
    tlswire_conn_set_connect_state(conn);
  return conn;
}

/* One bound pair's whole life; returns 1 if it got to the end. */
static int scenario(void) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_transport *a = NULL, *b = NULL;
  int done = 0;
  tw_pair p = {0};
  int rc =
      sctx && cctx ? tlswire_transport_pipe_new(&a, &b, 4096) : TLSWIRE_E_NOMEM;
  ck_assert(tw_valid_status(rc));
  if (rc == TLSWIRE_OK) {
    p.client = bound_conn(cctx, a, 0);
    p.server = bound_conn(sctx, b, 1);
  }
  if (p.client != NULL && p.server != NULL) {
    int crc, src, who;
    tw_bound_handshake(&p, &crc, &src);
    ck_assert(tw_valid_status(crc) && tw_valid_status(src));
    if (crc == TLSWIRE_OK && src == TLSWIRE_OK &&
        tw_bound_transfer(p.client, p.server, (const unsigned char *)"ping", 4,
                          &who) == TLSWIRE_OK &&
        tw_bound_transfer(p.server, p.client, (const unsigned char *)"pong", 4,
                          &who) == TLSWIRE_OK) {
      rc = tlswire_conn_shutdown(p.client);
      ck_assert(tw_valid_status(rc) || rc == 1);
      done = rc == 0;
    }
  }
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
  return done;
}

/* _i: shard. Allocation n fails for every n of the shard until a run
 * completes without reaching its injected failure. The first runs also
 * hit one-time initialisation (the ring BIO method, the ex_data index):
 * a failure there must not break every later connection. */
START_TEST(every_allocation_fails_in_turn) {
  long completed_at = tw_failmalloc_sweep(_i, 4, scenario);
  ck_assert_int_ge(completed_at, 0);
  ck_assert_int_gt(completed_at, 100); /* a handshake needs many allocations */
}
END_TEST

#if TLSWIRE_HAVE_POSIX_TRANSPORTS
/* A loopback listener with one client already connected; -1 on failure. */
static int listener_with_client(int *client) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  socklen_t len = sizeof a;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  *client = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert(lfd >= 0 && *client >= 0);
  ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
  ck_assert_int_eq(listen(lfd, 1), 0);
  ck_assert_int_eq(connect(*client, (struct sockaddr *)&a, sizeof a), 0);
  return lfd;
}

/* Connection.accept under failing allocations: the new connection's
 * failure is recorded in the thread's record and copied into the
 * listener's, which must stay a record of its own (freed with the
 * listener, readable until then). */
static int accept_scenario(void) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  int client, lfd = listener_with_client(&client), done = 0;
  tlswire_transport *t = NULL;
  tlswire_conn *listener = NULL, *out = NULL;
  int rc = sctx ? tlswire_transport_socket_new(&t, lfd, TLSWIRE_TRANSPORT_CLOSE)
                : TLSWIRE_E_NOMEM;
  if (sctx == NULL)
    close(lfd); /* else the transport owns it, also when it fails */
  if (rc == TLSWIRE_OK)
    listener = bound_conn(sctx, t, 1);
  if (listener != NULL) {
    rc = tlswire_conn_accept(listener, &out, NULL, NULL);
    ck_assert(tw_valid_status(rc));
    if (rc != TLSWIRE_OK) {
      ck_assert_ptr_null(out);
      const tlswire_error *err = tlswire_conn_last_error(listener);
      ck_assert_int_eq(tlswire_error_code(err), rc);
      ck_assert_ptr_nonnull(tlswire_error_message(err));
      ck_assert_int_eq(tlswire_error_code(tlswire_thread_last_error()), rc);
    }
    done = rc == TLSWIRE_OK;
    tlswire_conn_free(out);
    tlswire_conn_free(listener);
    /* The thread's record is intact after the listener's went away. */
    ck_assert_ptr_nonnull(tlswire_error_message(tlswire_thread_last_error()));
  }
  close(client);
  tlswire_context_free(sctx);
  return done;
}

START_TEST(accept_allocations_fail_in_turn) {
  ck_assert_int_ge(tw_failmalloc_sweep(0, 1, accept_scenario), 0);
}
END_TEST
#endif

static Suite *failmalloc_suite(void) {
  Suite *s = suite_create("failmalloc_bound");
  TCase *tc = tcase_create("every_allocation");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, every_allocation_fails_in_turn, 0, 4);
  suite_add_tcase(s, tc);
#if TLSWIRE_HAVE_POSIX_TRANSPORTS
  tc = tcase_create("accept");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, accept_allocations_fail_in_turn);
  suite_add_tcase(s, tc);
#endif
  return s;
}

int main(void) { return tw_failmalloc_main(failmalloc_suite); }

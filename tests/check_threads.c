/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_threads.c - frozen contexts shared by several threads.
 *
 * Worker threads run full memory-mode handshakes, data exchanges and
 * resumptions on the SAME client and server contexts, and in between make
 * the calls allowed on a shared context fail: each thread must find its own
 * failure in tlswire_thread_last_error(), never another thread's, and the
 * shared contexts' records must stay untouched. Built with --enable-tsan,
 * ThreadSanitizer checks that nothing here races.
 *
 * Check's assertions are not thread-safe: workers write what went wrong into
 * their own result, and the test thread asserts after joining them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/err.h>
#include <tlswire/tlswire.h>

#include "conn_util.h"
#include "pump.h"
#include "testmain.h"

#define N_THREADS 6
#define ROUNDS 40
#define PAYLOAD 3000

/* The contexts every worker shares: one resuming pair per protocol mode. */
struct shared {
  tlswire_context *cctx[2], *sctx[2];
  int verified; /* atomic: verify callback calls, all threads */
  int done;     /* atomic: handshakes completed, as the info callback saw */
};

struct worker {
  pthread_t tid;
  int index;
  struct shared *sh;
  const tlswire_error *record; /* this thread's tlswire_thread_last_error() */
  int handshakes, resumed, failures_checked;
  char problem[256]; /* first thing that went wrong, or "" */
};

/* --- callbacks run by libssl on every thread ------------------------------ */

static int count_verify(tlswire_conn *conn, X509 *cert, int errnum, int depth,
                        int preverify_ok, void *arg) {
  struct shared *sh = arg;
  __atomic_add_fetch(&sh->verified, 1, __ATOMIC_RELAXED);
  return preverify_ok;
}

static void count_done(tlswire_conn *conn, int where, int ret, void *arg) {
  struct shared *sh = arg;
  if (where & TLSWIRE_SSL_CB_HANDSHAKE_DONE)
    __atomic_add_fetch(&sh->done, 1, __ATOMIC_RELAXED);
}

/* --- what a worker checks ------------------------------------------------- */

static int note(struct worker *w, const char *what, const char *detail) {
  if (w->problem[0] == '\0')
    snprintf(w->problem, sizeof w->problem, "thread %d: %s: %s", w->index, what,
             detail ? detail : "");
  return -1;
}

/* The call returned want, and this thread's record holds exactly that
 * failure (message prefix msg, at least min_entries queue entries). */
static int expect_failure(struct worker *w, const char *what, int rc, int want,
                          const char *msg, size_t min_entries) {
  const tlswire_error *rec = tlswire_thread_last_error();
  if (rc != want)
    return note(w, what, tlswire_status_name(rc));
  if (rec != w->record)
    return note(w, what, "the thread's record moved");
  if (tlswire_error_code(rec) != want)
    return note(w, what, tlswire_status_name(tlswire_error_code(rec)));
  if (strncmp(tlswire_error_message(rec), msg, strlen(msg)) != 0)
    return note(w, what, tlswire_error_message(rec));
  if (tlswire_error_count(rec) < min_entries)
    return note(w, what, "OpenSSL's queue was not copied");
  if (ERR_peek_error() != 0)
    return note(w, what, "OpenSSL's queue was left behind");
  w->failures_checked++;
  return 0;
}

/* Junk that is not a DER session, different in every thread and round. */
static void make_junk(unsigned char *junk, size_t len, int seed) {
  for (size_t i = 0; i < len; i++)
    junk[i] = (unsigned char)(seed * 31 + (int)i * 7 + 1);
  junk[0] = 0x30; /* a SEQUENCE whose content does not decode */
}

/* One of the failures the calls allowed on a shared context can have. Each
 * thread starts at a different kind, so concurrent threads record different
 * failures at the same moment. */
static int provoke_failure(struct worker *w, int kind, int round) {
  struct shared *sh = w->sh;
  tlswire_context *cctx = sh->cctx[w->index % 2];
  tlswire_context *sctx = sh->sctx[w->index % 2];
  tlswire_session *sess = NULL;
  tlswire_conn *conn = NULL;
  unsigned char junk[40] = {0};
  switch (kind) {
  case 0: /* a client context has no key */
    return expect_failure(w, "check_privatekey",
                          tlswire_context_check_privatekey(cctx), TLSWIRE_E_SSL,
                          "SSL routines: ", 1);
  case 1:
    make_junk(junk, sizeof junk, w->index * ROUNDS + round);
    return expect_failure(
        w, "session_from_bytes(junk)",
        tlswire_session_from_bytes(&sess, cctx, junk, sizeof junk),
        TLSWIRE_E_SSL, "", 1);
  case 2:
    return expect_failure(w, "conn_new(NULL out)",
                          tlswire_conn_new(NULL, sctx, NULL), TLSWIRE_E_INVALID,
                          "out is NULL", 0);
  case 3:
    return expect_failure(w, "conn_new(NULL ctx)",
                          tlswire_conn_new(&conn, NULL, NULL),
                          TLSWIRE_E_INVALID, "ctx is NULL", 0);
  default:
    return expect_failure(w, "session_from_bytes(empty)",
                          tlswire_session_from_bytes(&sess, sctx, junk, 0),
                          TLSWIRE_E_INVALID, "session bytes are NULL", 0);
  }
}

/* Serializes the client's session, reads it back (which must succeed and
 * leave the record alone), and checks that one byte more is refused. */
static int session_roundtrip(struct worker *w, tlswire_conn *client,
                             tlswire_context *cctx, tlswire_session **out) {
  tlswire_session *sess = NULL;
  unsigned char der[4096];
  size_t size = 0;
  if (tlswire_conn_get_session(client, &sess) != TLSWIRE_OK || sess == NULL)
    return note(w, "get_session", "no session");
  int rc = tlswire_session_to_bytes(sess, der, sizeof der - 1, &size);
  tlswire_session_free(sess);
  if (rc != TLSWIRE_OK || size >= sizeof der)
    return note(w, "session_to_bytes", tlswire_status_name(rc));
  int before = tlswire_error_code(tlswire_thread_last_error());
  if (tlswire_session_from_bytes(out, cctx, der, size) != TLSWIRE_OK)
    return note(w, "session_from_bytes", tlswire_status_name(rc));
  if (tlswire_error_code(tlswire_thread_last_error()) != before)
    return note(w, "session_from_bytes", "success wrote the record");
  der[size] = (unsigned char)w->index;
  tlswire_session *extra = NULL;
  return expect_failure(w, "session_from_bytes(trailing)",
                        tlswire_session_from_bytes(&extra, cctx, der, size + 1),
                        TLSWIRE_E_INVALID, "trailing bytes after the session",
                        0);
}

/* One full connection: handshake (resuming with sess if given), data both
 * ways, then the session for the next round in *next. */
static int one_connection(struct worker *w, tlswire_session *sess,
                          tlswire_session **next) {
  tlswire_context *cctx = w->sh->cctx[w->index % 2];
  tlswire_context *sctx = w->sh->sctx[w->index % 2];
  unsigned char up[PAYLOAD], down[PAYLOAD];
  for (size_t i = 0; i < PAYLOAD; i++) {
    up[i] = (unsigned char)(w->index + i);
    down[i] = (unsigned char)(w->index * 3 + i * 5);
  }
  tw_pair p;
  if (tw_pair_init(&p, cctx, sctx) != 0)
    return note(w, "conn_new", tlswire_error_message(w->record));
  int rc = -1;
  if (sess != NULL && tlswire_conn_set_session(p.client, sess) != TLSWIRE_OK)
    note(w, "set_session",
         tlswire_error_message(tlswire_conn_last_error(p.client)));
  else if (tw_handshake(p.client, p.server, NULL, NULL) != 0)
    note(w, "handshake",
         tlswire_error_message(tlswire_conn_last_error(p.client)));
  else if (tw_transfer(p.client, p.server, up, sizeof up) != 0 ||
           tw_transfer(p.server, p.client, down, sizeof down) != 0)
    note(w, "transfer", "data lost or changed");
  else if (sess != NULL && !tlswire_conn_session_reused(p.client))
    note(w, "resumption", "the session was not reused");
  else
    rc = session_roundtrip(w, p.client, cctx, next);
  w->handshakes += rc == 0;
  w->resumed += rc == 0 && sess != NULL;
  tw_pair_free(&p);
  return rc;
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  w->record = tlswire_thread_last_error();
  if (w->record == NULL || tlswire_error_code(w->record) != TLSWIRE_OK) {
    note(w, "fresh thread record", "not empty");
    return NULL;
  }
  tlswire_session *sess = NULL;
  for (int round = 0; round < ROUNDS && w->problem[0] == '\0'; round++) {
    tlswire_session *next = NULL;
    provoke_failure(w, (w->index + round) % 5, round);
    /* Fresh full handshakes on even rounds, resumptions on odd ones. */
    one_connection(w, round % 2 ? sess : NULL, &next);
    provoke_failure(w, (w->index + round + 2) % 5, round);
    tlswire_session_free(sess);
    sess = next;
  }
  tlswire_session_free(sess);
  return NULL;
}

/* --- the test ------------------------------------------------------------- */

static void shared_init(struct shared *sh) {
  static const int modes[2] = {CU_TLS13_TICKET, CU_TLS12_ID};
  memset(sh, 0, sizeof *sh);
  for (int i = 0; i < 2; i++) {
    sh->sctx[i] = cu_resuming_server(modes[i]);
    sh->cctx[i] = cu_resuming_client(modes[i]);
    ck_assert_int_eq(tlswire_context_set_verify(
                         sh->cctx[i], TLSWIRE_VERIFY_PEER, count_verify, sh),
                     TLSWIRE_OK);
    ck_assert_int_eq(
        tlswire_context_set_info_callback(sh->sctx[i], count_done, sh),
        TLSWIRE_OK);
  }
}

static void shared_free(struct shared *sh) {
  for (int i = 0; i < 2; i++) {
    tlswire_context_free(sh->cctx[i]);
    tlswire_context_free(sh->sctx[i]);
  }
}

/* Nothing the workers did may have written the shared contexts' records. */
static void assert_context_records_untouched(const struct shared *sh) {
  for (int i = 0; i < 2; i++) {
    const tlswire_error *c = tlswire_context_last_error(sh->cctx[i]);
    const tlswire_error *s = tlswire_context_last_error(sh->sctx[i]);
    ck_assert_int_eq(tlswire_error_code(c), TLSWIRE_OK);
    ck_assert_str_eq(tlswire_error_message(c), "");
    ck_assert_int_eq(tlswire_error_code(s), TLSWIRE_OK);
    ck_assert_str_eq(tlswire_error_message(s), "");
  }
}

START_TEST(shared_contexts_per_thread_errors) {
  struct shared sh;
  struct worker w[N_THREADS];
  shared_init(&sh);
  const tlswire_error *mine = tlswire_thread_last_error();
  ck_assert_ptr_nonnull(mine);
  ck_assert_int_eq(tlswire_error_code(mine), TLSWIRE_OK);

  memset(w, 0, sizeof w);
  for (int i = 0; i < N_THREADS; i++) {
    w[i].index = i;
    w[i].sh = &sh;
    ck_assert_int_eq(pthread_create(&w[i].tid, NULL, worker_main, &w[i]), 0);
  }
  for (int i = 0; i < N_THREADS; i++)
    ck_assert_int_eq(pthread_join(w[i].tid, NULL), 0);

  for (int i = 0; i < N_THREADS; i++) {
    ck_assert_msg(w[i].problem[0] == '\0', "%s", w[i].problem);
    ck_assert_int_eq(w[i].handshakes, ROUNDS);
    ck_assert_int_eq(w[i].resumed, ROUNDS / 2);
    ck_assert_int_eq(w[i].failures_checked, 3 * ROUNDS);
    ck_assert_ptr_ne(w[i].record, mine);
    for (int j = 0; j < i; j++)
      ck_assert_ptr_ne(w[i].record, w[j].record);
  }
  /* Two ends per connection: the server reports each handshake done once;
   * only full handshakes verify the server's chain (three certificates). */
  ck_assert_int_eq(__atomic_load_n(&sh.done, __ATOMIC_RELAXED),
                   N_THREADS * ROUNDS);
  ck_assert_int_eq(__atomic_load_n(&sh.verified, __ATOMIC_RELAXED),
                   N_THREADS * (ROUNDS / 2) * 3);
  ck_assert_int_eq(tlswire_error_code(mine), TLSWIRE_OK); /* not theirs */
  assert_context_records_untouched(&sh);
  shared_free(&sh);
}
END_TEST

/* The record of one thread stays its own after another thread fails. */
static void *fail_once(void *arg) {
  tlswire_context *ctx = arg;
  int rc = tlswire_context_check_privatekey(ctx);
  const tlswire_error *rec = tlswire_thread_last_error();
  return (void *)(long)(rc == TLSWIRE_E_SSL &&
                        tlswire_error_code(rec) == TLSWIRE_E_SSL);
}

START_TEST(failure_on_another_thread_stays_there) {
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(NULL, ctx, NULL), TLSWIRE_E_INVALID);
  const tlswire_error *mine = tlswire_thread_last_error();
  ck_assert_str_eq(tlswire_error_message(mine), "out is NULL");

  pthread_t tid;
  void *ok = NULL;
  ck_assert_int_eq(pthread_create(&tid, NULL, fail_once, ctx), 0);
  ck_assert_int_eq(pthread_join(tid, &ok), 0);
  ck_assert_ptr_nonnull(ok);
  ck_assert_ptr_eq(tlswire_thread_last_error(), mine);
  ck_assert_int_eq(tlswire_error_code(mine), TLSWIRE_E_INVALID);
  ck_assert_str_eq(tlswire_error_message(mine), "out is NULL");
  ck_assert_int_eq(tlswire_error_code(tlswire_context_last_error(ctx)),
                   TLSWIRE_OK);
  tlswire_context_free(ctx);
}
END_TEST

static Suite *threads_suite(void) {
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("shared_contexts_per_thread_errors");
  tcase_add_test(tc, shared_contexts_per_thread_errors);
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  TW_ADD(s, failure_on_another_thread_stays_there);
  return s;
}

TW_TEST_MAIN(threads_suite, 1)

/*
 * check_failmalloc_bound.c - check_failmalloc's scenario with both
 * connections bound to an in-process pipe: every allocation fails in turn,
 * also the transport's own and those of binding (a failed tlswire_conn_new
 * must free the transport it was given). Each run must end in success or a
 * clean status: no crash, no status outside the table, and (under ASan) no
 * leak.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "pump.h"
#include "testmain.h"

static long countdown = -1; /* allocations left before failing; -1 never */
static long failures;

static int should_fail(void) {
  if (countdown < 0)
    return 0;
  if (countdown == 0) {
    failures++;
    return 1;
  }
  countdown--;
  return 0;
}

static void *fm_malloc(size_t n, const char *file, int line) {
  return should_fail() ? NULL : malloc(n);
}

static void *fm_realloc(void *p, size_t n, const char *file, int line) {
  return should_fail() ? NULL : realloc(p, n);
}

static void fm_free(void *p, const char *file, int line) { free(p); }

static int valid_status(int rc) {
  return rc <= 0 && strcmp(tlswire_status_name(rc), "TLSWIRE_E_UNKNOWN") != 0;
}

/* Creates one bound connection on ctx over t (taken over even on
 * failure); NULL on failure, with a valid status. */
static tlswire_conn *bound_conn(tlswire_context *ctx, tlswire_transport *t,
                                int server) {
  tlswire_conn *conn = NULL;
  int rc = tlswire_conn_new(&conn, ctx, t);
  ck_assert(valid_status(rc));
  if (rc != TLSWIRE_OK) {
    ck_assert_ptr_null(conn);
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
  ck_assert(valid_status(rc));
  if (rc == TLSWIRE_OK) {
    p.client = bound_conn(cctx, a, 0);
    p.server = bound_conn(sctx, b, 1);
  }
  if (p.client != NULL && p.server != NULL) {
    int crc, src, who;
    tw_bound_handshake(&p, &crc, &src);
    ck_assert(valid_status(crc) && valid_status(src));
    if (crc == TLSWIRE_OK && src == TLSWIRE_OK &&
        tw_bound_transfer(p.client, p.server, (const unsigned char *)"ping", 4,
                          &who) == TLSWIRE_OK &&
        tw_bound_transfer(p.server, p.client, (const unsigned char *)"pong", 4,
                          &who) == TLSWIRE_OK) {
      rc = tlswire_conn_shutdown(p.client);
      ck_assert(valid_status(rc) || rc == 1);
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
  int completed = 0;
  long n;
  for (n = _i; !completed && n < 200000; n += 4) {
    countdown = n;
    failures = 0;
    completed = scenario() && failures == 0;
    countdown = -1;
  }
  ck_assert_int_eq(completed, 1);
  ck_assert_int_gt(n, 100); /* a handshake needs many allocations */
}
END_TEST

/* OpenSSL's own one-time initialisation (OPENSSL_init_ssl, provider and
 * algorithm caches) is not retried after an allocation failure: one failed
 * init leaves libssl unusable for the process. A plain libssl handshake
 * before the test warms all of that up, so the failures injected later land
 * in per-connection work and in tlswire's own lazily created state (the
 * ring BIO method, the ex_data index), which must recover. */
static int libssl_warm_up(const tw_chain *chain) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_method());
  if (ctx == NULL || SSL_CTX_use_certificate(ctx, chain->leaf) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, chain->leaf_key) != 1)
    return -1;
  SSL *c = SSL_new(ctx), *s = SSL_new(ctx);
  BIO *cb, *sb;
  BIO_new_bio_pair(&cb, 0, &sb, 0);
  SSL_set_bio(c, cb, cb);
  SSL_set_bio(s, sb, sb);
  SSL_set_connect_state(c);
  SSL_set_accept_state(s);
  int rc = 0, cr = 0, sr = 0;
  for (int i = 0; i < 20 && (cr != 1 || sr != 1); i++) {
    cr = SSL_do_handshake(c);
    sr = SSL_do_handshake(s);
  }
  rc = cr == 1 && sr == 1 ? 0 : -1;
  SSL_free(c);
  SSL_free(s);
  SSL_CTX_free(ctx);
  return rc;
}

static Suite *failmalloc_suite(void) {
  Suite *s = suite_create("failmalloc_bound");
  TCase *tc = tcase_create("every_allocation");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, every_allocation_fails_in_turn, 0, 4);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  /* Must come before OpenSSL's first allocation. */
  if (!CRYPTO_set_mem_functions(fm_malloc, fm_realloc, fm_free))
    return EXIT_FAILURE;
  const tw_chain *chain = tw_fixture_chain(TW_KEY_EC_P256);
  if (chain == NULL || libssl_warm_up(chain) != 0)
    return EXIT_FAILURE;
  SRunner *runner = srunner_create(failmalloc_suite());
  srunner_run_all(runner, CK_ENV);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

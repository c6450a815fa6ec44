/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_failmalloc.c - every allocation of a whole connection's life fails
 * in turn: context setup, connection creation, handshake, data, shutdown.
 * tlswire allocates through OpenSSL's allocator, so one hook
 * (CRYPTO_set_mem_functions) reaches libssl's allocations and tlswire's
 * own. Each run must end in success or a clean status: no crash, no
 * status outside the table, and (under ASan) no leak.
 */
#include <stdlib.h>

#include <tlswire/tlswire.h>

#include "failmalloc.h"
#include "pump.h"
#include "testmain.h"

/* One connection's whole life; returns 1 if it got to the end. */
static int scenario(void) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  int done = 0;
  tw_pair p = {0};
  if (sctx && cctx && tw_pair_init(&p, cctx, sctx) == 0) {
    int crc, src;
    tw_handshake(p.client, p.server, &crc, &src);
    ck_assert(tw_valid_status(crc) && tw_valid_status(src));
    if (crc == TLSWIRE_OK && src == TLSWIRE_OK &&
        tw_transfer(p.client, p.server, (const unsigned char *)"ping", 4) ==
            0 &&
        tw_transfer(p.server, p.client, (const unsigned char *)"pong", 4) ==
            0) {
      int rc = tlswire_conn_shutdown(p.client);
      ck_assert(tw_valid_status(rc) || rc == 1);
      done = rc == 0;
    }
  }
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
  return done;
}

/* The secure path: both secure constructors, the CA added on top of the
 * (emptied) system store, the server named, then the handshake. */
static int scenario_secure(void) {
  const tw_chain *chain = tw_fixture_chain(TW_KEY_EC_P256);
  tlswire_context *sctx = NULL, *cctx = NULL;
  char *pem = NULL;
  size_t len = 0;
  int ready =
      tlswire_context_new_secure(&sctx, TLSWIRE_PURPOSE_SERVER) == TLSWIRE_OK &&
      tlswire_context_new_secure(&cctx, TLSWIRE_PURPOSE_CLIENT) == TLSWIRE_OK &&
      tlswire_context_use_certificate(sctx, chain->leaf) == TLSWIRE_OK &&
      tlswire_context_use_privatekey(sctx, chain->leaf_key) == TLSWIRE_OK &&
      tlswire_context_add_extra_chain_cert(sctx, chain->intermediate) ==
          TLSWIRE_OK &&
      tw_cert_pem(chain->ca, &pem, &len) == 0 &&
      tlswire_context_load_verify_locations_mem(
          cctx, pem, len, TLSWIRE_FILETYPE_PEM) == TLSWIRE_OK;
  free(pem);
  int done = 0;
  tw_pair p = {0};
  if (ready && tw_pair_init(&p, cctx, sctx) == 0) {
    int rc = tlswire_conn_set_server_name(p.client, "server.test");
    ck_assert(tw_valid_status(rc));
    int crc = TLSWIRE_OK, src = TLSWIRE_OK;
    if (rc == TLSWIRE_OK)
      tw_handshake(p.client, p.server, &crc, &src);
    ck_assert(tw_valid_status(crc) && tw_valid_status(src));
    done = rc == TLSWIRE_OK && crc == TLSWIRE_OK && src == TLSWIRE_OK;
  }
  if (!ready)
    ck_assert(tw_valid_status(tlswire_error_code(tlswire_thread_last_error())));
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
  return done;
}

/* A failure recorded while the allocation of the record's detail fails:
 * the status is kept (code, a message from the status table). */
static int scenario_record(void) {
  tlswire_context *ctx = NULL;
  tlswire_conn *conn = NULL;
  int done = 0;
  if (tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD) == TLSWIRE_OK &&
      tlswire_conn_new(&conn, ctx, NULL) == TLSWIRE_OK) {
    size_t n;
    const tlswire_error *err = tlswire_conn_last_error(conn);
    ck_assert_int_eq(tlswire_conn_bio_write(conn, NULL, 1, &n),
                     TLSWIRE_E_INVALID);
    ck_assert_int_eq(tlswire_error_code(err), TLSWIRE_E_INVALID);
    ck_assert_str_ne(tlswire_error_message(err), "");
    ck_assert_int_eq(tlswire_conn_set_shutdown(conn, 0x100),
                     TLSWIRE_E_INVALID);
    ck_assert_int_eq(tlswire_error_code(err), TLSWIRE_E_INVALID);
    done = 1;
  }
  tlswire_conn_free(conn);
  tlswire_context_free(ctx);
  return done;
}

START_TEST(record_allocation_fails_in_turn) {
  ck_assert_int_gt(tw_failmalloc_sweep(0, 1, scenario_record), 0);
}
END_TEST

START_TEST(secure_path_allocation_fails_in_turn) {
  /* The real system store would add thousands of allocations to each run. */
  ck_assert_int_eq(setenv("SSL_CERT_FILE", "/nonexistent/tlswire-test.pem", 1),
                   0);
  ck_assert_int_eq(setenv("SSL_CERT_DIR", "/nonexistent/tlswire-test", 1), 0);
  long completed_at = tw_failmalloc_sweep(_i, 4, scenario_secure);
  ck_assert_int_gt(completed_at, 100);
}
END_TEST

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

static Suite *failmalloc_suite(void) {
  Suite *s = suite_create("failmalloc");
  TCase *tc = tcase_create("every_allocation");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, every_allocation_fails_in_turn, 0, 4);
  suite_add_tcase(s, tc);
  TW_ADD(s, record_allocation_fails_in_turn);
  tc = tcase_create("secure_path");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, secure_path_allocation_fails_in_turn, 0, 4);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tw_failmalloc_main(failmalloc_suite); }

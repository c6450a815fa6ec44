/* SPDX-License-Identifier: Apache-2.0 */
/*
 * failmalloc.c - failing every allocation in turn, for the failmalloc tests.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <tlswire/tlswire.h>

#include "certs.h"
#include "failmalloc.h"

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

int tw_valid_status(int rc) {
  return rc <= 0 && strcmp(tlswire_status_name(rc), "TLSWIRE_E_UNKNOWN") != 0;
}

long tw_failmalloc_sweep(int shard, int shards, int (*scenario)(void)) {
  for (long n = shard; n < 200000; n += shards) {
    countdown = n;
    failures = 0;
    int completed = scenario() && failures == 0;
    countdown = -1;
    if (completed)
      return n;
  }
  return -1;
}

static int libssl_warm_up(const tw_chain *chain) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_method());
  if (ctx == NULL || SSL_CTX_use_certificate(ctx, chain->leaf) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, chain->leaf_key) != 1) {
    SSL_CTX_free(ctx);
    return -1;
  }
  SSL *c = SSL_new(ctx), *s = SSL_new(ctx);
  BIO *cb, *sb;
  BIO_new_bio_pair(&cb, 0, &sb, 0);
  SSL_set_bio(c, cb, cb);
  SSL_set_bio(s, sb, sb);
  SSL_set_connect_state(c);
  SSL_set_accept_state(s);
  int cr = 0, sr = 0;
  for (int i = 0; i < 20 && (cr != 1 || sr != 1); i++) {
    cr = SSL_do_handshake(c);
    sr = SSL_do_handshake(s);
  }
  SSL_free(c);
  SSL_free(s);
  SSL_CTX_free(ctx);
  return cr == 1 && sr == 1 ? 0 : -1;
}

int tw_failmalloc_main(Suite *(*make_suite)(void)) {
  if (!CRYPTO_set_mem_functions(fm_malloc, fm_realloc, fm_free))
    return EXIT_FAILURE;
  const tw_chain *chain = tw_fixture_chain(TW_KEY_EC_P256);
  if (chain == NULL || libssl_warm_up(chain) != 0)
    return EXIT_FAILURE;
  SRunner *runner = srunner_create(make_suite());
  srunner_run_all(runner, CK_ENV);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * failmalloc.h - failing every allocation in turn, for the failmalloc tests.
 *
 * tlswire allocates through OpenSSL's allocator, so one hook
 * (CRYPTO_set_mem_functions) reaches libssl's allocations and tlswire's own.
 */
#ifndef TLSWIRE_TESTS_FAILMALLOC_H
#define TLSWIRE_TESTS_FAILMALLOC_H

#include <check.h>

/* Is rc a status from tlswire's table (TLSWIRE_OK or a TLSWIRE_E_*)? */
int tw_valid_status(int rc);

/*
 * Runs scenario with allocation n failing, for n = shard, shard + shards,
 * ... until a run completes (scenario returns 1) without reaching its
 * injected failure. Returns that n, or -1 if no run completed.
 */
long tw_failmalloc_sweep(int shard, int shards, int (*scenario)(void));

/*
 * The main() of a failmalloc test program: installs the failing allocator
 * (before OpenSSL's first allocation), builds the EC fixtures, warms up
 * OpenSSL's own one-time initialisation with a plain libssl handshake (it is
 * not retried after an allocation failure, so a failure there would break
 * the process rather than test tlswire), then runs the suite.
 */
int tw_failmalloc_main(Suite *(*make_suite)(void));

#endif /* TLSWIRE_TESTS_FAILMALLOC_H */

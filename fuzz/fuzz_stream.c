/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_stream.c - the stream-integrity run (tests/helpers/stream.c) driven
 * by the fuzz input.
 *
 * The first bytes choose the configuration (suite, memory mode or pipe
 * transport, ring capacity, RELEASE_BUFFERS, pipe faults, budget, offer
 * sizes, operation weights), the following ones each call and its sizes; when
 * the input runs out, a PRNG seeded from the input finishes the run. Any
 * violation of the invariant (bytes lost, repeated, reordered or invented, a
 * failing call reporting bytes, a non-empty OpenSSL error queue after a
 * public call) aborts with a message naming the step.
 */
#include <stdio.h>
#include <stdlib.h>

#include "certs.h"
#include "stream.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keys and certificates once per process: handshakes stay cheap. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (tw_fixture_chain(TW_KEY_RSA2048) == NULL ||
      tw_fixture_chain(TW_KEY_EC_P256) == NULL)
    __builtin_trap();
  return 0;
}

static void violated(void *arg, const char *msg) {
  const char *config = arg;
  fprintf(stderr, "stream invariant violated (%s): %s\n", config, msg);
  abort();
}

/* FNV-1a over the input: the PRNG seed, so one input is one run. */
static uint64_t input_hash(const uint8_t *data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 0x100000001b3ull;
  return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tw_rng rng;
  tw_stream_cfg cfg;
  char config[320];
  tw_rng_seed(&rng, input_hash(data, size), data, size);
  tw_stream_cfg_pick(&cfg, &rng, 1, -1, -1);
  tw_stream_describe(&cfg, config, sizeof config);
  tw_stream_run(&cfg, &rng, violated, config);
  return 0;
}

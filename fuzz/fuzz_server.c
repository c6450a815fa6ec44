/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_server.c - arbitrary bytes as a client's flight to a tlswire server.
 */
#include "certs.h"
#include "fuzz_common.h"

static tlswire_context *server_ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const tw_chain *chain = tw_fixture_chain(TW_KEY_EC_P256);
  if (chain == NULL ||
      tlswire_context_new(&server_ctx, TLSWIRE_TLS_METHOD) != TLSWIRE_OK ||
      tlswire_context_use_certificate(server_ctx, chain->leaf) != TLSWIRE_OK ||
      tlswire_context_use_privatekey(server_ctx, chain->leaf_key) !=
          TLSWIRE_OK ||
      tlswire_context_set_min_proto_version(server_ctx, 0) != TLSWIRE_OK)
    __builtin_trap();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tlswire_conn *conn;
  if (tlswire_conn_new(&conn, server_ctx, NULL) != TLSWIRE_OK)
    return 0;
  tlswire_conn_set_accept_state(conn);
  fuzz_feed(conn, data, size);
  tlswire_conn_free(conn);
  return 0;
}

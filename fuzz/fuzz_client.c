/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_client.c - arbitrary bytes as the server's answer to a tlswire
 * client's ClientHello.
 */
#include "fuzz_common.h"

static tlswire_context *client_ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  if (tlswire_context_new(&client_ctx, TLSWIRE_TLS_METHOD) != TLSWIRE_OK)
    __builtin_trap();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tlswire_conn *conn;
  if (tlswire_conn_new(&conn, client_ctx, NULL) != TLSWIRE_OK)
    return 0;
  tlswire_conn_set_connect_state(conn);
  fuzz_check(tlswire_conn_do_handshake(conn));
  fuzz_drain(conn);
  fuzz_feed(conn, data, size);
  tlswire_conn_free(conn);
  return 0;
}

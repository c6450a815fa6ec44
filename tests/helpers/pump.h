/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pump.h - moving ciphertext between two memory-mode connections in tests.
 */
#ifndef TLSWIRE_TESTS_PUMP_H
#define TLSWIRE_TESTS_PUMP_H

#include <tlswire/tlswire.h>

#include "certs.h"

/* Moves pending output of a to b and of b to a (through bio_peek /
 * bio_write / bio_consume) until nothing moves or the receiving ring is
 * full. Returns the number of bytes moved. */
size_t tw_pump(tlswire_conn *a, tlswire_conn *b);

/* Runs do_handshake on both sides and pumps between them until both
 * complete, one fails, or nothing moves. Returns 0 when both completed;
 * otherwise -1 with each side's last status in *client_rc / *server_rc
 * (either pointer may be NULL). */
int tw_handshake(tlswire_conn *client, tlswire_conn *server, int *client_rc,
                 int *server_rc);

/* A server context for method with the fixture chain of type: leaf
 * certificate, key and the intermediate as extra chain certificate. */
tlswire_context *tw_server_ctx(int method, tw_key_type type);

/* A client context for method that trusts the fixture CA of type and
 * verifies the peer (TLSWIRE_VERIFY_PEER). */
tlswire_context *tw_client_ctx(int method, tw_key_type type);

/* A client/server pair of memory-mode connections with roles set. */
typedef struct tw_pair {
  tlswire_conn *client;
  tlswire_conn *server;
} tw_pair;

/* Creates both connections (the contexts keep their caller's reference).
 * Returns 0 or -1. */
int tw_pair_init(tw_pair *p, tlswire_context *client_ctx,
                 tlswire_context *server_ctx);
void tw_pair_free(tw_pair *p);

/* tw_server_ctx + tw_client_ctx + tw_pair_init + tw_handshake, with both
 * protocol versions pinned to version (0: library default). 0 or -1. */
int tw_pair_connected(tw_pair *p, tw_key_type type, int version);

/* Sends all of buf from one connection and receives it on the other,
 * pumping in between. Returns 0 when every byte arrived intact, -1
 * otherwise. */
int tw_transfer(tlswire_conn *from, tlswire_conn *to, const unsigned char *buf,
                size_t len);

#endif /* TLSWIRE_TESTS_PUMP_H */

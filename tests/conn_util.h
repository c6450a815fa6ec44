/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_util.h - helpers shared by the Connection/Session/DTLS test programs.
 */
#ifndef TLSWIRE_TESTS_CONN_UTIL_H
#define TLSWIRE_TESTS_CONN_UTIL_H

#include <tlswire/tlswire.h>

#include "pump.h"

/* A fresh memory-mode connection on a new context of method (the context
 * reference is dropped: the connection keeps it alive). Asserts. */
tlswire_conn *cu_fresh(int method);

/* The reason string of the first queue entry in conn's error record. */
const char *cu_reason(const tlswire_conn *conn);

/* Pins ctx's min and max protocol version (0: leave). Asserts. */
void cu_pin(tlswire_context *ctx, int version);

/* tw_pair_init + tw_handshake on the given contexts; the contexts keep the
 * caller's reference. Asserts the handshake completed. */
void cu_connect(tw_pair *p, tlswire_context *cctx, tlswire_context *sctx);

/* Mutual TLS: the server (fixture chain of type) demands a client
 * certificate from tw_fixture_client(type)'s CA; the client presents the
 * client leaf + intermediate and verifies the server. New references. */
/* Adds ca's certificate to ctx's trust anchors (asserting success). */
void cu_trust(tlswire_context *ctx, X509 *ca);

tlswire_context *cu_mtls_server_ctx(tw_key_type type, int version);
tlswire_context *cu_mtls_client_ctx(tw_key_type type, int version);

/* The client reads once after the handshake so TLS 1.3 tickets are
 * processed; asserts the read found no application data. */
void cu_read_tickets(tlswire_conn *client);

/* The resumption modes of the session tests: TLS 1.2 with session IDs
 * (tickets off), TLS 1.2 with tickets, TLS 1.3 (tickets). */
enum cu_resume_mode { CU_TLS12_ID, CU_TLS12_TICKET, CU_TLS13_TICKET };

/* The protocol version of a resumption mode. */
int cu_mode_version(int mode);

/* A server context that can resume in mode (fixture EC chain, a session-ID
 * context, tickets off for CU_TLS12_ID) and a client context for it, both
 * pinned to the mode's version. New references. Assert. */
tlswire_context *cu_resuming_server(int mode);
tlswire_context *cu_resuming_client(int mode);

/* Sends msg from one side and checks it arrives on the other. */
void cu_roundtrip(tlswire_conn *from, tlswire_conn *to, const char *msg);

#endif /* TLSWIRE_TESTS_CONN_UTIL_H */

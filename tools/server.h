/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/server.h - what the two halves of `tlswire server` share: the
 * options and contexts (server.c) and the event loop (serve.c).
 */
#ifndef TLSWIRE_TOOL_SERVER_H
#define TLSWIRE_TOOL_SERVER_H

#include "tool.h"

/* Defaults of the server's limits. */
#define SRV_HANDSHAKE_TIMEOUT_MS 10000
#define SRV_IDLE_TIMEOUT_MS 60000
#define SRV_CLOSE_TIMEOUT_MS 2000
#define SRV_MAX_CONNS 256
#define SRV_MAX_CONNS_LIMIT 100000
#define SRV_MAX_SNI 16

/* One --sni NAME:CERT:KEY. */
typedef struct srv_sni {
  char *name, *cert, *key; /* one allocation: name's */
  tlswire_context *ctx;
} srv_sni;

typedef struct server_opts {
  const char *port, *cert, *key, *chain, *alpn, *bind, *cafile;
  tw_pass pass;
  int once, version, use_fd, verify_client, verbose;
  int handshake_ms, idle_ms, close_ms;
  long max_conns;
  srv_sni sni[SRV_MAX_SNI];
  size_t n_sni;
} server_opts;

/* Runs the event loop on the listening socket lfd (non-blocking; the loop
 * owns it) with ctx until SIGINT or SIGTERM, or, with --once, until the
 * first client is done. Returns the exit code: TW_EXIT_OK after a signal,
 * the first client's outcome with --once, TW_EXIT_SETUP when the loop
 * itself fails. */
int srv_run(tlswire_context *ctx, int lfd, const server_opts *o);

/* The client's offered protocol versions, recorded by the ClientHello
 * callback into the buffer the connection's SSL ex data points at. Installs
 * the callback on ctx (through its SSL_CTX). TLSWIRE_OK or a status. */
int srv_watch_versions(tlswire_context *ctx);
/* Where the callback writes for conn: buf (size bytes, NUL-terminated). */
int srv_versions_buffer(tlswire_conn *conn, char *buf, size_t size);

#endif /* TLSWIRE_TOOL_SERVER_H */

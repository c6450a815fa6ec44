/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.h - the identity the peer's certificate must match, shared with the
 * connection's verify-mode setter.
 */
#ifndef TLSWIRE_SRC_VERIFY_H
#define TLSWIRE_SRC_VERIFY_H

#include "conn.h"

/* 1 if a host name or IP address check is set on conn, else 0. */
int tlswire_conn_has_host_check(const tlswire_conn *conn);

/* The message recorded when peer verification would be switched off under
 * a host name check (or a check asked for while it is off). */
#define TLSWIRE_HOST_CHECK_NEEDS_PEER_MSG                                      \
  "a host name check needs peer verification: TLSWIRE_VERIFY_PEER is off on "  \
  "this connection, so the check would never run"

#endif /* TLSWIRE_SRC_VERIFY_H */

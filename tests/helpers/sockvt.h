/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sockvt.h - a user-vtable (version 2) transport over a socket descriptor,
 * written as a user would write one, counting its calls: for tests of
 * read-ahead and of the graceful close.
 */
#ifndef TLSWIRE_TESTS_SOCKVT_H
#define TLSWIRE_TESTS_SOCKVT_H

#include <tlswire/tlswire.h>

/* The io object; owned by the test, which reads the counters after the
 * transport is gone. */
typedef struct tw_sockvt {
  int fd;                    /* closed by the transport's destroy */
  unsigned recv_calls;       /* every recv, whatever its answer */
  unsigned recv_bytes_calls; /* recvs that delivered bytes */
  unsigned send_calls;
  unsigned wait_calls;
  unsigned shutdown_calls;
  int budgeted;       /* send passes at most send_budget bytes in all */
  size_t send_budget; /* then would-blocks */
} tw_sockvt;

/* A transport over fd (a stream socket, blocking or not) with io s, whose
 * fields are reset here: send (MSG_NOSIGNAL), recv, shutdown (SHUT_WR),
 * get_fds, wait (poll) and destroy (closes fd). with_wait 0 leaves the wait
 * op out. Returns tlswire_transport_new's status. */
int tw_sockvt_new(tlswire_transport **out, tw_sockvt *s, int fd, int with_wait);

#endif /* TLSWIRE_TESTS_SOCKVT_H */

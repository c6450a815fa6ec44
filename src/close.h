/* SPDX-License-Identifier: Apache-2.0 */
/*
 * close.h - the graceful close of a bound connection (tlswire_conn_close).
 *
 * The close runs in steps, each resumed where the last call stopped:
 * close_notify, flush, half-close, drain. Its state lives in the
 * connection (struct tlswire_close); once a close has started, every other
 * I/O call on the connection is refused with TLSWIRE_E_STATE.
 */
#ifndef TLSWIRE_SRC_CLOSE_H
#define TLSWIRE_SRC_CLOSE_H

#include <stddef.h>
#include <stdint.h>

#include <tlswire/tlswire.h>

enum tlswire_close_step {
  TLSWIRE_CLOSE_NONE = 0, /* no close started */
  TLSWIRE_CLOSE_NOTIFY,   /* close_notify to be built */
  TLSWIRE_CLOSE_FLUSH,    /* the output ring to be emptied */
  TLSWIRE_CLOSE_HALF,     /* the transport's write side to be closed */
  TLSWIRE_CLOSE_DRAIN,    /* the peer's bytes to be read and dropped */
  TLSWIRE_CLOSE_DONE,     /* finished (bounds reached count as finished) */
  TLSWIRE_CLOSE_FAILED    /* the transport failed; sys_errno says why */
};

struct tlswire_close {
  enum tlswire_close_step step;
  int notify;          /* close_notify is ours to send (decided once) */
  int has_deadline;    /* timeout_ms >= 0 on the first call */
  int sys_errno;       /* TLSWIRE_CLOSE_FAILED: the transport's errno */
  int64_t deadline_ns; /* monotonic clock, when has_deadline */
  size_t drain_max;    /* bytes the drain may read and drop */
  size_t drained;      /* bytes it did */
};

/* Milliseconds left until the close deadline, rounded up (0 once it has
 * passed); -1 when no close is in progress (not started, or finished) or
 * the close has no time bound. For tlswire_conn_get_wait's timeout_ms. */
int tlswire_close_timeout_ms(const tlswire_conn *conn);

#endif /* TLSWIRE_SRC_CLOSE_H */

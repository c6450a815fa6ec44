/* SPDX-License-Identifier: Apache-2.0 */
/*
 * close.c - the graceful close of a bound connection (see close.h and
 * tlswire_conn_close in <tlswire/transport.h>).
 *
 * Why drain at all: a TCP stack that closes a socket with unread input
 * sends a reset instead of a FIN, and the peer then loses what was still in
 * flight to it (our alert, our close_notify, its last records). Reading
 * the peer's bytes until it closes too (or a bound is reached) lets the
 * stream end in order.
 */
#include <errno.h>
#include <limits.h>
#include <time.h>

#include "close.h"
#include "conn.h"
#include "driver.h"
#include "safety.h"
#include "transport.h"

/* Bytes the drain reads per transport call (on the stack: small enough for
 * firmware, large enough that a busy peer costs few calls). */
#define TLSWIRE_CLOSE_DRAIN_CHUNK 4096

/* --- time ----------------------------------------------------------------- */

/* A monotonic clock where the system has one; C11's calendar clock
 * otherwise (a build without POSIX), which a clock change can shift. */
#if defined(CLOCK_MONOTONIC)
static int64_t now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
#else
static int64_t now_ns(void) {
  struct timespec ts;
  if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
    return 0;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
#endif

static int deadline_passed(const struct tlswire_close *c) {
  return c->has_deadline && now_ns() >= c->deadline_ns;
}

/* Milliseconds to the deadline, rounded up, 0 once passed. */
static int ms_left(const struct tlswire_close *c) {
  int64_t left = c->deadline_ns - now_ns();
  if (left <= 0)
    return 0;
  int64_t ms = (left + 999999) / 1000000;
  return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* --- queries -------------------------------------------------------------- */

int tlswire_close_timeout_ms(const tlswire_conn *conn) {
  if (conn == NULL)
    return -1;
  const struct tlswire_close *c = &conn->close;
  if (c->step == TLSWIRE_CLOSE_NONE || c->step >= TLSWIRE_CLOSE_DONE ||
      !c->has_deadline)
    return -1;
  return ms_left(c);
}

/* --- the steps ------------------------------------------------------------ */

static int close_failed(struct tlswire_close *c, int sys_errno) {
  c->step = TLSWIRE_CLOSE_FAILED;
  c->sys_errno = sys_errno != 0 ? sys_errno : EIO;
  return TLSWIRE_E_SYSCALL;
}

static int advance(struct tlswire_close *c, enum tlswire_close_step next) {
  c->step = next;
  return TLSWIRE_OK;
}

/* close_notify only after a completed handshake (libssl is back "in init"
 * after a fatal error, so that is excluded too), once, and over a working
 * transport. */
static int wants_notify(const tlswire_conn *conn) {
  return SSL_is_init_finished(conn->ssl) &&
         !(SSL_get_shutdown(conn->ssl) & SSL_SENT_SHUTDOWN) &&
         conn->bound->io_errno == 0;
}

/* libssl marks close_notify sent before the alert has left; called again
 * after a would-block it dispatches the pending alert and reads nothing. A
 * failure other than the transport's leaves no close_notify to send: the
 * half-close and drain still spare the peer a reset. */
static int step_notify(tlswire_conn *conn) {
  struct tlswire_close *c = &conn->close;
  if (!c->notify)
    return advance(c, TLSWIRE_CLOSE_FLUSH);
  const struct tlswire_io io = {.op = TLSWIRE_IO_SHUTDOWN};
  int rc = tlswire_drive(conn, &io);
  if (rc == TLSWIRE_E_WANT_WRITE)
    return rc;
  if (conn->bound->io_errno != 0)
    return close_failed(c, conn->bound->io_errno);
  return advance(c, TLSWIRE_CLOSE_FLUSH);
}

/* A write that fails after the peer's end of stream is not recorded as the
 * connection's failure (bind.c): errno, set right before, tells why. */
static int step_flush(tlswire_conn *conn) {
  struct tlswire_close *c = &conn->close;
  int rc = tlswire_bound_flush(conn->bound);
  if (rc == TLSWIRE_E_SYSCALL)
    return close_failed(c,
                        conn->bound->io_errno ? conn->bound->io_errno : errno);
  if (rc != TLSWIRE_OK)
    return rc;
  return advance(c, TLSWIRE_CLOSE_HALF);
}

/* Datagrams have no end of stream and no reset to avoid: done after the
 * flush. A transport without half-close keeps its write side open; the
 * drain still runs (bounded) so that no input is left unread. */
static int step_half(tlswire_conn *conn) {
  struct tlswire_close *c = &conn->close;
  tlswire_transport *t = conn->bound->transport;
  if (tlswire_bound_datagram(conn->bound))
    return advance(c, TLSWIRE_CLOSE_DONE);
  if (!(t->caps & TLSWIRE_TRANSPORT_CAP_HALF_CLOSE)) /* as bound */
    return advance(c, TLSWIRE_CLOSE_DRAIN);
  switch (tlswire_transport_shutdown(t)) {
  case TLSWIRE_OK:
  case TLSWIRE_E_UNSUPPORTED:
    return advance(c, TLSWIRE_CLOSE_DRAIN);
  case TLSWIRE_E_WANT_READ:
  case TLSWIRE_E_WANT_WRITE:
    return TLSWIRE_E_WANT_WRITE;
  case TLSWIRE_E_SYSCALL:
  default:
    return close_failed(c, errno);
  }
}

/* A transport not known to be non-blocking (it never answered
 * would-block) is waited on with the time left, so that a blocking recv
 * cannot outlast the deadline. TLSWIRE_OK: go on and read (also without a
 * wait op); the step becomes DONE when the wait timed out. */
static int drain_wait(tlswire_conn *conn) {
  struct tlswire_close *c = &conn->close;
  struct tlswire_bound *b = conn->bound;
  if (b->would_block || !c->has_deadline)
    return TLSWIRE_OK;
  switch (tlswire_transport_wait(b->transport, TLSWIRE_WAIT_READ, ms_left(c))) {
  case TLSWIRE_OK:
  case TLSWIRE_E_UNSUPPORTED:
    return TLSWIRE_OK;
  case TLSWIRE_E_WANT_READ:
  case TLSWIRE_E_WANT_WRITE:
    return advance(c, TLSWIRE_CLOSE_DONE);
  case TLSWIRE_E_SYSCALL:
  default:
    return close_failed(c, errno);
  }
}

/* One transport read into buf, dropped. */
static int drain_once(tlswire_conn *conn, void *buf, size_t len) {
  struct tlswire_close *c = &conn->close;
  struct tlswire_bound *b = conn->bound;
  size_t n;
  switch (tlswire_transport_recv(b->transport, buf, len, &n)) {
  case TLSWIRE_OK:
    c->drained += n;
    if (n == 0)
      b->in_eof = 1;
    return TLSWIRE_OK;
  case TLSWIRE_E_WANT_READ:
  case TLSWIRE_E_WANT_WRITE:
    b->would_block = 1;
    return TLSWIRE_E_WANT_READ;
  case TLSWIRE_E_SYSCALL:
  default:
    b->io_errno = errno != 0 ? errno : EIO;
    return close_failed(c, b->io_errno);
  }
}

static int drain_finished(const tlswire_conn *conn) {
  const struct tlswire_close *c = &conn->close;
  return conn->bound->in_eof || c->drained >= c->drain_max ||
         deadline_passed(c);
}

static int step_drain(tlswire_conn *conn) {
  struct tlswire_close *c = &conn->close;
  unsigned char buf[TLSWIRE_CLOSE_DRAIN_CHUNK];
  if (conn->bound->io_errno != 0)
    return close_failed(c, conn->bound->io_errno);
  while (c->step == TLSWIRE_CLOSE_DRAIN) {
    if (drain_finished(conn))
      return advance(c, TLSWIRE_CLOSE_DONE);
    TW_TRY(drain_wait(conn));
    if (c->step != TLSWIRE_CLOSE_DRAIN)
      break;
    size_t left = c->drain_max - c->drained;
    TW_TRY(drain_once(conn, buf, left < sizeof buf ? left : sizeof buf));
  }
  return TLSWIRE_OK;
}

static int close_step(tlswire_conn *conn) {
  switch (conn->close.step) {
  case TLSWIRE_CLOSE_NOTIFY:
    return step_notify(conn);
  case TLSWIRE_CLOSE_FLUSH:
    return step_flush(conn);
  case TLSWIRE_CLOSE_HALF:
    return step_half(conn);
  case TLSWIRE_CLOSE_DRAIN:
    return step_drain(conn);
  case TLSWIRE_CLOSE_NONE:
  case TLSWIRE_CLOSE_DONE:
  case TLSWIRE_CLOSE_FAILED:
  default:
    return TLSWIRE_OK;
  }
}

/* --- public --------------------------------------------------------------- */

static void close_start(tlswire_conn *conn, int timeout_ms, size_t drain_max) {
  struct tlswire_close *c = &conn->close;
  c->notify = wants_notify(conn);
  c->has_deadline = timeout_ms >= 0;
  c->deadline_ns =
      now_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
  c->drain_max = drain_max;
  c->drained = 0;
  c->step = TLSWIRE_CLOSE_NOTIFY;
}

/* Runs the steps until one waits or the close ends. A wait past the
 * deadline ends the close too: what could not leave by then is dropped. */
static int close_run(tlswire_conn *conn) {
  struct tlswire_close *c = &conn->close;
  int rc = TLSWIRE_OK;
  while (rc == TLSWIRE_OK && c->step < TLSWIRE_CLOSE_DONE)
    rc = close_step(conn);
  if (c->step == TLSWIRE_CLOSE_FAILED)
    return tlswire_error_syscall(&conn->err, c->sys_errno);
  if (rc < 0 && deadline_passed(c))
    return advance(c, TLSWIRE_CLOSE_DONE);
  return rc;
}

int tlswire_conn_close(tlswire_conn *conn, int timeout_ms, size_t drain_max) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  if (conn->bound == NULL)
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                             "close on a connection in memory mode (use "
                             "shutdown and bio_read; the caller owns the "
                             "transport)");
  if (conn->close.step == TLSWIRE_CLOSE_NONE)
    close_start(conn, timeout_ms, drain_max);
  int rc = close_run(conn);
  conn->last_want = tlswire_want_of(rc); /* the close's own wait */
  tlswire_conn_release_idle(conn);
  return rc;
}

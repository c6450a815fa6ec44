/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_wait.c - what an event loop polls for a bound connection:
 * tlswire_conn_fileno and tlswire_conn_get_wait.
 *
 * Descriptors come from the transport's public operations (get_fds, else
 * fileno); the events from where the connection's last call stopped and
 * from its output ring; the timeout from the deadlines the library keeps.
 */
#include "close.h"
#include "conn.h"
#include "dtls_link.h"
#include "transport.h"

int tlswire_conn_fileno(const tlswire_conn *conn) {
  if (conn == NULL)
    return TLSWIRE_E_INVALID;
  int fd = tlswire_transport_fileno(tlswire_conn_transport(conn));
  return fd >= 0 ? fd : TLSWIRE_E_STATE;
}

/* The earlier of two timeouts in milliseconds; negative means none. */
static int min_timeout(int a, int b) {
  if (a < 0)
    return b < 0 ? -1 : b;
  return b < 0 || a <= b ? a : b;
}

/* When the connection must be called again even without an event: every
 * deadline the library keeps is combined here, one line each. */
static int wait_timeout(const tlswire_conn *conn) {
  int ms = tlswire_dtls_timer_ms(conn->ssl);
  ms = min_timeout(ms, tlswire_close_timeout_ms(conn));
  return ms;
}

static unsigned wait_events(const tlswire_conn *conn) {
  unsigned events = conn->last_want;
  if (tlswire_ring_len(&conn->bound->out) > 0)
    events |= TLSWIRE_WAIT_WRITE;
  return events;
}

/* conn is const: a refusal is recorded in the thread's record. */
int tlswire_conn_get_wait(const tlswire_conn *conn, tlswire_wait *w) {
  if (w != NULL)
    *w = (tlswire_wait){.events = 0, .read_fd = -1, .write_fd = -1,
                        .timeout_ms = -1};
  if (conn == NULL || w == NULL)
    return tlswire_error_set(tlswire_error_thread(), TLSWIRE_E_INVALID,
                             conn == NULL ? "conn is NULL" : "w is NULL");
  if (conn->bound == NULL)
    return tlswire_error_set(tlswire_error_thread(), TLSWIRE_E_STATE,
                             "get_wait on a connection in memory mode");
  w->events = wait_events(conn);
  tlswire_transport_fds(conn->bound->transport, &w->read_fd, &w->write_fd);
  w->timeout_ms = wait_timeout(conn);
  return TLSWIRE_OK;
}

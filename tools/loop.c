/*
 * tools/loop.c - the two library calls the server's event loop is built on:
 * what a connection waits for (tlswire_conn_get_wait) and its graceful close
 * (tlswire_conn_close), both declared in <tlswire/transport.h>.
 *
 * Until the library defines them, the bodies here do the same with calls
 * that exist today, with the same contract as the header; at the merge
 * each body becomes the one library call. Only the server uses them, with
 * the socket or fd transport.
 */
#include "tool.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/ssl.h>

/* Where an interim close stands: the header's steps, and its deadline. */
enum close_step { CLOSE_NOTIFY, CLOSE_FLUSH, CLOSE_HALF, CLOSE_DRAIN };

typedef struct close_state {
  const tlswire_conn *conn;
  enum close_step step;
  int64_t deadline_ms; /* -1: none */
  size_t drained;
  struct close_state *next;
} close_state;

static close_state *closing; /* connections inside tool_close */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static close_state **close_find(const tlswire_conn *conn) {
  close_state **p = &closing;
  while (*p != NULL && (*p)->conn != conn)
    p = &(*p)->next;
  return p;
}

static void close_forget(const tlswire_conn *conn) {
  close_state **p = close_find(conn), *s = *p;
  if (s == NULL)
    return;
  *p = s->next;
  free(s);
}

/* The milliseconds left before a closing connection's deadline, or -1. */
static int close_timeout(const close_state *s) {
  int64_t left;

  if (s == NULL || s->deadline_ms < 0)
    return -1;
  left = s->deadline_ms - now_ms();
  return left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

int tool_get_wait(tlswire_conn *conn, tlswire_wait *w) {
  /* interim: becomes tlswire_conn_get_wait() at merge */
  const close_state *s;
  int fd;

  if (conn == NULL || w == NULL)
    return TLSWIRE_E_INVALID;
  if ((fd = tlswire_conn_fileno(conn)) < 0)
    return TLSWIRE_E_STATE;
  w->events = 0;
  if (tlswire_conn_want_read(conn) == 1)
    w->events |= TLSWIRE_WAIT_READ;
  if (tlswire_conn_want_write(conn) == 1)
    w->events |= TLSWIRE_WAIT_WRITE;
  s = *close_find(conn);
  /* The drain reads the descriptor itself: libssl's flags do not know. */
  if (s != NULL && s->step == CLOSE_DRAIN)
    w->events = TLSWIRE_WAIT_READ;
  w->read_fd = w->write_fd = fd;
  w->timeout_ms = close_timeout(s);
  return TLSWIRE_OK;
}

/* Step 1: close_notify, only after a completed handshake. Errors end the
 * step: a connection that failed has nothing more to say. */
static int close_notify(tlswire_conn *conn) {
  int rc;

  if (!SSL_is_init_finished(tlswire_conn_get_ssl(conn)))
    return TLSWIRE_OK;
  if (tlswire_conn_get_shutdown(conn) & TLSWIRE_SENT_SHUTDOWN)
    return TLSWIRE_OK;
  rc = tlswire_conn_shutdown(conn);
  return rc == TLSWIRE_E_WANT_WRITE ? rc : TLSWIRE_OK;
}

/* Step 3: our end of the stream; the fd transport has no socket methods. */
static int close_half(tlswire_conn *conn) {
  int rc = tlswire_conn_sock_shutdown(conn, SHUT_WR);

  if (rc == TLSWIRE_E_STATE)
    (void)shutdown(tlswire_conn_fileno(conn), SHUT_WR);
  return TLSWIRE_OK; /* a peer already gone is as good as a half-close */
}

/* Step 4: read and drop what the peer still sends, within the bounds. */
static int close_drain(tlswire_conn *conn, close_state *s, size_t drain_max) {
  char buf[4096];
  int fd = tlswire_conn_fileno(conn);
  ssize_t n;

  for (;;) {
    if (s->drained >= drain_max)
      return TLSWIRE_OK;
    if (s->deadline_ms >= 0 && now_ms() >= s->deadline_ms)
      return TLSWIRE_OK;
    n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return TLSWIRE_E_WANT_READ;
    if (n <= 0)
      return TLSWIRE_OK; /* end of stream, or the peer reset: done */
    s->drained += (size_t)n;
  }
}

static int close_run(tlswire_conn *conn, close_state *s, size_t drain_max) {
  int rc;

  switch (s->step) {
  case CLOSE_NOTIFY:
    if ((rc = close_notify(conn)) != TLSWIRE_OK)
      return rc;
    s->step = CLOSE_FLUSH;
    /* fall through */
  case CLOSE_FLUSH:
    if ((rc = tlswire_conn_flush(conn)) != TLSWIRE_OK)
      return rc;
    s->step = CLOSE_HALF;
    /* fall through */
  case CLOSE_HALF:
    close_half(conn);
    s->step = CLOSE_DRAIN;
    /* fall through */
  case CLOSE_DRAIN:
    return close_drain(conn, s, drain_max);
  default:
    return TLSWIRE_E_STATE;
  }
}

static close_state *close_start(const tlswire_conn *conn, int timeout_ms) {
  close_state *s = calloc(1, sizeof *s);

  if (s == NULL)
    return NULL;
  s->conn = conn;
  s->deadline_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  s->next = closing;
  closing = s;
  return s;
}

int tool_close(tlswire_conn *conn, int timeout_ms, size_t drain_max) {
  /* interim: becomes tlswire_conn_close() at merge */
  close_state *s;
  int rc;

  if (conn == NULL)
    return TLSWIRE_E_INVALID;
  if (tlswire_conn_fileno(conn) < 0)
    return TLSWIRE_E_STATE;
  if ((s = *close_find(conn)) == NULL &&
      (s = close_start(conn, timeout_ms)) == NULL)
    return TLSWIRE_E_NOMEM;
  rc = close_run(conn, s, drain_max);
  /* A flush that waits past the deadline ends the close too. */
  if (rc == TLSWIRE_E_WANT_WRITE && close_timeout(s) == 0)
    rc = TLSWIRE_OK;
  if (rc != TLSWIRE_E_WANT_READ && rc != TLSWIRE_E_WANT_WRITE)
    close_forget(conn);
  return rc;
}

void tool_conn_free(tlswire_conn *conn) {
  /* interim: becomes tlswire_conn_free() at merge */
  close_forget(conn);
  tlswire_conn_free(conn);
}

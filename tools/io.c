/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/io.c - handshake, send and close for a connection bound to a
 * non-blocking socket: each TLSWIRE_E_WANT_* status becomes a poll() on the
 * descriptor, so the program never spins and never blocks inside libssl.
 */
#include "tool.h"

#include <unistd.h>

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

/* Waits for what rc asks; an exit code (TW_EXIT_OK when ready). */
static int wait_for(int fd, int rc, const char *who) {
  int n = tw_net_wait(fd, rc, TW_IO_TIMEOUT_MS);

  if (n > 0)
    return TW_EXIT_OK;
  if (n == 0)
    return tw_err(TW_EXIT_PEER, "%s: timed out after %d s waiting for the peer",
                  who, TW_IO_TIMEOUT_MS / 1000);
  return tw_err(TW_EXIT_SETUP, "%s: poll failed", who);
}

/* Pushes out ciphertext the socket did not take yet, so that the peer has
 * everything before we only wait for input. */
static int flush_all(tlswire_conn *conn, int fd, const char *who) {
  int rc, ex;

  while ((rc = tlswire_conn_flush(conn)) != TLSWIRE_OK) {
    if (rc != TLSWIRE_E_WANT_WRITE)
      return tw_fail_conn(who, conn, rc);
    if ((ex = wait_for(fd, rc, who)) != TW_EXIT_OK)
      return ex;
  }
  return TW_EXIT_OK;
}

int tw_handshake(tlswire_conn *conn, int fd, const char *who) {
  int rc, ex;

  while ((rc = tlswire_conn_do_handshake(conn)) != TLSWIRE_OK) {
    if (!is_want(rc))
      return tw_fail_conn(who, conn, rc);
    if ((ex = wait_for(fd, rc, who)) != TW_EXIT_OK)
      return ex;
  }
  return flush_all(conn, fd, who);
}

int tw_send_all(tlswire_conn *conn, int fd, const void *buf, size_t len) {
  const unsigned char *p = buf;
  size_t n;
  int rc, ex;

  while (len > 0) {
    rc = tlswire_conn_send(conn, p, len, &n);
    if (rc == TLSWIRE_OK) {
      p += n;
      len -= n;
      continue;
    }
    if (!is_want(rc))
      return tw_fail_conn("send", conn, rc);
    if ((ex = wait_for(fd, rc, "send")) != TW_EXIT_OK)
      return ex;
  }
  return flush_all(conn, fd, "send");
}

void tw_close_reply(tlswire_conn *conn) {
  if (tlswire_conn_shutdown(conn) >= 0)
    (void)tlswire_conn_flush(conn);
}

int tw_conn_bind(tlswire_conn **conn, tlswire_context *ctx, int fd,
                 int use_fd) {
  tlswire_transport *t;
  int rc;

  *conn = NULL;
  if (use_fd)
    rc = tlswire_transport_fd_new(&t, fd, fd, TLSWIRE_TRANSPORT_CLOSE);
  else
    rc = tlswire_transport_socket_new(&t, fd, TLSWIRE_TRANSPORT_CLOSE);
  /* With TLSWIRE_TRANSPORT_CLOSE the transport owns fd from here on, and
   * has already closed it if it failed. */
  if (rc != TLSWIRE_OK)
    return tw_err(tw_exit_for(rc), "transport: %s: %s", tlswire_status_name(rc),
                  tlswire_strerror(rc));
  /* The connection owns the transport, also when this fails. */
  rc = tlswire_conn_new(conn, ctx, t);
  if (rc != TLSWIRE_OK)
    return tw_fail_thread("connection", rc);
  return TW_EXIT_OK;
}

int tw_conn_on_fd(tlswire_conn **conn, tlswire_context *ctx, int fd,
                  int use_fd) {
  *conn = NULL;
  if (tw_net_nonblock(fd) != 0) {
    close(fd);
    return tw_err(TW_EXIT_SETUP, "cannot make the socket non-blocking");
  }
  return tw_conn_bind(conn, ctx, fd, use_fd);
}

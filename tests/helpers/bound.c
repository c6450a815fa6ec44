/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bound.c - driving connections bound to transports in tests.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bound.h"

int tw_tcp_pair(int fds[2]) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  socklen_t len = sizeof a;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int l = socket(AF_INET, SOCK_STREAM, 0);
  fds[0] = socket(AF_INET, SOCK_STREAM, 0);
  fds[1] = -1;
  if (l >= 0 && fds[0] >= 0 && bind(l, (struct sockaddr *)&a, sizeof a) == 0 &&
      listen(l, 1) == 0 && getsockname(l, (struct sockaddr *)&a, &len) == 0 &&
      connect(fds[0], (struct sockaddr *)&a, sizeof a) == 0)
    fds[1] = accept(l, NULL, NULL);
  if (l >= 0)
    close(l);
  if (fds[1] >= 0)
    return 0;
  if (fds[0] >= 0)
    close(fds[0]);
  fds[0] = -1;
  return -1;
}

int tw_bound_pair(tw_pair *p, int method, tlswire_transport *ct,
                  tlswire_transport *st) {
  memset(p, 0, sizeof *p);
  tlswire_context *cctx = tw_client_ctx(method, TW_KEY_EC_P256);
  tlswire_context *sctx = tw_server_ctx(method, TW_KEY_EC_P256);
  int ok = cctx != NULL && sctx != NULL;
  if (!ok || tlswire_conn_new(&p->client, cctx, ct) != TLSWIRE_OK)
    ok = 0, ct = NULL;
  if (!ok || tlswire_conn_new(&p->server, sctx, st) != TLSWIRE_OK)
    ok = 0, st = NULL;
  tlswire_transport_free(ok ? NULL : ct);
  tlswire_transport_free(ok ? NULL : st);
  tlswire_context_free(cctx);
  tlswire_context_free(sctx);
  if (!ok) {
    tw_pair_free(p);
    return -1;
  }
  tlswire_conn_set_connect_state(p->client);
  tlswire_conn_set_accept_state(p->server);
  return 0;
}

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

/* Waits (briefly) until one of the two connections' descriptors is ready
 * for what its last status asked; in-process transports have none. */
static void wait_ready(tlswire_conn *a, int arc, tlswire_conn *b, int brc) {
  struct pollfd fds[2];
  nfds_t n = 0;
  tlswire_conn *c[2] = {a, b};
  int rc[2] = {arc, brc};
  for (int i = 0; i < 2; i++) {
    int fd = tlswire_conn_fileno(c[i]);
    if (fd < 0 || !is_want(rc[i]))
      continue;
    fds[n].fd = fd;
    fds[n].events = rc[i] == TLSWIRE_E_WANT_READ ? POLLIN : POLLOUT;
    n++;
  }
  if (n > 0)
    poll(fds, n, 50);
}

int tw_bound_handshake(tw_pair *p, int *client_rc, int *server_rc) {
  int crc = TLSWIRE_E_WANT_READ, src = TLSWIRE_E_WANT_READ;
  for (int round = 0; round < 100000; round++) {
    if (crc != TLSWIRE_OK)
      crc = tlswire_conn_do_handshake(p->client);
    if (src != TLSWIRE_OK)
      src = tlswire_conn_do_handshake(p->server);
    if ((crc != TLSWIRE_OK && !is_want(crc)) ||
        (src != TLSWIRE_OK && !is_want(src)) ||
        (crc == TLSWIRE_OK && src == TLSWIRE_OK))
      break;
    if (round > 10)
      wait_ready(p->client, crc, p->server, src);
  }
  if (client_rc)
    *client_rc = crc;
  if (server_rc)
    *server_rc = src;
  if (crc != TLSWIRE_OK && !is_want(crc))
    return crc;
  if (src != TLSWIRE_OK && !is_want(src))
    return src;
  return crc == TLSWIRE_OK && src == TLSWIRE_OK ? TLSWIRE_OK : TLSWIRE_E_STATE;
}

struct xfer {
  const unsigned char *data;
  size_t len, sent, got;
  unsigned char buf[20000];
};

/* One sender step: offer the rest, or push the tail once all is accepted. */
static int send_step(tlswire_conn *from, struct xfer *x, int *moved) {
  if (x->sent == x->len) {
    int rc = tlswire_conn_flush(from);
    return rc;
  }
  size_t left = x->len - x->sent, n = 0;
  int rc = tlswire_conn_send(from, x->data + x->sent,
                             left < 16384 ? left : 16384, &n);
  x->sent += n;
  *moved |= n > 0;
  return rc;
}

static int recv_step(tlswire_conn *to, struct xfer *x, int *moved) {
  size_t n = 0;
  int rc = tlswire_conn_recv(to, x->buf, sizeof x->buf, &n);
  if (rc != TLSWIRE_OK)
    return rc;
  if (n > x->len - x->got || memcmp(x->buf, x->data + x->got, n) != 0)
    return TLSWIRE_E_STATE;
  x->got += n;
  *moved = 1;
  return rc;
}

int tw_bound_transfer(tlswire_conn *from, tlswire_conn *to,
                      const unsigned char *data, size_t len, int *who) {
  struct xfer *x = calloc(1, sizeof *x);
  x->data = data;
  x->len = len;
  int idle = 0, rc = TLSWIRE_OK;
  while (x->got < len && idle < 2000) {
    int moved = 0;
    int src = send_step(from, x, &moved);
    if (src != TLSWIRE_OK && !is_want(src)) {
      *who = 0, rc = src;
      break;
    }
    int rrc = recv_step(to, x, &moved);
    if (rrc != TLSWIRE_OK && !is_want(rrc)) {
      *who = 1, rc = rrc;
      break;
    }
    idle = moved ? 0 : idle + 1;
    if (!moved)
      wait_ready(from, src, to, rrc);
  }
  if (rc == TLSWIRE_OK && x->got < len)
    rc = TLSWIRE_E_STATE, *who = 1;
  free(x);
  return rc;
}

/* --- blocking: the client in a thread ------------------------------------ */

struct side {
  tlswire_conn *conn;
  const unsigned char *data;
  size_t len;
  int rc;
};

static int send_all(tlswire_conn *c, const unsigned char *data, size_t len) {
  for (size_t off = 0; off < len;) {
    size_t n;
    int rc = tlswire_conn_send(c, data + off, len - off, &n);
    if (rc != TLSWIRE_OK)
      return rc;
    off += n;
  }
  return TLSWIRE_OK;
}

static int recv_all(tlswire_conn *c, const unsigned char *data, size_t len) {
  unsigned char *buf = malloc(20000);
  int rc = TLSWIRE_OK;
  for (size_t off = 0; off < len && rc == TLSWIRE_OK;) {
    size_t n;
    rc = tlswire_conn_recv(c, buf, 20000, &n);
    if (rc == TLSWIRE_OK && (n > len - off || memcmp(buf, data + off, n)))
      rc = TLSWIRE_E_STATE;
    off += n;
  }
  free(buf);
  return rc;
}

/* Handshake, receive len bytes, send them back. */
static void *client_main(void *arg) {
  struct side *s = arg;
  s->rc = tlswire_conn_do_handshake(s->conn);
  if (s->rc == TLSWIRE_OK)
    s->rc = recv_all(s->conn, s->data, s->len);
  if (s->rc == TLSWIRE_OK)
    s->rc = send_all(s->conn, s->data, s->len);
  return NULL;
}

int tw_bound_blocking(tw_pair *p, const unsigned char *data, size_t len) {
  struct side c = {p->client, data, len, TLSWIRE_OK};
  pthread_t th;
  if (pthread_create(&th, NULL, client_main, &c) != 0)
    return TLSWIRE_E_NOMEM;
  int rc = tlswire_conn_do_handshake(p->server);
  if (rc == TLSWIRE_OK)
    rc = send_all(p->server, data, len);
  if (rc == TLSWIRE_OK)
    rc = recv_all(p->server, data, len);
  pthread_join(th, NULL);
  return rc != TLSWIRE_OK ? rc : c.rc;
}

unsigned char *tw_pattern(size_t len, unsigned seed) {
  unsigned char *buf = malloc(len);
  unsigned x = seed * 2654435761u + 1;
  for (size_t i = 0; buf != NULL && i < len; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    buf[i] = (unsigned char)x;
  }
  return buf;
}

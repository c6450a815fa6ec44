/*
 * pipe.c - two connected in-process transport ends, with fault injection.
 *
 * Each direction is a bounded byte ring. In datagram mode every datagram is
 * stored behind a two-byte big-endian length, so one recv returns one
 * datagram.
 */
#include <errno.h>
#include <stdlib.h>

#include "ring.h"
#include "safety.h"
#include "transport.h"

#define PIPE_DGRAM_MAX 0xffffu

struct pipe_shared {
  struct tlswire_ring dir[2]; /* dir[s]: bytes sent by end s */
  tlswire_transport *end[2];  /* NULL once that end is freed */
  int datagram;
};

struct pipe_end {
  struct pipe_shared *p;
  int side;
  size_t max_chunk;   /* 0: unlimited */
  unsigned wb_every;  /* 0: never would-block */
  unsigned calls;     /* send + recv calls, for wb_every */
  size_t eof_after;   /* 0: never */
  size_t reset_after; /* 0: never */
  size_t received;    /* bytes this end has received */
};

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Caps n by the fault settings: max chunk and the bytes left before the
 * injected EOF or reset. */
static size_t chunk_cap(const struct pipe_end *e, size_t n, int receiving) {
  if (e->max_chunk != 0)
    n = min_size(n, e->max_chunk);
  if (receiving && e->eof_after != 0)
    n = min_size(n, e->eof_after - e->received);
  if (receiving && e->reset_after != 0)
    n = min_size(n, e->reset_after - e->received);
  return n;
}

static int fail(int err) {
  errno = err;
  return TLSWIRE_E_SYSCALL;
}

/* The faults that act before anything moves: reset, would-block. */
static int injected(struct pipe_end *e, int want) {
  if (e->reset_after != 0 && e->received >= e->reset_after)
    return fail(ECONNRESET);
  if (e->wb_every != 0 && ++e->calls % e->wb_every == 0)
    return want;
  return TLSWIRE_OK;
}

static int send_datagram(struct tlswire_ring *r, const void *buf, size_t len) {
  if (len > PIPE_DGRAM_MAX || len + 2 > r->limit)
    return fail(EMSGSIZE);
  if (r->len + len + 2 > r->limit)
    return TLSWIRE_E_WANT_WRITE;
  unsigned char hdr[2] = {(unsigned char)(len >> 8), (unsigned char)len};
  tlswire_ring_put(r, hdr, 2);
  tlswire_ring_put(r, buf, len);
  return TLSWIRE_OK;
}

static int pipe_send(void *io, const void *buf, size_t len, size_t *sent) {
  struct pipe_end *e = io;
  struct pipe_shared *p = e->p;
  TW_TRY(injected(e, TLSWIRE_E_WANT_WRITE));
  if (p->end[!e->side] == NULL)
    return fail(EPIPE);
  struct tlswire_ring *r = &p->dir[e->side];
  if (p->datagram) {
    TW_TRY(send_datagram(r, buf, len));
    *sent = len;
    return TLSWIRE_OK;
  }
  size_t room = r->limit > r->len ? r->limit - r->len : 0;
  size_t n = chunk_cap(e, min_size(len, room), 0);
  if (n == 0)
    return TLSWIRE_E_WANT_WRITE;
  *sent = tlswire_ring_put(r, buf, n);
  return TLSWIRE_OK;
}

/* One datagram: truncated to len, its rest dropped. */
static size_t recv_datagram(struct tlswire_ring *r, void *buf, size_t len) {
  unsigned char hdr[2];
  tlswire_ring_get(r, hdr, 2);
  size_t dlen = (size_t)hdr[0] << 8 | hdr[1];
  size_t n = tlswire_ring_get(r, buf, min_size(len, dlen));
  tlswire_ring_consume(r, dlen - n);
  return n;
}

static int pipe_recv(void *io, void *buf, size_t len, size_t *received) {
  struct pipe_end *e = io;
  struct pipe_shared *p = e->p;
  TW_TRY(injected(e, TLSWIRE_E_WANT_READ));
  if (e->eof_after != 0 && e->received >= e->eof_after)
    return TLSWIRE_OK; /* injected end of file */
  struct tlswire_ring *r = &p->dir[!e->side];
  if (tlswire_ring_len(r) == 0)
    return p->end[!e->side] == NULL ? TLSWIRE_OK : TLSWIRE_E_WANT_READ;
  if (p->datagram)
    *received = recv_datagram(r, buf, len);
  else
    *received = tlswire_ring_get(r, buf, chunk_cap(e, len, 1));
  e->received += *received;
  return TLSWIRE_OK;
}

static void pipe_destroy(void *io) {
  struct pipe_end *e = io;
  struct pipe_shared *p = e->p;
  p->end[e->side] = NULL;
  free(e);
  if (p->end[0] != NULL || p->end[1] != NULL)
    return;
  tlswire_ring_free(&p->dir[0]);
  tlswire_ring_free(&p->dir[1]);
  free(p);
}

static const tlswire_transport_ops pipe_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = pipe_send,
    .recv = pipe_recv,
    .destroy = pipe_destroy,
};

/* One end over p; on failure p is left as it was. */
static int pipe_end_new(struct pipe_shared *p, int side) {
  struct pipe_end *e = calloc(1, sizeof *e);
  if (e == NULL)
    return TLSWIRE_E_NOMEM;
  e->p = p;
  e->side = side;
  int rc = tlswire_transport_new(&p->end[side], &pipe_ops, e);
  if (rc != TLSWIRE_OK)
    free(e);
  return rc;
}

int tlswire_transport_pipe_new(tlswire_transport **a, tlswire_transport **b,
                               size_t capacity) {
  TW_GUARD(a != NULL && b != NULL, TLSWIRE_E_INVALID);
  *a = *b = NULL;
  TW_GUARD(capacity > 0, TLSWIRE_E_INVALID);
  struct pipe_shared *p = calloc(1, sizeof *p);
  if (p == NULL)
    return TLSWIRE_E_NOMEM;
  int rc = TLSWIRE_E_NOMEM;
  if (tlswire_ring_init(&p->dir[0], capacity, capacity) != 0)
    goto fail_dir0;
  if (tlswire_ring_init(&p->dir[1], capacity, capacity) != 0)
    goto fail_dir1;
  rc = pipe_end_new(p, 0);
  if (rc != TLSWIRE_OK)
    goto fail_end0;
  rc = pipe_end_new(p, 1);
  if (rc != TLSWIRE_OK)
    goto fail_end1;
  *a = p->end[0];
  *b = p->end[1];
  return TLSWIRE_OK;

fail_end1:
  free(p->end[0]->io);
  free(p->end[0]);
fail_end0:
  tlswire_ring_free(&p->dir[1]);
fail_dir1:
  tlswire_ring_free(&p->dir[0]);
fail_dir0:
  free(p);
  return rc;
}

static struct pipe_end *pipe_end_of(tlswire_transport *t) {
  return tlswire_transport_io_if(t, &pipe_ops);
}

int tlswire_transport_pipe_set_max_chunk(tlswire_transport *end,
                                         size_t max_bytes_per_call) {
  struct pipe_end *e = pipe_end_of(end);
  TW_GUARD(e != NULL, TLSWIRE_E_INVALID);
  e->max_chunk = max_bytes_per_call;
  return TLSWIRE_OK;
}

int tlswire_transport_pipe_set_wouldblock_every(tlswire_transport *end,
                                                unsigned every_nth_call) {
  struct pipe_end *e = pipe_end_of(end);
  TW_GUARD(e != NULL, TLSWIRE_E_INVALID);
  e->wb_every = every_nth_call;
  e->calls = 0;
  return TLSWIRE_OK;
}

int tlswire_transport_pipe_set_eof_after(tlswire_transport *end, size_t bytes) {
  struct pipe_end *e = pipe_end_of(end);
  TW_GUARD(e != NULL, TLSWIRE_E_INVALID);
  e->eof_after = bytes == 0 ? 0 : e->received + bytes;
  return TLSWIRE_OK;
}

int tlswire_transport_pipe_set_reset_after(tlswire_transport *end,
                                           size_t bytes) {
  struct pipe_end *e = pipe_end_of(end);
  TW_GUARD(e != NULL, TLSWIRE_E_INVALID);
  e->reset_after = bytes == 0 ? 0 : e->received + bytes;
  return TLSWIRE_OK;
}

int tlswire_transport_pipe_set_datagram(tlswire_transport *end, int on) {
  struct pipe_end *e = pipe_end_of(end);
  TW_GUARD(e != NULL, TLSWIRE_E_INVALID);
  struct pipe_shared *p = e->p;
  TW_GUARD(tlswire_ring_len(&p->dir[0]) == 0 &&
               tlswire_ring_len(&p->dir[1]) == 0,
           TLSWIRE_E_STATE);
  p->datagram = on != 0;
  for (int s = 0; s < 2; s++)
    if (p->end[s] != NULL)
      p->end[s]->datagram = p->datagram;
  return TLSWIRE_OK;
}

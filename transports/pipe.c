/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipe.c - two connected in-process transport ends, with fault injection.
 *
 * Written as a user's transport would be, on the public API: each direction
 * is the pipe's own bounded byte queue, whose storage is allocated once by
 * the constructor, so sending and receiving never allocate. In datagram mode
 * every datagram is queued behind a two-byte big-endian length, so one recv
 * returns one datagram.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <tlswire/tlswire.h>

#define PIPE_DGRAM_HDR 2u
#define PIPE_DGRAM_MAX 0xffffu
#define PIPE_CAPACITY_MAX TLSWIRE_PIPE_CAPACITY_MAX

/* A bounded FIFO of bytes over cap bytes of storage it does not own. */
struct pipe_queue {
  unsigned char *data;
  size_t cap;
  size_t head; /* index of the oldest byte */
  size_t len;  /* bytes queued */
};

struct pipe_shared {
  struct pipe_queue dir[2];  /* dir[s]: bytes sent by end s */
  tlswire_transport *end[2]; /* NULL once that end is freed */
  int shut[2];               /* end s half-closed its output */
  int datagram;
  unsigned char storage[]; /* both queues' bytes, in this one allocation */
};

/* Would-block injection for one operation of one end. */
struct pipe_wb {
  unsigned every; /* 0: never */
  unsigned count; /* counted calls since the last injected one */
};

struct pipe_end {
  struct pipe_shared *p;
  int side;
  size_t max_chunk; /* 0: unlimited */
  struct pipe_wb wb_send, wb_recv;
  size_t eof_at;   /* received total that ends the stream; 0: never */
  size_t reset_at; /* received total that resets it; 0: never */
  size_t received; /* bytes this end has received (saturating) */
};

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

static size_t sat_add(size_t a, size_t b) {
  return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static int fail(int err) {
  errno = err;
  return TLSWIRE_E_SYSCALL;
}

/* --- the queue ------------------------------------------------------------ */

static size_t queue_room(const struct pipe_queue *q) { return q->cap - q->len; }

/* Appends n <= queue_room(q) bytes. */
static void queue_put(struct pipe_queue *q, const void *src, size_t n) {
  size_t tail = (q->head + q->len) % q->cap;
  size_t first = min_size(n, q->cap - tail);
  memcpy(q->data + tail, src, first);
  memcpy(q->data, (const unsigned char *)src + first, n - first);
  q->len += n;
}

/* Removes n <= q->len bytes into dst, or drops them if dst is NULL. */
static void queue_get(struct pipe_queue *q, void *dst, size_t n) {
  size_t first = min_size(n, q->cap - q->head);
  if (dst != NULL) {
    memcpy(dst, q->data + q->head, first);
    memcpy((unsigned char *)dst + first, q->data, n - first);
  }
  q->head = (q->head + n) % q->cap;
  q->len -= n;
}

/* --- fault injection ------------------------------------------------------ */

/* Counts one call that would move something; 1 if it is the Nth. */
static int wb_hit(struct pipe_wb *wb) {
  if (wb->every == 0 || ++wb->count < wb->every)
    return 0;
  wb->count = 0;
  return 1;
}

static int reset_due(const struct pipe_end *e) {
  return e->reset_at != 0 && e->received >= e->reset_at;
}

static int eof_due(const struct pipe_end *e) {
  return e->eof_at != 0 && e->received >= e->eof_at;
}

/* Caps a stream recv of n bytes by the max chunk and the bytes left before
 * the injected EOF or reset (neither is due yet). */
static size_t recv_cap(const struct pipe_end *e, size_t n) {
  if (e->max_chunk != 0)
    n = min_size(n, e->max_chunk);
  if (e->eof_at != 0)
    n = min_size(n, e->eof_at - e->received);
  if (e->reset_at != 0)
    n = min_size(n, e->reset_at - e->received);
  return n;
}

/* --- send ----------------------------------------------------------------- */

/* Whether a datagram of len bytes can be queued on q: TLSWIRE_OK,
 * TLSWIRE_E_WANT_WRITE (not now), TLSWIRE_E_SYSCALL with EMSGSIZE (never). */
static int datagram_fits(const struct pipe_queue *q, size_t len) {
  if (len > PIPE_DGRAM_MAX || len + PIPE_DGRAM_HDR > q->cap)
    return fail(EMSGSIZE);
  if (len + PIPE_DGRAM_HDR > queue_room(q))
    return TLSWIRE_E_WANT_WRITE;
  return TLSWIRE_OK;
}

static void datagram_put(struct pipe_queue *q, const void *buf, size_t len) {
  unsigned char hdr[PIPE_DGRAM_HDR] = {(unsigned char)(len >> 8),
                                       (unsigned char)len};
  queue_put(q, hdr, sizeof hdr);
  queue_put(q, buf, len);
}

/* How many bytes this send may move now: > 0, or a status. */
static int send_room(const struct pipe_end *e, size_t len, size_t *n) {
  const struct pipe_queue *q = &e->p->dir[e->side];
  if (e->p->datagram) {
    *n = len;
    return datagram_fits(q, len);
  }
  *n = min_size(len, queue_room(q));
  if (e->max_chunk != 0)
    *n = min_size(*n, e->max_chunk);
  return *n > 0 ? TLSWIRE_OK : TLSWIRE_E_WANT_WRITE;
}

static int pipe_send(void *io, const void *buf, size_t len, size_t *sent) {
  struct pipe_end *e = io;
  *sent = 0;
  if (buf == NULL || len == 0)
    return fail(EINVAL);
  if (reset_due(e))
    return fail(ECONNRESET);
  if (e->p->end[!e->side] == NULL || e->p->shut[e->side])
    return fail(EPIPE);
  size_t n;
  int rc = send_room(e, len, &n);
  if (rc != TLSWIRE_OK)
    return rc;
  if (wb_hit(&e->wb_send))
    return TLSWIRE_E_WANT_WRITE;
  struct pipe_queue *q = &e->p->dir[e->side];
  if (e->p->datagram)
    datagram_put(q, buf, n);
  else
    queue_put(q, buf, n);
  *sent = n;
  return TLSWIRE_OK;
}

/* --- recv ----------------------------------------------------------------- */

/* One datagram: truncated to len, its rest dropped. */
static size_t datagram_get(struct pipe_queue *q, void *buf, size_t len) {
  unsigned char hdr[PIPE_DGRAM_HDR];
  queue_get(q, hdr, sizeof hdr);
  size_t dlen = (size_t)hdr[0] << 8 | hdr[1];
  size_t n = min_size(len, dlen);
  queue_get(q, buf, n);
  queue_get(q, NULL, dlen - n);
  return n;
}

/* Moves what one recv delivers from q into buf; returns the count. */
static size_t recv_move(const struct pipe_end *e, struct pipe_queue *q,
                        void *buf, size_t len) {
  if (e->p->datagram)
    return datagram_get(q, buf, len);
  size_t n = min_size(q->len, recv_cap(e, len));
  queue_get(q, buf, n);
  return n;
}

static int pipe_recv(void *io, void *buf, size_t len, size_t *received) {
  struct pipe_end *e = io;
  struct pipe_queue *q = &e->p->dir[!e->side];
  *received = 0;
  if (buf == NULL || len == 0)
    return fail(EINVAL);
  if (reset_due(e))
    return fail(ECONNRESET);
  int peer_done = e->p->end[!e->side] == NULL || e->p->shut[!e->side];
  int at_eof = eof_due(e) || (q->len == 0 && peer_done);
  if (!at_eof && q->len == 0)
    return TLSWIRE_E_WANT_READ;
  if (wb_hit(&e->wb_recv))
    return TLSWIRE_E_WANT_READ;
  if (at_eof)
    return TLSWIRE_OK;
  size_t n = recv_move(e, q, buf, len);
  e->received = sat_add(e->received, n);
  *received = n;
  return TLSWIRE_OK;
}

/* --- the object ----------------------------------------------------------- */

static void pipe_destroy(void *io) {
  struct pipe_end *e = io;
  struct pipe_shared *p = e->p;
  p->end[e->side] = NULL;
  OPENSSL_free(e);
  if (p->end[0] == NULL && p->end[1] == NULL)
    OPENSSL_free(p);
}

/* Half-close: the other end reads end of file after what is in flight. */
static int pipe_shutdown(void *io) {
  struct pipe_end *e = io;
  e->p->shut[e->side] = 1;
  return TLSWIRE_OK;
}

static unsigned pipe_caps(void *io) {
  const struct pipe_end *e = io;
  return TLSWIRE_TRANSPORT_CAP_HALF_CLOSE |
         (e->p->datagram ? TLSWIRE_TRANSPORT_CAP_DATAGRAM : 0u);
}

static const tlswire_transport_ops pipe_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = pipe_send,
    .recv = pipe_recv,
    .shutdown = pipe_shutdown,
    .destroy = pipe_destroy,
    .caps = pipe_caps,
};

/* 1 if capacity is in (0, PIPE_CAPACITY_MAX] and the storage of both
 * directions, with the shared block, fits in a size_t. */
static int capacity_ok(size_t capacity) {
  return capacity > 0 && capacity <= PIPE_CAPACITY_MAX &&
         capacity <= (SIZE_MAX - sizeof(struct pipe_shared)) / 2;
}

/* The shared block with both queues' storage, or NULL. */
static struct pipe_shared *shared_new(size_t capacity) {
  struct pipe_shared *p = OPENSSL_malloc(sizeof *p + 2 * capacity);
  if (p == NULL)
    return NULL;
  memset(p, 0, sizeof *p);
  for (int s = 0; s < 2; s++) {
    p->dir[s].data = p->storage + (size_t)s * capacity;
    p->dir[s].cap = capacity;
  }
  return p;
}

/* One end over p (stored in p->end[side]); on failure p is left as it
 * was. */
static int pipe_end_new(struct pipe_shared *p, int side) {
  struct pipe_end *e = OPENSSL_zalloc(sizeof *e);
  if (e == NULL)
    return TLSWIRE_E_NOMEM;
  e->p = p;
  e->side = side;
  int rc = tlswire_transport_new(&p->end[side], &pipe_ops, e);
  if (rc != TLSWIRE_OK)
    OPENSSL_free(e);
  return rc;
}

int tlswire_transport_pipe_new(tlswire_transport **a, tlswire_transport **b,
                               size_t capacity) {
  if (a != NULL)
    *a = NULL;
  if (b != NULL)
    *b = NULL;
  if (a == NULL || b == NULL || !capacity_ok(capacity))
    return TLSWIRE_E_INVALID;
  struct pipe_shared *p = shared_new(capacity);
  if (p == NULL)
    return TLSWIRE_E_NOMEM;
  int rc = pipe_end_new(p, 0);
  if (rc != TLSWIRE_OK)
    goto fail_end0;
  rc = pipe_end_new(p, 1);
  if (rc != TLSWIRE_OK)
    goto fail_end1;
  *a = p->end[0];
  *b = p->end[1];
  return TLSWIRE_OK;

fail_end1:
  tlswire_transport_free(p->end[0]); /* the last end: frees p */
  return rc;
fail_end0:
  OPENSSL_free(p);
  return rc;
}

/* --- the fault setters ---------------------------------------------------- */

static struct pipe_end *pipe_end_of(tlswire_transport *t) {
  return tlswire_transport_get_io(t, &pipe_ops);
}

int tlswire_transport_pipe_set_max_chunk(tlswire_transport *end,
                                         size_t max_bytes_per_call) {
  struct pipe_end *e = pipe_end_of(end);
  if (e == NULL)
    return TLSWIRE_E_INVALID;
  e->max_chunk = max_bytes_per_call;
  return TLSWIRE_OK;
}

int tlswire_transport_pipe_set_wouldblock_every(tlswire_transport *end,
                                                unsigned every_nth_call) {
  struct pipe_end *e = pipe_end_of(end);
  if (e == NULL)
    return TLSWIRE_E_INVALID;
  e->wb_send = (struct pipe_wb){.every = every_nth_call};
  e->wb_recv = (struct pipe_wb){.every = every_nth_call};
  return TLSWIRE_OK;
}

/* The received total at which a fault set now with bytes acts; 0: never. */
static size_t fault_at(const struct pipe_end *e, size_t bytes) {
  return bytes == 0 ? 0 : sat_add(e->received, bytes);
}

int tlswire_transport_pipe_set_eof_after(tlswire_transport *end, size_t bytes) {
  struct pipe_end *e = pipe_end_of(end);
  if (e == NULL)
    return TLSWIRE_E_INVALID;
  e->eof_at = fault_at(e, bytes);
  return TLSWIRE_OK;
}

int tlswire_transport_pipe_set_reset_after(tlswire_transport *end,
                                           size_t bytes) {
  struct pipe_end *e = pipe_end_of(end);
  if (e == NULL)
    return TLSWIRE_E_INVALID;
  e->reset_at = fault_at(e, bytes);
  return TLSWIRE_OK;
}

int tlswire_transport_pipe_set_datagram(tlswire_transport *end, int on) {
  struct pipe_end *e = pipe_end_of(end);
  if (e == NULL)
    return TLSWIRE_E_INVALID;
  struct pipe_shared *p = e->p;
  if (p->dir[0].len != 0 || p->dir[1].len != 0)
    return TLSWIRE_E_STATE;
  p->datagram = on != 0;
  return TLSWIRE_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlswire/transport.h - the transport vtable and the built-in transports.
 *
 * Part of the public API; include <tlswire/tlswire.h> rather than this file.
 *
 * A transport is the "socket-like object" a connection moves its ciphertext
 * through. tlswire ships four: a POSIX socket, a pair of file descriptors, an
 * in-memory pipe (with fault injection, for tests) and a user vtable (for
 * firmware: a UART, a USB endpoint, a radio stack, a message queue).
 *
 * Binding: tlswire_conn_new(&conn, ctx, t) with t != NULL binds conn to t and
 * takes ownership of t (also when tlswire_conn_new fails: it frees t; a t
 * already bound to another connection is refused with TLSWIRE_E_INVALID and
 * left to its connection). A bound
 * connection's do_handshake, send, recv and shutdown move bytes through t
 * themselves and return TLSWIRE_E_WANT_READ / TLSWIRE_E_WANT_WRITE when t
 * would block; calling the same function again picks up exactly where it
 * stopped. Ciphertext the transport did not take yet waits in the
 * connection's output ring and goes out first on the next call, or with
 * tlswire_conn_flush(); tlswire_conn_want_write() is true meanwhile.
 * do_handshake and shutdown return TLSWIRE_E_WANT_WRITE until their flight
 * has left (call them again), and so does any call that would block while
 * such output is stuck; but send and recv that moved plaintext always
 * return TLSWIRE_OK with their count (the stream contract of
 * <tlswire/conn.h>), and send returns TLSWIRE_E_WANT_WRITE before accepting
 * new plaintext while the ring holds its capacity. tlswire_conn_bio_* calls
 * on a bound connection return TLSWIRE_E_STATE.
 *
 * A transport failure reaches the caller as TLSWIRE_E_SYSCALL with the
 * transport's errno in the connection's error record (EPIPE, ECONNRESET...);
 * it is sticky: the connection is unusable after it. A transport end of file
 * without close_notify gives TLSWIRE_E_SYSCALL with errno -1, after
 * close_notify TLSWIRE_E_ZERO_RETURN, as with tlswire_conn_bio_shutdown().
 */
#ifndef TLSWIRE_TRANSPORT_H
#define TLSWIRE_TRANSPORT_H

#include <stddef.h>
#include <tlswire/status.h>
#include <tlswire/version.h>

#if TLSWIRE_HAVE_POSIX_TRANSPORTS
#include <sys/socket.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tlswire_transport tlswire_transport;
typedef struct tlswire_conn tlswire_conn;

/* The version of tlswire_transport_ops this header describes. Tables of an
 * earlier version (1: the fields up to destroy) are still accepted: the
 * library reads only the fields that version has. */
#define TLSWIRE_TRANSPORT_OPS_VERSION 2u

/* What a transport can do, reported by its caps callback (version 2). */
#define TLSWIRE_TRANSPORT_CAP_DATAGRAM 0x1u /* one send / recv per datagram */
#define TLSWIRE_TRANSPORT_CAP_HALF_CLOSE 0x2u /* shutdown ends our output only */

/* Events a connection waits for (tlswire_conn_get_wait, ops->wait). */
#define TLSWIRE_WAIT_READ 0x1u
#define TLSWIRE_WAIT_WRITE 0x2u

/*
 * A transport's operations; io is the user's pointer given to
 * tlswire_transport_new, handed back on every call.
 *
 * Each callback returns TLSWIRE_OK, TLSWIRE_E_WANT_READ / TLSWIRE_E_WANT_WRITE
 * when it would block (nothing moved), or TLSWIRE_E_SYSCALL on failure with
 * errno set to what it saw (EPIPE, ECONNRESET, ...; 0 is reported as EIO).
 *
 * Version 1 fields:
 * send: transmit up to len (> 0) bytes of buf and store in *sent how many
 *   were taken (may be fewer than len; on a datagram transport, all of them:
 *   one call is one datagram).
 * recv: receive up to len (> 0) bytes into buf and store *received. OK with
 *   *received == 0 means end of file. On a datagram transport one call
 *   returns one datagram.
 * shutdown: optional (NULL): half-close the write side (the peer reads end
 *   of file after the bytes already sent; our input stays open).
 * fileno: optional (NULL): a descriptor to poll(), or -1. Superseded by
 *   get_fds in version 2 (used when get_fds is NULL, for both directions).
 * destroy: optional (NULL): release io; called by tlswire_transport_free.
 *
 * Version 2 fields (ignored in a table whose version is 1):
 * caps: optional (NULL: a byte stream, half-close iff shutdown is set):
 *   TLSWIRE_TRANSPORT_CAP_* bits for this io, asked once when a connection
 *   binds the transport (tlswire_conn_new): a later change is not seen. A
 *   DTLS connection needs CAP_DATAGRAM, a TLS one a stream
 *   (tlswire_conn_new refuses a mismatch with TLSWIRE_E_INVALID, frees the
 *   transport and says which in the thread's error record).
 * get_fds: optional (NULL): store the descriptor to poll for input in
 *   *read_fd and the one to poll for output in *write_fd (-1 for none; a
 *   socket gives the same descriptor twice). Returns TLSWIRE_OK.
 * wait: optional (NULL): block until the transport can move bytes in the
 *   direction(s) of events (TLSWIRE_WAIT_*) or timeout_ms (>= 0) passed;
 *   TLSWIRE_OK when ready, TLSWIRE_E_WANT_READ / _WANT_WRITE on timeout,
 *   TLSWIRE_E_SYSCALL on failure. The library calls it only to bound a
 *   blocking wait in time (a graceful close's drain, a DTLS timer on a
 *   blocking transport: a DTLS connection calls wait(READ, time to its
 *   timer) before each recv while a timer runs, and retransmits when it
 *   times out); without it those waits are bounded by the transport's own
 *   blocking behaviour. A transport whose send / recv would not block
 *   anyway (a non-blocking descriptor) returns TLSWIRE_OK at once: its
 *   calls then report the would-block themselves.
 * mtu: optional (NULL): for a datagram transport, the largest datagram
 *   payload it can carry now (the path MTU less IP and UDP headers), or 0
 *   when unknown. Asked at a DTLS connection's first handshake step; a
 *   value > 0 becomes its MTU (SSL_set_mtu) unless the MTU was set
 *   already (tlswire_conn_set_ciphertext_mtu, or SSL_OP_NO_QUERY_MTU).
 */
typedef struct tlswire_transport_ops {
  unsigned version; /* TLSWIRE_TRANSPORT_OPS_VERSION (or 1) */
  int (*send)(void *io, const void *buf, size_t len, size_t *sent);
  int (*recv)(void *io, void *buf, size_t len, size_t *received);
  int (*shutdown)(void *io);
  int (*fileno)(void *io);
  void (*destroy)(void *io);
  /* version 2 */
  unsigned (*caps)(void *io);
  int (*get_fds)(void *io, int *read_fd, int *write_fd);
  int (*wait)(void *io, unsigned events, int timeout_ms);
  size_t (*mtu)(void *io);
} tlswire_transport_ops;

/* The layout of a version 1 table, for code written against it. Pass a
 * pointer to one (cast to const tlswire_transport_ops *) with version 1. */
typedef struct tlswire_transport_ops_v1 {
  unsigned version; /* 1 */
  int (*send)(void *io, const void *buf, size_t len, size_t *sent);
  int (*recv)(void *io, void *buf, size_t len, size_t *received);
  int (*shutdown)(void *io);
  int (*fileno)(void *io);
  void (*destroy)(void *io);
} tlswire_transport_ops_v1;

/*
 * A transport over the user's own vtable; works with no POSIX at all.
 * io is handed back to every callback and is released by
 * ops->destroy (if set) when the transport is freed.
 * The table is read as its version says (1 or 2) and copied: later changes to
 * it are not seen.
 * Returns TLSWIRE_OK, TLSWIRE_E_INVALID (NULL out or ops, a NULL send or
 * recv), TLSWIRE_E_UNSUPPORTED (ops->version is 0 or above
 * TLSWIRE_TRANSPORT_OPS_VERSION),
 * TLSWIRE_E_NOMEM. On failure *out is NULL and destroy is not called.
 */
TLSWIRE_API int tlswire_transport_new(tlswire_transport **out,
                                      const tlswire_transport_ops *ops,
                                      void *io);

/* Frees t (calling its destroy). NULL is ignored. A transport bound to a
 * connection is freed by tlswire_conn_free, never by the caller. */
TLSWIRE_API void tlswire_transport_free(tlswire_transport *t);

/* The descriptor to poll() for t, or -1 if it has none (or t is NULL): the
 * read descriptor of get_fds (else its write descriptor), or fileno for a
 * version 1 table. */
TLSWIRE_API int tlswire_transport_fileno(const tlswire_transport *t);

/*
 * The io pointer t was made with, when t was made by tlswire_transport_new
 * from the table ops (the same pointer); NULL otherwise (or for NULL t or
 * ops). How a transport's own functions (setters, queries) recognize their
 * objects, as the built-in ones do: nothing is copied, t keeps owning io.
 */
TLSWIRE_API void *tlswire_transport_get_io(const tlswire_transport *t,
                                           const tlswire_transport_ops *ops);

/* Flags for the socket and fd transports. */
#define TLSWIRE_TRANSPORT_CLOSE 0x1u    /* close the descriptor(s) on free */
#define TLSWIRE_TRANSPORT_DATAGRAM 0x2u /* one send / one recv per datagram */

/*
 * A POSIX socket: TCP, Unix-domain stream, or a datagram socket (UDP; a
 * SOCK_DGRAM socket is a datagram transport whether or not the flag is
 * given). Blocking or non-blocking as the descriptor is: EAGAIN becomes
 * TLSWIRE_E_WANT_READ / TLSWIRE_E_WANT_WRITE, EINTR is retried, sends use
 * MSG_NOSIGNAL (a closed peer gives TLSWIRE_E_SYSCALL with EPIPE, never
 * SIGPIPE). fd is closed by tlswire_transport_free only with
 * TLSWIRE_TRANSPORT_CLOSE (also when this constructor fails). Its version 2
 * operations: caps CAP_DATAGRAM for SOCK_DGRAM, else CAP_HALF_CLOSE
 * (shutdown is shutdown(SHUT_WR)); get_fds gives fd twice; wait poll()s it
 * (TLSWIRE_OK at once when it is O_NONBLOCK); mtu: for a connected UDP
 * socket the path MTU (IP_MTU / IPV6_MTU, where the system has them) less
 * 28 / 48 bytes of IPv4 / IPv6 and UDP headers, else 0.
 * Returns TLSWIRE_OK, TLSWIRE_E_INVALID (NULL out, fd < 0 or not a socket,
 * unknown flags, DATAGRAM on a stream socket), TLSWIRE_E_NOMEM,
 * TLSWIRE_E_UNSUPPORTED (a build with --disable-posix-transports).
 */
TLSWIRE_API int tlswire_transport_socket_new(tlswire_transport **out, int fd,
                                             unsigned flags);

/*
 * Any pair of descriptors: pipes, a tty, stdin/stdout, a socketpair, files.
 * Reads use rfd, writes wfd (rfd may equal wfd). Blocking or not as the
 * descriptors are; EINTR is retried, EAGAIN becomes TLSWIRE_E_WANT_*. A write
 * to a pipe whose reader is gone gives TLSWIRE_E_SYSCALL with EPIPE and no
 * SIGPIPE: for non-sockets the signal is blocked in the calling thread for
 * the duration of the write and a SIGPIPE that write raised is discarded (a
 * SIGPIPE already pending for another reason is left alone); the process's
 * signal handlers are never changed. get_fds reports rfd and wfd, fileno
 * rfd; wait polls rfd for input, wfd for output (TLSWIRE_OK at once for
 * O_NONBLOCK descriptors); caps: CAP_DATAGRAM with
 * TLSWIRE_TRANSPORT_DATAGRAM, CAP_HALF_CLOSE when wfd is a socket or a
 * descriptor of its own that TLSWIRE_TRANSPORT_CLOSE lets it close. The
 * descriptors are
 * closed on free (once if equal) only with TLSWIRE_TRANSPORT_CLOSE.
 * Returns TLSWIRE_OK, TLSWIRE_E_INVALID (NULL out, a negative descriptor,
 * unknown flags), TLSWIRE_E_NOMEM, TLSWIRE_E_UNSUPPORTED (a build with
 * --disable-posix-transports).
 */
TLSWIRE_API int tlswire_transport_fd_new(tlswire_transport **out, int rfd,
                                         int wfd, unsigned flags);

/* The largest capacity tlswire_transport_pipe_new accepts (1 GiB). */
#define TLSWIRE_PIPE_CAPACITY_MAX ((size_t)1 << 30)

/*
 * Two connected in-process ends: what *a sends *b receives and vice versa.
 * Each direction is a FIFO holding at most capacity bytes, in
 * (0, TLSWIRE_PIPE_CAPACITY_MAX]; the storage of both directions (2 *
 * capacity bytes) is allocated here, once, through OpenSSL's allocator (so
 * CRYPTO_set_mem_functions reaches it): send and recv never allocate.
 *
 * send on a full direction gives TLSWIRE_E_WANT_WRITE, recv on an empty one
 * TLSWIRE_E_WANT_READ; a stream send takes as many bytes as there is room
 * for (and the max chunk allows), a recv as many as are queued. A send or
 * recv of 0 bytes (or with a NULL buffer) fails with TLSWIRE_E_SYSCALL,
 * errno EINVAL. Freeing one end gives the other end end of file (after the
 * bytes still in flight) and EPIPE on send. The ends are freed
 * independently (each by its connection, or tlswire_transport_free); the
 * storage goes with the last one. A send or recv that does not return
 * TLSWIRE_OK stores 0 in *sent / *received. An end's shutdown (ops->shutdown,
 * the half-close a connection's graceful close uses) gives the other end end
 * of file after the bytes in flight, and EPIPE to this end's later sends;
 * its input stays open. Caps: CAP_HALF_CLOSE, and CAP_DATAGRAM in datagram
 * mode; no descriptors, no wait (the pipe never blocks).
 *
 * Returns TLSWIRE_OK, TLSWIRE_E_INVALID (NULL a or b; capacity 0 or above
 * TLSWIRE_PIPE_CAPACITY_MAX), TLSWIRE_E_NOMEM (no storage or no end). On
 * failure *a and *b (when not NULL) are set to NULL and nothing is left
 * allocated. Available in every build.
 */
TLSWIRE_API int tlswire_transport_pipe_new(tlswire_transport **a,
                                           tlswire_transport **b,
                                           size_t capacity);

/*
 * Fault injection on one pipe end: each setting acts on that end's own
 * send and recv, and replaces the previous one; 0 disables each. Each
 * returns TLSWIRE_OK, or TLSWIRE_E_INVALID when end is NULL or not a pipe
 * end (nothing changes then). A due reset takes precedence over every
 * other outcome of a valid call; an injected would-block refuses only a
 * call that would otherwise succeed (one delivering end of file included).
 *
 * set_max_chunk: each stream send and recv moves at most max_bytes_per_call
 *   bytes (down to 1: short reads and writes). Datagrams are never split:
 *   it does not apply in datagram mode.
 * set_wouldblock_every: send and recv are counted separately, each with its
 *   own counter (both restarted by this call). A call counts only if it
 *   would otherwise succeed: a send that has room for its bytes, a recv that
 *   has bytes or end of file to deliver (calls that block or fail anyway are
 *   not counted). The Nth, 2Nth, 3Nth ... counted send returns
 *   TLSWIRE_E_WANT_WRITE and the Nth, 2Nth ... counted recv
 *   TLSWIRE_E_WANT_READ, moving nothing. So with N >= 2 exactly one in N
 *   of the calls that could move something is refused, and a caller that
 *   retries always progresses, whatever order it calls send and recv in;
 *   N == 1 refuses every such call (the end stalls until the setting
 *   changes).
 * set_eof_after: once this end has received that many more bytes (counted
 *   from this call), recv reports end of file (the rest of the stream is
 *   never delivered); a stream recv is shortened so as not to cross the
 *   limit. In datagram mode the datagram that crosses it is still delivered
 *   and the next recv reports end of file. The limit saturates at SIZE_MAX
 *   received bytes in all: a large bytes (SIZE_MAX, say, after some bytes
 *   were received) never wraps around to an early limit.
 * set_reset_after: the same count, shortening and saturation (datagrams
 *   likewise); once reached, recv and send fail with TLSWIRE_E_SYSCALL,
 *   errno ECONNRESET, for good.
 * set_datagram: on (non-zero) makes the pipe carry datagrams in both
 *   directions: one send is one datagram, one recv returns one datagram
 *   (truncated to the buffer, the rest dropped, as UDP does). Each datagram
 *   takes its length plus 2 bytes of the direction's capacity. A datagram
 *   that can never fit (over 65535 bytes, or over capacity - 2) fails with
 *   TLSWIRE_E_SYSCALL, errno EMSGSIZE; one that does not fit now gives
 *   TLSWIRE_E_WANT_WRITE; neither is queued, in part or whole, and sent is
 *   0. Both directions must be empty (TLSWIRE_E_STATE otherwise); off (0)
 *   goes back to a byte stream. Set it before binding the ends: a
 *   connection reads the caps once, when it binds (a DTLS connection needs
 *   datagram mode, a TLS one stream mode).
 */
TLSWIRE_API int tlswire_transport_pipe_set_max_chunk(tlswire_transport *end,
                                                     size_t max_bytes_per_call);
TLSWIRE_API int
tlswire_transport_pipe_set_wouldblock_every(tlswire_transport *end,
                                            unsigned every_nth_call);
TLSWIRE_API int tlswire_transport_pipe_set_eof_after(tlswire_transport *end,
                                                     size_t bytes);
TLSWIRE_API int tlswire_transport_pipe_set_reset_after(tlswire_transport *end,
                                                       size_t bytes);
TLSWIRE_API int tlswire_transport_pipe_set_datagram(tlswire_transport *end,
                                                    int on);

/*
 * Socket methods of pyOpenSSL's Connection. They work on a connection bound
 * to a transport whose get_fds (or fileno) gives one socket for both
 * directions: the socket transport, or a user's or fd transport over one
 * socket. In memory mode, or bound to another transport, they return
 * TLSWIRE_E_STATE (pyOpenSSL raises AttributeError there).
 *
 * tlswire_conn_fileno: the transport's descriptor (>= 0), for poll(); any
 *   transport with a descriptor answers (fd: rfd; tlswire_conn_get_wait
 *   gives both), others TLSWIRE_E_STATE. TLSWIRE_E_INVALID for NULL.
 */
TLSWIRE_API int tlswire_conn_fileno(const tlswire_conn *conn);

#if TLSWIRE_HAVE_POSIX_TRANSPORTS
/*
 * tlswire_conn_connect: sets the client role, then connect(2)s the socket to
 *   addr (len bytes). TLSWIRE_OK, TLSWIRE_E_SYSCALL with connect's errno
 *   (EINPROGRESS on a non-blocking socket, ECONNREFUSED ...),
 *   TLSWIRE_E_INVALID (NULL conn or addr), TLSWIRE_E_STATE.
 * tlswire_conn_connect_ex: the same, but returns connect's result as
 *   socket.connect_ex does: 0, or a positive errno value; a negative status
 *   only for TLSWIRE_E_INVALID / TLSWIRE_E_STATE.
 * tlswire_conn_accept: accept(2)s one connection and stores in *out a new
 *   connection in the server role, on the same context, bound to a socket
 *   transport that owns (closes) the new descriptor. addr and len are
 *   optional (both NULL, or *len the size of addr on input, the peer's
 *   address length on output). TLSWIRE_OK, TLSWIRE_E_WANT_READ (non-blocking
 *   listener with nothing pending), TLSWIRE_E_SYSCALL (accept's errno),
 *   TLSWIRE_E_NOMEM, TLSWIRE_E_INVALID, TLSWIRE_E_STATE, TLSWIRE_E_SSL.
 *   The caller frees *out with tlswire_conn_free. A failure to make the new
 *   connection (the context may be shared by several threads) is recorded
 *   in the calling thread's record (tlswire_thread_last_error()) and copied
 *   into the listening connection's; the context's record is never written.
 * tlswire_conn_sock_shutdown: shutdown(2) on the socket; how is SHUT_RD,
 *   SHUT_WR or SHUT_RDWR. TLSWIRE_OK, TLSWIRE_E_SYSCALL (errno ENOTCONN ...),
 *   TLSWIRE_E_INVALID, TLSWIRE_E_STATE. The TLS layer is not told: a later
 *   tlswire_conn_shutdown after SHUT_WR fails with TLSWIRE_E_SYSCALL, EPIPE.
 * Failures are recorded in the connection's error record.
 */
TLSWIRE_API int tlswire_conn_connect(tlswire_conn *conn,
                                     const struct sockaddr *addr,
                                     socklen_t len);
TLSWIRE_API int tlswire_conn_connect_ex(tlswire_conn *conn,
                                        const struct sockaddr *addr,
                                        socklen_t len);
TLSWIRE_API int tlswire_conn_accept(tlswire_conn *conn, tlswire_conn **out,
                                    struct sockaddr *addr, socklen_t *len);
TLSWIRE_API int tlswire_conn_sock_shutdown(tlswire_conn *conn, int how);
#endif

/*
 * Pushes ciphertext waiting in a bound connection's output ring to its
 * transport. TLSWIRE_OK when nothing is left, TLSWIRE_E_WANT_WRITE when the
 * transport would block (poll for writability, call again),
 * TLSWIRE_E_SYSCALL on a transport failure, TLSWIRE_E_STATE in memory mode,
 * TLSWIRE_E_INVALID for NULL. Useful after the last send on a non-blocking
 * transport, before waiting only for input.
 */
TLSWIRE_API int tlswire_conn_flush(tlswire_conn *conn);

/* What an event loop waits for before calling a bound connection again. */
typedef struct tlswire_wait {
  unsigned events; /* TLSWIRE_WAIT_READ and/or TLSWIRE_WAIT_WRITE, or 0 */
  int read_fd;     /* poll this for input (POLLIN); -1: the transport has no
                      descriptor, its own signal tells */
  int write_fd;    /* poll this for output (POLLOUT); -1 likewise */
  int timeout_ms;  /* call again after this long even without an event (a
                      DTLS retransmission timer, a graceful close's
                      deadline); -1: no timer */
} tlswire_wait;

/*
 * The event-loop call: what a bound connection waits for after its last
 * call returned TLSWIRE_E_WANT_READ or TLSWIRE_E_WANT_WRITE (or after any
 * call: WRITE is set whenever ciphertext waits in the output ring or the
 * last call stopped for output, READ when it stopped for input; a
 * non-blocking accept with nothing pending counts as input, a connect in
 * progress as output). Wait for any of the events on the descriptors (from
 * the transport's get_fds, else fileno: the fd transport gives rfd and wfd,
 * a socket the same descriptor twice, the pipe and fd-less user transports
 * -1: their own signal tells, e.g. the peer's next call), or for
 * timeout_ms, then repeat the call that stopped. timeout_ms is the time to
 * the DTLS retransmission timer, rounded up to whole milliseconds (0: due
 * now; the next bound call retransmits by itself), or -1. events is 0 when
 * nothing is awaited (call again now, or the connection is idle).
 * Returns TLSWIRE_OK, TLSWIRE_E_INVALID (NULL conn or w), TLSWIRE_E_STATE
 * (memory mode: the caller moves the bytes and knows); a refusal is
 * recorded in the thread's record (tlswire_thread_last_error) and leaves
 * *w (when w is not NULL) as {0, -1, -1, -1}.
 */
TLSWIRE_API int tlswire_conn_get_wait(const tlswire_conn *conn,
                                      tlswire_wait *w);

/*
 * Graceful close of a bound connection, in steps that each resume where the
 * last one stopped:
 *   1. send close_notify (when the handshake completed, no fatal error
 *      happened and none was sent yet; else skip: an alert already queued
 *      still leaves with step 2);
 *   2. flush the output ring to the transport;
 *   3. half-close the transport (ops->shutdown, when its caps include
 *      TLSWIRE_TRANSPORT_CAP_HALF_CLOSE; else skip);
 *   4. drain: read and discard the peer's bytes until its end of stream,
 *      drain_max bytes (0: no drain; SIZE_MAX: no byte bound), or
 *      timeout_ms milliseconds since the first call (timeout_ms < 0: no
 *      time bound), so that the peer reads our alert or close_notify and
 *      never a reset caused by unread input.
 * A datagram transport has steps 1 and 2 only. The bounds are those of the
 * first call; later calls continue that close and their arguments are not
 * read. The deadline also ends a close stuck in steps 1 to 3 on a peer
 * that does not read: what could not leave by then is dropped.
 *
 * Returns TLSWIRE_OK when done (the bounds reached count as done; again on
 * every later call): free the connection then. TLSWIRE_E_WANT_READ /
 * TLSWIRE_E_WANT_WRITE on a non-blocking transport: wait as
 * tlswire_conn_get_wait says (its timeout_ms includes the deadline) and
 * call again. TLSWIRE_E_SYSCALL when the transport failed (ECONNRESET
 * while draining, EPIPE ...; again on every later call): the connection is
 * closed as far as it can be; free it. TLSWIRE_E_STATE in memory mode (the
 * caller owns the transport there: shutdown and bio_read), TLSWIRE_E_INVALID
 * for NULL conn. Plaintext still arriving is discarded.
 *
 * Blocking or not: a transport that has answered would-block at least once
 * on this connection is taken for non-blocking, and the drain reads it
 * directly (returning TLSWIRE_E_WANT_READ). Before each drain read of any
 * other transport, with a time bound, the drain calls ops->wait(READ, time
 * left), so a blocking transport's drain ends at the deadline; without a
 * wait op the drain is bounded only by the transport's own blocking (a
 * blocking recv waits until the peer sends or closes). A non-blocking
 * transport with a wait op that never answered would-block before the
 * close may thus wait in ops->wait once, up to the deadline.
 *
 * Once a close has started, the connection's other I/O calls (do_handshake,
 * send, recv and their variants, shutdown, flush, the DTLS calls) return
 * TLSWIRE_E_STATE; the queries still answer.
 */
TLSWIRE_API int tlswire_conn_close(tlswire_conn *conn, int timeout_ms,
                                   size_t drain_max);

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_TRANSPORT_H */

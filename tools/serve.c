/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/serve.c - the event loop of `tlswire server`: one poll() over the
 * listening socket and every client, each client a tlswire connection bound
 * to its non-blocking socket. A connection goes through three states,
 * handshake, echo and closing, each with its own deadline (the handshake
 * and idle timeouts, the graceful close's bound); whatever a connection
 * waits for comes from tlswire_conn_get_wait() and its end from
 * tlswire_conn_close(), the library's event-loop calls.
 *
 * Accept errors that come from a shortage (descriptors, buffers, memory)
 * pause accepting with a growing back-off instead of ending the server;
 * SIGINT and SIGTERM close every connection gracefully, then the loop ends.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#define ECHO_CHUNK 16384
#define STEP_BUDGET 16 /* reads echoed per turn before others get theirs */
#define DRAIN_MAX ((size_t)256 << 10)
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000
#define ACCEPT_BURST 64
#define OFFERED_SIZE 64

enum conn_state { ST_HANDSHAKE, ST_ECHO, ST_CLOSING, ST_DONE };

typedef struct srv_conn {
  tlswire_conn *conn;
  enum conn_state state;
  int64_t start_ms, deadline_ms; /* deadline -1: none */
  uint64_t in, out;
  size_t len, off; /* plaintext received, not yet echoed */
  int again;       /* more to do without waiting */
  int ex;          /* the outcome as an exit code */
  short events;
  char peer[64];
  char offered[OFFERED_SIZE]; /* the client's versions */
  char ending[512];
  unsigned char buf[ECHO_CHUNK];
} srv_conn;

typedef struct server {
  const server_opts *o;
  tlswire_context *ctx;
  int lfd;              /* -1 once closed */
  tlswire_conn *lconn;  /* socket transport: the listening connection */
  srv_conn **conns;
  size_t n;
  struct pollfd *pfd; /* [0] signals, [1] listener, [2 + i] conns[i] */
  int64_t accept_at_ms; /* back-off: no accept before */
  int backoff_ms;
  int stopping, accepted, once_ex;
} server;

static volatile sig_atomic_t stop_signal;
static int signal_pipe[2] = {-1, -1};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------- the client's versions */

static int versions_index = -1;

/* "TLSv1.3, TLSv1.2" from a supported_versions list (GREASE skipped). */
static void list_versions(char *out, const unsigned char *p, size_t len) {
  size_t used = 0;

  out[0] = '\0';
  for (size_t i = 0; i + 1 < len && used < OFFERED_SIZE; i += 2) {
    int v = p[i] << 8 | p[i + 1];
    if ((v & 0x0f0f) == 0x0a0a)
      continue;
    used += (size_t)snprintf(out + used, OFFERED_SIZE - used, "%s%s",
                             used ? ", " : "", tw_version_name(v));
  }
}

static int hello_cb(SSL *ssl, int *alert, void *arg) {
  char *out = SSL_get_ex_data(ssl, versions_index);
  const unsigned char *p;
  size_t len;

  (void)alert;
  (void)arg;
  if (out == NULL)
    return SSL_CLIENT_HELLO_SUCCESS;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &p,
                                &len) == 1 &&
      len >= 1)
    list_versions(out, p + 1, len - 1 < p[0] ? len - 1 : p[0]);
  else
    snprintf(out, OFFERED_SIZE, "%s or older",
             tw_version_name(SSL_client_hello_get0_legacy_version(ssl)));
  return SSL_CLIENT_HELLO_SUCCESS;
}

int srv_watch_versions(tlswire_context *ctx) {
  if (versions_index < 0)
    versions_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  if (versions_index < 0)
    return TLSWIRE_E_NOMEM;
  SSL_CTX_set_client_hello_cb(tlswire_context_get_ssl_ctx(ctx), hello_cb,
                              NULL);
  return TLSWIRE_OK;
}

int srv_versions_buffer(tlswire_conn *conn, char *buf, size_t size) {
  if (size < OFFERED_SIZE)
    return TLSWIRE_E_INVALID;
  buf[0] = '\0';
  return SSL_set_ex_data(tlswire_conn_get_ssl(conn), versions_index, buf)
             ? TLSWIRE_OK
             : TLSWIRE_E_NOMEM;
}

/* --------------------------------------------------------------- signals */

static void on_signal(int sig) {
  int saved = errno;

  stop_signal = sig;
  if (write(signal_pipe[1], "", 1) < 0) {
    /* full: a wake-up is pending anyway */
  }
  errno = saved;
}

static int signals_catch(void) {
  struct sigaction sa = {0};

  if (pipe(signal_pipe) != 0 || tw_net_nonblock(signal_pipe[0]) != 0 ||
      tw_net_nonblock(signal_pipe[1]) != 0)
    return tw_err(TW_EXIT_SETUP, "signal pipe: %s", strerror(errno));
  fcntl(signal_pipe[0], F_SETFD, FD_CLOEXEC);
  fcntl(signal_pipe[1], F_SETFD, FD_CLOEXEC);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  return TW_EXIT_OK;
}

static void signals_release(void) {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  for (int i = 0; i < 2; i++)
    if (signal_pipe[i] >= 0)
      close(signal_pipe[i]);
  signal_pipe[0] = signal_pipe[1] = -1;
}

/* ---------------------------------------------------------- connections */

/* Starts the graceful close; the log will say "ended: <how><detail>". */
static void begin_close(srv_conn *c, int ex, const char *how,
                        const char *detail) {
  c->state = ST_CLOSING;
  c->ex = ex;
  c->deadline_ms = -1;
  c->again = 1;
  snprintf(c->ending, sizeof c->ending, "%s%s", how, detail);
}

static void conn_failed(const server *s, srv_conn *c, const char *what,
                        int rc) {
  char why[400];

  if (rc != TLSWIRE_E_SYSCALL &&
      tw_is_version_mismatch(tlswire_conn_last_error(c->conn)))
    snprintf(why, sizeof why, "protocol version mismatch: the client "
             "offers %s; this server allows %s",
             c->offered[0] ? c->offered : "unknown versions",
             tw_versions_allowed(s->o->version));
  else
    tw_describe_failure(why, sizeof why, what, c->conn, rc);
  begin_close(c, tw_exit_for(rc), "failed: ", why);
}

static void handshake_done(const server *s, srv_conn *c, int64_t now) {
  c->state = ST_ECHO;
  c->deadline_ms = now + s->o->idle_ms;
  printf("client %s connected\n", c->peer);
  tw_print_params(stdout, c->conn);
  tw_print_chain(stdout, c->conn);
  fflush(stdout);
}

static void handshake_step(const server *s, srv_conn *c, int64_t now) {
  int rc = tlswire_conn_do_handshake(c->conn);

  if (rc == TLSWIRE_OK)
    handshake_done(s, c, now);
  else if (rc != TLSWIRE_E_WANT_READ && rc != TLSWIRE_E_WANT_WRITE)
    conn_failed(s, c, "handshake", rc);
}

/* Sends back what is buffered: 1 when all went, 0 to wait, -1 failed. */
static int echo_out(const server *s, srv_conn *c) {
  size_t n;
  int rc;

  while (c->off < c->len) {
    rc = tlswire_conn_send(c->conn, c->buf + c->off, c->len - c->off, &n);
    if (rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE)
      return 0;
    if (rc != TLSWIRE_OK) {
      conn_failed(s, c, "send", rc);
      return -1;
    }
    c->off += n;
    c->out += n;
  }
  return 1;
}

static void echo_step(const server *s, srv_conn *c, int64_t now) {
  size_t n;
  int rc;

  for (int turn = 0; turn < STEP_BUDGET; turn++) {
    if (echo_out(s, c) <= 0)
      return;
    rc = tlswire_conn_recv(c->conn, c->buf, sizeof c->buf, &n);
    if (rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE)
      return;
    if (rc == TLSWIRE_E_ZERO_RETURN) {
      begin_close(c, TW_EXIT_OK, "closed by the client", "");
      return;
    }
    if (rc != TLSWIRE_OK) {
      conn_failed(s, c, "receive", rc);
      return;
    }
    c->len = n;
    c->off = 0;
    c->in += n;
    c->deadline_ms = now + s->o->idle_ms;
  }
  c->again = 1; /* the budget ran out: the others' turn first */
}

static void close_step(const server *s, srv_conn *c) {
  int rc = tlswire_conn_close(c->conn, s->o->close_ms, DRAIN_MAX);

  if (rc != TLSWIRE_E_WANT_READ && rc != TLSWIRE_E_WANT_WRITE)
    c->state = ST_DONE;
}

/* What the connection waits for now, and until when (closing). */
static void conn_wait(srv_conn *c, int64_t now) {
  tlswire_wait w;

  c->events = POLLIN;
  if (tlswire_conn_get_wait(c->conn, &w) != TLSWIRE_OK)
    return;
  c->events = 0;
  if (w.events & TLSWIRE_WAIT_READ)
    c->events |= POLLIN;
  if (w.events & TLSWIRE_WAIT_WRITE)
    c->events |= POLLOUT;
  if (c->state == ST_CLOSING) {
    c->deadline_ms = w.timeout_ms >= 0 ? now + w.timeout_ms : -1;
    c->again |= c->events == 0; /* nothing awaited: call again now */
  } else if (c->events == 0) {
    c->events = POLLIN; /* idle: the client speaks next */
  }
}

static void conn_timeout(srv_conn *c) {
  if (c->state == ST_HANDSHAKE)
    begin_close(c, TW_EXIT_PEER, "handshake timeout", "");
  else if (c->state == ST_ECHO)
    begin_close(c, TW_EXIT_PEER, "idle timeout", "");
}

static void conn_step(const server *s, srv_conn *c, int64_t now) {
  c->again = 0;
  if (c->deadline_ms >= 0 && now >= c->deadline_ms)
    conn_timeout(c);
  if (c->state == ST_HANDSHAKE)
    handshake_step(s, c, now);
  if (c->state == ST_ECHO)
    echo_step(s, c, now);
  if (c->state == ST_CLOSING)
    close_step(s, c);
  if (c->state != ST_DONE)
    conn_wait(c, now);
}

/* The line on stderr that says how a connection went. */
static void conn_log(const srv_conn *c, int64_t now) {
  const char *cipher = tlswire_conn_get_cipher_name(c->conn);
  const char *proto = cipher ? tlswire_conn_get_protocol_version_name(c->conn)
                             : "no-session";

  fprintf(stderr,
          "client %s: %s %s, %llu bytes in, %llu bytes out, %.3f s, "
          "ended: %s\n",
          c->peer, proto, cipher ? cipher : "-", (unsigned long long)c->in,
          (unsigned long long)c->out, (double)(now - c->start_ms) / 1000,
          c->ending);
  printf("client %s %s, %llu bytes echoed\n", c->peer,
         c->ex == TW_EXIT_OK ? "closed" : "failed", (unsigned long long)c->out);
  fflush(stdout);
}

static int conn_add(server *s, tlswire_conn *conn, int64_t now) {
  srv_conn *c = calloc(1, sizeof *c);

  if (c == NULL || srv_versions_buffer(conn, c->offered,
                                       sizeof c->offered) != TLSWIRE_OK) {
    free(c);
    tlswire_conn_free(conn);
    return tw_err(TW_EXIT_SETUP, "out of memory for a new client");
  }
  c->conn = conn;
  c->start_ms = now;
  c->deadline_ms = now + s->o->handshake_ms;
  c->again = 1;
  tw_net_peer_name(tlswire_conn_fileno(conn), c->peer, sizeof c->peer);
  tlswire_conn_set_accept_state(conn);
  s->conns[s->n++] = c;
  return TW_EXIT_OK;
}

/* Frees the connections that are done, keeping the others in order. */
static void conns_reap(server *s, int64_t now) {
  size_t kept = 0;

  for (size_t i = 0; i < s->n; i++) {
    srv_conn *c = s->conns[i];
    if (c->state != ST_DONE) {
      s->conns[kept++] = c;
      continue;
    }
    conn_log(c, now);
    if (s->o->once && s->accepted == 1)
      s->once_ex = c->ex;
    tlswire_conn_free(c->conn);
    free(c);
  }
  s->n = kept;
}

/* --------------------------------------------------------------- accept */

static void listener_close(server *s) {
  if (s->lconn != NULL)
    tlswire_conn_free(s->lconn); /* owns lfd */
  else if (s->lfd >= 0)
    close(s->lfd);
  s->lconn = NULL;
  s->lfd = -1;
}

static int listener_open(server *s, int lfd) {
  tlswire_transport *t;
  int rc;

  s->lfd = lfd;
  if (s->o->use_fd)
    return TW_EXIT_OK;
  /* With TLSWIRE_TRANSPORT_CLOSE the transport owns lfd from here on, and
   * has already closed it if it failed. */
  rc = tlswire_transport_socket_new(&t, lfd, TLSWIRE_TRANSPORT_CLOSE);
  if (rc != TLSWIRE_OK) {
    s->lfd = -1;
    return tw_err(tw_exit_for(rc), "listening transport: %s",
                  tlswire_status_name(rc));
  }
  rc = tlswire_conn_new(&s->lconn, s->ctx, t); /* owns t, also on failure */
  if (rc != TLSWIRE_OK)
    s->lfd = -1;
  return rc == TLSWIRE_OK ? TW_EXIT_OK
                          : tw_fail_thread("listening connection", rc);
}

/* Accept errors that a retry may cure right away. */
static int accept_retry(int err) {
  return err == EINTR || err == ECONNABORTED || err == EPROTO;
}

/* One accept: 1 with *conn, 0 when nothing is pending, -err on failure. */
static int accept_one(server *s, tlswire_conn **conn) {
  int fd, rc;

  if (s->o->use_fd) {
    fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
      return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
    return tw_conn_on_fd(conn, s->ctx, fd, 1) == TW_EXIT_OK ? 1 : -ENOMEM;
  }
  rc = tlswire_conn_accept(s->lconn, conn, NULL, NULL);
  if (rc == TLSWIRE_E_WANT_READ)
    return 0;
  if (rc == TLSWIRE_E_SYSCALL)
    return -tlswire_error_errno(tlswire_conn_last_error(s->lconn));
  if (rc != TLSWIRE_OK)
    return -ENOMEM;
  if (tw_net_nonblock(tlswire_conn_fileno(*conn)) == 0)
    return 1;
  tlswire_conn_free(*conn);
  return -errno;
}

static void accept_pause(server *s, int err, int64_t now) {
  s->backoff_ms = s->backoff_ms == 0 ? BACKOFF_MIN_MS : s->backoff_ms * 2;
  if (s->backoff_ms > BACKOFF_MAX_MS)
    s->backoff_ms = BACKOFF_MAX_MS;
  s->accept_at_ms = now + s->backoff_ms;
  tw_err(TW_EXIT_SETUP, "accept: %s; pausing accepts for %d ms",
         strerror(err), s->backoff_ms);
}

static int accepting(const server *s, int64_t now) {
  return s->lfd >= 0 && !s->stopping && s->n < (size_t)s->o->max_conns &&
         now >= s->accept_at_ms && !(s->o->once && s->accepted > 0);
}

static int accept_all(server *s, int64_t now) {
  tlswire_conn *conn;
  int r, ex;

  for (int i = 0; i < ACCEPT_BURST && accepting(s, now); i++) {
    r = accept_one(s, &conn);
    if (r == 0)
      return TW_EXIT_OK;
    if (r < 0 && accept_retry(-r))
      continue;
    if (r < 0) {
      accept_pause(s, -r, now);
      return TW_EXIT_OK;
    }
    s->backoff_ms = 0;
    s->accepted++;
    if ((ex = conn_add(s, conn, now)) != TW_EXIT_OK)
      return ex;
  }
  return TW_EXIT_OK;
}

/* ----------------------------------------------------------------- loop */

static void begin_stop(server *s) {
  char buf[64];

  while (read(signal_pipe[0], buf, sizeof buf) > 0) {
  }
  if (s->stopping || stop_signal == 0)
    return;
  s->stopping = 1;
  listener_close(s);
  fprintf(stderr, "%s: %s: closing %zu connection(s)\n", tw_progname,
          strsignal(stop_signal), s->n);
  for (size_t i = 0; i < s->n; i++)
    if (s->conns[i]->state < ST_CLOSING)
      begin_close(s->conns[i], TW_EXIT_OK, "server stopping", "");
}

/* The poll timeout: the nearest deadline, 0 when a connection has more to
 * do, -1 when nothing is due. */
static int poll_timeout(const server *s, int64_t now) {
  int64_t next = -1;

  if (s->lfd >= 0 && s->accept_at_ms > now)
    next = s->accept_at_ms;
  for (size_t i = 0; i < s->n; i++) {
    const srv_conn *c = s->conns[i];
    if (c->again)
      return 0;
    if (c->deadline_ms >= 0 && (next < 0 || c->deadline_ms < next))
      next = c->deadline_ms;
  }
  if (next < 0)
    return -1;
  return next <= now ? 0 : next - now > INT32_MAX ? INT32_MAX
                                                  : (int)(next - now);
}

static void poll_fill(server *s, int64_t now) {
  s->pfd[0] = (struct pollfd){.fd = signal_pipe[0], .events = POLLIN};
  s->pfd[1] = (struct pollfd){.fd = accepting(s, now) ? s->lfd : -1,
                              .events = POLLIN};
  for (size_t i = 0; i < s->n; i++)
    s->pfd[2 + i] = (struct pollfd){
        .fd = tlswire_conn_fileno(s->conns[i]->conn),
        .events = s->conns[i]->events};
}

static void service(server *s, int64_t now) {
  for (size_t i = 0; i < s->n; i++) {
    srv_conn *c = s->conns[i];
    int due = c->deadline_ms >= 0 && now >= c->deadline_ms;
    if (s->pfd[2 + i].revents != 0 || c->again || due)
      conn_step(s, c, now);
  }
}

static int finished(const server *s) {
  if (s->n > 0)
    return 0;
  return s->stopping || (s->o->once && s->accepted > 0);
}

static int loop(server *s) {
  int64_t now = now_ms();
  int n, ex = TW_EXIT_OK;

  while (ex == TW_EXIT_OK && !finished(s)) {
    poll_fill(s, now);
    n = poll(s->pfd, 2 + s->n, poll_timeout(s, now));
    if (n < 0 && errno != EINTR)
      return tw_err(TW_EXIT_SETUP, "poll: %s", strerror(errno));
    now = now_ms();
    if (s->pfd[0].revents != 0)
      begin_stop(s);
    service(s, now);
    conns_reap(s, now);
    if (s->pfd[1].revents != 0)
      ex = accept_all(s, now);
  }
  return ex;
}

int srv_run(tlswire_context *ctx, int lfd, const server_opts *o) {
  server s = {.o = o, .ctx = ctx, .lfd = -1, .once_ex = TW_EXIT_OK};
  int ex;

  s.conns = calloc((size_t)o->max_conns, sizeof *s.conns);
  s.pfd = calloc((size_t)o->max_conns + 2, sizeof *s.pfd);
  if (s.conns == NULL || s.pfd == NULL) {
    close(lfd);
    ex = tw_err(TW_EXIT_SETUP, "out of memory");
  } else {
    ex = listener_open(&s, lfd);
  }
  if (ex == TW_EXIT_OK && (ex = signals_catch()) == TW_EXIT_OK) {
    ex = loop(&s);
    signals_release();
  }
  for (size_t i = 0; i < s.n; i++) {
    tlswire_conn_free(s.conns[i]->conn);
    free(s.conns[i]);
  }
  listener_close(&s);
  free(s.conns);
  free(s.pfd);
  return ex == TW_EXIT_OK && o->once ? s.once_ex : ex;
}

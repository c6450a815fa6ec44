/*
 * tools/client.c - `tlswire client HOST PORT`: connects, handshakes, prints
 * what was negotiated and the peer's chain (on stderr), then relays stdin to
 * the server and the server's data to stdout until either side ends.
 *
 * Ending: at EOF on stdin the client sends close_notify and keeps printing
 * what the server still sends until the server closes too (TLS allows the
 * peer to answer after our close_notify). When the server closes first, the
 * client answers its close_notify and exits. Exit 0 only for a clean close.
 */
#include "tool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_CHUNK 16384

typedef struct client_opts {
  const char *host, *port;
  const char *alpn, *servername, *cafile;
  int verify_hostname, insecure, use_fd, quiet, version;
} client_opts;

static const char client_usage[] =
    "Usage: tlswire client HOST PORT [options]\n"
    "\n"
    "Connects to HOST:PORT over TCP, runs a TLS handshake, prints what was\n"
    "negotiated and the server's certificate chain on stderr, then sends\n"
    "stdin to the server and writes what the server sends to stdout. At EOF\n"
    "on stdin it sends close_notify and waits for the server to close.\n"
    "\n"
    "  --alpn P1,P2          offer these ALPN protocols, in this order\n"
    "  --servername NAME     the server name to send (SNI); default: HOST,\n"
    "                        unless HOST is an IP address\n"
    "  --cafile FILE         trust the CA certificates in FILE (PEM);\n"
    "                        default: the system's trust store\n"
    "  --verify-hostname     also check that the certificate is for NAME\n"
    "                        (--servername, or HOST)\n"
    "  --insecure            do not verify the server's certificate\n"
    "  --transport socket|fd bind the connection with the socket transport\n"
    "                        (default) or the file-descriptor transport\n"
    "  --tls1.2, --tls1.3    use only this protocol version\n"
    "  -q, --quiet           print only the data (errors still go to stderr)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 clean close, 1 TLS, verification or network failure,\n"
    "2 usage error, 3 local setup error (files, memory).\n";

/* --------------------------------------------------------------- options */

enum { OPT_ALPN = 256, OPT_SNI, OPT_CAFILE, OPT_VHOST, OPT_INSECURE };

static int client_option(int c, const char *arg, void *opts) {
  client_opts *o = opts;
  switch (c) {
  case OPT_ALPN:
    o->alpn = arg;
    return TW_EXIT_OK;
  case OPT_SNI:
    o->servername = arg;
    return TW_EXIT_OK;
  case OPT_CAFILE:
    o->cafile = arg;
    return TW_EXIT_OK;
  case OPT_VHOST:
    o->verify_hostname = 1;
    return TW_EXIT_OK;
  case OPT_INSECURE:
    o->insecure = 1;
    return TW_EXIT_OK;
  case 'q':
    o->quiet = 1;
    return TW_EXIT_OK;
  default:
    return -1;
  }
}

/* TW_EXIT_OK, an exit code, or -1 after --help. */
static int parse(int argc, char **argv, client_opts *o) {
  static const struct option opts[] = {
      {"alpn", required_argument, NULL, OPT_ALPN},
      {"servername", required_argument, NULL, OPT_SNI},
      {"cafile", required_argument, NULL, OPT_CAFILE},
      {"verify-hostname", no_argument, NULL, OPT_VHOST},
      {"insecure", no_argument, NULL, OPT_INSECURE},
      TW_OPTS_TRANSPORT,
      TW_OPTS_VERSION,
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  static const tw_command cmd = {"client", ":qh", client_usage, opts,
                                 client_option};
  int ex = tw_parse_options(&cmd, argc, argv, &o->version, &o->use_fd, o);
  if (ex != TW_EXIT_OK)
    return ex;
  if (argc - optind != 2)
    return tw_usage_error("client", "expected HOST and PORT");
  o->host = argv[optind];
  o->port = argv[optind + 1];
  if (o->alpn != NULL &&
      tw_alpn_wire(o->alpn, (unsigned char[1024]){0}, 1024) == 0)
    return tw_usage_error("client", "bad ALPN list '%s'", o->alpn);
  return TW_EXIT_OK;
}

/* ---------------------------------------------------------------- setup */

static int is_ip_literal(const char *s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int make_ctx(tlswire_context **ctx, const client_opts *o) {
  int rc, ex = tw_context_new(ctx, o->version);

  if (ex != TW_EXIT_OK)
    return ex;
  if (o->alpn != NULL && (rc = tw_alpn_offer(*ctx, o->alpn)) != TLSWIRE_OK)
    return tw_fail_ctx("ALPN", *ctx, rc);
  if (o->insecure)
    return TW_EXIT_OK;
  if (o->cafile != NULL)
    rc = tlswire_context_load_verify_locations(*ctx, o->cafile, NULL);
  else
    rc = tlswire_context_set_default_verify_paths(*ctx);
  if (rc != TLSWIRE_OK)
    return tw_fail_ctx(o->cafile ? o->cafile : "system trust store", *ctx, rc);
  rc = tlswire_context_set_verify(*ctx, TLSWIRE_VERIFY_PEER, NULL, NULL);
  return rc == TLSWIRE_OK ? TW_EXIT_OK : tw_fail_ctx("verify", *ctx, rc);
}

/* SNI and the host name check, on the connection before the handshake.
 * tlswire_conn_set_verify_hostname takes IP address literals too: it goes
 * through SSL_set1_host, which since OpenSSL 3.0 checks an address that
 * parses as one against the certificate's IP subjectAltNames. */
static int name_conn(tlswire_conn *conn, const client_opts *o) {
  const char *name = o->servername ? o->servername : o->host;
  int rc = TLSWIRE_OK;

  if (o->servername != NULL || !is_ip_literal(o->host))
    rc = tlswire_conn_set_tlsext_host_name(conn, name, strlen(name));
  if (rc == TLSWIRE_OK && o->verify_hostname && !o->insecure)
    rc = tlswire_conn_set_verify_hostname(conn, name);
  if (rc != TLSWIRE_OK)
    return tw_err(TW_EXIT_USAGE, "cannot use '%s' as the server name", name);
  return TW_EXIT_OK;
}

/* ---------------------------------------------------------------- relay */

typedef struct relay {
  tlswire_conn *conn;
  int fd;
  unsigned char out[RELAY_CHUNK]; /* read from stdin, not yet sent */
  size_t out_len, out_off;
  int stdin_eof, close_sent, peer_closed;
  short sock_events; /* what the connection waits for on fd */
} relay;

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

static short events_for(int rc) {
  return rc == TLSWIRE_E_WANT_WRITE ? POLLOUT : POLLIN;
}

static int write_all(int fd, const unsigned char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return tw_err(TW_EXIT_SETUP, "writing stdout: %s", strerror(errno));
    p += n;
    len -= (size_t)n;
  }
  return TW_EXIT_OK;
}

/* Everything the server has sent, to stdout. */
static int relay_in(relay *r) {
  unsigned char buf[RELAY_CHUNK];
  size_t n;
  int rc, ex;

  for (;;) {
    rc = tlswire_conn_recv(r->conn, buf, sizeof buf, &n);
    if (rc == TLSWIRE_OK) {
      if ((ex = write_all(STDOUT_FILENO, buf, n)) != TW_EXIT_OK)
        return ex;
      continue;
    }
    if (rc == TLSWIRE_E_ZERO_RETURN) {
      r->peer_closed = 1;
      return TW_EXIT_OK;
    }
    if (!is_want(rc))
      return tw_fail_conn("receive", r->conn, rc);
    r->sock_events |= events_for(rc);
    return TW_EXIT_OK;
  }
}

/* What stdin gave, to the server; then close_notify after stdin's EOF. */
static int relay_out(relay *r) {
  size_t n;
  int rc;

  while (r->out_off < r->out_len) {
    rc = tlswire_conn_send(r->conn, r->out + r->out_off,
                           r->out_len - r->out_off, &n);
    if (rc != TLSWIRE_OK) {
      if (!is_want(rc))
        return tw_fail_conn("send", r->conn, rc);
      r->sock_events |= events_for(rc);
      return TW_EXIT_OK;
    }
    r->out_off += n;
  }
  if (!r->stdin_eof || r->close_sent)
    return TW_EXIT_OK;
  rc = tlswire_conn_shutdown(r->conn);
  if (rc >= 0)
    r->close_sent = 1;
  else if (is_want(rc))
    r->sock_events |= events_for(rc);
  else
    return tw_fail_conn("shutdown", r->conn, rc);
  return TW_EXIT_OK;
}

static int read_stdin(relay *r) {
  ssize_t n = read(STDIN_FILENO, r->out, sizeof r->out);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return TW_EXIT_OK;
  if (n < 0)
    return tw_err(TW_EXIT_SETUP, "reading stdin: %s", strerror(errno));
  r->stdin_eof = n == 0;
  r->out_len = (size_t)n;
  r->out_off = 0;
  return TW_EXIT_OK;
}

/* Ciphertext the socket did not take yet goes out before we sleep. */
static int relay_flush(relay *r) {
  int rc = tlswire_conn_flush(r->conn);

  if (rc == TLSWIRE_E_WANT_WRITE)
    r->sock_events |= POLLOUT;
  else if (rc != TLSWIRE_OK)
    return tw_fail_conn("send", r->conn, rc);
  return TW_EXIT_OK;
}

static int relay_wait(relay *r) {
  struct pollfd p[2] = {{.fd = STDIN_FILENO}, {.fd = r->fd}};
  int n;

  if (!r->stdin_eof && r->out_off == r->out_len)
    p[0].events = POLLIN;
  p[1].events = r->sock_events;
  do
    n = poll(p, 2, -1);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return tw_err(TW_EXIT_SETUP, "poll: %s", strerror(errno));
  if (p[0].revents != 0)
    return read_stdin(r);
  return TW_EXIT_OK;
}

static int relay_run(relay *r) {
  int ex;

  for (;;) {
    r->sock_events = 0;
    if ((ex = relay_in(r)) != TW_EXIT_OK)
      return ex;
    if (r->peer_closed) {
      tw_close_reply(r->conn);
      return TW_EXIT_OK;
    }
    if ((ex = relay_out(r)) != TW_EXIT_OK)
      return ex;
    if (tlswire_conn_pending(r->conn) > 0)
      continue;
    if ((ex = relay_flush(r)) != TW_EXIT_OK ||
        (ex = relay_wait(r)) != TW_EXIT_OK)
      return ex;
  }
}

/* ----------------------------------------------------------------- main */

static void print_connected(const client_opts *o, tlswire_conn *conn, int fd) {
  char peer[128];

  if (o->quiet)
    return;
  tw_net_peer_name(fd, peer, sizeof peer);
  fprintf(stderr, "connected to %s (%s transport)\n", peer,
          o->use_fd ? "fd" : "socket");
  tw_print_params(stderr, conn);
  tw_print_chain(stderr, conn);
  fflush(stderr);
}

/* One try at one address: TW_EXIT_OK with *conn connected and its socket
 * non-blocking; TW_EXIT_PEER with *err set when the address does not answer
 * (the caller tries the next one); another exit code for a local failure.
 * With the socket transport the connection connects itself
 * (tlswire_conn_connect, pyOpenSSL's Connection.connect), on a blocking
 * socket as connect(2) was. The fd transport has no socket methods
 * (tlswire_conn_connect answers TLSWIRE_E_STATE there), so with it the
 * socket is connected by connect(2) first and bound afterwards. */
static int connect_one(tlswire_conn **conn, tlswire_context *ctx,
                       const struct addrinfo *ai, int use_fd, int *err) {
  int ex, fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                      ai->ai_protocol);

  *conn = NULL;
  if (fd < 0) {
    *err = errno;
    return TW_EXIT_PEER;
  }
  if (use_fd) {
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
      return tw_conn_on_fd(conn, ctx, fd, 1);
    *err = errno;
    close(fd);
    return TW_EXIT_PEER;
  }
  if ((ex = tw_conn_bind(conn, ctx, fd, 0)) != TW_EXIT_OK)
    return ex; /* fd is closed */
  if (tlswire_conn_connect(*conn, ai->ai_addr, ai->ai_addrlen) != TLSWIRE_OK) {
    *err = tlswire_error_errno(tlswire_conn_last_error(*conn));
    tlswire_conn_free(*conn); /* closes fd */
    *conn = NULL;
    return TW_EXIT_PEER;
  }
  if (tw_net_nonblock(fd) != 0)
    return tw_err(TW_EXIT_SETUP, "cannot make the socket non-blocking");
  return TW_EXIT_OK;
}

/* A connection to the first address of HOST:PORT that answers. */
static int open_conn(tlswire_conn **conn, tlswire_context *ctx,
                     const client_opts *o) {
  struct addrinfo *res = tw_net_resolve(o->host, o->port), *ai;
  int ex = TW_EXIT_PEER, err = 0;

  *conn = NULL;
  if (res == NULL)
    return TW_EXIT_PEER;
  for (ai = res; ai != NULL && ex == TW_EXIT_PEER; ai = ai->ai_next)
    ex = connect_one(conn, ctx, ai, o->use_fd, &err);
  freeaddrinfo(res);
  if (ex == TW_EXIT_PEER)
    return tw_err(TW_EXIT_PEER, "cannot connect to %s port %s: %s", o->host,
                  o->port, strerror(err != 0 ? err : errno));
  return ex;
}

static int run(tlswire_context *ctx, const client_opts *o) {
  relay r = {0};
  int ex = open_conn(&r.conn, ctx, o);

  if (ex != TW_EXIT_OK) {
    tlswire_conn_free(r.conn);
    return ex;
  }
  r.fd = tlswire_conn_fileno(r.conn);
  tlswire_conn_set_connect_state(r.conn);
  ex = name_conn(r.conn, o);
  if (ex == TW_EXIT_OK)
    ex = tw_handshake(r.conn, r.fd, "handshake");
  if (ex == TW_EXIT_OK) {
    print_connected(o, r.conn, r.fd);
    ex = relay_run(&r);
  }
  tlswire_conn_free(r.conn);
  return ex;
}

int tw_cmd_client(int argc, char **argv) {
  client_opts o = {0};
  tlswire_context *ctx = NULL;
  int ex = parse(argc, argv, &o);

  if (ex != TW_EXIT_OK)
    return ex < 0 ? TW_EXIT_OK : ex;
  ex = make_ctx(&ctx, &o);
  if (ex == TW_EXIT_OK)
    ex = run(ctx, &o);
  tlswire_context_free(ctx);
  return ex;
}

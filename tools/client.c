/* SPDX-License-Identifier: Apache-2.0 */
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
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#define RELAY_CHUNK 16384
#define CONNECT_TIMEOUT_MS 10000
#define SESSION_MAX ((size_t)64 << 10)

typedef struct client_opts {
  const char *host, *port;
  const char *alpn, *servername, *cafile, *cert, *key;
  const char *sess_in, *sess_out;
  tw_pass pass;
  int verify_hostname, insecure, use_fd, quiet, verbose, version;
  int connect_ms;
} client_opts;

static const char client_usage[] =
    "Usage: tlswire client HOST PORT [options]\n"
    "\n"
    "Connects to HOST:PORT (PORT 1 to 65535) over TCP, runs a TLS handshake,\n"
    "prints what was negotiated and the server's certificate chain on\n"
    "stderr, then sends stdin to the server and writes what the server sends\n"
    "to stdout. At EOF on stdin it sends close_notify and waits for the\n"
    "server to close.\n"
    "\n"
    "The server's certificate is verified, and so is that it was issued for\n"
    "HOST (or --servername): a DNS name is checked against the certificate's\n"
    "names, an IP address against its IP addresses. --insecure is the one\n"
    "way to turn verification off.\n"
    "\n"
    "  --servername NAME     the name to send (SNI) and to verify; default:\n"
    "                        HOST (an IP address is verified, not sent)\n"
    "  --cafile FILE         trust the CA certificates in FILE (PEM);\n"
    "                        default: the system's trust store\n"
    "  --insecure            do not verify the server's certificate (unsafe;\n"
    "                        not with --cafile or --verify-hostname)\n"
    "  --verify-hostname     verify the name (the default; accepted for\n"
    "                        compatibility)\n"
    "  --cert FILE           a client certificate (PEM, maybe with its chain)\n"
    "  --key FILE            its private key (PEM, maybe encrypted)\n"
    "  --pass SOURCE         the key's passphrase: file:PATH (its first line)\n"
    "                        or env:VAR; default: asked on the terminal when\n"
    "                        stdin is one\n"
    "  --sess-out FILE       save the session in FILE at the end (mode 0600)\n"
    "  --sess-in FILE        offer the session saved in FILE, to resume it\n"
    "  --connect-timeout S   give up connecting after S seconds (default 10)\n"
    "  --alpn P1,P2          offer these ALPN protocols, in this order\n"
    "  --transport socket|fd bind the connection with the socket transport\n"
    "                        (default) or the file-descriptor transport\n"
    "  --tls1.2, --tls1.3    use only this protocol version\n"
    "  -v, --verbose         trace the handshake on stderr\n"
    "  -q, --quiet           print only the data (errors still go to stderr)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Environment: SSLKEYLOGFILE, if set, receives the session secrets.\n"
    "\n"
    "Exit status: 0 clean close, 1 TLS, verification or network failure,\n"
    "2 usage error, 3 local setup error (files, keys, memory).\n";

/* --------------------------------------------------------------- options */

enum {
  OPT_ALPN = 256,
  OPT_SNI,
  OPT_CAFILE,
  OPT_VHOST,
  OPT_INSECURE,
  OPT_CERT,
  OPT_KEY,
  OPT_PASS,
  OPT_SESS_IN,
  OPT_SESS_OUT,
  OPT_CONNECT_TIMEOUT
};

/* Options with a value to check, and the flags. */
static int client_more(client_opts *o, int c, const char *arg) {
  switch (c) {
  case OPT_PASS:
    o->pass.spec = arg;
    return tw_pass_check("client", arg);
  case OPT_CONNECT_TIMEOUT:
    return tw_parse_seconds("client", "--connect-timeout", arg,
                            &o->connect_ms);
  case OPT_VHOST:
    o->verify_hostname = 1;
    return TW_EXIT_OK;
  case OPT_INSECURE:
    o->insecure = 1;
    return TW_EXIT_OK;
  case 'q':
    o->quiet = 1;
    return TW_EXIT_OK;
  case 'v':
    o->verbose = 1;
    return TW_EXIT_OK;
  default:
    return -1;
  }
}

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
  case OPT_CERT:
    o->cert = arg;
    return TW_EXIT_OK;
  case OPT_KEY:
    o->key = arg;
    return TW_EXIT_OK;
  case OPT_SESS_IN:
    o->sess_in = arg;
    return TW_EXIT_OK;
  case OPT_SESS_OUT:
    o->sess_out = arg;
    return TW_EXIT_OK;
  default:
    return client_more(o, c, arg);
  }
}

/* Options that contradict each other, or one that needs another. */
static int check_combination(const client_opts *o) {
  if (o->insecure && o->cafile != NULL)
    return tw_usage_error("client", "--insecure and --cafile contradict each "
                          "other (--cafile is for verification)");
  if (o->insecure && o->verify_hostname)
    return tw_usage_error("client", "--insecure and --verify-hostname "
                          "contradict each other");
  if ((o->cert == NULL) != (o->key == NULL))
    return tw_usage_error("client", "--cert and --key go together");
  if (o->pass.spec != NULL && o->key == NULL)
    return tw_usage_error("client", "--pass is for --key");
  if (o->quiet && o->verbose)
    return tw_usage_error("client", "-q and -v contradict each other");
  return TW_EXIT_OK;
}

/* TW_EXIT_OK, an exit code, or -1 after --help. */
static int parse(int argc, char **argv, client_opts *o) {
  static const struct option opts[] = {
      {"alpn", required_argument, NULL, OPT_ALPN},
      {"servername", required_argument, NULL, OPT_SNI},
      {"cafile", required_argument, NULL, OPT_CAFILE},
      {"verify-hostname", no_argument, NULL, OPT_VHOST},
      {"insecure", no_argument, NULL, OPT_INSECURE},
      {"cert", required_argument, NULL, OPT_CERT},
      {"key", required_argument, NULL, OPT_KEY},
      {"pass", required_argument, NULL, OPT_PASS},
      {"sess-in", required_argument, NULL, OPT_SESS_IN},
      {"sess-out", required_argument, NULL, OPT_SESS_OUT},
      {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
      TW_OPTS_TRANSPORT,
      TW_OPTS_VERSION,
      {"quiet", no_argument, NULL, 'q'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  static const tw_command cmd = {"client", ":qvh", client_usage, opts,
                                 client_option};
  int ex = tw_parse_options(&cmd, argc, argv, &o->version, &o->use_fd, o);
  if (ex != TW_EXIT_OK)
    return ex;
  if (argc - optind != 2)
    return tw_usage_error("client", "expected HOST and PORT");
  o->host = argv[optind];
  o->port = argv[optind + 1];
  if ((ex = tw_check_port("client", o->port, 0)) != TW_EXIT_OK)
    return ex;
  if (o->alpn != NULL &&
      tw_alpn_wire(o->alpn, (unsigned char[1024]){0}, 1024) == 0)
    return tw_usage_error("client", "bad ALPN list '%s'", o->alpn);
  return check_combination(o);
}

/* ---------------------------------------------------------------- setup */

static int is_ip_literal(const char *s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int make_ctx(tlswire_context **ctx, client_opts *o) {
  int rc, ex = tw_context_new(ctx, o->version);

  if (ex == TW_EXIT_OK && o->verbose)
    ex = tw_trace_on(*ctx, "tlswire client");
  if (ex == TW_EXIT_OK)
    ex = tw_keylog_open(*ctx);
  if (ex == TW_EXIT_OK && o->cert != NULL)
    ex = tw_load_cert_key(*ctx, o->cert, o->key, &o->pass);
  if (ex != TW_EXIT_OK)
    return ex;
  if (o->alpn != NULL && (rc = tw_alpn_offer(*ctx, o->alpn)) != TLSWIRE_OK)
    return tw_fail_ctx("ALPN", *ctx, rc);
  if (o->insecure)
    return TW_EXIT_OK;
  if (o->cafile != NULL && (ex = tw_load_cafile(*ctx, o->cafile)) != 0)
    return ex;
  if (o->cafile == NULL &&
      (rc = tlswire_context_set_default_verify_paths(*ctx)) != TLSWIRE_OK)
    return tw_fail_ctx("system trust store", *ctx, rc);
  rc = tlswire_context_set_verify(*ctx, TLSWIRE_VERIFY_PEER, NULL, NULL);
  return rc == TLSWIRE_OK ? TW_EXIT_OK : tw_fail_ctx("verify", *ctx, rc);
}

/* The name to verify: --servername, else HOST. */
static const char *server_name(const client_opts *o) {
  return o->servername ? o->servername : o->host;
}

/* SNI and the identity check, on the connection before the handshake.
 * tlswire_conn_set_server_name sends a DNS name as SNI and checks it, and
 * checks an IP address against the certificate's IP addresses without
 * sending it. --insecure only sends the SNI. */
static int name_conn(tlswire_conn *conn, const client_opts *o) {
  const char *name = server_name(o);
  int rc = TLSWIRE_OK;

  if (!o->insecure)
    rc = tlswire_conn_set_server_name(conn, name);
  else if (o->servername != NULL || !is_ip_literal(o->host))
    rc = tlswire_conn_set_tlsext_host_name(conn, name, strlen(name));
  if (rc != TLSWIRE_OK) {
    char msg[512];
    tw_describe_failure(msg, sizeof msg, "server name", conn, rc);
    return tw_err(TW_EXIT_USAGE, "cannot use '%s' as the server name: %s",
                  name, msg);
  }
  return TW_EXIT_OK;
}

/* ------------------------------------------------------------ sessions */

/* --sess-in: a saved session to offer. A missing or unusable file is not
 * fatal: the client says so and runs a full handshake. */
static void offer_session(tlswire_conn *conn, tlswire_context *ctx,
                          const client_opts *o) {
  tlswire_session *sess = NULL;
  unsigned char *buf = malloc(SESSION_MAX);
  ssize_t n = -1;
  int fd = open(o->sess_in, O_RDONLY | O_CLOEXEC);

  if (fd >= 0 && buf != NULL)
    n = read(fd, buf, SESSION_MAX);
  if (fd < 0)
    tw_err(0, "%s: %s; running a full handshake", o->sess_in,
           strerror(errno));
  else if (n <= 0 || tlswire_session_from_bytes(&sess, ctx, buf,
                                                (size_t)n) != TLSWIRE_OK)
    tw_err(0, "%s: not a saved tlswire session; running a full handshake",
           o->sess_in);
  else if (tlswire_conn_set_session(conn, sess) != TLSWIRE_OK)
    tw_err(0, "%s: the session cannot be offered; running a full handshake",
           o->sess_in);
  if (fd >= 0)
    close(fd);
  tlswire_session_free(sess);
  if (buf != NULL)
    OPENSSL_cleanse(buf, SESSION_MAX);
  free(buf);
}

static int write_file(const char *path, const void *buf, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ssize_t n = fd < 0 ? -1 : write(fd, buf, len);
  int err = errno;

  if (fd >= 0 && close(fd) != 0 && n >= 0)
    n = -1;
  if (n == (ssize_t)len)
    return TW_EXIT_OK;
  return tw_err(TW_EXIT_SETUP, "%s: cannot write the session: %s", path,
                n < 0 ? strerror(err) : "short write");
}

/* --sess-out: the session, if the server gave a resumable one. */
static int save_session(const tlswire_conn *conn, const client_opts *o) {
  tlswire_session *sess = NULL;
  unsigned char *buf = NULL;
  size_t size = 0;
  int ex = TW_EXIT_SETUP;

  if (tlswire_conn_get_session(conn, &sess) != TLSWIRE_OK || sess == NULL ||
      !tlswire_session_is_resumable(sess)) {
    tlswire_session_free(sess);
    return tw_err(TW_EXIT_OK, "%s: not written: the server gave no "
                  "resumable session", o->sess_out);
  }
  if (tlswire_session_to_bytes(sess, NULL, 0, &size) == TLSWIRE_OK &&
      (buf = malloc(size)) != NULL &&
      tlswire_session_to_bytes(sess, buf, size, &size) == TLSWIRE_OK)
    ex = write_file(o->sess_out, buf, size);
  else
    tw_err(ex, "%s: cannot encode the session", o->sess_out);
  if (buf != NULL)
    OPENSSL_cleanse(buf, size);
  free(buf);
  tlswire_session_free(sess);
  return ex;
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
  if (o->sess_in != NULL)
    fprintf(stderr, "session from %s: %s\n", o->sess_in,
            tw_session_reused(conn) ? "resumed"
                                    : "not resumed (full handshake)");
  fflush(stderr);
}

/* Waits for a non-blocking connect: 0, or the errno it failed with. */
static int connect_wait(int fd, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = POLLOUT};
  socklen_t len = sizeof(int);
  int n, err = 0;

  do
    n = poll(&p, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return ETIMEDOUT;
  if (n < 0)
    return errno;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    return errno;
  return err;
}

/* connect(2) on a non-blocking socket, bounded in time: 0 or an errno. */
static int connect_fd(int fd, const struct addrinfo *ai, int timeout_ms) {
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
    return 0;
  return errno == EINPROGRESS ? connect_wait(fd, timeout_ms) : errno;
}

/* The socket transport connects itself (tlswire_conn_connect, pyOpenSSL's
 * Connection.connect): 0 or an errno. */
static int connect_conn(tlswire_conn *conn, int fd, const struct addrinfo *ai,
                        int timeout_ms) {
  int err;

  if (tlswire_conn_connect(conn, ai->ai_addr, ai->ai_addrlen) == TLSWIRE_OK)
    return 0;
  err = tlswire_error_errno(tlswire_conn_last_error(conn));
  return err == EINPROGRESS ? connect_wait(fd, timeout_ms) : err;
}

/* One try at one address: TW_EXIT_OK with *conn connected and its socket
 * non-blocking; TW_EXIT_PEER with *err set when the address does not answer
 * (the caller tries the next one); another exit code for a local failure.
 * The fd transport has no socket methods, so with it the socket is
 * connected by connect(2) first and bound afterwards. */
static int connect_one(tlswire_conn **conn, tlswire_context *ctx,
                       const struct addrinfo *ai, const client_opts *o,
                       int *err) {
  int ex, fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                      ai->ai_protocol);

  *conn = NULL;
  if (fd < 0 || tw_net_nonblock(fd) != 0) {
    *err = errno;
    if (fd >= 0)
      close(fd);
    return TW_EXIT_PEER;
  }
  if (o->use_fd) {
    if ((*err = connect_fd(fd, ai, o->connect_ms)) == 0)
      return tw_conn_bind(conn, ctx, fd, 1);
    close(fd);
    return TW_EXIT_PEER;
  }
  if ((ex = tw_conn_bind(conn, ctx, fd, 0)) != TW_EXIT_OK)
    return ex; /* fd is closed */
  if ((*err = connect_conn(*conn, fd, ai, o->connect_ms)) == 0)
    return TW_EXIT_OK;
  tlswire_conn_free(*conn); /* closes fd */
  *conn = NULL;
  return TW_EXIT_PEER;
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
    ex = connect_one(conn, ctx, ai, o, &err);
  freeaddrinfo(res);
  if (ex == TW_EXIT_PEER && err == ETIMEDOUT)
    return tw_err(TW_EXIT_PEER, "cannot connect to %s port %s: no answer "
                  "within %.1f s (--connect-timeout)", o->host, o->port,
                  o->connect_ms / 1000.0);
  if (ex == TW_EXIT_PEER)
    return tw_err(TW_EXIT_PEER, "cannot connect to %s port %s: %s", o->host,
                  o->port, strerror(err != 0 ? err : errno));
  return ex;
}

/* After a failed handshake: what to do about it, in plain words. */
static void handshake_hint(const tlswire_conn *conn, const client_opts *o) {
  long res = tlswire_conn_get_verify_result(conn);

  if (tw_is_version_mismatch(tlswire_conn_last_error(conn)))
    tw_err(0, "protocol version mismatch: this client allows %s; the server "
           "allows none of them%s", tw_versions_allowed(o->version),
           o->version == 0 ? "" : " (try without --tls1.2/--tls1.3)");
  else if (res == X509_V_ERR_HOSTNAME_MISMATCH ||
           res == X509_V_ERR_IP_ADDRESS_MISMATCH)
    tw_err(0, "hint: the server's certificate is not for '%s'; check "
           "another name with --servername, or skip verification with "
           "--insecure (unsafe)", server_name(o));
  else if (res != X509_V_OK && !o->insecure)
    tw_err(0, "hint: give the CA that issued the server's certificate with "
           "--cafile FILE, or skip verification with --insecure (unsafe)");
}

static int handshake(tlswire_conn *conn, int fd, const client_opts *o) {
  int ex = tw_handshake(conn, fd, "handshake");

  if (ex == TW_EXIT_PEER)
    handshake_hint(conn, o);
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
  if (ex == TW_EXIT_OK && o->sess_in != NULL)
    offer_session(r.conn, ctx, o);
  if (ex == TW_EXIT_OK)
    ex = handshake(r.conn, r.fd, o);
  if (ex == TW_EXIT_OK) {
    print_connected(o, r.conn, r.fd);
    ex = relay_run(&r);
  }
  if (ex == TW_EXIT_OK && o->sess_out != NULL)
    ex = save_session(r.conn, o);
  tlswire_conn_free(r.conn);
  return ex;
}

int tw_cmd_client(int argc, char **argv) {
  client_opts o = {.connect_ms = CONNECT_TIMEOUT_MS};
  tlswire_context *ctx = NULL;
  int ex = parse(argc, argv, &o);

  if (ex != TW_EXIT_OK)
    return ex < 0 ? TW_EXIT_OK : ex;
  ex = make_ctx(&ctx, &o);
  if (ex == TW_EXIT_OK)
    ex = run(ctx, &o);
  tlswire_context_free(ctx);
  tw_pass_clear(&o.pass);
  tw_keylog_close();
  return ex;
}

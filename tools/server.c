/*
 * tools/server.c - `tlswire server PORT --cert FILE --key FILE`: listens,
 * accepts one client at a time, prints what was negotiated with it, and
 * echoes whatever it sends until it closes. --once serves a single client
 * and exits with that client's outcome. With the socket transport, clients
 * come from tlswire_conn_accept on a connection bound to the listening
 * socket, as with pyOpenSSL's Connection.accept.
 */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#define ECHO_CHUNK 16384

typedef struct server_opts {
  const char *port, *cert, *key, *chain, *alpn, *bind;
  int once, version, use_fd;
} server_opts;

static const char server_usage[] =
    "Usage: tlswire server PORT --cert FILE --key FILE [options]\n"
    "\n"
    "Listens on PORT (0 picks a free one; the address is printed as\n"
    "\"listening on ADDR:PORT\"), accepts clients one at a time, prints what\n"
    "was negotiated with each, and echoes back everything a client sends\n"
    "until it closes.\n"
    "\n"
    "  --cert FILE           the server certificate (PEM; may be followed by\n"
    "                        its chain)\n"
    "  --key FILE            its private key (PEM)\n"
    "  --chain FILE          more chain certificates to send (PEM)\n"
    "  --alpn P1,P2          the ALPN protocols accepted, in order of\n"
    "                        preference; a client offering none of them is\n"
    "                        refused\n"
    "  --bind ADDR           the address to listen on (default 127.0.0.1)\n"
    "  --once                serve one client, then exit with its outcome\n"
    "  --transport socket|fd bind connections with the socket transport\n"
    "                        (default) or the file-descriptor transport\n"
    "  --tls1.2, --tls1.3    use only this protocol version\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status (--once): 0 the client closed cleanly, 1 TLS or network\n"
    "failure, 2 usage error, 3 local setup error (files, keys, bind).\n";

/* --------------------------------------------------------------- options */

enum { OPT_CERT = 256, OPT_KEY, OPT_CHAIN, OPT_ALPN, OPT_BIND, OPT_ONCE };

static int server_option(int c, const char *arg, void *opts) {
  server_opts *o = opts;
  switch (c) {
  case OPT_CERT:
    o->cert = arg;
    return TW_EXIT_OK;
  case OPT_KEY:
    o->key = arg;
    return TW_EXIT_OK;
  case OPT_CHAIN:
    o->chain = arg;
    return TW_EXIT_OK;
  case OPT_ALPN:
    o->alpn = arg;
    return TW_EXIT_OK;
  case OPT_BIND:
    o->bind = arg;
    return TW_EXIT_OK;
  case OPT_ONCE:
    o->once = 1;
    return TW_EXIT_OK;
  default:
    return -1;
  }
}

static int check_args(int argc, char **argv, server_opts *o) {
  if (argc - optind != 1)
    return tw_usage_error("server", "expected PORT");
  o->port = argv[optind];
  if (o->cert == NULL || o->key == NULL)
    return tw_usage_error("server", "--cert and --key are required");
  if (o->alpn != NULL &&
      tw_alpn_wire(o->alpn, (unsigned char[1024]){0}, 1024) == 0)
    return tw_usage_error("server", "bad ALPN list '%s'", o->alpn);
  return TW_EXIT_OK;
}

/* TW_EXIT_OK, an exit code, or -1 after --help. */
static int parse(int argc, char **argv, server_opts *o) {
  static const struct option opts[] = {
      {"cert", required_argument, NULL, OPT_CERT},
      {"key", required_argument, NULL, OPT_KEY},
      {"chain", required_argument, NULL, OPT_CHAIN},
      {"alpn", required_argument, NULL, OPT_ALPN},
      {"bind", required_argument, NULL, OPT_BIND},
      {"once", no_argument, NULL, OPT_ONCE},
      TW_OPTS_TRANSPORT,
      TW_OPTS_VERSION,
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  static const tw_command cmd = {"server", ":h", server_usage, opts,
                                 server_option};
  int ex = tw_parse_options(&cmd, argc, argv, &o->version, &o->use_fd, o);
  return ex != TW_EXIT_OK ? ex : check_args(argc, argv, o);
}

/* ---------------------------------------------------------------- setup */

/* Appends every certificate of a PEM file to out, as PEM; *n counts them.
 * TW_EXIT_OK, or TW_EXIT_SETUP after saying why. */
static int append_certs(BIO *out, const char *path, int *n) {
  FILE *f = fopen(path, "r");
  X509 *x;
  int ok = 1;

  if (f == NULL)
    return tw_err(TW_EXIT_SETUP, "%s: %s", path, strerror(errno));
  while (ok && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
    ok = PEM_write_bio_X509(out, x) == 1;
    X509_free(x);
    *n += ok;
  }
  fclose(f);
  ERR_clear_error(); /* the read that ended the loop */
  return ok ? TW_EXIT_OK : tw_err(TW_EXIT_SETUP, "%s: out of memory", path);
}

/*
 * --chain: the certificates of the --cert file, then those of the --chain
 * file, loaded again as one chain (tlswire_context_use_certificate_chain_mem;
 * same leaf, so the private key stays). Not
 * tlswire_context_add_extra_chain_cert: libssl sends the context's extra
 * certificates only while the certificate has no chain of its own, so they
 * would be dropped whenever the --cert file carries its chain.
 */
static int add_chain(tlswire_context *ctx, const char *cert,
                     const char *chain) {
  BIO *mem = BIO_new(BIO_s_mem());
  char *pem;
  long len;
  int n = 0, from_cert, rc, ex;

  if (mem == NULL)
    return tw_err(TW_EXIT_SETUP, "%s: out of memory", chain);
  ex = append_certs(mem, cert, &n);
  if (ex == TW_EXIT_OK && n == 0)
    ex = tw_err(TW_EXIT_SETUP, "%s: no certificate found", cert);
  from_cert = n;
  if (ex == TW_EXIT_OK)
    ex = append_certs(mem, chain, &n);
  if (ex == TW_EXIT_OK && n == from_cert)
    ex = tw_err(TW_EXIT_SETUP, "%s: no certificate found", chain);
  if (ex == TW_EXIT_OK) {
    len = BIO_get_mem_data(mem, &pem);
    rc = tlswire_context_use_certificate_chain_mem(ctx, pem, (size_t)len);
    if (rc != TLSWIRE_OK)
      ex = tw_fail_ctx(chain, ctx, rc);
  }
  BIO_free(mem);
  return ex;
}

static int make_ctx(tlswire_context **ctx, const server_opts *o) {
  int rc, ex = tw_context_new(ctx, o->version);

  if (ex != TW_EXIT_OK)
    return ex;
  if ((rc = tlswire_context_use_certificate_chain_file(*ctx, o->cert)) != 0)
    return tw_fail_ctx(o->cert, *ctx, rc);
  if ((rc = tlswire_context_use_privatekey_file(*ctx, o->key,
                                                TLSWIRE_FILETYPE_PEM)) != 0)
    return tw_fail_ctx(o->key, *ctx, rc);
  if ((rc = tlswire_context_check_privatekey(*ctx)) != TLSWIRE_OK)
    return tw_fail_thread("the key does not match the certificate", rc);
  if (o->chain != NULL && add_chain(*ctx, o->cert, o->chain) != TW_EXIT_OK)
    return TW_EXIT_SETUP;
  if (o->alpn != NULL && (rc = tw_alpn_accept(*ctx, o->alpn)) != TLSWIRE_OK)
    return tw_fail_ctx("ALPN", *ctx, rc);
  return TW_EXIT_OK;
}

/* ----------------------------------------------------------------- echo */

/* Echoes until the client closes: TW_EXIT_OK for close_notify. */
static int echo(tlswire_conn *conn, int fd, size_t *total) {
  unsigned char buf[ECHO_CHUNK];
  size_t n;
  int rc, ex;

  for (;;) {
    rc = tlswire_conn_recv(conn, buf, sizeof buf, &n);
    if (rc == TLSWIRE_OK) {
      if ((ex = tw_send_all(conn, fd, buf, n)) != TW_EXIT_OK)
        return ex;
      *total += n;
      continue;
    }
    if (rc == TLSWIRE_E_ZERO_RETURN) {
      tw_close_reply(conn);
      return TW_EXIT_OK;
    }
    if (rc != TLSWIRE_E_WANT_READ && rc != TLSWIRE_E_WANT_WRITE)
      return tw_fail_conn("receive", conn, rc);
    if (tw_net_wait(fd, rc, -1) < 0)
      return tw_err(TW_EXIT_SETUP, "poll: %s", strerror(errno));
  }
}

/* The listening side. With the socket transport it is a connection bound
 * to the listening socket, whose accept hands out bound connections in the
 * server role (pyOpenSSL's Connection.accept); with the fd transport,
 * accept(2) and a new fd transport per client. */
typedef struct listener {
  tlswire_context *ctx;
  tlswire_conn *conn; /* socket transport only; owns lfd */
  int lfd, use_fd;
} listener;

static int listener_open(listener *l, tlswire_context *ctx, int lfd,
                         int use_fd) {
  tlswire_transport *t;
  int rc;

  *l = (listener){.ctx = ctx, .lfd = lfd, .use_fd = use_fd};
  if (use_fd)
    return TW_EXIT_OK;
  /* With TLSWIRE_TRANSPORT_CLOSE the transport owns lfd from here on, and
   * has already closed it if it failed. */
  rc = tlswire_transport_socket_new(&t, lfd, TLSWIRE_TRANSPORT_CLOSE);
  if (rc != TLSWIRE_OK) {
    return tw_err(tw_exit_for(rc), "listening transport: %s",
                  tlswire_status_name(rc));
  }
  rc = tlswire_conn_new(&l->conn, ctx, t); /* owns t, also on failure */
  return rc == TLSWIRE_OK ? TW_EXIT_OK
                          : tw_fail_thread("listening connection", rc);
}

static void listener_close(listener *l) {
  if (l->conn != NULL)
    tlswire_conn_free(l->conn);
  else if (l->use_fd)
    close(l->lfd);
}

static int accept_fd(listener *l, tlswire_conn **conn) {
  int fd;

  do
    fd = accept(l->lfd, NULL, NULL);
  while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
  if (fd < 0)
    return tw_err(TW_EXIT_SETUP, "accept: %s", strerror(errno));
  return tw_conn_on_fd(conn, l->ctx, fd, 1);
}

static int accept_socket(listener *l, tlswire_conn **conn) {
  int rc, err;

  while ((rc = tlswire_conn_accept(l->conn, conn, NULL, NULL)) != 0) {
    err = tlswire_error_errno(tlswire_conn_last_error(l->conn));
    if (rc != TLSWIRE_E_SYSCALL || (err != EINTR && err != ECONNABORTED)) {
      tw_fail_conn("accept", l->conn, rc);
      return TW_EXIT_SETUP;
    }
  }
  if (tw_net_nonblock(tlswire_conn_fileno(*conn)) != 0) {
    tlswire_conn_free(*conn);
    return tw_err(TW_EXIT_SETUP, "cannot make the socket non-blocking");
  }
  return TW_EXIT_OK;
}

/* Handshake, echo, close with one client; the connection is freed. */
static int serve_one(tlswire_conn *conn) {
  int fd = tlswire_conn_fileno(conn);
  char peer[128];
  size_t total = 0;
  int ex;

  tw_net_peer_name(fd, peer, sizeof peer);
  tlswire_conn_set_accept_state(conn);
  ex = tw_handshake(conn, fd, "handshake");
  if (ex == TW_EXIT_OK) {
    printf("client %s connected\n", peer);
    tw_print_params(stdout, conn);
    tw_print_chain(stdout, conn);
    fflush(stdout);
    ex = echo(conn, fd, &total);
  }
  printf("client %s %s, %zu bytes echoed\n", peer,
         ex == TW_EXIT_OK ? "closed" : "failed", total);
  fflush(stdout);
  tlswire_conn_free(conn);
  return ex;
}

static int serve(listener *l, int once) {
  tlswire_conn *conn;
  int ex;

  for (;;) {
    ex = l->use_fd ? accept_fd(l, &conn) : accept_socket(l, &conn);
    if (ex != TW_EXIT_OK)
      return ex;
    ex = serve_one(conn);
    if (once)
      return ex;
  }
}

int tw_cmd_server(int argc, char **argv) {
  server_opts o = {.bind = "127.0.0.1"};
  tlswire_context *ctx = NULL;
  listener l;
  char addr[128];
  int lfd, ex = parse(argc, argv, &o);

  if (ex != TW_EXIT_OK)
    return ex < 0 ? TW_EXIT_OK : ex;
  /* A client that vanishes must not kill the server; the transports do not
   * need this (they send with MSG_NOSIGNAL), stdout on a closed pipe does. */
  signal(SIGPIPE, SIG_IGN);
  ex = make_ctx(&ctx, &o);
  if (ex == TW_EXIT_OK && (lfd = tw_net_listen(o.bind, o.port)) < 0)
    ex = TW_EXIT_SETUP;
  if (ex == TW_EXIT_OK) {
    tw_net_local_name(lfd, addr, sizeof addr);
    ex = listener_open(&l, ctx, lfd, o.use_fd);
  }
  if (ex == TW_EXIT_OK) {
    printf("listening on %s\n", addr);
    fflush(stdout);
    ex = serve(&l, o.once);
    listener_close(&l);
  }
  tlswire_context_free(ctx);
  return ex;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/server.c - `tlswire server PORT --cert FILE --key FILE`: the
 * options, the contexts (one per certificate: --cert, and each --sni), and
 * the listening socket. The event loop that serves the clients, many at
 * once, is in serve.c.
 */
#include "server.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

static const char server_usage[] =
    "Usage: tlswire server PORT --cert FILE --key FILE [options]\n"
    "\n"
    "Listens on PORT (1 to 65535; 0 picks a free one; the address is printed\n"
    "as \"listening on ADDR:PORT\"), serves many clients at once from one\n"
    "event loop, and echoes back everything each client sends until it\n"
    "closes. One line per connection on stderr: peer, protocol, cipher,\n"
    "bytes each way, duration, how it ended. SIGINT or SIGTERM stops the\n"
    "server after closing every connection gracefully.\n"
    "\n"
    "  --cert FILE           the server certificate (PEM; may be followed by\n"
    "                        its chain)\n"
    "  --key FILE            its private key (PEM, maybe encrypted)\n"
    "  --pass SOURCE         the key's passphrase: file:PATH (its first line)\n"
    "                        or env:VAR; default: asked on the terminal\n"
    "  --chain FILE          more chain certificates to send (PEM)\n"
    "  --sni NAME:CERT:KEY   for clients asking for NAME (SNI), use this\n"
    "                        certificate and key instead (repeatable)\n"
    "  --verify-client       require a client certificate issued by a CA\n"
    "                        of --cafile\n"
    "  --cafile FILE         the CAs for --verify-client (PEM)\n"
    "  --alpn P1,P2          the ALPN protocols accepted, in order of\n"
    "                        preference; a client offering none of them is\n"
    "                        refused\n"
    "  --bind ADDR           the address to listen on (default 127.0.0.1)\n"
    "  --handshake-timeout S drop a client whose handshake takes longer\n"
    "                        (default 10 s)\n"
    "  --idle-timeout S      close a connection idle this long (default 60 s)\n"
    "  --close-timeout S     how long a graceful close waits for the client\n"
    "                        (default 2 s)\n"
    "  --max-conns N         serve at most N clients at once; more wait in\n"
    "                        the listen queue (default 256)\n"
    "  --once                serve one client, then exit with its outcome\n"
    "  --transport socket|fd bind connections with the socket transport\n"
    "                        (default) or the file-descriptor transport\n"
    "  --tls1.2, --tls1.3    use only this protocol version\n"
    "  -v, --verbose         trace each handshake on stderr\n"
    "  -h, --help            show this help\n"
    "\n"
    "Environment: SSLKEYLOGFILE, if set, receives the session secrets.\n"
    "\n"
    "Exit status: 0 stopped by SIGINT/SIGTERM (--once: the client closed\n"
    "cleanly), 1 TLS or network failure (--once), 2 usage error, 3 local\n"
    "setup error (files, keys, bind).\n";

/* --------------------------------------------------------------- options */

enum {
  OPT_CERT = 256,
  OPT_KEY,
  OPT_CHAIN,
  OPT_ALPN,
  OPT_BIND,
  OPT_ONCE,
  OPT_PASS,
  OPT_CAFILE,
  OPT_VCLIENT,
  OPT_SNI,
  OPT_HS_TIMEOUT,
  OPT_IDLE_TIMEOUT,
  OPT_CLOSE_TIMEOUT,
  OPT_MAX_CONNS
};

/* --sni NAME:CERT:KEY, split at the first two colons. */
static int add_sni(server_opts *o, const char *arg) {
  srv_sni *e = &o->sni[o->n_sni];
  char *c1, *c2;

  if (o->n_sni == SRV_MAX_SNI)
    return tw_usage_error("server", "at most %d --sni options", SRV_MAX_SNI);
  if ((e->name = strdup(arg)) == NULL)
    return tw_err(TW_EXIT_SETUP, "out of memory");
  c1 = strchr(e->name, ':');
  c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (c1 == NULL || c2 == NULL || c1 == e->name || c2 == c1 + 1 ||
      c2[1] == '\0') {
    free(e->name);
    e->name = NULL;
    return tw_usage_error("server", "--sni takes NAME:CERT:KEY, not '%s'",
                          arg);
  }
  *c1 = *c2 = '\0';
  e->cert = c1 + 1;
  e->key = c2 + 1;
  o->n_sni++;
  return TW_EXIT_OK;
}

/* Options with a value to check. */
static int server_value(server_opts *o, int c, const char *arg) {
  switch (c) {
  case OPT_PASS:
    o->pass.spec = arg;
    return tw_pass_check("server", arg);
  case OPT_SNI:
    return add_sni(o, arg);
  case OPT_HS_TIMEOUT:
    return tw_parse_seconds("server", "--handshake-timeout", arg,
                            &o->handshake_ms);
  case OPT_IDLE_TIMEOUT:
    return tw_parse_seconds("server", "--idle-timeout", arg, &o->idle_ms);
  case OPT_CLOSE_TIMEOUT:
    return tw_parse_seconds("server", "--close-timeout", arg, &o->close_ms);
  case OPT_MAX_CONNS:
    return tw_parse_count("server", "--max-conns", arg, SRV_MAX_CONNS_LIMIT,
                          &o->max_conns);
  default:
    return -1;
  }
}

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
  case OPT_CAFILE:
    o->cafile = arg;
    return TW_EXIT_OK;
  case OPT_VCLIENT:
    o->verify_client = 1;
    return TW_EXIT_OK;
  case 'v':
    o->verbose = 1;
    return TW_EXIT_OK;
  default:
    return server_value(o, c, arg);
  }
}

static int check_args(int argc, char **argv, server_opts *o) {
  int ex;

  if (argc - optind != 1)
    return tw_usage_error("server", "expected PORT");
  o->port = argv[optind];
  if ((ex = tw_check_port("server", o->port, 1)) != TW_EXIT_OK)
    return ex;
  if (o->cert == NULL || o->key == NULL)
    return tw_usage_error("server", "--cert and --key are required");
  if (o->verify_client && o->cafile == NULL)
    return tw_usage_error("server", "--verify-client needs --cafile");
  if (o->cafile != NULL && !o->verify_client)
    return tw_usage_error("server", "--cafile is used only with "
                          "--verify-client");
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
      {"pass", required_argument, NULL, OPT_PASS},
      {"sni", required_argument, NULL, OPT_SNI},
      {"cafile", required_argument, NULL, OPT_CAFILE},
      {"verify-client", no_argument, NULL, OPT_VCLIENT},
      {"alpn", required_argument, NULL, OPT_ALPN},
      {"bind", required_argument, NULL, OPT_BIND},
      {"handshake-timeout", required_argument, NULL, OPT_HS_TIMEOUT},
      {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
      {"close-timeout", required_argument, NULL, OPT_CLOSE_TIMEOUT},
      {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
      {"once", no_argument, NULL, OPT_ONCE},
      {"verbose", no_argument, NULL, 'v'},
      TW_OPTS_TRANSPORT,
      TW_OPTS_VERSION,
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  static const tw_command cmd = {"server", ":hv", server_usage, opts,
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

/* What every context of the server has, whatever its certificate. */
static int setup_ctx(tlswire_context *ctx, const server_opts *o) {
  static const char sid[] = "tlswire server";
  int rc, ex;

  if ((rc = tlswire_context_set_session_id(ctx, sid, sizeof sid - 1)) != 0)
    return tw_fail_ctx("session id", ctx, rc);
  if (o->alpn != NULL && (rc = tw_alpn_accept(ctx, o->alpn)) != TLSWIRE_OK)
    return tw_fail_ctx("ALPN", ctx, rc);
  if ((rc = srv_watch_versions(ctx)) != TLSWIRE_OK)
    return tw_fail_ctx("ClientHello callback", ctx, rc);
  if (o->verbose && (ex = tw_trace_on(ctx, "tlswire server")) != TW_EXIT_OK)
    return ex;
  if ((ex = tw_keylog_open(ctx)) != TW_EXIT_OK)
    return ex;
  if (!o->verify_client)
    return TW_EXIT_OK;
  if ((ex = tw_load_cafile(ctx, o->cafile)) != TW_EXIT_OK)
    return ex;
  if ((rc = tlswire_context_load_client_ca(ctx, o->cafile)) != TLSWIRE_OK)
    return tw_fail_ctx(o->cafile, ctx, rc);
  rc = tlswire_context_set_verify(
      ctx, TLSWIRE_VERIFY_PEER | TLSWIRE_VERIFY_FAIL_IF_NO_PEER_CERT, NULL,
      NULL);
  return rc == TLSWIRE_OK ? TW_EXIT_OK : tw_fail_ctx("verify", ctx, rc);
}

static int make_ctx(tlswire_context **ctx, server_opts *o, const char *cert,
                    const char *key, const char *chain) {
  int ex = tw_context_new(ctx, o->version);

  if (ex == TW_EXIT_OK)
    ex = setup_ctx(*ctx, o);
  if (ex == TW_EXIT_OK)
    ex = tw_load_cert_key(*ctx, cert, key, &o->pass);
  if (ex == TW_EXIT_OK && chain != NULL)
    ex = add_chain(*ctx, cert, chain);
  return ex;
}

/* The SNI callback: the context of the --sni entry for the name the client
 * asked for (ASCII case ignored), else the --cert one. */
static int sni_select(tlswire_conn *conn, void *arg) {
  const server_opts *o = arg;
  const char *name = tlswire_conn_get_servername(conn);

  if (name == NULL)
    return 0;
  for (size_t i = 0; i < o->n_sni; i++)
    if (strcasecmp(name, o->sni[i].name) == 0)
      return tlswire_conn_set_context(conn, o->sni[i].ctx) == TLSWIRE_OK ? 0
                                                                         : 1;
  return 0;
}

static int make_contexts(tlswire_context **ctx, server_opts *o) {
  int rc, ex = make_ctx(ctx, o, o->cert, o->key, o->chain);

  for (size_t i = 0; ex == TW_EXIT_OK && i < o->n_sni; i++)
    ex = make_ctx(&o->sni[i].ctx, o, o->sni[i].cert, o->sni[i].key, NULL);
  if (ex != TW_EXIT_OK || o->n_sni == 0)
    return ex;
  rc = tlswire_context_set_tlsext_servername_callback(*ctx, sni_select, o);
  return rc == TLSWIRE_OK ? TW_EXIT_OK : tw_fail_ctx("SNI", *ctx, rc);
}

static void free_opts(server_opts *o) {
  for (size_t i = 0; i < o->n_sni; i++) {
    tlswire_context_free(o->sni[i].ctx);
    free(o->sni[i].name);
  }
  tw_pass_clear(&o->pass);
}

static int listen_on(const server_opts *o, int *lfd) {
  char addr[128];

  if ((*lfd = tw_net_listen(o->bind, o->port)) < 0)
    return TW_EXIT_SETUP;
  if (tw_net_nonblock(*lfd) != 0) {
    close(*lfd);
    return tw_err(TW_EXIT_SETUP, "cannot make the socket non-blocking");
  }
  tw_net_local_name(*lfd, addr, sizeof addr);
  printf("listening on %s\n", addr);
  fflush(stdout);
  return TW_EXIT_OK;
}

int tw_cmd_server(int argc, char **argv) {
  server_opts o = {.bind = "127.0.0.1",
                   .handshake_ms = SRV_HANDSHAKE_TIMEOUT_MS,
                   .idle_ms = SRV_IDLE_TIMEOUT_MS,
                   .close_ms = SRV_CLOSE_TIMEOUT_MS,
                   .max_conns = SRV_MAX_CONNS};
  tlswire_context *ctx = NULL;
  int lfd, ex = parse(argc, argv, &o);

  if (ex == TW_EXIT_OK) {
    /* A client that vanishes must not kill the server; the transports do
     * not need this (MSG_NOSIGNAL), stdout on a closed pipe does. */
    signal(SIGPIPE, SIG_IGN);
    ex = make_contexts(&ctx, &o);
  }
  if (ex == TW_EXIT_OK)
    ex = listen_on(&o, &lfd);
  if (ex == TW_EXIT_OK)
    ex = srv_run(ctx, lfd, &o);
  tlswire_context_free(ctx);
  free_opts(&o);
  tw_keylog_close();
  return ex < 0 ? TW_EXIT_OK : ex;
}

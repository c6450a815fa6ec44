/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/demo.c - `tlswire demo`: a client and a server in one process,
 * joined by tlswire's in-process pipe transport, with a throw-away
 * certificate made on the spot. Handshake, 1 MiB echoed back and checked,
 * close_notify both ways, then a second connection that resumes the session.
 *
 * Both connections are non-blocking: a call that would block returns
 * TLSWIRE_E_WANT_READ / WANT_WRITE and the loop turns to the other side.
 */
#include "tool.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#define DEMO_HOST "localhost"
#define DEMO_CA "tlswire demo CA"
#define DEMO_ALPN "demo/1"
#define DEMO_BYTES ((size_t)1 << 20)
#define DEMO_PIPE_CAPACITY ((size_t)65536)
#define DEMO_CHUNK ((size_t)16384)
/* Turns of the loop without progress before the demo calls it stalled. */
#define DEMO_STALL_LIMIT 1000

typedef struct demo_pair {
  tlswire_conn *client;
  tlswire_conn *server;
} demo_pair;

static const char demo_usage[] =
    "Usage: tlswire demo [--tls1.2|--tls1.3]\n"
    "\n"
    "Runs a TLS client and server in one process, joined by tlswire's\n"
    "in-process pipe transport, with a throw-away EC P-256 certificate made\n"
    "in memory: a full handshake, 1 MiB echoed back and checked with\n"
    "SHA-256, close_notify both ways, then a second connection that resumes\n"
    "the session. Needs no network and no files.\n"
    "\n"
    "  --tls1.2, --tls1.3  use only this protocol version\n"
    "  -h, --help          show this help\n";

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

/* ------------------------------------------------------------- contexts */

static int server_ctx(tlswire_context **ctx, const tw_certs *certs,
                      int version) {
  int rc, ex = tw_context_new(ctx, version);

  if (ex != TW_EXIT_OK)
    return ex;
  rc = tlswire_context_use_certificate(*ctx, certs->leaf);
  if (rc == TLSWIRE_OK)
    rc = tlswire_context_use_privatekey(*ctx, certs->leaf_key);
  if (rc == TLSWIRE_OK)
    rc = tw_alpn_accept(*ctx, DEMO_ALPN);
  return rc == TLSWIRE_OK ? TW_EXIT_OK
                          : tw_fail_ctx("server certificate", *ctx, rc);
}

/* The client trusts the demo CA only, given as PEM text like a CA file. */
static int trust_ca(tlswire_context *ctx, X509 *ca) {
  BIO *mem = BIO_new(BIO_s_mem());
  char *pem;
  long len;
  int rc = TLSWIRE_E_NOMEM;

  if (mem != NULL && PEM_write_bio_X509(mem, ca) == 1) {
    len = BIO_get_mem_data(mem, &pem);
    rc = tlswire_context_load_verify_locations_mem(ctx, pem, (size_t)len,
                                                   TLSWIRE_FILETYPE_PEM);
  }
  BIO_free(mem);
  return rc;
}

static int client_ctx(tlswire_context **ctx, const tw_certs *certs,
                      int version) {
  int rc, ex = tw_context_new(ctx, version);

  if (ex != TW_EXIT_OK)
    return ex;
  rc = trust_ca(*ctx, certs->ca);
  if (rc == TLSWIRE_OK)
    rc = tlswire_context_set_verify(*ctx, TLSWIRE_VERIFY_PEER, NULL, NULL);
  if (rc == TLSWIRE_OK)
    rc = tw_alpn_offer(*ctx, DEMO_ALPN ",http/1.1");
  return rc == TLSWIRE_OK ? TW_EXIT_OK : tw_fail_ctx("client trust", *ctx, rc);
}

/* ---------------------------------------------------------- connections */

static void pair_free(demo_pair *p) {
  tlswire_conn_free(p->client);
  tlswire_conn_free(p->server);
  p->client = p->server = NULL;
}

/* Two connections joined by the two ends of a pipe transport; the client
 * asks for DEMO_HOST (SNI and host name check) and offers session if
 * not NULL. */
static int pair_new(demo_pair *p, tlswire_context *cctx, tlswire_context *sctx,
                    tlswire_session *session) {
  tlswire_transport *a, *b;
  int rc = tlswire_transport_pipe_new(&a, &b, DEMO_PIPE_CAPACITY);

  p->client = p->server = NULL;
  if (rc != TLSWIRE_OK)
    return tw_err(TW_EXIT_SETUP, "pipe: %s", tlswire_status_name(rc));
  rc = tlswire_conn_new(&p->server, sctx, b); /* owns b, even on failure */
  if (rc != TLSWIRE_OK) {
    tlswire_transport_free(a);
    return tw_fail_thread("server connection", rc);
  }
  rc = tlswire_conn_new(&p->client, cctx, a);
  if (rc != TLSWIRE_OK) {
    pair_free(p);
    return tw_fail_thread("client connection", rc);
  }
  tlswire_conn_set_accept_state(p->server);
  tlswire_conn_set_connect_state(p->client);
  if (tlswire_conn_set_tlsext_host_name(p->client, DEMO_HOST,
                                        strlen(DEMO_HOST)) != TLSWIRE_OK ||
      tlswire_conn_set_verify_hostname(p->client, DEMO_HOST) != TLSWIRE_OK ||
      (session != NULL &&
       tlswire_conn_set_session(p->client, session) != TLSWIRE_OK)) {
    pair_free(p);
    return tw_err(TW_EXIT_SETUP, "client connection: out of memory");
  }
  return TW_EXIT_OK;
}

/* One step of one side's handshake; *done is set once it is complete. */
static int handshake_step(tlswire_conn *conn, int *done, const char *who) {
  int rc;

  if (*done)
    return TW_EXIT_OK;
  rc = tlswire_conn_do_handshake(conn);
  if (rc == TLSWIRE_OK)
    *done = 1;
  else if (!is_want(rc))
    return tw_fail_conn(who, conn, rc);
  return TW_EXIT_OK;
}

static int handshake(demo_pair *p) {
  int cdone = 0, sdone = 0, ex = TW_EXIT_OK;

  for (int i = 0; i < DEMO_STALL_LIMIT && !(cdone && sdone); i++) {
    ex = handshake_step(p->client, &cdone, "client handshake");
    if (ex == TW_EXIT_OK)
      ex = handshake_step(p->server, &sdone, "server handshake");
    if (ex != TW_EXIT_OK)
      return ex;
  }
  if (!(cdone && sdone))
    return tw_err(TW_EXIT_PEER, "handshake stalled");
  return TW_EXIT_OK;
}

/* ----------------------------------------------------------------- echo */

/* The state of one 1 MiB round trip. */
typedef struct echo {
  const unsigned char *data;
  size_t total, sent, back;
  unsigned char buf[DEMO_CHUNK]; /* what the server read, not yet echoed */
  size_t buf_len, buf_off;
  EVP_MD_CTX *md; /* SHA-256 of what came back */
} echo;

/* Each step returns 1 if it moved bytes, 0 if it would block, or a negative
 * status. */
static int client_send(tlswire_conn *client, echo *e) {
  size_t n, len = e->total - e->sent;
  int rc;

  if (len == 0)
    return 0;
  rc = tlswire_conn_send(client, e->data + e->sent,
                         len < DEMO_CHUNK ? len : DEMO_CHUNK, &n);
  if (rc != TLSWIRE_OK)
    return is_want(rc) ? 0 : rc;
  e->sent += n;
  return 1;
}

static int server_echo(tlswire_conn *server, echo *e) {
  size_t n;
  int rc;

  if (e->buf_off == e->buf_len) {
    rc = tlswire_conn_recv(server, e->buf, sizeof e->buf, &n);
    if (rc != TLSWIRE_OK)
      return is_want(rc) ? 0 : rc;
    e->buf_len = n;
    e->buf_off = 0;
  }
  rc = tlswire_conn_send(server, e->buf + e->buf_off, e->buf_len - e->buf_off,
                         &n);
  if (rc != TLSWIRE_OK)
    return is_want(rc) ? 0 : rc;
  e->buf_off += n;
  return 1;
}

static int client_recv(tlswire_conn *client, echo *e) {
  unsigned char buf[DEMO_CHUNK];
  size_t n;
  int rc = tlswire_conn_recv(client, buf, sizeof buf, &n);

  if (rc != TLSWIRE_OK)
    return is_want(rc) ? 0 : rc;
  if (EVP_DigestUpdate(e->md, buf, n) != 1)
    return TLSWIRE_E_NOMEM;
  e->back += n;
  return 1;
}

/* Ciphertext a full pipe did not take yet: push it on. */
static int flush_step(tlswire_conn *conn) {
  int rc = tlswire_conn_flush(conn);
  return rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE ? 0 : rc;
}

/* Sends e->total bytes from the client, the server echoes them back. */
static int echo_run(demo_pair *p, echo *e) {
  int idle = 0, rc;

  while (e->back < e->total && idle < DEMO_STALL_LIMIT) {
    int moved = 0;
    if ((rc = client_send(p->client, e)) < 0)
      return tw_fail_conn("client send", p->client, rc);
    moved |= rc;
    if ((rc = server_echo(p->server, e)) < 0)
      return tw_fail_conn("server echo", p->server, rc);
    moved |= rc;
    if ((rc = client_recv(p->client, e)) < 0)
      return tw_fail_conn("client receive", p->client, rc);
    moved |= rc;
    if ((rc = flush_step(p->client)) < 0)
      return tw_fail_conn("client send", p->client, rc);
    if ((rc = flush_step(p->server)) < 0)
      return tw_fail_conn("server echo", p->server, rc);
    idle = moved ? 0 : idle + 1;
  }
  return e->back == e->total ? TW_EXIT_OK
                             : tw_err(TW_EXIT_PEER, "data transfer stalled");
}

/* ------------------------------------------------------------- shutdown */

/* close_notify from the client, the server sees it and answers, the client
 * sees the answer: a clean close on both sides, so the session stays
 * resumable. */
static int close_pair(demo_pair *p) {
  unsigned char buf[256];
  size_t n;
  int rc = tlswire_conn_shutdown(p->client);

  if (rc < 0)
    return tw_fail_conn("client shutdown", p->client, rc);
  rc = tlswire_conn_recv(p->server, buf, sizeof buf, &n);
  if (rc != TLSWIRE_E_ZERO_RETURN)
    return tw_err(TW_EXIT_PEER, "server: expected close_notify, got %s",
                  tlswire_status_name(rc));
  rc = tlswire_conn_shutdown(p->server);
  if (rc != 1)
    return tw_fail_conn("server shutdown", p->server, rc);
  rc = tlswire_conn_shutdown(p->client);
  if (rc != 1)
    return tw_fail_conn("client shutdown", p->client, rc);
  return TW_EXIT_OK;
}

/* ----------------------------------------------------------------- main */

static double ms_since(const struct timespec *t0) {
  struct timespec t1;

  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
         (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void hex4(const unsigned char *md, char *out) {
  for (int i = 0; i < 4; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Random data and its SHA-256, plus an echo state to send it with. */
static echo *echo_new(unsigned char want[EVP_MAX_MD_SIZE]) {
  echo *e = calloc(1, sizeof *e);
  unsigned char *data = malloc(DEMO_BYTES);

  if (e == NULL || data == NULL || (e->md = EVP_MD_CTX_new()) == NULL ||
      RAND_bytes(data, (int)DEMO_BYTES) != 1 ||
      EVP_DigestInit_ex(e->md, EVP_sha256(), NULL) != 1 ||
      EVP_Digest(data, DEMO_BYTES, want, NULL, EVP_sha256(), NULL) != 1) {
    if (e != NULL)
      EVP_MD_CTX_free(e->md);
    free(e);
    free(data);
    return NULL;
  }
  e->data = data;
  e->total = DEMO_BYTES;
  return e;
}

static void echo_free(echo *e) {
  EVP_MD_CTX_free(e->md);
  free((void *)e->data);
  free(e);
}

/* 1 MiB from the client, echoed by the server, checked by the client. */
static int transfer(demo_pair *p) {
  unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
  char hex[9];
  struct timespec t0;
  echo *e = echo_new(want);
  int ex;

  if (e == NULL)
    return tw_err(TW_EXIT_SETUP, "demo data: out of memory");
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ex = echo_run(p, e);
  if (ex == TW_EXIT_OK &&
      (EVP_DigestFinal_ex(e->md, got, NULL) != 1 || memcmp(want, got, 32) != 0))
    ex = tw_err(TW_EXIT_PEER, "data: SHA-256 of the echo does not match");
  if (ex == TW_EXIT_OK) {
    hex4(got, hex);
    printf("  data:         %zu bytes echoed back in %.1f ms, SHA-256 %s "
           "matches\n",
           e->total, ms_since(&t0), hex);
  }
  echo_free(e);
  return ex;
}

/* The first connection: handshake, the echo, a clean close; *session is
 * then the client's session, resumable. */
static int first_connection(demo_pair *p, tlswire_session **session) {
  char alpn[256], verify[300];
  const char *group;
  int ex;

  if ((ex = handshake(p)) != TW_EXIT_OK)
    return ex;
  tw_alpn_selected(p->client, alpn, sizeof alpn);
  group = tw_group_name(p->client);
  printf("  connection 1: %s %s, group %s, ALPN %s\n",
         tlswire_conn_get_protocol_version_name(p->client),
         tlswire_conn_get_cipher_name(p->client), group ? group : "(none)",
         alpn[0] ? alpn : "(none)");
  printf("  verified:     %s\n",
         tw_verify_summary(p->client, verify, sizeof verify));
  if ((ex = transfer(p)) != TW_EXIT_OK || (ex = close_pair(p)) != TW_EXIT_OK)
    return ex;
  /* A new object, or NULL when there is none: the second connection then
   * does not resume, and says so. */
  if (tlswire_conn_get_session(p->client, session) != TLSWIRE_OK)
    *session = NULL;
  return TW_EXIT_OK;
}

/* The second connection offers the first one's session. */
static int second_connection(demo_pair *p) {
  static const char ping[] = "ping";
  unsigned char buf[16];
  size_t n;
  int rc, ex = handshake(p);

  if (ex != TW_EXIT_OK)
    return ex;
  rc = tlswire_conn_send(p->client, ping, 4, &n);
  if (rc == TLSWIRE_OK)
    rc = tlswire_conn_recv(p->server, buf, sizeof buf, &n);
  if (rc != TLSWIRE_OK || n != 4 || memcmp(buf, ping, 4) != 0)
    return tw_err(TW_EXIT_PEER, "resumed connection: data: %s",
                  tlswire_status_name(rc));
  int resumed = tw_session_reused(p->client) && tw_session_reused(p->server);
  printf("  connection 2: %s %s, session %s\n",
         tlswire_conn_get_protocol_version_name(p->client),
         tlswire_conn_get_cipher_name(p->client),
         resumed ? "resumed" : "NOT resumed");
  if (!resumed)
    return tw_err(TW_EXIT_PEER, "the second connection did not resume");
  return close_pair(p);
}

static int parse(int argc, char **argv, int *version) {
  static const struct option opts[] = {
      TW_OPTS_VERSION, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  static const tw_command cmd = {"demo", ":h", demo_usage, opts, NULL};
  int ex = tw_parse_options(&cmd, argc, argv, version, NULL, NULL);
  if (ex != TW_EXIT_OK)
    return ex;
  if (optind < argc)
    return tw_usage_error("demo", "unexpected argument '%s'", argv[optind]);
  return TW_EXIT_OK;
}

static int run(tlswire_context *cctx, tlswire_context *sctx) {
  demo_pair p;
  tlswire_session *session = NULL;
  int ex = pair_new(&p, cctx, sctx, NULL);

  if (ex != TW_EXIT_OK)
    return ex;
  ex = first_connection(&p, &session);
  pair_free(&p);
  if (ex != TW_EXIT_OK)
    return ex;
  ex = pair_new(&p, cctx, sctx, session);
  tlswire_session_free(session);
  if (ex != TW_EXIT_OK)
    return ex;
  ex = second_connection(&p);
  pair_free(&p);
  if (ex == TW_EXIT_OK)
    printf("  shutdown:     close_notify both ways, on both connections\n");
  return ex;
}

int tw_cmd_demo(int argc, char **argv) {
  tlswire_context *cctx = NULL, *sctx = NULL;
  tw_certs certs;
  int version = 0, ex = parse(argc, argv, &version);

  if (ex != TW_EXIT_OK)
    return ex < 0 ? TW_EXIT_OK : ex;
  printf("tlswire demo: client and server in one process over the pipe "
         "transport\n");
  if (tw_certs_make(&certs, DEMO_CA, DEMO_HOST) != 0)
    return tw_err(TW_EXIT_SETUP, "could not make the demo certificates");
  printf("  certificate:  EC P-256 \"" DEMO_HOST "\" from \"" DEMO_CA
         "\", made in memory\n");
  ex = server_ctx(&sctx, &certs, version);
  if (ex == TW_EXIT_OK)
    ex = client_ctx(&cctx, &certs, version);
  if (ex == TW_EXIT_OK)
    ex = run(cctx, sctx);
  tlswire_context_free(cctx);
  tlswire_context_free(sctx);
  tw_certs_free(&certs);
  if (ex == TW_EXIT_OK)
    printf("demo OK\n");
  return ex;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/util.c - messages, printing what was negotiated, ALPN lists.
 *
 * Everything goes through tlswire's API except two values tlswire has no
 * call for, read from libssl through the escape hatch tlswire_conn_get_ssl():
 * the host name that verification matched (SSL_get0_peername), and the
 * key-exchange group when tlswire is built against OpenSSL 3.0, where
 * tlswire_conn_get_group_name answers TLSWIRE_E_UNSUPPORTED.
 */
#include "tool.h"

#include <stdarg.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

const char *tw_progname = "tlswire";

int tw_err(int code, const char *fmt, ...) {
  va_list ap;

  fprintf(stderr, "%s: ", tw_progname);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return code;
}

int tw_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;

  fprintf(stderr, "%s%s%s: ", tw_progname, cmd ? " " : "", cmd ? cmd : "");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry '%s%s%s --help'.\n", tw_progname, cmd ? " " : "",
          cmd ? cmd : "");
  return TW_EXIT_USAGE;
}

/* The record's message, or the status's own text when the record is empty
 * (would-block statuses do not fill it). */
static const char *describe(const tlswire_error *rec, int rc) {
  const char *msg = tlswire_error_message(rec);
  return msg[0] != '\0' ? msg : tlswire_strerror(rc);
}

int tw_fail_ctx(const char *what, const tlswire_context *ctx, int rc) {
  return tw_err(TW_EXIT_SETUP, "%s: %s: %s", what, tlswire_status_name(rc),
                describe(tlswire_context_last_error(ctx), rc));
}

int tw_fail_thread(const char *what, int rc) {
  return tw_err(TW_EXIT_SETUP, "%s: %s: %s", what, tlswire_status_name(rc),
                describe(tlswire_thread_last_error(), rc));
}

int tw_exit_for(int rc) {
  switch (rc) {
  case TLSWIRE_E_NOMEM:
  case TLSWIRE_E_INVALID:
  case TLSWIRE_E_STATE:
  case TLSWIRE_E_UNSUPPORTED:
    return TW_EXIT_SETUP;
  default:
    return TW_EXIT_PEER;
  }
}

/* 1 if the connection verifies its peer's certificate. */
static int verifies_peer(const tlswire_conn *conn) {
  int mode = tlswire_conn_get_verify_mode(conn);
  return mode >= 0 && (mode & TLSWIRE_VERIFY_PEER) != 0;
}

/* Certificate verification's own reason, when it is what failed. */
static const char *verify_failure(const tlswire_conn *conn) {
  long res;

  if (conn == NULL || !verifies_peer(conn))
    return NULL;
  res = tlswire_conn_get_verify_result(conn);
  return res == X509_V_OK ? NULL : X509_verify_cert_error_string(res);
}

void tw_describe_failure(char *buf, size_t size, const char *what,
                         const tlswire_conn *conn, int rc) {
  const char *why = verify_failure(conn);
  int n = snprintf(buf, size, "%s: %s: %s", what, tlswire_status_name(rc),
                   describe(tlswire_conn_last_error(conn), rc));
  size_t used = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;

  if (why != NULL)
    snprintf(buf + used, size - used, " (%s)", why);
  else if (rc == TLSWIRE_E_SYSCALL &&
           tlswire_error_errno(tlswire_conn_last_error(conn)) == -1)
    snprintf(buf + used, size - used,
             " (the peer closed the connection without close_notify)");
}

int tw_fail_conn(const char *what, const tlswire_conn *conn, int rc) {
  char msg[1024];

  tw_describe_failure(msg, sizeof msg, what, conn, rc);
  fprintf(stderr, "%s: %s\n", tw_progname, msg);
  return tw_exit_for(rc);
}

/* ------------------------------------------------------------ negotiated */

/* libssl through the escape hatch: OpenSSL 3.0 has no SSL_get0_group_name,
 * so tlswire_conn_get_group_name cannot answer there. */
static const char *group_name_libssl(const tlswire_conn *conn) {
  SSL *ssl = tlswire_conn_get_ssl(conn);
  int nid;

  /* Without a session libssl has no group to report. */
  if (ssl == NULL || SSL_get_session(ssl) == NULL)
    return NULL;
  nid = SSL_get_negotiated_group(ssl);
  return nid > 0 ? SSL_group_to_name(ssl, nid) : NULL;
}

const char *tw_group_name(const tlswire_conn *conn) {
  const char *name = NULL;
  int rc = tlswire_conn_get_group_name(conn, &name);

  if (rc == TLSWIRE_E_UNSUPPORTED)
    return group_name_libssl(conn);
  return rc == TLSWIRE_OK ? name : NULL;
}

int tw_session_reused(const tlswire_conn *conn) {
  return tlswire_conn_session_reused(conn) == 1;
}

void tw_alpn_selected(const tlswire_conn *conn, char *buf, size_t size) {
  const unsigned char *proto = NULL;
  size_t len = 0;

  buf[0] = '\0';
  if (tlswire_conn_get_alpn_proto_negotiated(conn, &proto, &len) ==
          TLSWIRE_OK &&
      proto != NULL && len > 0)
    snprintf(buf, size, "%.*s", (int)len, (const char *)proto);
}

void tw_name_oneline(const X509_NAME *name, char *buf, size_t size) {
  BIO *mem = BIO_new(BIO_s_mem());
  int n;

  buf[0] = '\0';
  if (mem == NULL)
    return;
  if (X509_NAME_print_ex(mem, name, 0, XN_FLAG_RFC2253) >= 0) {
    n = BIO_read(mem, buf, (int)size - 1);
    buf[n > 0 ? n : 0] = '\0';
  }
  BIO_free(mem);
}

/* 1 if the peer sent a certificate. */
static int peer_sent_certificate(const tlswire_conn *conn) {
  X509 *peer = tlswire_conn_get_peer_certificate(conn); /* a new reference */

  X509_free(peer);
  return peer != NULL;
}

const char *tw_verify_summary(const tlswire_conn *conn, char *buf,
                              size_t size) {
  const char *peername;
  long res;

  if (!verifies_peer(conn))
    return "not requested";
  res = tlswire_conn_get_verify_result(conn);
  if (res != X509_V_OK)
    return X509_verify_cert_error_string(res);
  if (!peer_sent_certificate(conn))
    return "no certificate sent";
  /* tlswire has no call for the name verification matched: libssl's. */
  peername = SSL_get0_peername(tlswire_conn_get_ssl(conn));
  if (peername == NULL)
    return "ok";
  snprintf(buf, size, "ok, host name %s matches", peername);
  return buf;
}

void tw_print_params(FILE *out, const tlswire_conn *conn) {
  const char *group = tw_group_name(conn);
  const char *sni = tlswire_conn_get_servername(conn);
  char alpn[256], verify[300];

  tw_alpn_selected(conn, alpn, sizeof alpn);
  fprintf(out, "  protocol:    %s\n",
          tlswire_conn_get_protocol_version_name(conn));
  fprintf(out, "  cipher:      %s (%d-bit)\n",
          tlswire_conn_get_cipher_name(conn),
          tlswire_conn_get_cipher_bits(conn));
  fprintf(out, "  group:       %s\n", group ? group : "(none)");
  fprintf(out, "  alpn:        %s\n", alpn[0] ? alpn : "(none)");
  fprintf(out, "  server name: %s\n", sni ? sni : "(none)");
  fprintf(out, "  resumed:     %s\n", tw_session_reused(conn) ? "yes" : "no");
  fprintf(out, "  verify:      %s\n",
          tw_verify_summary(conn, verify, sizeof verify));
}

static void print_cert(FILE *out, int i, X509 *cert) {
  char subject[512], issuer[512];

  tw_name_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  tw_name_oneline(X509_get_issuer_name(cert), issuer, sizeof issuer);
  fprintf(out, "  %d subject: %s\n", i, subject);
  fprintf(out, "    issuer:  %s\n", issuer);
}

void tw_print_chain(FILE *out, const tlswire_conn *conn) {
  /* Both are new references, freed below. */
  X509 *leaf = tlswire_conn_get_peer_certificate(conn);
  STACK_OF(X509) *chain = NULL;
  int i = 0, n;

  if (leaf == NULL) {
    fprintf(out, "peer certificate: none\n");
    return;
  }
  if (tlswire_conn_get_peer_cert_chain(conn, &chain) != TLSWIRE_OK)
    chain = NULL; /* out of memory: print the leaf alone */
  n = chain ? sk_X509_num(chain) : 0;
  fprintf(out, "peer certificate chain:\n");
  /* The chain holds the leaf on a client, not on a server. */
  if (n == 0 || X509_cmp(sk_X509_value(chain, 0), leaf) != 0)
    print_cert(out, i++, leaf);
  for (int k = 0; k < n; k++)
    print_cert(out, i++, sk_X509_value(chain, k));
  sk_X509_pop_free(chain, X509_free);
  X509_free(leaf);
}

/* ------------------------------------------------------------------ ALPN */

size_t tw_alpn_wire(const char *list, unsigned char *out, size_t size) {
  size_t used = 0;
  const char *p = list;

  while (p != NULL) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == 0 || len > 255 || used + 1 + len > size)
      return 0;
    out[used++] = (unsigned char)len;
    memcpy(out + used, p, len);
    used += len;
    p = comma ? comma + 1 : NULL;
  }
  return used;
}

int tw_alpn_offer(tlswire_context *ctx, const char *list) {
  unsigned char wire[1024];
  size_t len = tw_alpn_wire(list, wire, sizeof wire);

  if (len == 0)
    return TLSWIRE_E_INVALID;
  /* The list is already in wire format: no need to split it into names. */
  return tlswire_context_set_alpn_protos_wire(ctx, wire, len);
}

/* The server's protocols, wire format; one server context per process. */
typedef struct alpn_list {
  unsigned char wire[1024];
  size_t len;
} alpn_list;

static alpn_list alpn_server;

/* The offered protocol equal to len bytes at name, or NULL. */
static const tlswire_alpn_proto *find_offered(const tlswire_alpn_proto *offered,
                                              size_t n,
                                              const unsigned char *name,
                                              size_t len) {
  for (size_t k = 0; k < n; k++) {
    if (offered[k].len == len && memcmp(offered[k].data, name, len) == 0)
      return &offered[k];
  }
  return NULL;
}

/* The server's order of preference wins, as with SSL_select_next_proto: the
 * first of our protocols that the client offered. */
static int alpn_select(tlswire_conn *conn, const tlswire_alpn_proto *offered,
                       size_t n_offered, tlswire_alpn_proto *selected,
                       void *arg) {
  const alpn_list *mine = arg;
  const tlswire_alpn_proto *hit;

  (void)conn;
  for (size_t at = 0; at < mine->len; at += 1u + mine->wire[at]) {
    hit = find_offered(offered, n_offered, mine->wire + at + 1, mine->wire[at]);
    if (hit != NULL) {
      *selected = *hit; /* points into the ClientHello: valid long enough */
      return 0;
    }
  }
  /* An empty selection fails the handshake with no_application_protocol
   * (TLSWIRE_E_SSL), as the --alpn help promises; returning
   * TLSWIRE_NO_OVERLAPPING_PROTOCOLS would go on without ALPN. */
  selected->data = NULL;
  selected->len = 0;
  return 0;
}

int tw_alpn_accept(tlswire_context *ctx, const char *list) {
  alpn_server.len =
      tw_alpn_wire(list, alpn_server.wire, sizeof alpn_server.wire);
  if (alpn_server.len == 0)
    return TLSWIRE_E_INVALID;
  return tlswire_context_set_alpn_select_callback(ctx, alpn_select,
                                                  &alpn_server);
}

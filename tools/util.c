/*
 * tools/util.c - messages, printing what was negotiated, ALPN lists.
 *
 * Where tlswire has no call yet for a value (ALPN, group, peer chain,
 * resumption), the escape hatch tlswire_conn_get_ssl() reads it from libssl.
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

/* Certificate verification's own reason, when it is what failed. */
static const char *verify_failure(const tlswire_conn *conn) {
  SSL *ssl = tlswire_conn_get_ssl(conn);
  long res;

  if (ssl == NULL || !(SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER))
    return NULL;
  res = SSL_get_verify_result(ssl);
  return res == X509_V_OK ? NULL : X509_verify_cert_error_string(res);
}

int tw_fail_conn(const char *what, const tlswire_conn *conn, int rc) {
  const char *why = verify_failure(conn);

  fprintf(stderr, "%s: %s: %s: %s", tw_progname, what, tlswire_status_name(rc),
          describe(tlswire_conn_last_error(conn), rc));
  if (why != NULL)
    fprintf(stderr, " (%s)", why);
  else if (rc == TLSWIRE_E_SYSCALL &&
           tlswire_error_errno(tlswire_conn_last_error(conn)) == -1)
    fprintf(stderr, " (the peer closed the connection without close_notify)");
  fputc('\n', stderr);
  return tw_exit_for(rc);
}

/* ------------------------------------------------------------ negotiated */

const char *tw_group_name(const tlswire_conn *conn) {
  SSL *ssl = tlswire_conn_get_ssl(conn);
  int nid;

  if (ssl == NULL || SSL_get_session(ssl) == NULL)
    return NULL;
  nid = SSL_get_negotiated_group(ssl);
  return nid > 0 ? SSL_group_to_name(ssl, nid) : NULL;
}

int tw_session_reused(const tlswire_conn *conn) {
  SSL *ssl = tlswire_conn_get_ssl(conn);
  return ssl != NULL && SSL_session_reused(ssl) == 1;
}

void tw_alpn_selected(const tlswire_conn *conn, char *buf, size_t size) {
  const unsigned char *proto = NULL;
  unsigned int len = 0;

  buf[0] = '\0';
  if (tlswire_conn_get_ssl(conn) != NULL)
    SSL_get0_alpn_selected(tlswire_conn_get_ssl(conn), &proto, &len);
  if (proto != NULL && len > 0)
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

const char *tw_verify_summary(const tlswire_conn *conn, char *buf,
                              size_t size) {
  SSL *ssl = tlswire_conn_get_ssl(conn);
  const char *peername;
  long res;

  if (!(SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER))
    return "not requested";
  res = SSL_get_verify_result(ssl);
  if (res != X509_V_OK)
    return X509_verify_cert_error_string(res);
  if (SSL_get0_peer_certificate(ssl) == NULL)
    return "no certificate sent";
  peername = SSL_get0_peername(ssl);
  if (peername == NULL)
    return "ok";
  snprintf(buf, size, "ok, host name %s matches", peername);
  return buf;
}

void tw_print_params(FILE *out, const tlswire_conn *conn) {
  SSL *ssl = tlswire_conn_get_ssl(conn);
  const char *group = tw_group_name(conn);
  const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
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
  SSL *ssl = tlswire_conn_get_ssl(conn);
  STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
  X509 *leaf = SSL_get0_peer_certificate(ssl);
  int i = 0, n = chain ? sk_X509_num(chain) : 0;

  if (leaf == NULL) {
    fprintf(out, "peer certificate: none\n");
    return;
  }
  fprintf(out, "peer certificate chain:\n");
  /* libssl's list holds the leaf on a client, not on a server. */
  if (n == 0 || X509_cmp(sk_X509_value(chain, 0), leaf) != 0)
    print_cert(out, i++, leaf);
  for (int k = 0; k < n; k++)
    print_cert(out, i++, sk_X509_value(chain, k));
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
  /* SSL_CTX_set_alpn_protos returns 0 on success. */
  return SSL_CTX_set_alpn_protos(tlswire_context_get_ssl_ctx(ctx), wire,
                                 (unsigned)len) == 0
             ? TLSWIRE_OK
             : TLSWIRE_E_NOMEM;
}

/* The server's protocols, wire format; one server context per process. */
static unsigned char alpn_server[1024];
static size_t alpn_server_len;

static int alpn_select(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg) {
  unsigned char *sel = NULL;

  if (SSL_select_next_proto(&sel, outlen, alpn_server,
                            (unsigned)alpn_server_len, in,
                            inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

int tw_alpn_accept(tlswire_context *ctx, const char *list) {
  alpn_server_len = tw_alpn_wire(list, alpn_server, sizeof alpn_server);
  if (alpn_server_len == 0)
    return TLSWIRE_E_INVALID;
  SSL_CTX_set_alpn_select_cb(tlswire_context_get_ssl_ctx(ctx), alpn_select,
                             NULL);
  return TLSWIRE_OK;
}

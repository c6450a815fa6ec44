/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/keys.c - certificates, keys and CA files read with messages in plain
 * words, the passphrase for encrypted keys (--pass), SSLKEYLOGFILE, and the
 * handshake trace of -v. The client and the server share all of it.
 *
 * Files are read here, once, and handed to tlswire's memory loaders, so
 * every failure can name the file and say what is wrong with it; an
 * encrypted key goes through the context's passphrase callback.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* Certificates, keys and CA bundles are small; a bigger file is a mistake. */
#define TW_FILE_MAX ((size_t)4 << 20)

/* --------------------------------------------------------------- reading */

/* The reason a file cannot be read, in plain words. */
static const char *open_reason(int err) {
  switch (err) {
  case ENOENT:
    return "no such file";
  case EACCES:
  case EPERM:
    return "permission denied (cannot read it)";
  case EISDIR:
    return "is a directory, not a file";
  default:
    return strerror(err);
  }
}

/* Reads a whole regular file into a NUL-terminated buffer *buf (free it).
 * TW_EXIT_OK, or TW_EXIT_SETUP after a message naming path. */
static int read_small_file(const char *path, char **buf, size_t *len) {
  struct stat st;
  ssize_t n;
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  *buf = NULL;
  if (fd < 0)
    return tw_err(TW_EXIT_SETUP, "%s: %s", path, open_reason(errno));
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      (size_t)st.st_size > TW_FILE_MAX) {
    close(fd);
    return tw_err(TW_EXIT_SETUP, "%s: %s", path,
                  S_ISDIR(st.st_mode) ? open_reason(EISDIR)
                                      : "not a regular file of a few KiB");
  }
  *buf = malloc((size_t)st.st_size + 1);
  n = *buf ? read(fd, *buf, (size_t)st.st_size) : -1;
  close(fd);
  if (n < 0) {
    free(*buf);
    *buf = NULL;
    return tw_err(TW_EXIT_SETUP, "%s: cannot read it: %s", path,
                  strerror(errno));
  }
  (*buf)[n] = '\0';
  *len = (size_t)n;
  return TW_EXIT_OK;
}

/* Reads a PEM file: TW_EXIT_OK, or TW_EXIT_SETUP after saying why. */
static int read_pem(const char *path, char **buf, size_t *len) {
  int ex = read_small_file(path, buf, len);

  if (ex != TW_EXIT_OK)
    return ex;
  if (*len == 0)
    ex = tw_err(TW_EXIT_SETUP, "%s: the file is empty", path);
  else if (strstr(*buf, "-----BEGIN ") == NULL)
    ex = tw_err(TW_EXIT_SETUP, "%s: not a PEM file (no -----BEGIN line)",
                path);
  if (ex != TW_EXIT_OK) {
    free(*buf);
    *buf = NULL;
  }
  return ex;
}

/* ------------------------------------------------------------ passphrase */

int tw_pass_check(const char *cmd, const char *spec) {
  if (strncmp(spec, "file:", 5) == 0 && spec[5] != '\0')
    return TW_EXIT_OK;
  if (strncmp(spec, "env:", 4) == 0 && spec[4] != '\0')
    return TW_EXIT_OK;
  return tw_usage_error(cmd, "--pass takes file:PATH or env:VAR, not '%s'",
                        spec);
}

/* The first line of a file, without its newline. */
static int pass_from_file(tw_pass *p, const char *path) {
  char *buf;
  size_t len;
  int ex = read_small_file(path, &buf, &len);

  if (ex != TW_EXIT_OK)
    return ex;
  len = strcspn(buf, "\r\n");
  if (len >= sizeof p->buf) {
    free(buf);
    return tw_err(TW_EXIT_SETUP, "%s: the passphrase is too long", path);
  }
  memcpy(p->buf, buf, len);
  p->len = len;
  OPENSSL_cleanse(buf, len);
  free(buf);
  return TW_EXIT_OK;
}

static int pass_from_env(tw_pass *p, const char *var) {
  const char *v = getenv(var);

  if (v == NULL)
    return tw_err(TW_EXIT_SETUP, "--pass env:%s: %s is not set", var, var);
  if (strlen(v) >= sizeof p->buf)
    return tw_err(TW_EXIT_SETUP, "--pass env:%s: the passphrase is too long",
                  var);
  p->len = strlen(v);
  memcpy(p->buf, v, p->len);
  return TW_EXIT_OK;
}

/* Asks on the terminal, without echo. Only when stdin is a terminal: a
 * script never hangs on a prompt. */
static int pass_from_tty(tw_pass *p) {
  struct termios old, quiet;
  FILE *tty;
  int ok;

  if (!isatty(STDIN_FILENO) || (tty = fopen("/dev/tty", "r+")) == NULL)
    return -1;
  fprintf(tty, "Passphrase for %s: ", p->key_path);
  fflush(tty);
  ok = tcgetattr(fileno(tty), &old) == 0;
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t)ECHO;
  if (ok)
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
  ok = fgets(p->buf, sizeof p->buf, tty) != NULL;
  if (tcgetattr(fileno(tty), &quiet) == 0)
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
  fputc('\n', tty);
  fclose(tty);
  p->len = ok ? strcspn(p->buf, "\r\n") : 0;
  return ok ? TW_EXIT_OK : -1;
}

/* Where the passphrase comes from: TW_EXIT_OK with p->buf filled, -1 when
 * there is no source, or an exit code after a message. */
static int pass_fetch(tw_pass *p) {
  if (p->spec == NULL)
    return pass_from_tty(p);
  if (strncmp(p->spec, "file:", 5) == 0)
    return pass_from_file(p, p->spec + 5);
  return pass_from_env(p, p->spec + 4);
}

/* The context's passphrase callback (tlswire_passwd_cb). Returns 1 when
 * there is no passphrase to give, 2 when its source failed (said). */
static int pass_cb(size_t maxlen, int rwflag, const void **pass,
                   size_t *pass_len, void *arg) {
  tw_pass *p = arg;
  int ex;

  (void)maxlen;
  (void)rwflag;
  if (!p->fetched) {
    if ((ex = pass_fetch(p)) != TW_EXIT_OK)
      return ex < 0 ? 1 : 2;
    p->fetched = 1;
  }
  p->asked = 1;
  *pass = p->buf;
  *pass_len = p->len;
  return 0;
}

void tw_pass_clear(tw_pass *p) {
  OPENSSL_cleanse(p->buf, sizeof p->buf);
  p->len = 0;
}

/* ------------------------------------------------------- cert and key */

/* 1 if a recorded OpenSSL failure has this library and reason. */
static int record_has(const tlswire_error *rec, int lib, int reason) {
  size_t n = tlswire_error_count(rec);

  for (size_t i = 0; i < n; i++) {
    unsigned long e = tlswire_error_entry(rec, i, NULL, NULL, NULL);
    if (ERR_GET_LIB(e) == lib && ERR_GET_REASON(e) == reason)
      return 1;
  }
  return 0;
}

static int load_cert(tlswire_context *ctx, const char *path) {
  char *pem;
  size_t len;
  int rc, ex = read_pem(path, &pem, &len);

  if (ex != TW_EXIT_OK)
    return ex;
  rc = tlswire_context_use_certificate_chain_mem(ctx, pem, len);
  free(pem);
  if (rc == TLSWIRE_E_SSL)
    return tw_err(TW_EXIT_SETUP, "%s: no certificate in it (PEM, but not a "
                  "certificate, or a damaged one)", path);
  return rc == TLSWIRE_OK ? TW_EXIT_OK : tw_fail_ctx(path, ctx, rc);
}

/* Says why tlswire refused the key at path. */
static int key_failure(tlswire_context *ctx, const char *path,
                       const char *cert, const tw_pass *p, int rc) {
  const tlswire_error *rec = tlswire_context_last_error(ctx);

  if (rc == TLSWIRE_E_CALLBACK && tlswire_error_callback_value(rec) == 1)
    return tw_err(TW_EXIT_SETUP, "%s: the key is encrypted and no passphrase "
                  "was given (--pass file:PATH or env:VAR)", path);
  if (rc == TLSWIRE_E_CALLBACK)
    return TW_EXIT_SETUP; /* the passphrase's source said why */
  if (rc == TLSWIRE_E_SSL && record_has(rec, ERR_LIB_X509,
                                        X509_R_KEY_VALUES_MISMATCH))
    return tw_err(TW_EXIT_SETUP, "%s: the key does not match the "
                  "certificate in %s", path, cert);
  if (rc == TLSWIRE_E_SSL && p->asked)
    return tw_err(TW_EXIT_SETUP, "%s: wrong passphrase (the key is "
                  "encrypted and does not decrypt with it)", path);
  if (rc == TLSWIRE_E_SSL)
    return tw_err(TW_EXIT_SETUP, "%s: no private key in it (PEM, but not a "
                  "key, or a damaged one)", path);
  return tw_fail_ctx(path, ctx, rc);
}

static int load_key(tlswire_context *ctx, const char *path, const char *cert,
                    tw_pass *p) {
  char *pem;
  size_t len;
  int rc, ex = read_pem(path, &pem, &len);

  if (ex != TW_EXIT_OK)
    return ex;
  p->key_path = path;
  p->asked = 0;
  rc = tlswire_context_use_privatekey_mem(ctx, pem, len, TLSWIRE_FILETYPE_PEM);
  OPENSSL_cleanse(pem, len);
  free(pem);
  return rc == TLSWIRE_OK ? TW_EXIT_OK : key_failure(ctx, path, cert, p, rc);
}

int tw_load_cert_key(tlswire_context *ctx, const char *cert, const char *key,
                     tw_pass *p) {
  int rc, ex;

  rc = tlswire_context_set_passwd_cb(ctx, pass_cb, p);
  if (rc != TLSWIRE_OK)
    return tw_fail_ctx("passphrase", ctx, rc);
  if ((ex = load_cert(ctx, cert)) != TW_EXIT_OK)
    return ex;
  if ((ex = load_key(ctx, key, cert, p)) != TW_EXIT_OK)
    return ex;
  if (tlswire_context_check_privatekey(ctx) != TLSWIRE_OK)
    return tw_err(TW_EXIT_SETUP, "%s: the key does not match the certificate "
                  "in %s", key, cert);
  return TW_EXIT_OK;
}

int tw_load_cafile(tlswire_context *ctx, const char *path) {
  char *pem;
  size_t len;
  int rc, ex = read_pem(path, &pem, &len);

  if (ex != TW_EXIT_OK)
    return ex;
  rc = tlswire_context_load_verify_locations_mem(ctx, pem, len,
                                                 TLSWIRE_FILETYPE_PEM);
  free(pem);
  if (rc == TLSWIRE_E_SSL)
    return tw_err(TW_EXIT_SETUP, "%s: no CA certificate in it (PEM, but not "
                  "a certificate, or a damaged one)", path);
  return rc == TLSWIRE_OK ? TW_EXIT_OK : tw_fail_ctx(path, ctx, rc);
}

/* ---------------------------------------------------------------- keylog */

static FILE *keylog_file;

static void keylog_line(tlswire_conn *conn, const char *line, void *arg) {
  (void)conn;
  (void)arg;
  fprintf(keylog_file, "%s\n", line);
  fflush(keylog_file);
}

/* Opens path once for the whole program. */
static int keylog_file_open(const char *path) {
  int fd, err;

  if (keylog_file != NULL) /* another context of the same program */
    return TW_EXIT_OK;
  /* The secrets decrypt the traffic: readable by the owner only. */
  fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0 && (keylog_file = fdopen(fd, "a")) != NULL)
    return TW_EXIT_OK;
  err = errno;
  if (fd >= 0)
    close(fd);
  return tw_err(TW_EXIT_SETUP, "SSLKEYLOGFILE %s: %s", path,
                open_reason(err));
}

int tw_keylog_open(tlswire_context *ctx) {
  const char *path = getenv("SSLKEYLOGFILE");
  int rc, ex;

  if (path == NULL || path[0] == '\0')
    return TW_EXIT_OK;
  if ((ex = keylog_file_open(path)) != TW_EXIT_OK)
    return ex;
  rc = tlswire_context_set_keylog_callback(ctx, keylog_line, NULL);
  return rc == TLSWIRE_OK ? TW_EXIT_OK : tw_fail_ctx("keylog", ctx, rc);
}

void tw_keylog_close(void) {
  if (keylog_file != NULL)
    fclose(keylog_file);
  keylog_file = NULL;
}

/* ----------------------------------------------------------------- trace */

static void trace(tlswire_conn *conn, int where, int ret, void *arg) {
  const char *who = arg;

  if (where & TLSWIRE_SSL_CB_HANDSHAKE_START)
    fprintf(stderr, "%s: handshake started\n", who);
  if (where & TLSWIRE_SSL_CB_LOOP)
    fprintf(stderr, "%s:   %s\n", who, tlswire_conn_get_state_string(conn));
  if (where & TLSWIRE_SSL_CB_ALERT)
    fprintf(stderr, "%s: alert %s: %s %s\n", who,
            (where & TLSWIRE_SSL_CB_READ) ? "received" : "sent",
            SSL_alert_type_string_long(ret), SSL_alert_desc_string_long(ret));
  if ((where & TLSWIRE_SSL_CB_EXIT) && ret == 0)
    fprintf(stderr, "%s: handshake failed in: %s\n", who,
            tlswire_conn_get_state_string(conn));
  if (where & TLSWIRE_SSL_CB_HANDSHAKE_DONE)
    fprintf(stderr, "%s: handshake done\n", who);
}

int tw_trace_on(tlswire_context *ctx, const char *who) {
  int rc = tlswire_context_set_info_callback(ctx, trace, (void *)who);
  return rc == TLSWIRE_OK ? TW_EXIT_OK : tw_fail_ctx("trace", ctx, rc);
}

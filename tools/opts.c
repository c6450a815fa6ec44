/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/opts.c - what every command shares: the getopt loop (help, unknown
 * options, missing arguments), the --transport and --tls1.x options, and a
 * context pinned to the chosen version.
 */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* A shared option: TW_EXIT_OK, TW_EXIT_USAGE after a message, or -1 when c
 * is not one of them. */
static int shared_opt(const char *cmd, int c, const char *arg, int *version,
                      int *use_fd) {
  switch (c) {
  case TW_OPT_TLS12:
    *version = TLSWIRE_TLS1_2_VERSION;
    return TW_EXIT_OK;
  case TW_OPT_TLS13:
    *version = TLSWIRE_TLS1_3_VERSION;
    return TW_EXIT_OK;
  case TW_OPT_TRANSPORT:
    if (use_fd == NULL)
      return -1;
    if (strcmp(arg, "socket") != 0 && strcmp(arg, "fd") != 0)
      return tw_usage_error(cmd, "--transport takes socket or fd, not '%s'",
                            arg);
    *use_fd = strcmp(arg, "fd") == 0;
    return TW_EXIT_OK;
  default:
    return -1;
  }
}

int tw_parse_options(const tw_command *cmd, int argc, char **argv, int *version,
                     int *use_fd, void *o) {
  int c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, cmd->shortopts, cmd->opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(cmd->usage, stdout);
      return -1;
    }
    if (c == ':')
      return tw_usage_error(cmd->name, "option '%s' needs an argument",
                            argv[optind - 1]);
    int ex = c == '?' ? -1 : shared_opt(cmd->name, c, optarg, version, use_fd);
    if (ex < 0 && c != '?' && cmd->option != NULL)
      ex = cmd->option(c, optarg, o);
    if (ex < 0)
      return tw_usage_error(cmd->name, "unknown option '%s'", argv[optind - 1]);
    if (ex != TW_EXIT_OK)
      return ex;
  }
  return TW_EXIT_OK;
}

int tw_check_port(const char *cmd, const char *port, int allow_zero) {
  size_t len = strlen(port);
  long n;

  if (len == 0 || len > 5 || strspn(port, "0123456789") != len)
    return tw_usage_error(cmd, "port '%s' is not a number from 1 to 65535",
                          port);
  n = strtol(port, NULL, 10);
  if (n > 65535 || (n == 0 && !allow_zero))
    return tw_usage_error(cmd, "port %s is out of range (1 to 65535)", port);
  return TW_EXIT_OK;
}

int tw_parse_seconds(const char *cmd, const char *opt, const char *arg,
                     int *ms) {
  char *end;
  double s;

  errno = 0;
  s = strtod(arg, &end);
  if (errno != 0 || end == arg || *end != '\0' || !(s > 0) || s > 86400)
    return tw_usage_error(cmd, "%s takes seconds (more than 0, at most "
                          "86400), not '%s'", opt, arg);
  *ms = (int)(s * 1000 + 0.5);
  if (*ms == 0)
    *ms = 1;
  return TW_EXIT_OK;
}

int tw_parse_count(const char *cmd, const char *opt, const char *arg, long max,
                   long *out) {
  char *end;

  errno = 0;
  *out = strtol(arg, &end, 10);
  if (errno != 0 || end == arg || *end != '\0' || *out < 1 || *out > max)
    return tw_usage_error(cmd, "%s takes a number from 1 to %ld, not '%s'",
                          opt, max, arg);
  return TW_EXIT_OK;
}

int tw_context_new(tlswire_context **ctx, int version) {
  int rc = tlswire_context_new(ctx, TLSWIRE_TLS_METHOD);
  if (rc != TLSWIRE_OK)
    return tw_err(TW_EXIT_SETUP, "context: %s", tlswire_status_name(rc));
  /* Stated rather than left to OpenSSL's defaults, so that a version
   * mismatch can say what this side allows. */
  rc = tlswire_context_set_min_proto_version(
      *ctx, version ? version : TLSWIRE_TLS1_2_VERSION);
  if (rc == TLSWIRE_OK)
    rc = tlswire_context_set_max_proto_version(
        *ctx, version ? version : TLSWIRE_TLS1_3_VERSION);
  return rc == TLSWIRE_OK ? TW_EXIT_OK
                          : tw_fail_ctx("protocol version", *ctx, rc);
}

const char *tw_versions_allowed(int version) {
  switch (version) {
  case 0:
    return "TLSv1.2 to TLSv1.3";
  case TLSWIRE_TLS1_2_VERSION:
    return "TLSv1.2 only";
  case TLSWIRE_TLS1_3_VERSION:
    return "TLSv1.3 only";
  default:
    return tw_version_name(version);
  }
}

const char *tw_version_name(int version) {
  switch (version) {
  case TLS1_3_VERSION:
    return "TLSv1.3";
  case TLS1_2_VERSION:
    return "TLSv1.2";
  case TLS1_1_VERSION:
    return "TLSv1.1";
  case TLS1_VERSION:
    return "TLSv1.0";
  case SSL3_VERSION:
    return "SSLv3";
  default:
    return "an unknown version";
  }
}

/* The libssl reasons for "no version in common", from either side. */
int tw_is_version_mismatch(const tlswire_error *rec) {
  static const int reasons[] = {
      SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
      SSL_R_WRONG_SSL_VERSION, SSL_R_NO_PROTOCOLS_AVAILABLE,
      SSL_R_VERSION_TOO_LOW, SSL_R_VERSION_TOO_HIGH};
  size_t n = tlswire_error_count(rec);

  for (size_t i = 0; i < n; i++) {
    unsigned long e = tlswire_error_entry(rec, i, NULL, NULL, NULL);
    for (size_t k = 0; k < sizeof reasons / sizeof reasons[0]; k++)
      if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == reasons[k])
        return 1;
  }
  return 0;
}

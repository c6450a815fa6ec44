/*
 * tools/opts.c - what every command shares: the getopt loop (help, unknown
 * options, missing arguments), the --transport and --tls1.x options, and a
 * context pinned to the chosen version.
 */
#include "tool.h"

#include <getopt.h>
#include <string.h>

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

int tw_context_new(tlswire_context **ctx, int version) {
  int rc = tlswire_context_new(ctx, TLSWIRE_TLS_METHOD);
  if (rc != TLSWIRE_OK)
    return tw_err(TW_EXIT_SETUP, "context: %s", tlswire_status_name(rc));
  if (version == 0)
    return TW_EXIT_OK;
  rc = tlswire_context_set_min_proto_version(*ctx, version);
  if (rc == TLSWIRE_OK)
    rc = tlswire_context_set_max_proto_version(*ctx, version);
  return rc == TLSWIRE_OK ? TW_EXIT_OK
                          : tw_fail_ctx("protocol version", *ctx, rc);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlswire(1) - a TLS client, echo server and self-contained demo built on
 * the tlswire library
 *
 * The full reference is the manual page doc/tlswire.1 (installed as
 * tlswire(1)); each command's --help lists its options.
 *
 *   demo    A client and a server in one process over tlswire's pipe
 *           transport, with throw-away certificates made in memory.
 *   client  Connects, verifies the server's certificate and its name (unless
 *           --insecure), relays stdin to the server and its data to stdout.
 *   server  An echo server serving many clients at once from one poll()
 *           loop (serve.c), with timeouts, a connection limit and a
 *           graceful stop on SIGINT/SIGTERM.
 *   bench   tlswire against raw libssl doing the same work in the same
 *           process: the ratio table of `make bench` (bench/).
 *
 * EXIT STATUS
 *   0  success (client, server --once: the peer closed cleanly; server:
 *      stopped by SIGINT or SIGTERM)
 *   1  TLS, certificate verification, network or peer failure
 *   2  usage error (unknown command or option, missing or contradictory
 *      options, a port that is not 1 to 65535)
 *   3  local setup error (a certificate, key or CA file, bind, memory)
 *
 * DIAGNOSTICS
 *   Failures are printed on stderr as
 *     tlswire: WHAT: STATUS: RECORD [(VERIFY RESULT)]
 *   where STATUS is the tlswire status name (TLSWIRE_E_SSL, ...), RECORD the
 *   failing object's error record (OpenSSL's reason, e.g. "SSL routines:
 *   certificate verify failed") and VERIFY RESULT the certificate check's
 *   own reason when verification failed.
 *
 * The program uses only tlswire's public API, and OpenSSL for certificates
 * and names. It ignores SIGPIPE in the server (for stdout); the library
 * itself needs no signal handling.
 */
#include "tool.h"

#include <string.h>

#include <openssl/crypto.h>

static const char main_usage[] =
    "Usage: tlswire COMMAND [options]\n"
    "\n"
    "A TLS client, echo server and self-contained demo built on tlswire.\n"
    "\n"
    "Commands:\n"
    "  demo                      client and server in one process over the\n"
    "                            pipe transport (offline, throw-away certs)\n"
    "  client HOST PORT          connect, print the session, relay stdin\n"
    "  server PORT --cert FILE --key FILE\n"
    "                            accept clients and echo their data\n"
    "  bench [--quick|--callgrind]\n"
    "                            tlswire against raw libssl on this machine:\n"
    "                            ratios of time, instructions and memory\n"

    "\n"
    "  -h, --help                show this help ('tlswire COMMAND --help'\n"
    "                            for a command's options)\n"
    "  -V, --version             show the versions of tlswire and OpenSSL\n"
    "\n"
    "Exit status: 0 success, 1 TLS, verification, network or peer failure,\n"
    "2 usage error, 3 local setup error (files, keys, bind, memory).\n";

static int print_version(void) {
  printf("tlswire %s (library %s, %s)\n", TLSWIRE_VERSION, tlswire_version(),
         OpenSSL_version(OPENSSL_VERSION));
  return TW_EXIT_OK;
}

int bench_main(int argc, char **argv); /* bench/bench.c */

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } commands[] = {{"demo", tw_cmd_demo},
                  {"client", tw_cmd_client},
                  {"server", tw_cmd_server},
                  {"bench", bench_main}};

  if (argc < 2)
    return tw_usage_error(NULL, "missing command");
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    fputs(main_usage, stdout);
    return TW_EXIT_OK;
  }
  if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
    return print_version();
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  return tw_usage_error(NULL, "unknown command '%s'", argv[1]);
}

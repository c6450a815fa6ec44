/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/tool.h - what the subcommands of the tlswire program share.
 *
 * The program uses only tlswire's public API, plus OpenSSL's libcrypto for
 * certificates and names. libssl itself, through the escape hatches
 * tlswire_conn_get_ssl() and tlswire_context_get_ssl_ctx(), is left for what
 * tlswire has no call for: the host name verification matched and, with
 * OpenSSL 3.0, the key-exchange group (util.c); the versions a ClientHello
 * offers (serve.c); alert names in the -v trace (keys.c).
 */
#ifndef TLSWIRE_TOOL_H
#define TLSWIRE_TOOL_H

#include <getopt.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>

#include <openssl/x509.h>

#include <tlswire/tlswire.h>

/* Exit codes, documented in tlswire --help, tlswire(1) and tlswire.c. */
enum tw_exit {
  TW_EXIT_OK = 0,    /* success */
  TW_EXIT_PEER = 1,  /* TLS, verification, network or peer failure */
  TW_EXIT_USAGE = 2, /* bad command line */
  TW_EXIT_SETUP = 3  /* local setup: files, keys, bind, out of memory */
};

/* The program name used in messages ("tlswire"). */
extern const char *tw_progname;

/* Subcommands: each parses its own arguments (argv[0] is its name) and
 * returns an exit code. */
int tw_cmd_demo(int argc, char **argv);
int tw_cmd_client(int argc, char **argv);
int tw_cmd_server(int argc, char **argv);

/* --- options every command shares (opts.c) ------------------------------ */

/* getopt_long codes of the shared options, for each command's table. */
enum { TW_OPT_TRANSPORT = 1000, TW_OPT_TLS12, TW_OPT_TLS13 };
#define TW_OPTS_VERSION                                                        \
  {"tls1.2", no_argument, NULL, TW_OPT_TLS12}, {                               \
    "tls1.3", no_argument, NULL, TW_OPT_TLS13                                  \
  }
#define TW_OPTS_TRANSPORT                                                      \
  { "transport", required_argument, NULL, TW_OPT_TRANSPORT }

/* A command's options: its name for messages, its getopt tables (which
 * must hold "help" as 'h'), its usage text, and the handler of its own
 * options (TW_EXIT_OK, an exit code after a message, or -1 for an option it
 * does not know; NULL when it has none). */
typedef struct tw_command {
  const char *name, *shortopts, *usage;
  const struct option *opts;
  int (*option)(int c, const char *arg, void *o);
} tw_command;

/* Runs getopt_long over argv: --help prints the usage and returns -1;
 * --tls1.2 / --tls1.3 set *version and --transport sets *use_fd (NULL: the
 * command has no --transport); every other option goes to cmd->option with
 * o. Returns TW_EXIT_OK with optind at the first operand, or an exit code
 * after a message (unknown option, missing argument, bad value). */
int tw_parse_options(const tw_command *cmd, int argc, char **argv, int *version,
                     int *use_fd, void *o);

/* Checks a PORT operand: decimal digits only, 1 to 65535 (0 too when
 * allow_zero). TW_EXIT_OK, or TW_EXIT_USAGE after a message naming cmd. */
int tw_check_port(const char *cmd, const char *port, int allow_zero);

/* Parses a number of seconds (decimal, fractions allowed, > 0 and at most a
 * day) for option opt into *ms. TW_EXIT_OK, or TW_EXIT_USAGE after a
 * message. */
int tw_parse_seconds(const char *cmd, const char *opt, const char *arg,
                     int *ms);

/* Parses a whole number from 1 to max for option opt. TW_EXIT_OK, or
 * TW_EXIT_USAGE after a message. */
int tw_parse_count(const char *cmd, const char *opt, const char *arg, long max,
                   long *out);

/* A new TLS context allowing TLS 1.2 and 1.3, or only version when it is
 * not 0. TW_EXIT_OK, or TW_EXIT_SETUP after a message (*ctx may then hold a
 * context to free). */
int tw_context_new(tlswire_context **ctx, int version);

/* The versions a context of tw_context_new(version) allows, in words
 * ("TLSv1.3 only", "TLSv1.2 to TLSv1.3"). Static string. */
const char *tw_versions_allowed(int version);

/* The name of a protocol version number ("TLSv1.2"), or "an unknown
 * version". Static string. */
const char *tw_version_name(int version);

/* 1 if a failed handshake's record says the two sides share no protocol
 * version (either side's refusal), else 0. */
int tw_is_version_mismatch(const tlswire_error *rec);

/* --- files, keys, passphrase, key log, trace (keys.c) --------------------
 * Each prints a message naming the file and what is wrong with it in plain
 * words (missing, unreadable, not PEM, no certificate or key in it,
 * encrypted without a passphrase, wrong passphrase, key and certificate do
 * not match) and returns TW_EXIT_SETUP, or TW_EXIT_OK. */

/* Where the passphrase of an encrypted key comes from: spec is NULL (ask
 * on the terminal when stdin is one, else none), "file:PATH" (its first
 * line) or "env:VAR". Read at most once, when a key needs it. */
typedef struct tw_pass {
  const char *spec;
  const char *key_path; /* for the prompt */
  char buf[1024];
  size_t len;
  int fetched, asked;
} tw_pass;

/* Checks a --pass argument's form: TW_EXIT_OK or TW_EXIT_USAGE. */
int tw_pass_check(const char *cmd, const char *spec);
/* Wipes the passphrase from memory. */
void tw_pass_clear(tw_pass *p);
/* Loads the certificate (PEM, leaf then chain) and its private key (PEM,
 * maybe encrypted: the context's passphrase callback reads p), and checks
 * that they match. p must outlive the context's use of keys. */
int tw_load_cert_key(tlswire_context *ctx, const char *cert, const char *key,
                     tw_pass *p);
/* Trusts the CA certificates of a PEM file. */
int tw_load_cafile(tlswire_context *ctx, const char *path);
/* With SSLKEYLOGFILE set (and not empty), appends every connection's
 * secrets to that file (created mode 0600) in the NSS key-log format. */
int tw_keylog_open(tlswire_context *ctx);
/* Closes the key-log file, if open. */
void tw_keylog_close(void);
/* -v: prints the handshake's states and alerts on stderr, each line
 * starting with who (a string that outlives the context). */
int tw_trace_on(tlswire_context *ctx, const char *who);

/* --- messages (util.c) ---------------------------------------------------
 * Every failure message starts with "tlswire: " and names what failed, the
 * tlswire status (TLSWIRE_E_SSL ...) and the failing object's record. */

/* Prints "tlswire: <fmt>" and a newline on stderr; returns code. */
int tw_err(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints a usage error and the hint to --help; returns TW_EXIT_USAGE. */
int tw_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Reports a failed context call: "tlswire: <what>: <STATUS>: <record>".
 * Returns TW_EXIT_SETUP (a context is local configuration). */
int tw_fail_ctx(const char *what, const tlswire_context *ctx, int rc);
/* The same for the calls that record in the thread's own record
 * (tlswire_conn_new, tlswire_context_check_privatekey ...). */
int tw_fail_thread(const char *what, int rc);
/* Reports a failed connection call the same way, adding the certificate
 * verification result when verification failed. Returns TW_EXIT_PEER for
 * failures that come from the peer or the network, TW_EXIT_SETUP for
 * local ones (out of memory, invalid use). */
int tw_fail_conn(const char *what, const tlswire_conn *conn, int rc);
/* The message tw_fail_conn prints (without the program name), into buf. */
void tw_describe_failure(char *buf, size_t size, const char *what,
                         const tlswire_conn *conn, int rc);
/* The exit code a connection status maps to (see tw_fail_conn). */
int tw_exit_for(int rc);

/* --- what was negotiated (util.c) ------------------------------------ */

/* Prints the negotiated parameters of an established connection, one
 * "  key: value" line each: protocol, cipher, group, ALPN, server name,
 * session resumed, verification. */
void tw_print_params(FILE *out, const tlswire_conn *conn);
/* The outcome of certificate verification in words ("ok, host name x
 * matches", "not requested", or the X.509 reason); may use buf. */
const char *tw_verify_summary(const tlswire_conn *conn, char *buf, size_t size);
/* Prints the peer's certificate chain as sent: index, subject, issuer. */
void tw_print_chain(FILE *out, const tlswire_conn *conn);
/* The key-exchange group name ("x25519"), or NULL when unknown. */
const char *tw_group_name(const tlswire_conn *conn);
/* 1 if the connection resumed a session, else 0. */
int tw_session_reused(const tlswire_conn *conn);
/* The negotiated ALPN protocol into buf (NUL-terminated, "" if none). */
void tw_alpn_selected(const tlswire_conn *conn, char *buf, size_t size);
/* A certificate name on one line (RFC 2253) into buf. */
void tw_name_oneline(const X509_NAME *name, char *buf, size_t size);

/* --- ALPN (util.c) --------------------------------------------------- */

/* Turns "h2,http/1.1" into ALPN wire format (length-prefixed) in out.
 * Returns the wire length, or 0 for an empty or malformed list (an empty
 * element, or one longer than 255 bytes). */
size_t tw_alpn_wire(const char *list, unsigned char *out, size_t size);
/* Client side: offers the protocols of list. TLSWIRE_OK or a status. */
int tw_alpn_offer(tlswire_context *ctx, const char *list);
/* Server side: selects the first protocol of list (the server's order of
 * preference) that the client offers, or rejects the handshake with
 * no_application_protocol when none overlaps. list is copied; one server
 * context per process. TLSWIRE_OK or a status. */
int tw_alpn_accept(tlswire_context *ctx, const char *list);

/* --- throw-away certificates (certgen.c) ------------------------------- */

/* An EC P-256 CA and a leaf it signed, made in memory. */
typedef struct tw_certs {
  EVP_PKEY *ca_key;
  X509 *ca;
  EVP_PKEY *leaf_key;
  X509 *leaf;
} tw_certs;

/* Makes a CA named ca_cn and a server leaf for host (subjectAltName DNS
 * host, IP 127.0.0.1 and ::1), valid from an hour ago for one day.
 * Returns 0, or -1 (OpenSSL's queue says why). */
int tw_certs_make(tw_certs *certs, const char *ca_cn, const char *host);
void tw_certs_free(tw_certs *certs);

/* --- sockets (net.c) -------------------------------------------------- */

/* Resolves host:port for a TCP connection (getaddrinfo). Returns the
 * addresses (free with freeaddrinfo), or NULL after printing why. */
struct addrinfo *tw_net_resolve(const char *host, const char *port);
/* Binds and listens on addr:port (TCP, SO_REUSEADDR). Returns the
 * descriptor, or -1 after printing why. */
int tw_net_listen(const char *addr, const char *port);
/* The "host:port" a socket is bound to ("[::1]:443" for IPv6). */
void tw_net_local_name(int fd, char *buf, size_t size);
/* The "host:port" of the socket's peer. */
void tw_net_peer_name(int fd, char *buf, size_t size);
/* Switches a descriptor to non-blocking mode. 0 or -1. */
int tw_net_nonblock(int fd);
/* Waits (poll) until the descriptor is ready for what a TLSWIRE_E_WANT_*
 * status asks: input for WANT_READ, output for WANT_WRITE. timeout_ms < 0
 * waits forever. Returns 1 when ready, 0 on timeout, -1 on error. */
int tw_net_wait(int fd, int want, int timeout_ms);

/* --- connections over a descriptor (io.c) ------------------------------
 * These drive a connection bound to a non-blocking socket, waiting with
 * poll() on fd whenever it reports TLSWIRE_E_WANT_*. They print what went
 * wrong and return an exit code. */

/* How long a handshake or a send may wait for the peer. */
#define TW_IO_TIMEOUT_MS 30000

/* Runs the handshake to the end. */
int tw_handshake(tlswire_conn *conn, int fd, const char *who);
/* Sends all of buf. */
int tw_send_all(tlswire_conn *conn, int fd, const void *buf, size_t len);
/* Answers the peer's close_notify with ours, without waiting. A failure is
 * ignored: the peer ended the session cleanly and may be gone already. */
void tw_close_reply(tlswire_conn *conn);
/* Binds a new connection of ctx to the connected socket fd through the
 * socket transport (use_fd 0) or the fd transport (use_fd 1); the
 * connection then owns fd and closes it. On failure fd is closed too. */
int tw_conn_on_fd(tlswire_conn **conn, tlswire_context *ctx, int fd,
                  int use_fd);
/* The same without touching the descriptor's blocking mode. */
int tw_conn_bind(tlswire_conn **conn, tlswire_context *ctx, int fd, int use_fd);

#endif /* TLSWIRE_TOOL_H */

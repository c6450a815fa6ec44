/*
 * callbacks.h - user callbacks of a context and the trampolines libssl
 * calls, plus the pending-failure slot that turns a failing callback into
 * TLSWIRE_E_CALLBACK on the call that triggered it.
 */
#ifndef TLSWIRE_SRC_CALLBACKS_H
#define TLSWIRE_SRC_CALLBACKS_H

#include <tlswire/tlswire.h>

/* Which callback owns libssl's single OCSP status slot. */
enum tlswire_ocsp_role { TW_OCSP_NONE, TW_OCSP_SERVER, TW_OCSP_CLIENT };

/* The user callbacks of one context (a member of struct tlswire_context). */
struct tlswire_callbacks {
  tlswire_passwd_cb passwd;
  void *passwd_arg;
  int passwd_failed; /* the last passphrase callback reported failure */
  int passwd_value;
  tlswire_info_cb info;
  void *info_arg;
  tlswire_keylog_cb keylog;
  void *keylog_arg;
  tlswire_servername_cb servername;
  void *servername_arg;
  tlswire_alpn_select_cb alpn_select;
  void *alpn_select_arg;
  enum tlswire_ocsp_role ocsp_role;
  tlswire_ocsp_server_cb ocsp_server;
  tlswire_ocsp_client_cb ocsp_client;
  void *ocsp_arg;
  tlswire_cookie_generate_cb cookie_generate;
  void *cookie_generate_arg;
  tlswire_cookie_verify_cb cookie_verify;
  void *cookie_verify_arg;
};

/* A callback failure waiting to be reported by the connection's current
 * call (a member of struct tlswire_conn). code 0: nothing pending. */
struct tlswire_cb_pending {
  int code;         /* TLSWIRE_E_CALLBACK, or TLSWIRE_E_INVALID (bad output) */
  int value;        /* the callback's return value */
  const char *what; /* static: which callback */
};

/* Records a failure for the connection's current call. */
void tlswire_cb_pending_set(tlswire_conn *conn, int code, int value,
                            const char *what);

/* If a failure is pending on conn, moves it into conn's error record and
 * returns its status; returns TLSWIRE_OK otherwise. conn_fail calls it
 * first, so a callback's failure wins over libssl's view of the handshake. */
int tlswire_cb_pending_take(tlswire_conn *conn);

/* Loaders of encrypted keys: reset before loading, then map a failed load to
 * TLSWIRE_E_CALLBACK (the passphrase callback failed) or TLSWIRE_E_SSL. */
void tlswire_passwd_reset(tlswire_context *ctx);
int tlswire_passwd_load_failed(tlswire_context *ctx);

/* Installs the passphrase trampoline (with no user callback it refuses, so
 * libssl never prompts on a terminal). Called by tlswire_context_new. */
void tlswire_passwd_install(tlswire_context *ctx);

/* The trampolines, exposed for unit tests that drive them directly. */
int tlswire_cb_cookie_generate(SSL *ssl, unsigned char *cookie,
                               unsigned int *len);
int tlswire_cb_cookie_verify(SSL *ssl, const unsigned char *cookie,
                             unsigned int len);

#endif /* TLSWIRE_SRC_CALLBACKS_H */

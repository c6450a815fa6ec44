/* SPDX-License-Identifier: Apache-2.0 */
/*
 * context.h - the context object, shared with the connection code.
 */
#ifndef TLSWIRE_SRC_CONTEXT_H
#define TLSWIRE_SRC_CONTEXT_H

#include <tlswire/tlswire.h>

#include "bio.h"
#include "error.h"
#include "passwd.h"
#include "ring.h"

/* Which callback owns libssl's single OCSP status slot. */
enum tlswire_ocsp_role { TW_OCSP_NONE, TW_OCSP_SERVER, TW_OCSP_CLIENT };

/* The user callbacks of one context (set by callbacks.c, called by its
 * trampolines); verify's live in the context itself. */
struct tlswire_callbacks {
  struct tlswire_passwd pw;
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

struct tlswire_context {
  SSL_CTX *ssl_ctx;
  int method;
  int refs;   /* atomic */
  int frozen; /* atomic: set once a connection used the context */
  size_t ring_capacity;
  struct tlswire_ring_pool pool; /* idle ring storage of its connections */
  tlswire_verify_cb verify_cb;
  void *verify_arg;
  struct tlswire_error err;
  struct tlswire_callbacks cbs; /* every callback but verify */
  void *app_data;
};

#define TLSWIRE_FROZEN_MSG                                                     \
  "Context has already been used to create a Connection, it cannot be "        \
  "mutated again"

/* Guards shared by every mutator: a context, not frozen. */
#define CTX_MUTABLE(ctx)                                                       \
  do {                                                                         \
    TW_GUARD((ctx) != NULL, TLSWIRE_E_INVALID);                                \
    if (__atomic_load_n(&(ctx)->frozen, __ATOMIC_ACQUIRE))                     \
      return tlswire_error_set(&(ctx)->err, TLSWIRE_E_STATE,                   \
                               TLSWIRE_FROZEN_MSG);                            \
  } while (0)

/* The context whose SSL_CTX ssl currently uses, or NULL. */
tlswire_context *tlswire_context_of_ssl(const SSL *ssl);

/* Takes one more reference. */
void tlswire_context_ref(tlswire_context *ctx);

/* Marks the context as used: from now on its mutators refuse. */
void tlswire_context_freeze(tlswire_context *ctx);

#endif /* TLSWIRE_SRC_CONTEXT_H */

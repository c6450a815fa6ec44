/*
 * context.h - the context object, shared with the connection code.
 */
#ifndef TLSWIRE_SRC_CONTEXT_H
#define TLSWIRE_SRC_CONTEXT_H

#include <tlswire/tlswire.h>

#include "callbacks.h"
#include "error.h"

struct tlswire_context {
  SSL_CTX *ssl_ctx;
  int method;
  int refs;   /* atomic */
  int frozen; /* atomic: set once a connection used the context */
  size_t ring_capacity;
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

/* The verify trampoline installed by set_verify (also used per connection). */
int tlswire_context_verify_trampoline(int preverify_ok, X509_STORE_CTX *store);

#endif /* TLSWIRE_SRC_CONTEXT_H */

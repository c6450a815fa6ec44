/* SPDX-License-Identifier: Apache-2.0 */
/*
 * callbacks.h - the trampolines libssl calls for a context's user callbacks
 * (the callbacks themselves are stored in struct tlswire_callbacks, in
 * context.h). A failing callback becomes the connection's pending failure
 * (conn.h), reported by the call that triggered it.
 */
#ifndef TLSWIRE_SRC_CALLBACKS_H
#define TLSWIRE_SRC_CALLBACKS_H

#include <tlswire/tlswire.h>

/* The verify trampoline installed by set_verify (also per connection). */
int tlswire_context_verify_trampoline(int preverify_ok, X509_STORE_CTX *store);

/* The trampolines, exposed for unit tests that drive them directly. */
int tlswire_cb_cookie_generate(SSL *ssl, unsigned char *cookie,
                               unsigned int *len);
int tlswire_cb_cookie_verify(SSL *ssl, const unsigned char *cookie,
                             unsigned int len);

#endif /* TLSWIRE_SRC_CALLBACKS_H */

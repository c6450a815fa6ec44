/* SPDX-License-Identifier: Apache-2.0 */
/*
 * passwd.h - the passphrase callback behind every key loader.
 *
 * libssl asks for a passphrase through one trampoline installed on each
 * SSL_CTX; with no user callback it refuses, so libssl never prompts on a
 * terminal. A loader resets the state first, then maps a failed load to
 * TLSWIRE_E_CALLBACK (the user's callback failed) or TLSWIRE_E_SSL.
 */
#ifndef TLSWIRE_SRC_PASSWD_H
#define TLSWIRE_SRC_PASSWD_H

#include <tlswire/tlswire.h>

#include "error.h"

struct tlswire_passwd {
  tlswire_passwd_cb cb;
  void *arg;
  int failed; /* the last call of cb reported failure */
  int value;  /* and the value it returned */
};

/* Installs the trampoline on ssl_ctx, answering from pw. */
void tlswire_passwd_install(SSL_CTX *ssl_ctx, struct tlswire_passwd *pw);

/* Points one connection's passphrase requests at pw. */
void tlswire_passwd_use(SSL *ssl, struct tlswire_passwd *pw);

void tlswire_passwd_reset(struct tlswire_passwd *pw);

/* Records why a load failed in err; returns its status. */
int tlswire_passwd_load_failed(struct tlswire_passwd *pw,
                               struct tlswire_error *err);

#endif /* TLSWIRE_SRC_PASSWD_H */

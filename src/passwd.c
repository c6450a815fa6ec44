/* SPDX-License-Identifier: Apache-2.0 */
/*
 * passwd.c - the passphrase trampoline (see passwd.h).
 */
#include <string.h>

#include <openssl/ssl.h>

#include "passwd.h"

/* OpenSSL's pem_password_cb; arg is the struct tlswire_passwd. */
static int passwd_trampoline(char *buf, int size, int rwflag, void *arg) {
  struct tlswire_passwd *pw = arg;
  if (pw == NULL || pw->cb == NULL || size <= 0)
    return 0; /* never prompt on a terminal */
  const void *pass = NULL;
  size_t len = 0;
  int rc = pw->cb((size_t)size, rwflag, &pass, &len, pw->arg);
  if (rc != 0) {
    pw->failed = 1;
    pw->value = rc;
    return 0;
  }
  if (pass == NULL)
    return 0;
  if (len > (size_t)size) /* pyOpenSSL truncates an over-long passphrase */
    len = (size_t)size;
  memcpy(buf, pass, len);
  return (int)len;
}

void tlswire_passwd_install(SSL_CTX *ssl_ctx, struct tlswire_passwd *pw) {
  SSL_CTX_set_default_passwd_cb(ssl_ctx, passwd_trampoline);
  SSL_CTX_set_default_passwd_cb_userdata(ssl_ctx, pw);
}

void tlswire_passwd_use(SSL *ssl, struct tlswire_passwd *pw) {
  SSL_set_default_passwd_cb_userdata(ssl, pw);
}

void tlswire_passwd_reset(struct tlswire_passwd *pw) {
  pw->failed = 0;
  pw->value = 0;
}

int tlswire_passwd_load_failed(struct tlswire_passwd *pw,
                               struct tlswire_error *err) {
  if (!pw->failed)
    return tlswire_error_from_queue(err, TLSWIRE_E_SSL);
  int value = pw->value;
  tlswire_passwd_reset(pw);
  return tlswire_error_callback(err, value, "passphrase");
}

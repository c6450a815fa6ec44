/* SPDX-License-Identifier: Apache-2.0 */
/*
 * openssl_version.c - pyOpenSSL's module functions OpenSSL_version and
 * SSLeay_version.
 */
#include <openssl/crypto.h>

#include <tlswire/tlswire.h>

const char *tlswire_openssl_version(int type) { return OpenSSL_version(type); }

const char *tlswire_SSLeay_version(int type) { return OpenSSL_version(type); }

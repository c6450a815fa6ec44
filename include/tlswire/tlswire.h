/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlswire.h - the umbrella header: everything public in tlswire.
 *
 * tlswire brings pyOpenSSL's OpenSSL.SSL connection model (Context,
 * Connection, Session and its error classes) to C, on top of OpenSSL's
 * libssl, as a sans-I/O core: a connection's only I/O is byte buffers.
 *
 * Naming: pyOpenSSL's Context.X is tlswire_context_X, Connection.X is
 * tlswire_conn_X, constant NAME is TLSWIRE_NAME. Every fallible function
 * returns TLSWIRE_OK (0), a non-negative result, or a negative TLSWIRE_E_*
 * status (see <tlswire/status.h>). Byte counts travel through size_t
 * out-parameters.
 *
 * Objects of OpenSSL's crypto layer are passed as OpenSSL's own types
 * (X509 *, EVP_PKEY *); programs that create them call OpenSSL themselves
 * and link it too: `pkg-config --cflags --libs tlswire libssl libcrypto`.
 */
#ifndef TLSWIRE_H
#define TLSWIRE_H

#include <tlswire/conn.h>
#include <tlswire/constants.h>
#include <tlswire/context.h>
#include <tlswire/session.h>
#include <tlswire/status.h>
#include <tlswire/transport.h>
#include <tlswire/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string ("0.1.0") as built; compare with
 * TLSWIRE_VERSION from the headers the program was compiled against. */
TLSWIRE_API const char *tlswire_version(void);

/* The library's version as 0xMMmmpp; see TLSWIRE_VERSION_NUM. */
TLSWIRE_API unsigned long tlswire_version_num(void);

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_H */

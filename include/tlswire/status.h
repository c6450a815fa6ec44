/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlswire/status.h - status codes, error records and the export macro.
 *
 * Part of the public API; include <tlswire/tlswire.h> rather than this file.
 */
#ifndef TLSWIRE_STATUS_H
#define TLSWIRE_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks every public declaration; the library is built with
 * -fvisibility=hidden, so anything without it stays internal. */
#if defined(TLSWIRE_BUILDING) && defined(__GNUC__)
#define TLSWIRE_API __attribute__((visibility("default")))
#else
#define TLSWIRE_API
#endif

/*
 * Every status tlswire returns, with its message: one table, so the enum
 * and tlswire_strerror() cannot drift apart. X(name, value, message).
 *
 * pyOpenSSL's exceptions map onto these codes:
 *   WantReadError -> TLSWIRE_E_WANT_READ, WantWriteError ->
 * TLSWIRE_E_WANT_WRITE, WantX509LookupError -> TLSWIRE_E_WANT_X509_LOOKUP,
 *   ZeroReturnError -> TLSWIRE_E_ZERO_RETURN, SysCallError ->
 * TLSWIRE_E_SYSCALL, Error -> TLSWIRE_E_SSL, TypeError/ValueError ->
 * TLSWIRE_E_INVALID, NotImplementedError -> TLSWIRE_E_UNSUPPORTED.
 */
#define TLSWIRE_STATUS_MAP(X)                                                  \
  X(OK, 0, "success")                                                          \
  X(E_WANT_READ, -1, "operation needs more input before it can go on")         \
  X(E_WANT_WRITE, -2, "operation needs output drained before it can go on")    \
  X(E_WANT_X509_LOOKUP, -3, "operation waits for a certificate lookup")        \
  X(E_ZERO_RETURN, -4, "the peer closed the TLS session (close_notify)")       \
  X(E_SYSCALL, -5, "transport error or end of input without close_notify")     \
  X(E_SSL, -6, "TLS protocol or library error")                                \
  X(E_INVALID, -7, "invalid argument")                                         \
  X(E_STATE, -8, "operation not allowed in the object's current state")        \
  X(E_UNSUPPORTED, -9, "not supported by this build or OpenSSL version")       \
  X(E_NOMEM, -10, "out of memory")                                             \
  X(E_CALLBACK, -11, "a user callback reported failure")

/* The status codes. TLSWIRE_OK is 0; failures are negative. */
enum tlswire_status {
#define TLSWIRE_STATUS_ENUM_(name, value, message) TLSWIRE_##name = (value),
  TLSWIRE_STATUS_MAP(TLSWIRE_STATUS_ENUM_)
#undef TLSWIRE_STATUS_ENUM_
};

/* The message of a status code: a static string, never NULL. Non-negative
 * results are described too: 0 "success", 1 "done" (tlswire_conn_shutdown's
 * "both close_notify alerts done", a true answer), above 1 "positive result
 * (a count or value, not an error)". Unknown negative codes give "unknown
 * tlswire status". */
TLSWIRE_API const char *tlswire_strerror(int code);

/* The name of a status code as spelled in C ("TLSWIRE_E_WANT_READ"): a static
 * string, never NULL. For non-negative results: 0 "TLSWIRE_OK", 1
 * "TLSWIRE_DONE", above 1 "TLSWIRE_POSITIVE" (names for printing only: no
 * such constants exist). Unknown negative codes give "TLSWIRE_E_UNKNOWN". */
TLSWIRE_API const char *tlswire_status_name(int code);

/*
 * Error records. Every tlswire_context and tlswire_conn keeps the detail of
 * its own last failure in a record, read through the accessors below. The
 * record is overwritten by the next failing call on the same object and is
 * not touched by successful calls, nor by the would-block statuses
 * TLSWIRE_E_WANT_READ, TLSWIRE_E_WANT_WRITE and TLSWIRE_E_WANT_X509_LOOKUP,
 * which are flow control rather than failures (an event loop sees them all
 * the time; the record keeps the failure that matters). OpenSSL's thread-local
 * error queue is drained into the record by the failing call itself, so nothing
 * is left on the queue and one object's failure never shows up on another.
 *
 * A record pointer stays valid as long as its object lives.
 *
 * The calls allowed on a context shared by several threads record their
 * failures in a per-thread record instead (tlswire_thread_last_error(), in
 * <tlswire/context.h>), read with the same accessors.
 */
typedef struct tlswire_error tlswire_error;

/* At most this many OpenSSL queue entries are kept (the oldest ones). */
#define TLSWIRE_ERROR_MAX_ENTRIES 16

/* The status of the last failure, or TLSWIRE_OK if none happened yet.
 * err may be NULL (gives TLSWIRE_E_INVALID). */
TLSWIRE_API int tlswire_error_code(const tlswire_error *err);

/* The errno of a TLSWIRE_E_SYSCALL failure: the transport's errno, or -1 when
 * the input ended without close_notify ("Unexpected EOF", as pyOpenSSL's
 * SysCallError(-1, ...)). 0 for other failures. */
TLSWIRE_API int tlswire_error_errno(const tlswire_error *err);

/* For TLSWIRE_E_CALLBACK: the non-zero value the user callback returned.
 * 0 otherwise. */
TLSWIRE_API int tlswire_error_callback_value(const tlswire_error *err);

/* A one-line human-readable description of the last failure, e.g.
 * "SSL routines: connection type not set". Never NULL; "" when no failure
 * was recorded. */
TLSWIRE_API const char *tlswire_error_message(const tlswire_error *err);

/* How many OpenSSL queue entries the record holds (0 for failures that did
 * not come from OpenSSL, and for pyOpenSSL's Error([]) cases). */
TLSWIRE_API size_t tlswire_error_count(const tlswire_error *err);

/*
 * Entry i (0 = oldest) of the copied OpenSSL queue, as pyOpenSSL's
 * (lib, func, reason) tuples. Each out-parameter may be NULL. The strings are
 * static and never NULL ("" where OpenSSL has none); func is the C function
 * that raised the error, where OpenSSL recorded one. Returns the packed
 * OpenSSL error code (ERR_GET_LIB / ERR_GET_REASON work on it), or 0 when i
 * is out of range (the out-parameters are then set to "").
 */
TLSWIRE_API unsigned long tlswire_error_entry(const tlswire_error *err,
                                              size_t i, const char **lib,
                                              const char **func,
                                              const char **reason);

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_STATUS_H */

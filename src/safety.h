/* SPDX-License-Identifier: Apache-2.0 */
/*
 * safety.h - one-line guards used across the core.
 *
 * TW_GUARD(cond, code): return code unless cond holds.
 * TW_GUARD_ARG(cond, rec, msg): record TLSWIRE_E_INVALID with msg and return.
 * TW_GUARD_OSSL(call, rec): OpenSSL call must return 1, else record the
 *   queue as TLSWIRE_E_SSL in rec and return it.
 * TW_TRY(expr): propagate a negative status.
 */
#ifndef TLSWIRE_SAFETY_H
#define TLSWIRE_SAFETY_H

#include "error.h"

#define TW_GUARD(cond, code)                                                   \
  do {                                                                         \
    if (!(cond))                                                               \
      return (code);                                                           \
  } while (0)

#define TW_GUARD_ARG(cond, rec, msg)                                           \
  do {                                                                         \
    if (!(cond))                                                               \
      return tlswire_error_set((rec), TLSWIRE_E_INVALID, (msg));               \
  } while (0)

#define TW_GUARD_OSSL(call, rec)                                               \
  do {                                                                         \
    if ((call) != 1)                                                           \
      return tlswire_error_from_queue((rec), TLSWIRE_E_SSL);                   \
  } while (0)

#define TW_TRY(expr)                                                           \
  do {                                                                         \
    int tw_try_rc_ = (expr);                                                   \
    if (tw_try_rc_ < 0)                                                        \
      return tw_try_rc_;                                                       \
  } while (0)

#endif /* TLSWIRE_SAFETY_H */

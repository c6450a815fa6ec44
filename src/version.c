/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version.c - the library's own version.
 */
#include <tlswire/tlswire.h>

const char *tlswire_version(void) { return TLSWIRE_VERSION; }

unsigned long tlswire_version_num(void) { return TLSWIRE_VERSION_NUM; }

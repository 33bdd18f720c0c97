/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growable vectors of malloc'd strings. */
#ifndef CNI_UTIL_STRV_H
#define CNI_UTIL_STRV_H

#include <stddef.h>

/* Append a copy of s to (*v, *n): 0, or -1 (ENOMEM; *v and *n unchanged
 * but for a larger allocation). */
int strv_push(char ***v, size_t *n, const char *s);
/* Free the n strings of v and v itself. */
void strv_free(char **v, size_t n);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small text rules the reference gets from Go's library, and hex digits. */
#ifndef CNI_UTIL_TEXT_H
#define CNI_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The rune at s (at most n bytes, UTF-8): its length in bytes (1 for an
 * invalid byte), and in *space whether Go's unicode.IsSpace holds for it
 * (never for invalid bytes). n must be > 0. */
size_t text_rune_space(const unsigned char *s, size_t n, bool *space);

/* Go's strings.TrimSpace in place on s[0..len): the new length; s[len]
 * becomes NUL. */
size_t text_trim_space(char *s, size_t len);

/* The value of a hex digit (either case), or -1. */
int text_hex_digit(char c);

#endif

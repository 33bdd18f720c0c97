/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "text.h"

#include <string.h>

static bool unicode_space(unsigned int r)
{
	return r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) ||
	       r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000;
}

size_t text_rune_space(const unsigned char *s, size_t n, bool *space)
{
	unsigned int r;
	size_t len;

	*space = false;
	if (s[0] < 0x80) {
		*space = s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r');
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, r = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, r = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, r = s[0] & 0x07;
	else
		return 1;
	if (len > n)
		return 1;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 1;
		r = (r << 6) | (s[i] & 0x3f);
	}
	*space = unicode_space(r);
	return len;
}

size_t text_trim_space(char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, b = 0, e = 0;
	bool leading = true, space;

	while (i < len) {
		size_t l = text_rune_space(u + i, len - i, &space);
		if (!space) {
			if (leading)
				b = i;
			leading = false;
			e = i + l;
		}
		i += l;
	}
	if (leading)
		b = e = 0;
	memmove(s, s + b, e - b);
	s[e - b] = '\0';
	return e - b;
}

int text_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

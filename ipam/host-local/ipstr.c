/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ipstr.h"

#include <stdio.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void hl_ip_canonicalize(struct ip_addr *a)
{
	if (a->family != AF_INET6 || memcmp(a->b, v4_mapped_prefix, 12) != 0)
		return;
	memmove(a->b, a->b + 12, 4);
	memset(a->b + 4, 0, 12);
	a->family = AF_INET;
}

char *hl_ip_string(const struct ip_addr *a, char *buf)
{
	int best = -1, best_len = 0;
	char *p = buf;

	if (a->family == AF_INET) {
		snprintf(buf, IP_ADDR_STRLEN, "%u.%u.%u.%u", a->b[0], a->b[1], a->b[2], a->b[3]);
		return buf;
	}
	if (a->family != AF_INET6) {
		strcpy(buf, "<nil>");
		return buf;
	}
	if (memcmp(a->b, v4_mapped_prefix, 12) == 0) {
		/* Go prints a mapped address as plain IPv4 */
		snprintf(buf, IP_ADDR_STRLEN, "%u.%u.%u.%u", a->b[12], a->b[13], a->b[14],
			 a->b[15]);
		return buf;
	}
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && a->b[2 * j] == 0 && a->b[2 * j + 1] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0 && i != best + best_len)
			*p++ = ':';
		p += sprintf(p, "%x", (unsigned)(a->b[2 * i] << 8 | a->b[2 * i + 1]));
	}
	*p = '\0';
	return buf;
}

int hl_ip_parse_loose(const char *s, struct ip_addr *out)
{
	struct ip_net n;

	if (ip_addr_parse(s, out) == 0) {
		hl_ip_canonicalize(out);
		return 0;
	}
	if (ip_net_parse(s, &n) < 0)
		return -1;
	*out = n.ip;
	hl_ip_canonicalize(out);
	return 0;
}

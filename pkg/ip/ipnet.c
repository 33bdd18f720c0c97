/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ipnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ip_addr_parse(const char *s, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

int ip_net_parse(const char *s, struct ip_net *out)
{
	char buf[IP_NET_STRLEN + 1];
	const char *slash;
	char *end;
	long prefix;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!s || !(slash = strchr(s, '/')))
		return -1;
	len = (size_t)(slash - s);
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (ip_addr_parse(buf, &out->ip) < 0)
		return -1;
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (errno || *end || prefix < 0 || prefix > ip_addr_len(out->ip.family) * 8)
		return -1;
	out->prefix = (int)prefix;
	return 0;
}

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void ip_addr_canonicalize(struct ip_addr *a)
{
	if (a->family != AF_INET6 || memcmp(a->b, v4_mapped_prefix, 12) != 0)
		return;
	memmove(a->b, a->b + 12, 4);
	memset(a->b + 4, 0, 12);
	a->family = AF_INET;
}

/* Spelled as Go's net.IP.String(): the reference names reservation files
 * and prints results this way, so ours must match byte for byte. */
char *ip_addr_format(const struct ip_addr *a, char *buf)
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

char *ip_net_format(const struct ip_net *n, char *buf)
{
	char a[IP_ADDR_STRLEN];
	snprintf(buf, IP_NET_STRLEN, "%s/%d", ip_addr_format(&n->ip, a), n->prefix);
	return buf;
}

bool ip_addr_is_set(const struct ip_addr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return ip_addr_cmp(a, b) == 0;
}

int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, (size_t)ip_addr_len(a->family));
}

void ip_prefix_mask(int family, int prefix, struct ip_addr *out)
{
	int len = ip_addr_len(family);
	memset(out, 0, sizeof(*out));
	out->family = family;
	for (int i = 0; i < len; i++) {
		int bits = prefix - i * 8;
		if (bits >= 8)
			out->b[i] = 0xff;
		else if (bits > 0)
			out->b[i] = (uint8_t)(0xff << (8 - bits));
	}
}

void ip_net_first(const struct ip_net *n, struct ip_addr *out)
{
	struct ip_addr m;
	ip_prefix_mask(n->ip.family, n->prefix, &m);
	*out = n->ip;
	for (int i = 0; i < 16; i++)
		out->b[i] &= m.b[i];
}

void ip_net_last(const struct ip_net *n, struct ip_addr *out)
{
	struct ip_addr m;
	int len = ip_addr_len(n->ip.family);
	ip_prefix_mask(n->ip.family, n->prefix, &m);
	*out = n->ip;
	for (int i = 0; i < len; i++)
		out->b[i] |= (uint8_t)~m.b[i];
}

void ip_net_network(const struct ip_net *n, struct ip_net *out)
{
	struct ip_addr first;
	ip_net_first(n, &first);
	out->ip = first;
	out->prefix = n->prefix;
}

bool ip_net_contains(const struct ip_net *n, const struct ip_addr *a)
{
	struct ip_addr m;
	int len;
	if (a->family != n->ip.family)
		return false;
	len = ip_addr_len(a->family);
	ip_prefix_mask(a->family, n->prefix, &m);
	for (int i = 0; i < len; i++)
		if ((a->b[i] & m.b[i]) != (n->ip.b[i] & m.b[i]))
			return false;
	return true;
}

bool ip_addr_next(struct ip_addr *a)
{
	int len = ip_addr_len(a->family);
	struct ip_addr t = *a;
	for (int i = len - 1; i >= 0; i--) {
		if (++t.b[i] != 0) {
			*a = t;
			return true;
		}
	}
	return false;
}

bool ip_addr_prev(struct ip_addr *a)
{
	int len = ip_addr_len(a->family);
	struct ip_addr t = *a;
	for (int i = len - 1; i >= 0; i--) {
		if (t.b[i]-- != 0) {
			*a = t;
			return true;
		}
	}
	return false;
}

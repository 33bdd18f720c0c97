/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "range.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam/host-local/ipstr.h"

/* A configured address (start, end, gateway) must be in the subnet. */
static int check_in_subnet(const struct hl_range *r, const struct ip_addr *a, const char *field,
			   struct cni_error *err)
{
	char as[IP_ADDR_STRLEN], ns[IP_NET_STRLEN], ip[IP_ADDR_STRLEN];

	snprintf(ns, sizeof(ns), "%s/%d", ip_addr_format(&r->subnet.ip, ip), r->subnet.prefix);
	if (a->family != r->subnet.ip.family)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s.%s: IP %s is not the same protocol as subnet %s", r->where,
				     field, ip_addr_format(a, as), ns);
	if (!ip_net_contains(&r->subnet, a))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s.%s: %s not in network %s",
				     r->where, field, ip_addr_format(a, as), ns);
	return 0;
}

int hl_range_canonicalize(struct hl_range *r, struct cni_error *err)
{
	char ns[IP_NET_STRLEN], s1[IP_ADDR_STRLEN], s2[IP_ADDR_STRLEN];
	int fam = r->subnet.ip.family;
	struct ip_addr first, last;

	if (fam != AF_INET && fam != AF_INET6)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s.subnet: missing", r->where);
	ip_net_network(&r->subnet, &r->subnet);
	snprintf(ns, sizeof(ns), "%s/%d", ip_addr_format(&r->subnet.ip, s1), r->subnet.prefix);
	/* network, gateway, one address, broadcast: fewer than 4 is useless */
	if (r->subnet.prefix > ip_addr_len(fam) * 8 - 2)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s.subnet: Network %s too small to allocate from", r->where,
				     ns);
	ip_net_first(&r->subnet, &first);
	ip_net_last(&r->subnet, &last);

	if (!ip_addr_is_set(&r->gateway)) {
		r->gateway = first;
		ip_addr_next(&r->gateway);
	} else if (check_in_subnet(r, &r->gateway, "gateway", err) < 0) {
		return -1;
	}

	if (!ip_addr_is_set(&r->start)) {
		r->start = first;
		ip_addr_next(&r->start);
	} else if (check_in_subnet(r, &r->start, "rangeStart", err) < 0) {
		return -1;
	}

	if (!ip_addr_is_set(&r->end)) {
		r->end = last;
		if (fam == AF_INET)
			ip_addr_prev(&r->end);
	} else if (check_in_subnet(r, &r->end, "rangeEnd", err) < 0) {
		return -1;
	}
	/* also a defaulted end: rangeStart on the broadcast address is past it */
	if (ip_addr_cmp(&r->end, &r->start) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s.rangeEnd: %s is in network %s but before start %s",
				     r->where, ip_addr_format(&r->end, s1), ns,
				     ip_addr_format(&r->start, s2));
	return 0;
}

bool hl_range_contains(const struct hl_range *r, const struct ip_addr *a)
{
	return a->family == r->start.family && ip_addr_cmp(a, &r->start) >= 0 &&
	       ip_addr_cmp(a, &r->end) <= 0;
}

bool hl_range_is_reserved(const struct hl_range *r, const struct ip_addr *a)
{
	struct ip_addr x;

	if (ip_addr_equal(a, &r->gateway))
		return true;
	ip_net_first(&r->subnet, &x);
	if (ip_addr_equal(a, &x))
		return true;
	ip_net_last(&r->subnet, &x);
	return a->family == AF_INET && ip_addr_equal(a, &x);
}

bool hl_range_overlaps(const struct hl_range *a, const struct hl_range *b)
{
	if (a->start.family != b->start.family)
		return false;
	return ip_addr_cmp(&a->start, &b->end) <= 0 && ip_addr_cmp(&b->start, &a->end) <= 0;
}

char *hl_range_string(const struct hl_range *r, char *buf)
{
	char s[IP_ADDR_STRLEN], e[IP_ADDR_STRLEN];

	snprintf(buf, HL_RANGE_STRLEN, "%s-%s", ip_addr_format(&r->start, s),
		 ip_addr_format(&r->end, e));
	return buf;
}

int hl_range_set_family(const struct hl_range_set *s)
{
	return s->n ? s->r[0].start.family : 0;
}

int hl_range_set_canonicalize(struct hl_range_set *s, struct cni_error *err)
{
	char s1[HL_RANGE_STRLEN], s2[HL_RANGE_STRLEN];

	if (s->n == 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: empty range set", s->where);
	for (size_t i = 0; i < s->n; i++) {
		if (hl_range_canonicalize(&s->r[i], err) < 0)
			return -1;
		if (s->r[i].start.family != s->r[0].start.family)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "%s: mixed address families", s->where);
	}
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = i + 1; j < s->n; j++)
			if (hl_range_overlaps(&s->r[i], &s->r[j]))
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "%s: range %s overlaps with %s (%s)",
						     s->r[j].where, hl_range_string(&s->r[j], s1),
						     s->r[i].where, hl_range_string(&s->r[i], s2));
	return 0;
}

int hl_range_set_find(const struct hl_range_set *s, const struct ip_addr *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (hl_range_contains(&s->r[i], a))
			return (int)i;
	return -1;
}

bool hl_range_set_overlaps(const struct hl_range_set *a, const struct hl_range_set *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (hl_range_overlaps(&a->r[i], &b->r[j]))
				return true;
	return false;
}

char *hl_range_set_string(const struct hl_range_set *s)
{
	size_t cap = s->n * (HL_RANGE_STRLEN + 1) + 1, len = 0;
	char *out = malloc(cap), buf[HL_RANGE_STRLEN];

	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < s->n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "",
					hl_range_string(&s->r[i], buf));
	return out;
}

void hl_range_set_free(struct hl_range_set *s)
{
	free(s->r);
	s->r = NULL;
	s->n = 0;
}

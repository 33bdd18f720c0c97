/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One allocation range ({subnet, rangeStart, rangeEnd, gateway}) and a range
 * set (the ranges one address is picked from), with the reference's defaults
 * and validation (allocator/range.go, range_set.go).
 */
#ifndef HL_RANGE_H
#define HL_RANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "cni/error.h"
#include "ip/ipnet.h"

struct hl_range {
	struct ip_net subnet;	/* network address (host bits cleared) */
	struct ip_addr start;	/* first address handed out, inclusive */
	struct ip_addr end;	/* last address handed out, inclusive */
	struct ip_addr gateway; /* inside subnet; never handed out */
	char where[64];		/* config path for messages: "ipam.ranges[0][1]" */
};

struct hl_range_set {
	struct hl_range *r;
	size_t n;
	char where[48]; /* "ipam.ranges[0]" */
};

/* Fill defaults and validate, as Range.Canonicalize: start = network+1,
 * end = broadcast-1 (IPv4) or the last address (IPv6), gateway = network+1;
 * start/end/gateway (family 0 when not configured) must lie in the subnet,
 * start <= end; prefixes leaving fewer than four addresses (/31, /32, /127,
 * /128) are refused. Code 7 naming the field. */
int hl_range_canonicalize(struct hl_range *r, struct cni_error *err);

/* start <= a <= end (and same family). */
bool hl_range_contains(const struct hl_range *r, const struct ip_addr *a);
/* Addresses we never hand out in r: the gateway, the network address and
 * the IPv4 broadcast (reachable only through an explicit rangeStart/End). */
bool hl_range_is_reserved(const struct hl_range *r, const struct ip_addr *a);
bool hl_range_overlaps(const struct hl_range *a, const struct hl_range *b);
/* "start-end" as the reference prints a range. buf >= HL_RANGE_STRLEN. */
#define HL_RANGE_STRLEN (2 * IP_ADDR_STRLEN)
char *hl_range_string(const struct hl_range *r, char *buf);

/* Canonicalize every range, refuse an empty set, mixed families, and
 * overlapping ranges inside the set (code 7). */
int hl_range_set_canonicalize(struct hl_range_set *s, struct cni_error *err);
/* Index of the range of s that contains a, or -1. */
int hl_range_set_find(const struct hl_range_set *s, const struct ip_addr *a);
bool hl_range_set_overlaps(const struct hl_range_set *a, const struct hl_range_set *b);
int hl_range_set_family(const struct hl_range_set *s);
/* "r1,r2,..." as the reference prints a set; malloc'd, NULL on ENOMEM. */
char *hl_range_set_string(const struct hl_range_set *s);
void hl_range_set_free(struct hl_range_set *s);

#endif

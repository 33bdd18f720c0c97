/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Addresses the way the reference (Go's net.IP) spells and reads them. The
 * spelling is load-bearing: it names the reservation files, so both
 * implementations must agree on it byte for byte.
 */
#ifndef HL_IPSTR_H
#define HL_IPSTR_H

#include <stdbool.h>

#include "ipnet.h"

/* net.IP.String(): dotted IPv4; IPv6 per RFC 5952 (longest run of two or
 * more zero groups compressed, first one on a tie, lower-case hex), and
 * never the "::1.2.3.4" form glibc's inet_ntop uses. buf: IP_ADDR_STRLEN. */
char *hl_ip_string(const struct ip_addr *a, char *buf);

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes IPv4, as the
 * reference's canonicalizeIP does. */
void hl_ip_canonicalize(struct ip_addr *a);

/* Parse "10.1.2.3", or "10.1.2.3/24" taking the address part (the reference
 * accepts both for requested addresses), canonicalized. 0 or -1. */
int hl_ip_parse_loose(const char *s, struct ip_addr *out);

#endif

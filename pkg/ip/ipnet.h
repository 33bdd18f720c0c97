/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IP address and prefix arithmetic, IPv4 and IPv6 alike. Pure logic. */
#ifndef CNI_IPNET_H
#define CNI_IPNET_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define IP_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define IP_NET_STRLEN 50  /* address + "/128" */

struct ip_addr {
	int family;    /* AF_INET or AF_INET6; 0 = unset */
	uint8_t b[16]; /* network byte order; IPv4 uses b[0..3] */
};

struct ip_net {
	struct ip_addr ip; /* may carry host bits ("10.1.2.3/24") */
	int prefix;
};

static inline int ip_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Parse "10.1.2.3" / "fd00::1". IPv4-mapped IPv6 stays IPv6. 0 or -1. */
int ip_addr_parse(const char *s, struct ip_addr *out);
/* Parse "10.1.2.3/24"; host bits are kept (use ip_net_network to drop them). */
int ip_net_parse(const char *s, struct ip_net *out);

/* Format into buf (IP_ADDR_STRLEN / IP_NET_STRLEN); returns buf. Spelled as
 * Go's net.IP.String() (RFC 5952; an IPv4-mapped address as dotted IPv4;
 * never glibc's "::1.2.3.4"), as the reference plugins print and name files. */
char *ip_addr_format(const struct ip_addr *a, char *buf);
char *ip_net_format(const struct ip_net *n, char *buf);

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes IPv4. */
void ip_addr_canonicalize(struct ip_addr *a);

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);
/* Orders by family, then numerically. */
int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool ip_addr_is_set(const struct ip_addr *a);

/* The prefix's first (network) and last (broadcast) addresses. */
void ip_net_first(const struct ip_net *n, struct ip_addr *out);
void ip_net_last(const struct ip_net *n, struct ip_addr *out);
/* n with host bits cleared. */
void ip_net_network(const struct ip_net *n, struct ip_net *out);
bool ip_net_contains(const struct ip_net *n, const struct ip_addr *a);

/* Step by one; false (and a unchanged) on wrap-around. */
bool ip_addr_next(struct ip_addr *a);
bool ip_addr_prev(struct ip_addr *a);

/* Mask of a prefix as an address ("255.255.255.0"), for netlink/route use. */
void ip_prefix_mask(int family, int prefix, struct ip_addr *out);

#endif

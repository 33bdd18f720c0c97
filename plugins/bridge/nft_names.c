/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bridge's nftables names: ours and the reference's (pure, unit-tested). */
#define _GNU_SOURCE
#include "nftables.h"

#include <stdio.h>
#include <string.h>

#include "util/sha512.h"

void nft_spoofchk_key(const char *cid, const char *ifname, char key[16])
{
	const char *parts[3] = {cid, "/", ifname};
	sha512_hex(parts, 3, 15, key); /* 15 digits + NUL: a valid ifname */
}

char *nft_masq_set_name(const struct ip_net *subnet, char *buf)
{
	char s[IP_NET_STRLEN];
	struct ip_net n;

	ip_net_network(subnet, &n);
	ip_net_format(&n, s);
	for (char *p = s; *p; p++)
		if (*p == ':')
			*p = '_';
	snprintf(buf, NFT_CHAIN_NAME_MAX, "masq%c-%s", n.ip.family == AF_INET ? '4' : '6', s);
	return buf;
}

char *nft_legacy_chain_name(const char *network, const char *cid, char buf[29])
{
	memcpy(buf, "CNI-", 4);
	sha512_hex2(network, cid, 24, buf + 4);
	return buf;
}

char *nft_legacy_comment_prefix(const char *network, const char *cid, const char *ifname,
				char buf[34])
{
	const char *parts[3] = {ifname, ":", cid};

	sha512_hex2(network, NULL, 16, buf);
	buf[16] = '-';
	sha512_hex(parts, 3, 16, buf + 17);
	return buf;
}

bool nft_legacy_comment_match(const char *comment, const char *network, const char *cid,
			      const char *ifname)
{
	char prefix[34];

	/* As the reference's own teardown: the full hash prefix, nothing
	 * else. The readable tail is truncated, and an ID can be part of
	 * another (ctr-1 in ctr-10), so it never decides. */
	nft_legacy_comment_prefix(network, cid, ifname, prefix);
	return strncmp(comment, prefix, 33) == 0;
}

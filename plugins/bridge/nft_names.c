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
	const char *p;
	size_t nl = strlen(network);

	nft_legacy_comment_prefix(network, cid, ifname, prefix);
	if (strncmp(comment, prefix, 33) == 0)
		return true;
	/* Liberal: the readable part "net: <network>, ... id: <cid>". */
	if (!cid[0] || !strstr(comment, cid))
		return false;
	for (p = strstr(comment, "net: "); p; p = strstr(p + 1, "net: "))
		if (strncmp(p + 5, network, nl) == 0 && (p[5 + nl] == ',' || p[5 + nl] == '\0'))
			return true;
	return false;
}

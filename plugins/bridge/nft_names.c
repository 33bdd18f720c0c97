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

char *nft_masq_set_name(const struct ip_net *subnet, const char *tag, char *buf)
{
	char s[IP_NET_STRLEN];
	struct ip_net n;

	ip_net_network(subnet, &n);
	ip_net_format(&n, s);
	for (char *p = s; *p; p++)
		if (*p == ':')
			*p = '_';
	snprintf(buf, NFT_CHAIN_NAME_MAX, "masq%c-%s%s%s", n.ip.family == AF_INET ? '4' : '6', s,
		 tag && *tag ? "-" : "", tag ? tag : "");
	return buf;
}

char *nft_nomasq_tag(const struct nft_nomasq *x, int family, char *tag)
{
	struct sha512_ctx c;
	uint8_t d[SHA512_DIGEST_LEN];
	char s[IP_NET_STRLEN];
	bool any = false;

	tag[0] = '\0';
	sha512_init(&c);
	for (size_t i = 0; x && i < x->n; i++) {
		if (x->v[i].ip.family != family)
			continue;
		if (any)
			sha512_update(&c, ",", 1);
		ip_net_format(&x->v[i], s);
		sha512_update(&c, s, strlen(s));
		any = true;
	}
	if (!any)
		return tag;
	sha512_final(&c, d);
	for (int i = 0; i < NFT_NOMASQ_TAG_LEN / 2; i++)
		sprintf(tag + 2 * i, "%02x", d[i]);
	return tag;
}

bool nft_nomasq_all(const struct nft_nomasq *x, int family)
{
	for (size_t i = 0; x && i < x->n; i++)
		if (x->v[i].ip.family == family && x->v[i].prefix == 0)
			return true;
	return false;
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

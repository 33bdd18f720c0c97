/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Element owners: pure string logic (unit-tested). */
#define _GNU_SOURCE
#include "nft.h"

#include <stdio.h>
#include <string.h>

#include "util/sha512.h"

char *nft_owner_format(const char *network, const char *cid, const char *ifname, char *buf)
{
	char h[65];

	if (!network)
		network = "";
	if (strlen(network) + strlen(cid) + strlen(ifname) + 2 <= NFT_OWNER_MAX) {
		snprintf(buf, NFT_OWNER_MAX + 1, "%s/%s/%s", network, cid, ifname);
		return buf;
	}
	/* Too long for an element comment: a digest stands in for the ID
	 * (network names are bounded to 128 bytes, ifnames to 15). */
	sha512_hex2(cid, NULL, 64, h);
	snprintf(buf, NFT_OWNER_MAX + 1, "%s/#%s/%s", network, h, ifname);
	return buf;
}

bool nft_owner_in_network(const char *owner, const char *network)
{
	size_t n = strlen(network);
	return strncmp(owner, network, n) == 0 && owner[n] == '/';
}

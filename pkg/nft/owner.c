/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Element owners: pure string logic (unit-tested). */
#define _GNU_SOURCE
#include "nft.h"

#include <stdio.h>
#include <stdlib.h>
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int nft_owners_init(struct nft_owners *o, const char *network, size_t cap, struct cni_error *err)
{
	memset(o, 0, sizeof(*o));
	o->network = network;
	o->cap = cap;
	o->v = calloc(cap ? cap : 1, sizeof(char *));
	o->pool = malloc((cap ? cap : 1) * (NFT_OWNER_MAX + 1));
	if (!o->v || !o->pool) {
		nft_owners_free(o);
		return cni_error_oom(err);
	}
	return 0;
}

void nft_owners_add(struct nft_owners *o, const char *cid, const char *ifname)
{
	if (!cid || !ifname || o->n == o->cap)
		return;
	o->v[o->n] = o->pool + o->n * (NFT_OWNER_MAX + 1);
	nft_owner_format(o->network, cid, ifname, o->v[o->n]);
	o->n++;
}

void nft_owners_sort(struct nft_owners *o)
{
	qsort(o->v, o->n, sizeof(char *), cmp_str);
}

bool nft_owners_stale(const struct nft_owners *o, const char *owner)
{
	if (!nft_owner_in_network(owner, o->network))
		return false; /* another network's, or made without one */
	return !bsearch(&owner, o->v, o->n, sizeof(char *), cmp_str);
}

void nft_owners_free(struct nft_owners *o)
{
	free(o->v);
	free(o->pool);
	o->v = NULL;
	o->pool = NULL;
	o->n = 0;
}

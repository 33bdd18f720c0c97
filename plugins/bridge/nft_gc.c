/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CNI GC: remove every masquerade and spoof-check element of a network
 * whose owner is not a valid attachment. GC is rare, so it dumps; all the
 * removals are one transaction, started over if a parallel DEL made it
 * stale (ENOENT: gone already). A masquerade set left empty (or found
 * empty: older versions kept them) goes with its rule, the batch then
 * being conditional on the generation read first (masq.c tells why).
 */
#define _GNU_SOURCE
#include "nftables.h"
#include "nft/nft.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include "util/cleanup.h"

struct gc {
	const char *network;
	char **valid; /* owner strings, sorted */
	size_t n;
	bool tidy;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool stale(const struct nft_elem *e, void *data)
{
	struct gc *g = data;
	const char *key = e->owner;

	if (!nft_owner_in_network(e->owner, g->network))
		return false; /* another network's, or made without one */
	return !bsearch(&key, g->valid, g->n, sizeof(char *), cmp_str);
}

static int gc_once(struct nft_sock *s, void *data, int *kerr, struct cni_error *err)
{
	struct gc *g = data;
	cleanup_nft_msgs struct nft_msgs m = {0};
	int rc;

	if (nft_masq_begin(s, &m, g->tidy, err) < 0)
		return -1;
	rc = nft_masq_put_collected(s, &m, stale, g, g->tidy, err);
	if (rc == 0)
		rc = nft_spoofchk_gc_put(s, &m, stale, g, err);
	if (rc == -EINTR) {
		*kerr = EINTR;
		return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
	}
	if (rc < 0)
		return -1;
	return nft_msgs_commit(s, &m, kerr, err);
}

int nft_gc(const char *network, const struct cni_attachment *valid, size_t n, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	cleanup_free char **owners = NULL;
	cleanup_free char *pool = NULL;
	struct gc g = {network, NULL, 0, true};

	if (!network || !network[0])
		return cni_error_set(err, CNI_ERR_INTERNAL, "nftables gc: no network");
	owners = calloc(n ? n : 1, sizeof(char *));
	pool = malloc((n ? n : 1) * (NFT_OWNER_MAX + 1));
	if (!owners || !pool)
		return cni_error_oom(err);
	for (size_t i = 0; i < n; i++) {
		if (!valid[i].container_id || !valid[i].ifname)
			continue;
		owners[g.n] = pool + g.n * (NFT_OWNER_MAX + 1);
		nft_owner_format(network, valid[i].container_id, valid[i].ifname, owners[g.n]);
		g.n++;
	}
	qsort(owners, g.n, sizeof(char *), cmp_str);
	g.valid = owners;

	if (nft_sock_open(&s, err) < 0)
		return -1;
	if (nft_masq_retry_tidy(&s, gc_once, &g, &g.tidy, (const int[]){ENOENT, EINTR, 0}, err) < 0)
		return cni_error_wrap(err, "nftables gc of network %s", network);
	return 0;
}

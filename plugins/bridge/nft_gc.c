/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CNI GC: remove every masquerade and spoof-check element of a network
 * whose owner is not a valid attachment. GC is rare, so it dumps; all the
 * removals are one transaction, started over if a parallel DEL made it
 * stale (ENOENT: gone already). The per-subnet sets and rules stay: an
 * empty one costs a lookup, and removing it could race with an ADD.
 */
#define _GNU_SOURCE
#include "nftables.h"
#include "nft/nft.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include "util/cleanup.h"

static bool stale(const struct nft_elem *e, void *owners)
{
	return nft_owners_stale(owners, e->owner);
}

static int gc_once(struct nft_sock *s, void *g, int *kerr, struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	int rc;

	nft_msgs_init(&m, s, true);
	rc = nft_masq_put_collected(s, &m, stale, g, err);
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
	cleanup_nft_owners struct nft_owners g = {0};

	if (!network || !network[0])
		return cni_error_set(err, CNI_ERR_INTERNAL, "nftables gc: no network");
	if (nft_owners_init(&g, network, n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		nft_owners_add(&g, valid[i].container_id, valid[i].ifname);
	nft_owners_sort(&g);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	if (nft_retry(&s, gc_once, &g, (const int[]){ENOENT, EINTR, 0}, err) < 0)
		return cni_error_wrap(err, "nftables gc of network %s", network);
	return 0;
}

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
	struct nft_owners owners; /* the valid attachments */
	bool tidy;		  /* remove the masquerade sets left empty */
};

static bool stale(const struct nft_elem *e, void *data)
{
	struct gc *g = data;
	return nft_owners_stale(&g->owners, e->owner);
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
	struct gc g = {{0}, true};
	int rc;

	if (!network || !network[0])
		return cni_error_set(err, CNI_ERR_INTERNAL, "nftables gc: no network");
	if (nft_owners_init(&g.owners, network, n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		nft_owners_add(&g.owners, valid[i].container_id, valid[i].ifname);
	nft_owners_sort(&g.owners);
	if (nft_sock_open(&s, err) < 0)
		rc = -1;
	else if ((rc = nft_masq_retry_tidy(&s, gc_once, &g, &g.tidy,
					   (const int[]){ENOENT, EINTR, 0}, err)) < 0)
		cni_error_wrap(err, "nftables gc of network %s", network);
	nft_owners_free(&g.owners);
	return rc < 0 ? -1 : 0;
}

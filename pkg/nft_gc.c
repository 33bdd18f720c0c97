/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CNI GC: remove every masquerade and spoof-check element of a network
 * whose owner is not a valid attachment, and the per-subnet masquerade
 * chains no element points at any more. GC is rare, so it dumps; all the
 * removals are one transaction, started over if a parallel ADD/DEL made
 * it stale (ENOENT: gone already; EBUSY: a chain got used again).
 */
#define _GNU_SOURCE
#include "nft.h"
#include "nft_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include "cleanup.h"

#define ATTEMPTS 3

struct gc {
	const char *network;
	char **valid; /* owner strings, sorted */
	size_t n;
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

static bool any(const struct nft_elem *e, void *data)
{
	(void)e;
	(void)data;
	return true;
}

struct chains {
	char (*v)[NFT_CHAIN_NAME_MAX];
	size_t n, cap;
	struct cni_error *err;
};

static int chain_cb(const char *name, void *data)
{
	struct chains *c = data;

	if (strncmp(name, "masq4-", 6) != 0 && strncmp(name, "masq6-", 6) != 0)
		return 0;
	if (strlen(name) >= NFT_CHAIN_NAME_MAX)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		void *nv = realloc(c->v, cap * sizeof(*c->v));
		if (!nv)
			return nft_oom(c->err);
		c->v = nv;
		c->cap = cap;
	}
	strcpy(c->v[c->n++], name);
	return 0;
}

/* Queue the masquerade part: stale elements, then unused subnet chains. */
static int gc_masq(struct nft_sock *s, struct nft_msgs *m, struct gc *g, struct cni_error *err)
{
	static const char *const maps[2] = {"masq4", "masq6"};
	struct nft_elem *all[2] = {NULL, NULL};
	size_t nall[2] = {0, 0};
	struct chains ch = {NULL, 0, 0, err};
	int rc;

	for (int i = 0; i < 2; i++) {
		cleanup_free struct nft_elem *del = NULL;
		size_t ndel = 0, j;

		rc = nft_collect_elems(s, NFPROTO_INET, NFT_TABLE, maps[i], any, NULL, &all[i],
				       &nall[i], err);
		if (rc < 0)
			goto out;
		del = calloc(nall[i] ? nall[i] : 1, sizeof(*del));
		if (!del) {
			rc = nft_oom(err);
			goto out;
		}
		for (j = 0; j < nall[i]; j++) {
			if (stale(&all[i][j], g)) {
				del[ndel++] = all[i][j];
				all[i][j].chain[0] = '\0'; /* no longer a reference */
			}
		}
		if (nft_put_del_collected(m, NFPROTO_INET, NFT_TABLE, maps[i], del, ndel) < 0) {
			rc = nft_oom(err);
			goto out;
		}
	}

	rc = nft_dump_chains(s, NFPROTO_INET, NFT_TABLE, chain_cb, &ch, err);
	if (rc == -ENOENT)
		rc = 0;
	if (rc < 0)
		goto out;
	for (size_t k = 0; k < ch.n; k++) {
		bool used = false;
		for (int i = 0; i < 2 && !used; i++)
			for (size_t j = 0; j < nall[i] && !used; j++)
				used = strcmp(all[i][j].chain, ch.v[k]) == 0;
		if (used)
			continue;
		if (nft_put_flush_chain(m, NFPROTO_INET, NFT_TABLE, ch.v[k]) < 0 ||
		    nft_put_del_chain(m, NFPROTO_INET, NFT_TABLE, ch.v[k]) < 0) {
			rc = nft_oom(err);
			goto out;
		}
	}
out:
	free(ch.v);
	for (int i = 0; i < 2; i++)
		free(all[i]);
	return rc;
}

static int gc_once(struct nft_sock *s, struct gc *g, int *kerr, struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	int rc;

	nft_msgs_init(&m, s, true);
	rc = gc_masq(s, &m, g, err);
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
	struct gc g = {network, NULL, 0};
	int kerr = 0;

	if (!network || !network[0])
		return cni_error_set(err, CNI_ERR_INTERNAL, "nftables gc: no network");
	owners = calloc(n ? n : 1, sizeof(char *));
	pool = malloc((n ? n : 1) * (NFT_OWNER_MAX + 1));
	if (!owners || !pool)
		return nft_oom(err);
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
	for (int attempt = 1;; attempt++) {
		if (gc_once(&s, &g, &kerr, err) == 0)
			return 0;
		if (attempt == ATTEMPTS || (kerr != ENOENT && kerr != EBUSY && kerr != EINTR))
			return cni_error_wrap(err, "nftables gc of network %s", network);
		cni_error_clear(err);
	}
}

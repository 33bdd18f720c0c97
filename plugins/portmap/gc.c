/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CNI GC: remove every element of this network's attachments that are not
 * valid, from every map and set of our table, and promote what waited
 * behind a removed mapping; and the 127.0.0.0/8 drop of every interface
 * that is gone or has route_localnet off (nftables.h). GC is rare, so it dumps; all of it is one
 * transaction, started over if a parallel call made it stale.
 */
#define _GNU_SOURCE
#include "nftables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "ns/sysctl.h"
#include "util/cleanup.h"

static bool keep_all(const struct nft_elem *e, void *data)
{
	(void)e;
	(void)data;
	return true;
}

struct set {
	const char *name;
	struct nft_elem *v;
	size_t n;
};

struct sets {
	char (*names)[NFT_SET_NAME_MAX];
	struct set *v;
	size_t n;
};

static void sets_free(struct sets *s)
{
	for (size_t i = 0; s->v && i < s->n; i++)
		free(s->v[i].v);
	free(s->v);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

/* Every set of the table with all its elements. 0, -EINTR or -1. */
static int sets_dump(struct nft_sock *sk, struct sets *s, struct cni_error *err)
{
	int rc = nft_collect_sets(sk, NFPROTO_INET, PM_TABLE, NULL, &s->names, &s->n, err);

	if (rc < 0)
		return rc;
	s->v = calloc(s->n ? s->n : 1, sizeof(*s->v));
	if (!s->v)
		return cni_error_oom(err);
	for (size_t i = 0; rc == 0 && i < s->n; i++) {
		s->v[i].name = s->names[i];
		rc = nft_collect_elems(sk, NFPROTO_INET, PM_TABLE, s->names[i], keep_all, NULL,
				       &s->v[i].v, &s->v[i].n, NULL, err);
	}
	return rc;
}

static bool stale(const struct nft_elem *e, void *owners)
{
	return nft_owners_stale(owners, e->owner);
}

static const struct set *find(const struct sets *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

/* An element of localnet-ifs whose interface is gone, or has route_localnet
 * off again: its drop guards nothing. (Owned by no container: whatever
 * network this GC is for.) */
static bool localnet_idle(const struct nft_elem *e)
{
	char name[IF_NAMESIZE] = {0}, key[sizeof("net/ipv4/conf//route_localnet") + IF_NAMESIZE];
	char cur[16];
	cleanup_error struct cni_error err = CNI_ERROR_INIT;

	memcpy(name, e->key, e->klen < IF_NAMESIZE - 1 ? e->klen : IF_NAMESIZE - 1);
	if (!name[0] || !if_nametoindex(name))
		return true;
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", name);
	return sysctl_read(key, cur, sizeof(cur), &err) == 0 && strcmp(cur, "1") != 0;
}

static int gc_once(struct nft_sock *sk, void *o, int *kerr, struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	struct sets s = {0};
	int rc = sets_dump(sk, &s, err);

	nft_msgs_init(&m, sk, true);
	for (size_t i = 0; rc == 0 && i < s.n; i++) {
		const struct set *st = &s.v[i];
		char wait[PM_NAME_MAX];
		const struct set *w = NULL;

		if (!strncmp(st->name, "dnat", 4)) {
			snprintf(wait, sizeof(wait), "wait%s", st->name + 4);
			w = find(&s, wait);
		}
		for (size_t k = 0; rc == 0 && k < st->n; k++) {
			if (!strcmp(st->name, PM_LOCALNET_SET)) {
				if (localnet_idle(&st->v[k]) &&
				    nft_put_elem(&m, NFT_MSG_DELSETELEM, 0, NFPROTO_INET, PM_TABLE,
						 st->name, &st->v[k],
						 "an idle 127.0.0.0/8 drop") < 0)
					rc = cni_error_oom(err);
				continue;
			}
			if (!stale(&st->v[k], o))
				continue;
			if (nft_put_elem(&m, NFT_MSG_DELSETELEM, 0, NFPROTO_INET, PM_TABLE,
					 st->name, &st->v[k], st->v[k].owner) < 0 ||
			    (w && pm_put_promote(&m, st->name, w->name, w->v, w->n, &st->v[k],
						 stale, o) < 0))
				rc = cni_error_oom(err);
		}
	}
	sets_free(&s);
	if (rc == -EINTR) {
		*kerr = EINTR;
		return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
	}
	if (rc < 0)
		return -1;
	return nft_msgs_commit(sk, &m, kerr, err);
}

int pm_nft_gc(const char *network, const struct cni_attachment *valid, size_t n,
	      struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	cleanup_nft_owners struct nft_owners o = {0};

	if (nft_owners_init(&o, network, n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		nft_owners_add(&o, valid[i].container_id, valid[i].ifname);
	nft_owners_sort(&o);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	/* ENOENT: a parallel DEL removed something first; EEXIST: a
	 * promotion raced with an ADD */
	if (nft_retry(&s, gc_once, &o, (const int[]){ENOENT, EINTR, EEXIST, 0}, err) < 0)
		return cni_error_wrap(err, "garbage collection of network %s", network);
	nft_sock_close_detached(&s); /* as DEL's */
	return 0;
}

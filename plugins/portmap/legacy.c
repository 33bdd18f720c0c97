/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Migration from the reference portmap: what it made for one container,
 * removed in our DEL's batch, from either of its backends:
 *
 *  - iptables (iptables-nft: table nat of families ip and ip6): the chain
 *    CNI-DN-<sha512(network + containerID)[:21]> holding the DNAT rules,
 *    and the rules of CNI-HOSTPORT-DNAT jumping to it; the same for the
 *    CNI-SN-<hash> chain older versions made (jumped to from
 *    CNI-HOSTPORT-SNAT). The shared chains (CNI-HOSTPORT-DNAT, -SETMARK,
 *    -MASQ and the jumps to them) stay, as the reference leaves them.
 *  - nftables (tables ip/ip6 cni_hostport): the rules of chains hostports,
 *    hostip_hostports and masquerading whose comment is the container ID.
 *
 * The GETs telling which of these chains exist go in the DEL's own round
 * trip; a fresh host costs nothing more. Then one rule dump per chain that
 * exists.
 */
#define _GNU_SOURCE
#include "portmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include "util/cleanup.h"

#define REF_NFT_TABLE "cni_hostport"

static const char *const ref_nft_chains[3] = {"hostports", "hostip_hostports", "masquerading"};
static const uint16_t fams[2] = {NFPROTO_IPV4, NFPROTO_IPV6};

static void chain_query(struct nft_query *q, uint16_t family, const char *table, const char *chain)
{
	memset(q, 0, sizeof(*q));
	q->kind = NFT_Q_CHAIN;
	q->family = family;
	q->table = table;
	q->name = chain;
}

void pm_legacy_queries(const char *network, const char *cid, struct pm_legacy *l,
		       struct nft_query *q)
{
	pm_legacy_chain_name(network, cid, "DN-", l->dn);
	pm_legacy_chain_name(network, cid, "SN-", l->sn);
	l->q = q;
	/* 0-1: DN in ip, ip6; 2-3: SN; 4-9: the nftables backend's chains */
	for (int f = 0; f < 2; f++) {
		chain_query(&q[f], fams[f], "nat", l->dn);
		chain_query(&q[2 + f], fams[f], "nat", l->sn);
		for (int c = 0; c < 3; c++)
			chain_query(&q[4 + 3 * f + c], fams[f], REF_NFT_TABLE, ref_nft_chains[c]);
	}
}

static bool jumps(struct nftnl_rule *r, void *chain)
{
	return nft_rule_jumps_to(r, chain);
}

static bool commented(struct nftnl_rule *r, void *cid)
{
	char comment[256];
	nft_rule_comment(r, comment, sizeof(comment));
	return !strcmp(comment, cid);
}

/* Delete the rules of family/table/chain that pick() selects. */
static int del_rules(struct nft_sock *s, struct nft_msgs *m, uint16_t family, const char *table,
		     const char *chain, bool (*pick)(struct nftnl_rule *r, void *data), void *data,
		     const char *what, struct cni_error *err)
{
	cleanup_free uint64_t *v = NULL;
	size_t n = 0;
	int rc = nft_collect_rules(s, family, table, chain, pick, data, &v, &n, err);

	for (size_t k = 0; rc == 0 && k < n; k++)
		if (nft_put_del_rule(m, family, table, chain, v[k], what) < 0)
			rc = cni_error_oom(err);
	return rc;
}

/* A per-container chain of the iptables backend: the jumps to it from
 * parent, then the chain. */
static int del_chain(struct nft_sock *s, struct nft_msgs *m, uint16_t family, const char *parent,
		     const char *chain, struct cni_error *err)
{
	int rc = del_rules(s, m, family, "nat", parent, jumps, (void *)chain, chain, err);

	if (rc < 0)
		return rc;
	if (nft_put_flush_chain(m, family, "nat", chain) < 0 ||
	    nft_put_del_chain(m, family, "nat", chain) < 0)
		return cni_error_oom(err);
	return 0;
}

int pm_legacy_put_del(struct nft_sock *s, struct nft_msgs *m, const struct pm_legacy *l,
		      const char *cid, struct cni_error *err)
{
	int rc = 0;

	for (int f = 0; f < 2 && rc == 0; f++) {
		if (l->q[f].found)
			rc = del_chain(s, m, fams[f], "CNI-HOSTPORT-DNAT", l->dn, err);
		if (rc == 0 && l->q[2 + f].found)
			rc = del_chain(s, m, fams[f], "CNI-HOSTPORT-SNAT", l->sn, err);
		for (int c = 0; c < 3 && rc == 0; c++)
			if (l->q[4 + 3 * f + c].found)
				rc = del_rules(s, m, fams[f], REF_NFT_TABLE, ref_nft_chains[c],
					       commented, (void *)cid, "reference portmap", err);
	}
	return rc;
}

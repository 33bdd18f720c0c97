/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Migration from the reference bridge plugin: remove the masquerade it set
 * up for one container, from either of its backends.
 *
 *  - iptables (iptables-nft: tables "nat" of families ip and ip6): a chain
 *    CNI-<sha512(network + containerID)[:24]> holding the ACCEPT and
 *    MASQUERADE rules, and POSTROUTING rule(s) "-s <ip> -j CNI-..." (an
 *    immediate jump to that chain). Delete those rules, flush and delete
 *    the chain. (iptables-legacy state is invisible to nftables: not ours.)
 *  - nftables (table inet cni_plugins_masquerade, chain masq_checks): one
 *    rule per address whose comment starts with sha512(network)[:16] "-"
 *    sha512(ifname ":" containerID)[:16] ("..., net: N, if: I, id: C").
 *
 * One GET round trip tells which of the three chains exist (a fresh host:
 * nothing more); then a rule dump per existing chain and one batch.
 */
#define _GNU_SOURCE
#include "nftables.h"
#include "nft/nft.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "util/cleanup.h"

#define REF_NFT_TABLE "cni_plugins_masquerade"
#define REF_NFT_CHAIN "masq_checks"

struct match {
	const char *jump_to;		    /* iptables: rules jumping here */
	const char *network, *cid, *ifname; /* nftables: rule comments */
};

static bool rule_jumps(struct nftnl_rule *r, void *data)
{
	return nft_rule_jumps_to(r, ((struct match *)data)->jump_to);
}

static bool rule_comment(struct nftnl_rule *r, void *data)
{
	struct match *h = data;
	char comment[256];

	nft_rule_comment(r, comment, sizeof(comment));
	return comment[0] && nft_legacy_comment_match(comment, h->network, h->cid, h->ifname);
}

/* Queue the deletion of the rules of family/table/chain that pick() selects. */
static int del_rules(struct nft_sock *s, struct nft_msgs *m, uint16_t family, const char *table,
		     const char *chain, bool (*pick)(struct nftnl_rule *r, void *data),
		     struct match *h, const char *what, struct cni_error *err)
{
	cleanup_free uint64_t *v = NULL;
	size_t n = 0;
	int rc = nft_collect_rules(s, family, table, chain, pick, h, &v, &n, err);

	for (size_t k = 0; rc == 0 && k < n; k++)
		if (nft_put_del_rule(m, family, table, chain, v[k], what) < 0)
			rc = cni_error_oom(err);
	return rc;
}

struct legacy_req {
	const char *network, *cid, *ifname, *chain;
};

static int legacy_once(struct nft_sock *s, void *data, int *kerr, struct cni_error *err)
{
	const struct legacy_req *lq = data;
	const char *network = lq->network, *cid = lq->cid, *ifname = lq->ifname, *chain = lq->chain;
	static const uint16_t ipt_fams[2] = {NFPROTO_IPV4, NFPROTO_IPV6};
	cleanup_nft_msgs struct nft_msgs m = {0};
	struct nft_query q[3] = {
	    {.kind = NFT_Q_CHAIN, .family = NFPROTO_IPV4, .table = "nat", .name = chain},
	    {.kind = NFT_Q_CHAIN, .family = NFPROTO_IPV6, .table = "nat", .name = chain},
	    {.kind = NFT_Q_CHAIN,
	     .family = NFPROTO_INET,
	     .table = REF_NFT_TABLE,
	     .name = REF_NFT_CHAIN},
	};
	int rc;

	/* which of ip nat CNI-x, ip6 nat CNI-x, inet cni_plugins_masquerade
	 * masq_checks exist? */
	if (nft_query_run(s, q, 3, err) < 0)
		return -1;

	nft_msgs_init(&m, s, true);
	for (int i = 0; i < 2; i++) {
		struct match h = {.jump_to = chain};
		if (!q[i].found)
			continue; /* no chain, so no rule can jump to it */
		rc =
		    del_rules(s, &m, ipt_fams[i], "nat", "POSTROUTING", rule_jumps, &h, chain, err);
		if (rc < 0)
			goto dump_failed;
		if (nft_put_flush_chain(&m, ipt_fams[i], "nat", chain) < 0 ||
		    nft_put_del_chain(&m, ipt_fams[i], "nat", chain) < 0)
			return cni_error_oom(err);
	}
	if (q[2].found) {
		struct match h = {.network = network, .cid = cid, .ifname = ifname};
		rc = del_rules(s, &m, NFPROTO_INET, REF_NFT_TABLE, REF_NFT_CHAIN, rule_comment, &h,
			       "reference masquerade", err);
		if (rc < 0)
			goto dump_failed;
	}
	return nft_msgs_commit(s, &m, kerr, err);

dump_failed:
	if (rc == -EINTR) {
		*kerr = EINTR;
		return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
	}
	return -1;
}

int nft_legacy_masq_del(const char *network, const char *container_id, const char *ifname,
			struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	char chain[29];
	struct legacy_req lq;

	if (!network || !container_id || !container_id[0])
		return cni_error_set(err, CNI_ERR_INTERNAL, "legacy masquerade: missing owner");
	if (!ifname)
		ifname = "";
	nft_legacy_chain_name(network, container_id, chain);
	lq = (struct legacy_req){network, container_id, ifname, chain};
	if (nft_sock_open(&s, err) < 0)
		return -1;
	/* ENOENT: a parallel DEL removed it first; EBUSY: a rule jumping
	 * there appeared after our dump */
	if (nft_retry(&s, legacy_once, &lq, (const int[]){ENOENT, EINTR, EBUSY, 0}, err) < 0)
		return cni_error_wrap(err, "removing the reference's masquerade (%s)", chain);
	return 0;
}

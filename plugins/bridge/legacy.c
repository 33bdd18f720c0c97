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
#define ATTEMPTS 3

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

static int legacy_once(struct nft_sock *s, const char *network, const char *cid, const char *ifname,
		       const char *chain, int *kerr, struct cni_error *err)
{
	static const uint16_t ipt_fams[2] = {NFPROTO_IPV4, NFPROTO_IPV6};
	cleanup_nft_msgs struct nft_msgs q = {0};
	cleanup_nft_msgs struct nft_msgs m = {0};
	int res[3];
	int rc;

	/* which of ip nat CNI-x, ip6 nat CNI-x, inet cni_plugins_masquerade
	 * masq_checks exist? */
	nft_msgs_init(&q, s, false);
	if (nft_put_get_chain(&q, NFPROTO_IPV4, "nat", chain) < 0 ||
	    nft_put_get_chain(&q, NFPROTO_IPV6, "nat", chain) < 0 ||
	    nft_put_get_chain(&q, NFPROTO_INET, REF_NFT_TABLE, REF_NFT_CHAIN) < 0)
		return nft_oom(err);
	if (nft_msgs_request(s, &q, NULL, NULL, res, err) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (res[i] < 0 && res[i] != -ENOENT)
			return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[i],
						   "nftables: cannot %s", q.what[i]);

	nft_msgs_init(&m, s, true);
	for (int i = 0; i < 2; i++) {
		struct match h = {.jump_to = chain};
		uint64_t *v = NULL;
		size_t n = 0;
		if (res[i] < 0)
			continue; /* no chain, so no rule can jump to it */
		rc = nft_collect_rules(s, ipt_fams[i], "nat", "POSTROUTING", rule_jumps, &h, &v, &n,
				       err);
		for (size_t k = 0; rc == 0 && k < n; k++)
			if (nft_put_del_rule(&m, ipt_fams[i], "nat", "POSTROUTING", v[k], chain) <
			    0)
				rc = nft_oom(err);
		free(v);
		if (rc < 0)
			goto dump_failed;
		if (nft_put_flush_chain(&m, ipt_fams[i], "nat", chain) < 0 ||
		    nft_put_del_chain(&m, ipt_fams[i], "nat", chain) < 0)
			return nft_oom(err);
	}
	if (res[2] == 0) {
		struct match h = {.network = network, .cid = cid, .ifname = ifname};
		uint64_t *v = NULL;
		size_t n = 0;
		rc = nft_collect_rules(s, NFPROTO_INET, REF_NFT_TABLE, REF_NFT_CHAIN, rule_comment,
				       &h, &v, &n, err);
		for (size_t k = 0; rc == 0 && k < n; k++)
			if (nft_put_del_rule(&m, NFPROTO_INET, REF_NFT_TABLE, REF_NFT_CHAIN, v[k],
					     "reference masquerade") < 0)
				rc = nft_oom(err);
		free(v);
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
	int kerr = 0;

	if (!network || !container_id || !container_id[0])
		return cni_error_set(err, CNI_ERR_INTERNAL, "legacy masquerade: missing owner");
	if (!ifname)
		ifname = "";
	nft_legacy_chain_name(network, container_id, chain);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	for (int attempt = 1;; attempt++) {
		if (legacy_once(&s, network, container_id, ifname, chain, &kerr, err) == 0)
			return 0;
		/* ENOENT: a parallel DEL removed it first; EBUSY: a rule
		 * jumping there appeared after our dump */
		if (attempt == ATTEMPTS || (kerr != ENOENT && kerr != EINTR && kerr != EBUSY))
			return cni_error_wrap(err, "removing the reference's masquerade (%s)",
					      chain);
		cni_error_clear(err);
	}
}

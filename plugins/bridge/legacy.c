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
#include <stdio.h>
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
		rc = nft_put_del_rules_picked(s, &m, ipt_fams[i], "nat", "POSTROUTING", rule_jumps,
					      &h, chain, err);
		if (rc < 0)
			goto dump_failed;
		if (nft_put_flush_chain(&m, ipt_fams[i], "nat", chain) < 0 ||
		    nft_put_del_chain(&m, ipt_fams[i], "nat", chain) < 0)
			return cni_error_oom(err);
	}
	if (q[2].found) {
		struct match h = {.network = network, .cid = cid, .ifname = ifname};
		rc = nft_put_del_rules_picked(s, &m, NFPROTO_INET, REF_NFT_TABLE, REF_NFT_CHAIN,
					      rule_comment, &h, "reference masquerade", err);
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

/* ---- CHECK of a container the reference made (before a migration) ---- */

struct found_rule {
	const char *network, *cid, *ifname;
	bool found;
};

static int found_comment_cb(struct nftnl_rule *r, void *data)
{
	struct found_rule *f = data;
	char comment[256];

	nft_rule_comment(r, comment, sizeof(comment));
	if (comment[0] && nft_legacy_comment_match(comment, f->network, f->cid, f->ifname))
		f->found = true;
	return 0;
}

/* GET the chains; *present when one of the first n_any exists, or (with
 * masq_checks) a rule of this container is in the reference's nftables
 * masquerade chain. */
static int chains_present(struct nft_sock *s, const uint16_t *fams, const char *const *tables,
			  const char *chain, size_t n, struct found_rule *f, bool *present,
			  struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs q = {0};
	int res[4];
	int rc;

	nft_msgs_init(&q, s, false);
	for (size_t i = 0; i < n; i++)
		if (nft_put_get_chain(&q, fams[i], tables[i], chain) < 0)
			return cni_error_oom(err);
	if (f && nft_put_get_chain(&q, NFPROTO_INET, REF_NFT_TABLE, REF_NFT_CHAIN) < 0)
		return cni_error_oom(err);
	if (nft_msgs_request(s, &q, NULL, NULL, res, err) < 0)
		return -1;
	for (size_t i = 0; i < q.n; i++) {
		if (res[i] == 0 && i < n)
			*present = true;
		else if (res[i] < 0 && res[i] != -ENOENT)
			return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[i],
						   "nftables: cannot %s", q.what[i]);
	}
	if (*present || !f || res[n] != 0)
		return 0;
	rc =
	    nft_dump_rules(s, NFPROTO_INET, REF_NFT_TABLE, REF_NFT_CHAIN, found_comment_cb, f, err);
	if (rc == -ENOENT)
		rc = 0;
	if (rc == -EINTR)
		return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
	if (rc < 0)
		return -1;
	*present = f->found;
	return 0;
}

int nft_legacy_masq_present(const char *network, const char *container_id, const char *ifname,
			    bool *present, struct cni_error *err)
{
	static const uint16_t fams[2] = {NFPROTO_IPV4, NFPROTO_IPV6};
	static const char *const tables[2] = {"nat", "nat"};
	cleanup_nft_sock struct nft_sock s = {0};
	struct found_rule f = {network, container_id, ifname ? ifname : "", false};
	char chain[29];

	*present = false;
	if (!network || !container_id || !container_id[0])
		return cni_error_set(err, CNI_ERR_INTERNAL, "legacy masquerade: missing owner");
	nft_legacy_chain_name(network, container_id, chain);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	return chains_present(&s, fams, tables, chain, 2, &f, present, err);
}

int nft_legacy_spoofchk_present(const char *container_id, const char *ifname, bool *present,
				struct cni_error *err)
{
	static const uint16_t fams[1] = {NFPROTO_BRIDGE};
	static const char *const tables[1] = {"nat"};
	cleanup_nft_sock struct nft_sock s = {0};
	cleanup_free char *chain = NULL;

	*present = false;
	/* the reference's "cni-br-iface-<containerID>-<ifname>-mac" */
	if (asprintf(&chain, "cni-br-iface-%s-%s-mac", container_id, ifname) < 0)
		return cni_error_oom(err);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	return chains_present(&s, fams, tables, chain, 1, NULL, present, err);
}

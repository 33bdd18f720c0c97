/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Masquerade (the bridge's ipMasq), in table inet cni_c_bridge:
 *
 *   chain postrouting {
 *	type nat hook postrouting priority srcnat; policy accept;
 *	ip saddr @masq4-10.1.2.0/24 ip daddr != 10.1.2.0/24 ip daddr != 224.0.0.0/4 masquerade
 *	ip6 saddr @masq6-fd00__/64 ip6 daddr != fd00::/64 ip6 daddr != ff00::/8 masquerade
 *   }
 *   set masq4-10.1.2.0/24 { type ipv4_addr; }	one per subnet (and its rule)
 *	elements: 10.1.2.3 comment "mynet/<containerID>/eth0", ...
 *
 * nonMasqueradeCIDRs (a list per network, both families) are part of the
 * rule, and the set is per subnet and list: the list's tag (sha512 of its
 * canonical spelling, per family; nft_nomasq_tag) ends the set's name:
 *
 *	ip saddr @masq4-10.1.2.0/24-3f2a... ip daddr != 10.1.2.0/24
 *	    ip daddr != 224.0.0.0/4 ip daddr != 10.0.0.0/8 masquerade
 *
 * So a set's rule never changes once made (it is created with the set,
 * EXCL, as without a list): networks sharing a subnet with different
 * lists, or a list edited between ADDs, make sets of their own, and each
 * container keeps the exceptions of its ADD until its DEL (as the
 * reference's per-container chains keep theirs); the old list's set and
 * rule go with its last container, as any set. The cost model is the
 * same: one element per address; the list's compares run only for
 * packets whose source is in the set (a handful of CIDRs is cheaper so
 * than an interval-set lookup; a long list costs a compare per entry).
 * A list holding a /0 of a family exempts everything: no rule, as for a
 * ::/0 subnet.
 * A DEL looks in the sets of its config's list; an address not in them
 * at all (the list was edited since its ADD, or it is gone already)
 * makes it find the container's entries by owner, a dump (as a DEL after
 * the netns is gone does).
 *
 * A container costs one element per address in its subnet's set: ADD is
 * one round trip of GETs (is the address held by someone else? do the
 * chain and the set exist?) and one batch adding the elements; DEL the
 * same with deletes. Plain hash sets on purpose: a verdict map element
 * would make the kernel re-validate the whole table (every element) at
 * each commit. A new subnet adds its set (EXCL: a parallel creator makes
 * us start over, so each set gets exactly one rule) and its rule.
 *
 * A subnet's set and rule go with its last element, so that they do not
 * pile up as networks come and go (every forwarded packet walks the rules).
 * The kernel cannot delete a set "only if empty", so a DEL looks first:
 * its GETs also read the ruleset generation, then it reads the first few
 * elements of the set (on a socket of its own, so the cost does not grow
 * with the set). If the set holds nothing else, the DEL batch removes the
 * rule and the set too, made conditional on that generation: if anyone
 * committed anything since (an ADD into this subnet, say), the kernel
 * refuses it (ERESTART) and the DEL looks again. A set seen whole (a few
 * elements) makes the batch conditional too, so that DELs of the last few
 * containers racing each other cannot all leave "the others" behind. An
 * ADD that meets a set removed after its GETs fails with ENOENT and starts
 * over, creating set and rule again. If the ruleset keeps changing, the
 * DEL removes just its elements (as GC would tidy later). GC and DEL by
 * owner dump every set anyway: a set they leave empty goes as well.
 *
 * The steady-state ADD batch only creates: nothing the kernel must free
 * after an RCU grace period, which closing the socket would wait for
 * (kernels >= 6.8 flush that work on NETLINK_URELEASE). Deletes always
 * pay it.
 *
 * The owner check before a delete is a GET, then the DEL in a batch: the
 * kernel has no conditional delete. A DEL racing with an ADD that takes
 * over the same address (only after a leak) could remove the newcomer's
 * element; IPAM does not hand out an address still in use, so this needs
 * a leak and a race at once.
 */
#define _GNU_SOURCE
#include "nftables.h"
#include "nft/nft.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "util/cleanup.h"

#define CHAIN_POST "postrouting"
#define TYPE_IPADDR 7 /* nft(8) datatype ids */
#define TYPE_IP6ADDR 8
#define PRIO_SRCNAT 100 /* NF_IP_PRI_NAT_SRC */

static int check_args(const char *network, const char *cid, const char *ifname,
		      const struct ip_net *addrs, size_t n, struct cni_error *err)
{
	if (!network || !cid || !ifname || !cid[0])
		return cni_error_set(err, CNI_ERR_INTERNAL, "nftables masquerade: missing owner");
	for (size_t i = 0; i < n; i++)
		if (addrs[i].ip.family != AF_INET && addrs[i].ip.family != AF_INET6)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "nftables masquerade: address %zu has no family", i);
	return 0;
}

static void elem_key(struct nft_elem *e, const struct ip_addr *a)
{
	memset(e, 0, sizeof(*e));
	e->klen = (uint32_t)ip_addr_len(a->family);
	memcpy(e->key, a->b, e->klen);
}

/* The set of a's subnet and x's list of its family. */
static char *set_name(const struct ip_net *a, const struct nft_nomasq *x, char *buf)
{
	char tag[NFT_NOMASQ_TAG_LEN + 1];
	return nft_masq_set_name(a, nft_nomasq_tag(x, a->ip.family, tag), buf);
}

static int put_elem(struct nft_msgs *m, uint16_t type, uint16_t flags, const struct ip_net *a,
		    const struct nft_nomasq *x, const struct nft_elem *e)
{
	char set[NFT_CHAIN_NAME_MAX], s[IP_ADDR_STRLEN];
	return nft_put_elem(m, type, flags, NFPROTO_INET, NFT_TABLE, set_name(a, x, set), e,
			    ip_addr_format(&a->ip, s));
}

/* The table and chain postrouting, made when missing (idempotent). */
static int put_base(struct nft_msgs *m)
{
	if (nft_put_table(m, NFPROTO_INET, NFT_TABLE) < 0 ||
	    nft_put_base_chain(m, NFPROTO_INET, NFT_TABLE, CHAIN_POST, "nat", NF_INET_POST_ROUTING,
			       PRIO_SRCNAT) < 0)
		return -1;
	return 0;
}

/* A new subnet (and list): its set (EXCL) and
 *   ip saddr @<set> ip daddr != <subnet> ip daddr != 224.0.0.0/4
 *	[ip daddr != <each of x's CIDRs of the family>] masquerade
 * (with nft's nfproto dependency, so that it lists well). */
static int put_subnet(struct nft_msgs *m, const struct ip_net *subnet, const struct nft_nomasq *x)
{
	cleanup_nftnl_rule struct nftnl_rule *r = NULL;
	char name[NFT_CHAIN_NAME_MAX];
	int family = subnet->ip.family;
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint32_t alen = (uint32_t)ip_addr_len(family);
	struct nft_set_def def = {name, family == AF_INET ? TYPE_IPADDR : TYPE_IP6ADDR, alen, 0, 0,
				  0};
	struct ip_net mcast;

	set_name(subnet, x, name);
	if (nft_put_set_excl(m, NFPROTO_INET, NFT_TABLE, &def) < 0)
		return -1;
	if (subnet->prefix == 0 || nft_nomasq_all(x, family))
		return 0; /* nothing is outside ::/0: no masquerade at all */
	ip_net_parse(family == AF_INET ? "224.0.0.0/4" : "ff00::/8", &mcast);
	r = nft_rule_new(NFPROTO_INET, NFT_TABLE, CHAIN_POST);
	if (!r || nft_x_meta(r, NFT_META_NFPROTO, NFT_REG_1) < 0 ||
	    nft_x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &proto, 1) < 0 ||
	    nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, alen,
			  NFT_REG_1) < 0 ||
	    nft_x_lookup(r, NFT_REG_1, -1, name, 0) < 0 || nft_x_daddr_not_in(r, subnet) < 0 ||
	    nft_x_daddr_not_in(r, &mcast) < 0)
		return -1;
	for (size_t i = 0; x && i < x->n; i++)
		if (x->v[i].ip.family == family && nft_x_daddr_not_in(r, &x->v[i]) < 0)
			return -1;
	if (nft_x_masq(r) < 0)
		return -1;
	return nft_put_rule(m, r, name);
}

/* ---- what is there: one round trip of GETs ---- */

struct got {
	struct nft_elem e;
	bool found; /* the address's element in its subnet's set */
	bool set;   /* that set exists (when asked) */
};

struct query {
	struct got *got;
	size_t n;     /* answers off..off+n-1 are elements, the rest sets and chain */
	uint32_t off; /* 1: answer 0 is the generation */
	uint32_t *gen;
};

static int got_elem(const struct nft_elem *e, void *data)
{
	struct got *g = data;
	g->e = *e;
	g->found = true;
	return 0;
}

static int got_msg(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	struct query *q = data;
	if (idx < q->off)
		return nft_parse_gen(nlh, q->gen), 0;
	idx -= q->off;
	return idx < q->n ? nft_parse_elems(nlh, got_elem, &q->got[idx]) : 0;
}

/* got[i] = the element of addrs[i] if any; with base != NULL also whether
 * each subnet's set and chain postrouting (*base) exist; with gen != NULL
 * the ruleset generation, read before anything else. */
static int query(struct nft_sock *s, const struct ip_net *addrs, size_t n,
		 const struct nft_nomasq *x, struct got *got, bool *base, uint32_t *gen,
		 struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	uint32_t off = gen ? 1 : 0;
	size_t total = off + (base ? 2 * n + 1 : n);
	cleanup_free int *res = calloc(total, sizeof(int));
	struct query q = {got, n, off, gen};
	char set[NFT_CHAIN_NAME_MAX];
	size_t i;

	nft_msgs_init(&m, s, false);
	if (!res)
		return cni_error_oom(err);
	memset(got, 0, n * sizeof(*got));
	if (gen && nft_put_get_gen(&m) < 0)
		return cni_error_oom(err);
	for (i = 0; i < n; i++) {
		struct nft_elem key;
		elem_key(&key, &addrs[i].ip);
		if (put_elem(&m, NFT_MSG_GETSETELEM, 0, &addrs[i], x, &key) < 0)
			return cni_error_oom(err);
	}
	for (i = 0; base && i < n; i++)
		if (nft_put_get_set(&m, NFPROTO_INET, NFT_TABLE, set_name(&addrs[i], x, set)) < 0)
			return cni_error_oom(err);
	if (base && nft_put_get_chain(&m, NFPROTO_INET, NFT_TABLE, CHAIN_POST) < 0)
		return cni_error_oom(err);
	if (nft_msgs_request(s, &m, got_msg, &q, res, err) < 0)
		return -1;
	for (i = 0; i < total; i++) {
		if (res[i] == 0 || (res[i] == -ENOENT && i >= off))
			continue; /* ENOENT: absent (or no table yet) */
		return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[i], "nftables: cannot %s",
					   m.what[i]);
	}
	for (i = 0; base && i < n; i++)
		got[i].set = res[off + n + i] == 0;
	if (base)
		*base = res[off + 2 * n] == 0;
	return 0;
}

static bool dup_addr(const struct ip_net *addrs, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (ip_addr_equal(&addrs[j].ip, &addrs[i].ip))
			return true;
	return false;
}

static bool dup_subnet(const struct ip_net *addrs, size_t i)
{
	struct ip_net a, b;
	ip_net_network(&addrs[i], &a);
	for (size_t j = 0; j < i; j++) {
		ip_net_network(&addrs[j], &b);
		if (a.prefix == b.prefix && ip_addr_equal(&a.ip, &b.ip))
			return true;
	}
	return false;
}

/* What one try of an ADD or DEL works on. */
struct masq_req {
	const char *owner;
	const struct ip_net *addrs;
	size_t n;
	const struct nft_nomasq *x;
	bool tidy; /* DEL: remove a set (and its rule) left empty */
};

static int add_once(struct nft_sock *s, void *data, int *kerr, struct cni_error *err)
{
	const struct masq_req *q = data;
	const char *owner = q->owner;
	const struct ip_net *addrs = q->addrs;
	size_t n = q->n;
	cleanup_free struct got *got = calloc(n, sizeof(*got));
	cleanup_nft_msgs struct nft_msgs m = {0};
	char a[IP_ADDR_STRLEN];
	bool base = false;
	size_t i;

	if (!got)
		return cni_error_oom(err);
	if (query(s, addrs, n, q->x, got, &base, NULL, err) < 0)
		return -1;

	nft_msgs_init(&m, s, true);
	if (!base && put_base(&m) < 0)
		return cni_error_oom(err);
	for (i = 0; i < n; i++)
		if (!got[i].set && !dup_subnet(addrs, i) && put_subnet(&m, &addrs[i], q->x) < 0)
			return cni_error_oom(err);
	for (i = 0; i < n; i++) {
		struct nft_elem e;

		if (dup_addr(addrs, i))
			continue;
		elem_key(&e, &addrs[i].ip);
		snprintf(e.owner, sizeof(e.owner), "%s", owner);
		if (got[i].found) {
			if (!strcmp(got[i].e.owner, owner))
				continue; /* already ours */
			/* a leak: another owner's; replace it */
			fprintf(stderr, "nftables: %s was masqueraded for %s: replacing\n",
				ip_addr_format(&addrs[i].ip, a), got[i].e.owner);
			if (put_elem(&m, NFT_MSG_DELSETELEM, 0, &addrs[i], q->x, &e) < 0)
				return cni_error_oom(err);
		}
		/* EXCL: if someone added it since our GET, fail and start over */
		if (put_elem(&m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, &addrs[i], q->x, &e) < 0)
			return cni_error_oom(err);
	}
	return nft_msgs_commit(s, &m, kerr, err);
}

int nft_masq_add(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, const struct nft_nomasq *x,
		 struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	char owner[NFT_OWNER_MAX + 1];
	struct masq_req q = {owner, addrs, n, x, false};

	if (check_args(network, container_id, ifname, addrs, n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	nft_owner_format(network, container_id, ifname, owner);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	/* EEXIST: another writer added an element or a set since our GETs;
	 * ENOENT: something went away since. Look again. */
	if (nft_retry(&s, add_once, &q, (const int[]){EEXIST, ENOENT, 0}, err) < 0)
		return cni_error_wrap(err, "masquerade for %s", owner);
	return 0;
}

/* ---- DEL ---- */

#define PEEK_OTHERS 8	 /* read at most this many other elements of a set */
#define TIDY_ATTEMPTS 16 /* conditional tries before giving up tidying */

/* The sets a tidy removes: a rule that looks one of them up goes too. */
struct set_list {
	const char (*v)[NFT_CHAIN_NAME_MAX];
	size_t n;
};

static bool uses_any(struct nftnl_rule *r, void *data)
{
	const struct set_list *l = data;

	for (size_t i = 0; i < l->n; i++)
		if (nft_rule_uses_set(r, l->v[i]))
			return true;
	return false;
}

/* Queue the removal of sets[] and of the postrouting rules that use them
 * (found by a dump of that chain: one rule per subnet in use). 0, -EINTR
 * or -1. */
static int put_tidy(struct nft_sock *s, struct nft_msgs *m, const char (*sets)[NFT_CHAIN_NAME_MAX],
		    size_t n, struct cni_error *err)
{
	struct set_list l = {sets, n};
	cleanup_free uint64_t *rules = NULL;
	size_t n_rules = 0;
	int rc;

	if (n == 0)
		return 0;
	rc = nft_collect_rules(s, NFPROTO_INET, NFT_TABLE, CHAIN_POST, uses_any, &l, &rules,
			       &n_rules, err);
	for (size_t i = 0; rc == 0 && i < n_rules; i++)
		if (nft_put_del_rule(m, NFPROTO_INET, NFT_TABLE, CHAIN_POST, rules[i],
				     "masquerade rule") < 0)
			rc = cni_error_oom(err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (nft_put_del_set(m, NFPROTO_INET, NFT_TABLE, sets[i]) < 0)
			rc = cni_error_oom(err);
	return rc;
}

static int dump_interrupted(int *kerr, struct cni_error *err)
{
	*kerr = EINTR;
	return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
}

/* A look at the first elements of a set: those not among ours[]. */
struct peek {
	const struct ip_net *addrs;
	const bool *ours;
	size_t n;
	size_t others;
};

static int peek_cb(const struct nft_elem *e, void *data)
{
	struct peek *p = data;

	for (size_t i = 0; i < p->n; i++)
		if (p->ours[i] && e->klen == (uint32_t)ip_addr_len(p->addrs[i].ip.family) &&
		    memcmp(e->key, p->addrs[i].ip.b, e->klen) == 0)
			return 0;
	return ++p->others >= PEEK_OTHERS ? 1 : 0;
}

/* 1: an address is not in the set of the config's list at all (in
 * another list's set: the list was edited since its ADD; or gone
 * already), nothing done: look by owner. An address held there by
 * another owner is left alone, as before. */
static int del_known(struct nft_sock *s, const struct masq_req *q, int *kerr, struct cni_error *err)
{
	const struct ip_net *addrs = q->addrs;
	size_t n = q->n;
	cleanup_free struct got *got = calloc(n, sizeof(*got));
	cleanup_free bool *ours = calloc(n, sizeof(bool));
	cleanup_free char(*empty)[NFT_CHAIN_NAME_MAX] = calloc(n, NFT_CHAIN_NAME_MAX);
	cleanup_nft_msgs struct nft_msgs m = {0};
	size_t n_empty = 0, n_ours = 0, n_absent = 0;
	bool cond = false;
	uint32_t gen = 0;
	int rc;

	if (!got || !ours || !empty)
		return cni_error_oom(err);
	if (query(s, addrs, n, q->x, got, NULL, q->tidy ? &gen : NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		/* absent, or another container's: not ours to remove */
		ours[i] =
		    got[i].found && strcmp(got[i].e.owner, q->owner) == 0 && !dup_addr(addrs, i);
		n_ours += ours[i];
		n_absent += !got[i].found;
	}
	if (n_absent)
		return 1;
	if (!n_ours)
		return 0;
	for (size_t i = 0; q->tidy && i < n; i++) {
		struct peek p = {addrs, ours, n, 0};
		char set[NFT_CHAIN_NAME_MAX];

		if (!ours[i] || dup_subnet(addrs, i))
			continue;
		set_name(&addrs[i], q->x, set);
		rc = nft_peek_elems(NFPROTO_INET, NFT_TABLE, set, peek_cb, &p, err);
		if (rc == -EINTR)
			return dump_interrupted(kerr, err);
		if (rc == -ENOENT) {
			/* gone since the GET: look again */
			*kerr = ENOENT;
			return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: set %s went away",
					     set);
		}
		if (rc < 0)
			return -1;
		if (rc == 0) {
			/* seen whole: act only on what was seen */
			cond = true;
			if (p.others == 0)
				strcpy(empty[n_empty++], set);
		}
	}
	nft_msgs_init(&m, s, true);
	if (cond && nft_msgs_set_genid(&m, gen) < 0)
		return cni_error_oom(err);
	for (size_t i = 0; i < n; i++)
		if (ours[i] && put_elem(&m, NFT_MSG_DELSETELEM, 0, &addrs[i], q->x, &got[i].e) < 0)
			return cni_error_oom(err);
	rc = put_tidy(s, &m, (const char(*)[NFT_CHAIN_NAME_MAX])empty, n_empty, err);
	if (rc == -EINTR)
		return dump_interrupted(kerr, err);
	if (rc < 0)
		return -1;
	return nft_msgs_commit(s, &m, kerr, err);
}

int nft_masq_put_collected(struct nft_sock *s, struct nft_msgs *m,
			   bool (*pick)(const struct nft_elem *e, void *data), void *data,
			   bool tidy, struct cni_error *err)
{
	static const char *const prefixes[] = {"masq4-", "masq6-", NULL};
	cleanup_free char(*sets)[NFT_SET_NAME_MAX] = NULL;
	cleanup_free char(*empty)[NFT_SET_NAME_MAX] = NULL;
	size_t n_sets = 0, n_empty = 0;
	int rc = nft_collect_sets(s, NFPROTO_INET, NFT_TABLE, prefixes, &sets, &n_sets, err);

	if (rc == 0 && n_sets && !(empty = calloc(n_sets, sizeof(*empty))))
		rc = cni_error_oom(err);
	for (size_t i = 0; rc == 0 && i < n_sets; i++) {
		cleanup_free struct nft_elem *v = NULL;
		size_t n = 0, total = 0;
		rc = nft_collect_elems(s, NFPROTO_INET, NFT_TABLE, sets[i], pick, data, &v, &n,
				       &total, err);
		if (rc < 0 || total == SIZE_MAX)
			continue; /* failed, or gone meanwhile */
		if (tidy && n == total)
			memcpy(empty[n_empty++], sets[i], NFT_SET_NAME_MAX); /* nothing left */
		else if (nft_put_del_collected(m, NFPROTO_INET, NFT_TABLE, sets[i], v, n) < 0)
			rc = cni_error_oom(err);
	}
	if (rc == 0)
		rc = put_tidy(s, m, (const char(*)[NFT_CHAIN_NAME_MAX])empty, n_empty, err);
	return rc;
}

static bool owned_by(const struct nft_elem *e, void *owner)
{
	return strcmp(e->owner, owner) == 0;
}

int nft_masq_begin(struct nft_sock *s, struct nft_msgs *m, bool tidy, struct cni_error *err)
{
	uint32_t gen = 0;

	if (tidy && nft_get_gen(s, &gen, err) < 0)
		return -1;
	nft_msgs_init(m, s, true);
	if (tidy && nft_msgs_set_genid(m, gen) < 0)
		return cni_error_oom(err);
	return 0;
}

/* No addresses known: find this owner's elements by dumping the sets. */
static int del_by_owner(struct nft_sock *s, const struct masq_req *q, int *kerr,
			struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	int rc;

	if (nft_masq_begin(s, &m, q->tidy, err) < 0)
		return -1;
	rc = nft_masq_put_collected(s, &m, owned_by, (void *)q->owner, q->tidy, err);
	if (rc == -EINTR)
		return dump_interrupted(kerr, err);
	if (rc < 0)
		return -1;
	return nft_msgs_commit(s, &m, kerr, err);
}

static int del_once(struct nft_sock *s, void *data, int *kerr, struct cni_error *err)
{
	const struct masq_req *q = data;
	int rc = q->n ? del_known(s, q, kerr, err) : 1;

	return rc == 1 ? del_by_owner(s, q, kerr, err) : rc;
}

struct tidy_try {
	nft_try_fn try;
	void *data;
	int kerr;
};

static int tidy_shim(struct nft_sock *s, void *data, int *kerr, struct cni_error *err)
{
	struct tidy_try *t = data;
	int rc = t->try(s, t->data, kerr, err);

	t->kerr = *kerr;
	return rc;
}

int nft_masq_retry_tidy(struct nft_sock *s, nft_try_fn try, void *data, bool *tidy,
			const int *again, struct cni_error *err)
{
	struct tidy_try t = {try, data, 0};
	int with_restart[8];
	size_t k = 0;

	for (; again[k] && k < 6; k++)
		with_restart[k] = again[k];
	with_restart[k++] = ERESTART;
	with_restart[k] = 0;
	*tidy = true;
	if (nft_retry_n(s, tidy_shim, &t, with_restart, TIDY_ATTEMPTS, err) == 0)
		return 0;
	if (t.kerr != ERESTART)
		return -1;
	/* the ruleset kept changing under us: just the elements, unconditionally */
	cni_error_clear(err);
	*tidy = false;
	return nft_retry(s, try, data, again, err);
}

int nft_masq_del(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, const struct nft_nomasq *x,
		 struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	char owner[NFT_OWNER_MAX + 1];
	struct masq_req q = {owner, addrs, addrs ? n : 0, x, true};

	if (check_args(network, container_id, ifname, addrs, q.n, err) < 0)
		return -1;
	nft_owner_format(network, container_id, ifname, owner);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	/* ENOENT: removed since we looked (a parallel DEL or GC) */
	if (nft_masq_retry_tidy(&s, del_once, &q, &q.tidy, (const int[]){ENOENT, EINTR, 0}, err) <
	    0)
		return cni_error_wrap(err, "removing masquerade for %s", owner);
	return 0;
}

/* CHECK: which of sets[] have a postrouting rule (by a dump of the chain). */
struct has_rules {
	const char (*sets)[NFT_CHAIN_NAME_MAX];
	bool *has;
	size_t n;
};

static int has_rule_cb(struct nftnl_rule *r, void *data)
{
	struct has_rules *h = data;
	for (size_t i = 0; i < h->n; i++)
		if (nft_rule_uses_set(r, h->sets[i]))
			h->has[i] = true;
	return 0;
}

int nft_masq_check(const char *network, const char *container_id, const char *ifname,
		   const struct ip_net *addrs, size_t n, const struct nft_nomasq *x,
		   struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	cleanup_free struct got *got = NULL;
	cleanup_free char(*sets)[NFT_CHAIN_NAME_MAX] = NULL;
	cleanup_free bool *has = NULL;
	char owner[NFT_OWNER_MAX + 1], a[IP_ADDR_STRLEN], net[IP_NET_STRLEN];
	bool base = false;
	struct has_rules h;
	int rc;

	if (check_args(network, container_id, ifname, addrs, n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	nft_owner_format(network, container_id, ifname, owner);
	got = calloc(n, sizeof(*got));
	sets = calloc(n, NFT_CHAIN_NAME_MAX);
	has = calloc(n, sizeof(bool));
	if (!got || !sets || !has)
		return cni_error_oom(err);
	if (nft_sock_open(&s, err) < 0 || query(&s, addrs, n, x, got, &base, NULL, err) < 0)
		return -1;
	if (!base)
		return cni_error_set(err, CNI_ERR_CHECK,
				     "ipMasq: no chain postrouting in table inet %s", NFT_TABLE);
	for (size_t i = 0; i < n; i++) {
		ip_addr_format(&addrs[i].ip, a);
		set_name(&addrs[i], x, sets[i]);
		if (!got[i].found)
			return cni_error_set(
			    err, CNI_ERR_CHECK,
			    "ipMasq: %s is not masqueraded%s (no element in set %s of "
			    "table inet %s)",
			    a, x && x->n ? " with this config's nonMasqueradeCIDRs" : "", sets[i],
			    NFT_TABLE);
		if (strcmp(got[i].e.owner, owner) != 0)
			return cni_error_set(err, CNI_ERR_CHECK,
					     "ipMasq: masquerade for %s belongs to %s", a,
					     got[i].e.owner);
	}
	/* and the subnet's rule that looks the set up */
	h = (struct has_rules){(const char(*)[NFT_CHAIN_NAME_MAX])sets, has, n};
	rc = nft_dump_rules(&s, NFPROTO_INET, NFT_TABLE, CHAIN_POST, has_rule_cb, &h, err);
	if (rc == -EINTR)
		return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
	if (rc < 0 && rc != -ENOENT)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ip_net sub;
		/* ::/0 (or a /0 exempt): nothing to masquerade */
		if (has[i] || addrs[i].prefix == 0 || nft_nomasq_all(x, addrs[i].ip.family))
			continue;
		ip_net_network(&addrs[i], &sub);
		return cni_error_set(err, CNI_ERR_CHECK,
				     "ipMasq: no masquerade rule for %s (set %s) in chain "
				     "postrouting of table inet %s",
				     ip_net_format(&sub, net), sets[i], NFT_TABLE);
	}
	return 0;
}

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
 * A container costs one element per address in its subnet's set: ADD is
 * one round trip of GETs (is the address held by someone else? do the
 * chain and the set exist?) and one batch adding the elements; DEL the
 * same with deletes. Plain hash sets on purpose: a verdict map element
 * would make the kernel re-validate the whole table (every element) at
 * each commit. A new subnet adds its set (EXCL: a parallel creator makes
 * us start over, so each set gets exactly one rule) and its rule; sets
 * and rules per subnet are few and stay (removing one could race with an
 * ADD into it).
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

static int put_elem(struct nft_msgs *m, uint16_t type, uint16_t flags, const struct ip_net *a,
		    const struct nft_elem *e)
{
	char set[NFT_CHAIN_NAME_MAX], s[IP_ADDR_STRLEN];
	return nft_put_elem(m, type, flags, NFPROTO_INET, NFT_TABLE, nft_masq_set_name(a, set), e,
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

/* A new subnet: its set (EXCL) and
 *   ip saddr @<set> ip daddr != <subnet> ip daddr != 224.0.0.0/4 masquerade
 * (with nft's nfproto dependency, so that it lists well). */
static int put_subnet(struct nft_msgs *m, const struct ip_net *subnet)
{
	cleanup_nftnl_rule struct nftnl_rule *r = NULL;
	char name[NFT_CHAIN_NAME_MAX];
	int family = subnet->ip.family;
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint32_t alen = (uint32_t)ip_addr_len(family);
	struct nft_set_def def = {name, family == AF_INET ? TYPE_IPADDR : TYPE_IP6ADDR, alen, 0, 0,
				  0};
	struct ip_net mcast;

	nft_masq_set_name(subnet, name);
	if (nft_put_set_excl(m, NFPROTO_INET, NFT_TABLE, &def) < 0)
		return -1;
	if (subnet->prefix == 0)
		return 0; /* nothing is outside ::/0: no masquerade at all */
	ip_net_parse(family == AF_INET ? "224.0.0.0/4" : "ff00::/8", &mcast);
	r = nft_rule_new(NFPROTO_INET, NFT_TABLE, CHAIN_POST);
	if (!r || nft_x_meta(r, NFT_META_NFPROTO, NFT_REG_1) < 0 ||
	    nft_x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &proto, 1) < 0 ||
	    nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, alen,
			  NFT_REG_1) < 0 ||
	    nft_x_lookup(r, NFT_REG_1, -1, name, 0) < 0 || nft_x_daddr_not_in(r, subnet) < 0 ||
	    nft_x_daddr_not_in(r, &mcast) < 0 || nft_x_masq(r) < 0)
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
	size_t n; /* answers 0..n-1 are elements, the rest sets and chain */
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
	return idx < q->n ? nft_parse_elems(nlh, got_elem, &q->got[idx]) : 0;
}

/* got[i] = the element of addrs[i] if any; with base != NULL also whether
 * each subnet's set and chain postrouting (*base) exist. */
static int query(struct nft_sock *s, const struct ip_net *addrs, size_t n, struct got *got,
		 bool *base, struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	size_t total = base ? 2 * n + 1 : n;
	cleanup_free int *res = calloc(total, sizeof(int));
	struct query q = {got, n};
	char set[NFT_CHAIN_NAME_MAX];
	size_t i;

	nft_msgs_init(&m, s, false);
	if (!res)
		return cni_error_oom(err);
	memset(got, 0, n * sizeof(*got));
	for (i = 0; i < n; i++) {
		struct nft_elem key;
		elem_key(&key, &addrs[i].ip);
		if (put_elem(&m, NFT_MSG_GETSETELEM, 0, &addrs[i], &key) < 0)
			return cni_error_oom(err);
	}
	for (i = 0; base && i < n; i++)
		if (nft_put_get_set(&m, NFPROTO_INET, NFT_TABLE,
				    nft_masq_set_name(&addrs[i], set)) < 0)
			return cni_error_oom(err);
	if (base && nft_put_get_chain(&m, NFPROTO_INET, NFT_TABLE, CHAIN_POST) < 0)
		return cni_error_oom(err);
	if (nft_msgs_request(s, &m, got_msg, &q, res, err) < 0)
		return -1;
	for (i = 0; i < total; i++) {
		if (res[i] == 0 || res[i] == -ENOENT)
			continue; /* ENOENT: absent (or no table yet) */
		return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[i], "nftables: cannot %s",
					   m.what[i]);
	}
	for (i = 0; base && i < n; i++)
		got[i].set = res[n + i] == 0;
	if (base)
		*base = res[2 * n] == 0;
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
	if (query(s, addrs, n, got, &base, err) < 0)
		return -1;

	nft_msgs_init(&m, s, true);
	if (!base && put_base(&m) < 0)
		return cni_error_oom(err);
	for (i = 0; i < n; i++)
		if (!got[i].set && !dup_subnet(addrs, i) && put_subnet(&m, &addrs[i]) < 0)
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
			if (put_elem(&m, NFT_MSG_DELSETELEM, 0, &addrs[i], &e) < 0)
				return cni_error_oom(err);
		}
		/* EXCL: if someone added it since our GET, fail and start over */
		if (put_elem(&m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, &addrs[i], &e) < 0)
			return cni_error_oom(err);
	}
	return nft_msgs_commit(s, &m, kerr, err);
}

int nft_masq_add(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	char owner[NFT_OWNER_MAX + 1];
	struct masq_req q = {owner, addrs, n};

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

static int del_known(struct nft_sock *s, const char *owner, const struct ip_net *addrs, size_t n,
		     int *kerr, struct cni_error *err)
{
	cleanup_free struct got *got = calloc(n, sizeof(*got));
	cleanup_nft_msgs struct nft_msgs m = {0};

	if (!got)
		return cni_error_oom(err);
	if (query(s, addrs, n, got, NULL, err) < 0)
		return -1;
	nft_msgs_init(&m, s, true);
	for (size_t i = 0; i < n; i++) {
		if (!got[i].found || strcmp(got[i].e.owner, owner) != 0 || dup_addr(addrs, i))
			continue; /* absent, or another container's: not ours to remove */
		if (put_elem(&m, NFT_MSG_DELSETELEM, 0, &addrs[i], &got[i].e) < 0)
			return cni_error_oom(err);
	}
	return nft_msgs_commit(s, &m, kerr, err); /* nothing queued: no syscall */
}

int nft_masq_put_collected(struct nft_sock *s, struct nft_msgs *m,
			   bool (*pick)(const struct nft_elem *e, void *data), void *data,
			   struct cni_error *err)
{
	static const char *const prefixes[] = {"masq4-", "masq6-", NULL};
	return nft_put_del_picked(s, m, NFPROTO_INET, NFT_TABLE, prefixes, pick, data, err);
}

static bool owned_by(const struct nft_elem *e, void *owner)
{
	return strcmp(e->owner, owner) == 0;
}

/* No addresses known: find this owner's elements by dumping the sets. */
static int del_by_owner(struct nft_sock *s, const char *owner, int *kerr, struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	int rc;

	nft_msgs_init(&m, s, true);
	rc = nft_masq_put_collected(s, &m, owned_by, (void *)owner, err);
	if (rc == -EINTR) {
		*kerr = EINTR;
		return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
	}
	if (rc < 0)
		return -1;
	return nft_msgs_commit(s, &m, kerr, err);
}

static int del_once(struct nft_sock *s, void *data, int *kerr, struct cni_error *err)
{
	const struct masq_req *q = data;
	return q->n ? del_known(s, q->owner, q->addrs, q->n, kerr, err)
		    : del_by_owner(s, q->owner, kerr, err);
}

int nft_masq_del(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	char owner[NFT_OWNER_MAX + 1];
	struct masq_req q = {owner, addrs, addrs ? n : 0};

	if (check_args(network, container_id, ifname, addrs, q.n, err) < 0)
		return -1;
	nft_owner_format(network, container_id, ifname, owner);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	/* ENOENT: removed since we looked (a parallel DEL or GC) */
	if (nft_retry(&s, del_once, &q, (const int[]){ENOENT, EINTR, 0}, err) < 0)
		return cni_error_wrap(err, "removing masquerade for %s", owner);
	return 0;
}

int nft_masq_check(const char *network, const char *container_id, const char *ifname,
		   const struct ip_net *addrs, size_t n, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	cleanup_free struct got *got = NULL;
	char owner[NFT_OWNER_MAX + 1], a[IP_ADDR_STRLEN];
	bool base = false;

	if (check_args(network, container_id, ifname, addrs, n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	nft_owner_format(network, container_id, ifname, owner);
	got = calloc(n, sizeof(*got));
	if (!got)
		return cni_error_oom(err);
	if (nft_sock_open(&s, err) < 0 || query(&s, addrs, n, got, &base, err) < 0)
		return -1;
	if (!base)
		return cni_error_set(err, CNI_ERR_CHECK, "no masquerade chain");
	for (size_t i = 0; i < n; i++) {
		ip_addr_format(&addrs[i].ip, a);
		if (!got[i].found)
			return cni_error_set(err, CNI_ERR_CHECK, "no masquerade for %s", a);
		if (strcmp(got[i].e.owner, owner) != 0)
			return cni_error_set(err, CNI_ERR_CHECK, "masquerade for %s belongs to %s",
					     a, got[i].e.owner);
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Masquerade (the bridge's ipMasq), in table inet cni_c_bridge:
 *
 *   map masq4 { type ipv4_addr : verdict }	one element per container
 *   map masq6 { type ipv6_addr : verdict }	address, owner as comment
 *   chain postrouting {
 *	type nat hook postrouting priority srcnat;
 *	ip saddr vmap @masq4
 *	ip6 saddr vmap @masq6
 *   }
 *   chain masq4-10.1.2.0/24 {			one per subnet, shared
 *	ip daddr != 10.1.2.0/24 ip daddr != 224.0.0.0/4 masquerade
 *   }
 *   chain masq6-fd00__/64 {
 *	ip6 daddr != fd00::/64 ip6 daddr != ff00::/8 masquerade
 *   }
 *
 *   e.g. masq4: 10.1.2.3 comment "mynet/<containerID>/eth0" : goto masq4-10.1.2.0/24
 *
 * A container costs one map element per address, whatever the number of
 * containers: ADD is one GET round trip (is the address held by someone
 * else?) and one batch; DEL with addresses the same. The batch also
 * (re)declares table, chains and maps without NLM_F_EXCL and flushes and
 * re-adds the fixed rules: constant size, atomic, race-free against a
 * parallel creator, and it repairs a tampered chain.
 *
 * The owner check before a delete is a GET, then the DEL in a batch: the
 * kernel has no conditional delete. A DEL racing with an ADD that takes
 * over the same address (only after a leak) could remove the newcomer's
 * element; IPAM does not hand out an address still in use, so this needs
 * a leak and a race at once.
 */
#define _GNU_SOURCE
#include "nft.h"
#include "nft_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "cleanup.h"

#define CHAIN_POST "postrouting"
#define MAP4 "masq4"
#define MAP6 "masq6"
#define TYPE_IPADDR 7 /* nft(8) datatype ids */
#define TYPE_IP6ADDR 8
#define PRIO_SRCNAT 100 /* NF_IP_PRI_NAT_SRC */
#define ATTEMPTS 3	/* tries when racing with another writer */

static const char *map_of(int family)
{
	return family == AF_INET ? MAP4 : MAP6;
}

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

/* ip saddr vmap @masq4 (with nft's nfproto dependency, so it lists well) */
static int rule_vmap(struct nft_msgs *m, int family)
{
	cleanup_nftnl_rule struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, NFT_TABLE, CHAIN_POST);
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint32_t len = (uint32_t)ip_addr_len(family);

	if (!r || nft_x_meta(r, NFT_META_NFPROTO, NFT_REG_1) < 0 ||
	    nft_x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &proto, 1) < 0 ||
	    nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, len,
			  NFT_REG_1) < 0 ||
	    nft_x_lookup(r, NFT_REG_1, NFT_REG_VERDICT, map_of(family), 0) < 0)
		return -1;
	return nft_put_rule(m, r,
			    family == AF_INET ? "ip saddr vmap @" MAP4 : "ip6 saddr vmap @" MAP6);
}

/* The fixed part: table, postrouting chain and its two rules, the maps. */
static int put_base(struct nft_msgs *m)
{
	static const struct nft_set_def map4 = {MAP4, TYPE_IPADDR, 4, NFT_DATA_VERDICT, 0, 0};
	static const struct nft_set_def map6 = {MAP6, TYPE_IP6ADDR, 16, NFT_DATA_VERDICT, 0, 0};

	if (nft_put_table(m, NFPROTO_INET, NFT_TABLE) < 0 ||
	    nft_put_base_chain(m, NFPROTO_INET, NFT_TABLE, CHAIN_POST, "nat", NF_INET_POST_ROUTING,
			       PRIO_SRCNAT) < 0 ||
	    nft_put_set(m, NFPROTO_INET, NFT_TABLE, &map4) < 0 ||
	    nft_put_set(m, NFPROTO_INET, NFT_TABLE, &map6) < 0 ||
	    nft_put_flush_chain(m, NFPROTO_INET, NFT_TABLE, CHAIN_POST) < 0 ||
	    rule_vmap(m, AF_INET) < 0 || rule_vmap(m, AF_INET6) < 0)
		return -1;
	return 0;
}

/* chain masq4-<subnet> { ip daddr != <subnet> ip daddr != 224.0.0.0/4 masquerade } */
static int put_subnet_chain(struct nft_msgs *m, const struct ip_net *subnet, const char *chain)
{
	cleanup_nftnl_rule struct nftnl_rule *r = NULL;
	struct ip_net mcast;
	int family = subnet->ip.family;
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	if (nft_put_chain(m, NFPROTO_INET, NFT_TABLE, chain) < 0 ||
	    nft_put_flush_chain(m, NFPROTO_INET, NFT_TABLE, chain) < 0)
		return -1;
	if (subnet->prefix == 0)
		return 0; /* nothing is outside ::/0: no masquerade at all */
	ip_net_parse(family == AF_INET ? "224.0.0.0/4" : "ff00::/8", &mcast);
	r = nft_rule_new(NFPROTO_INET, NFT_TABLE, chain);
	if (!r || nft_x_meta(r, NFT_META_NFPROTO, NFT_REG_1) < 0 ||
	    nft_x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &proto, 1) < 0 ||
	    nft_x_daddr_not_in(r, subnet) < 0 || nft_x_daddr_not_in(r, &mcast) < 0 ||
	    nft_x_masq(r) < 0)
		return -1;
	return nft_put_rule(m, r, "daddr outside the subnet, not multicast: masquerade");
}

/* ---- GET the current element of each address ---- */

struct got {
	struct nft_elem e;
	bool found;
};

struct got_ctx {
	struct got *got;
	uint32_t idx;
};

static int got_elem(const struct nft_elem *e, void *data)
{
	struct got_ctx *c = data;
	c->got[c->idx].e = *e;
	c->got[c->idx].found = true;
	return 0;
}

static int got_msg(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	struct got_ctx c = {data, idx};
	return nft_parse_elems(nlh, got_elem, &c);
}

/* got[i] = the element for addrs[i] if any. */
static int get_elems(struct nft_sock *s, const struct ip_net *addrs, size_t n, struct got *got,
		     struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	cleanup_free int *res = calloc(n, sizeof(int));
	char a[IP_ADDR_STRLEN];

	nft_msgs_init(&m, s, false);
	if (!res)
		return nft_oom(err);
	memset(got, 0, n * sizeof(*got));
	for (size_t i = 0; i < n; i++) {
		struct nft_elem key;
		elem_key(&key, &addrs[i].ip);
		if (nft_put_elem(&m, NFT_MSG_GETSETELEM, 0, NFPROTO_INET, NFT_TABLE,
				 map_of(addrs[i].ip.family), &key,
				 ip_addr_format(&addrs[i].ip, a)) < 0)
			return nft_oom(err);
	}
	if (nft_msgs_request(s, &m, got_msg, got, res, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (res[i] == 0 || res[i] == -ENOENT)
			continue; /* ENOENT: no element (or no table/map yet) */
		return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[i], "nftables: cannot %s",
					   m.what[i]);
	}
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

static int add_once(struct nft_sock *s, const char *owner, const struct ip_net *addrs, size_t n,
		    int *kerr, struct cni_error *err)
{
	cleanup_free struct got *got = calloc(n, sizeof(*got));
	cleanup_nft_msgs struct nft_msgs m = {0};
	char a[IP_ADDR_STRLEN], chain[NFT_CHAIN_NAME_MAX];
	size_t i;

	if (!got)
		return nft_oom(err);
	if (get_elems(s, addrs, n, got, err) < 0)
		return -1;

	nft_msgs_init(&m, s, true);
	if (put_base(&m) < 0)
		return nft_oom(err);
	for (i = 0; i < n; i++) {
		if (dup_subnet(addrs, i))
			continue;
		if (put_subnet_chain(&m, &addrs[i], nft_masq_chain_name(&addrs[i], chain)) < 0)
			return nft_oom(err);
	}
	for (i = 0; i < n; i++) {
		struct nft_elem e;
		const char *map = map_of(addrs[i].ip.family);

		if (dup_addr(addrs, i))
			continue;
		elem_key(&e, &addrs[i].ip);
		nft_masq_chain_name(&addrs[i], e.chain);
		snprintf(e.owner, sizeof(e.owner), "%s", owner);
		ip_addr_format(&addrs[i].ip, a);
		if (got[i].found) {
			if (!strcmp(got[i].e.owner, owner) && !strcmp(got[i].e.chain, e.chain))
				continue; /* already ours, as wanted */
			/* a leak (another owner) or a stale subnet: replace it */
			if (got[i].e.owner[0])
				fprintf(stderr, "nftables: %s was masqueraded for %s: replacing\n",
					a, got[i].e.owner);
			if (nft_put_elem(&m, NFT_MSG_DELSETELEM, 0, NFPROTO_INET, NFT_TABLE, map,
					 &e, a) < 0)
				return nft_oom(err);
		}
		/* EXCL: if someone added it since our GET, fail and start over */
		if (nft_put_elem(&m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, NFPROTO_INET, NFT_TABLE, map,
				 &e, a) < 0)
			return nft_oom(err);
	}
	return nft_msgs_commit(s, &m, kerr, err);
}

int nft_masq_add(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	char owner[NFT_OWNER_MAX + 1];
	int kerr = 0;

	if (check_args(network, container_id, ifname, addrs, n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	nft_owner_format(network, container_id, ifname, owner);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	for (int attempt = 1;; attempt++) {
		if (add_once(&s, owner, addrs, n, &kerr, err) == 0)
			return 0;
		/* EEXIST/ENOENT: another writer changed an element between our
		 * GET and our batch; look again */
		if (attempt == ATTEMPTS || (kerr != EEXIST && kerr != ENOENT))
			return cni_error_wrap(err, "masquerade for %s", owner);
		cni_error_clear(err);
	}
}

/* ---- DEL ---- */

static int del_known(struct nft_sock *s, const char *owner, const struct ip_net *addrs, size_t n,
		     int *kerr, struct cni_error *err)
{
	cleanup_free struct got *got = calloc(n, sizeof(*got));
	cleanup_nft_msgs struct nft_msgs m = {0};
	char a[IP_ADDR_STRLEN];

	if (!got)
		return nft_oom(err);
	if (get_elems(s, addrs, n, got, err) < 0)
		return -1;
	nft_msgs_init(&m, s, true);
	for (size_t i = 0; i < n; i++) {
		if (!got[i].found || strcmp(got[i].e.owner, owner) != 0 || dup_addr(addrs, i))
			continue; /* absent, or another container's: not ours to remove */
		if (nft_put_elem(&m, NFT_MSG_DELSETELEM, 0, NFPROTO_INET, NFT_TABLE,
				 map_of(addrs[i].ip.family), &got[i].e,
				 ip_addr_format(&addrs[i].ip, a)) < 0)
			return nft_oom(err);
	}
	return nft_msgs_commit(s, &m, kerr, err); /* nothing queued: no syscall */
}

static bool owned_by(const struct nft_elem *e, void *owner)
{
	return strcmp(e->owner, owner) == 0;
}

/* No addresses known: find this owner's elements by dumping both maps. */
static int del_by_owner(struct nft_sock *s, const char *owner, int *kerr, struct cni_error *err)
{
	static const char *const maps[2] = {MAP4, MAP6};
	cleanup_nft_msgs struct nft_msgs m = {0};

	nft_msgs_init(&m, s, true);
	for (int i = 0; i < 2; i++) {
		cleanup_free struct nft_elem *v = NULL;
		size_t n = 0;
		int rc = nft_collect_elems(s, NFPROTO_INET, NFT_TABLE, maps[i], owned_by,
					   (void *)owner, &v, &n, err);
		if (rc == -EINTR) {
			*kerr = EINTR;
			return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
		}
		if (rc < 0)
			return -1;
		if (nft_put_del_collected(&m, NFPROTO_INET, NFT_TABLE, maps[i], v, n) < 0)
			return nft_oom(err);
	}
	return nft_msgs_commit(s, &m, kerr, err);
}

int nft_masq_del(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	char owner[NFT_OWNER_MAX + 1];
	int kerr = 0, rc;

	if (!addrs)
		n = 0;
	if (check_args(network, container_id, ifname, addrs, n, err) < 0)
		return -1;
	nft_owner_format(network, container_id, ifname, owner);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	for (int attempt = 1;; attempt++) {
		rc = n ? del_known(&s, owner, addrs, n, &kerr, err)
		       : del_by_owner(&s, owner, &kerr, err);
		if (rc == 0)
			return 0;
		/* ENOENT: removed since we looked (a parallel DEL or GC) */
		if (attempt == ATTEMPTS || (kerr != ENOENT && kerr != EINTR))
			return cni_error_wrap(err, "removing masquerade for %s", owner);
		cni_error_clear(err);
	}
}

int nft_masq_check(const char *network, const char *container_id, const char *ifname,
		   const struct ip_net *addrs, size_t n, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	cleanup_free struct got *got = NULL;
	char owner[NFT_OWNER_MAX + 1], chain[NFT_CHAIN_NAME_MAX], a[IP_ADDR_STRLEN];

	if (check_args(network, container_id, ifname, addrs, n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	nft_owner_format(network, container_id, ifname, owner);
	got = calloc(n, sizeof(*got));
	if (!got)
		return nft_oom(err);
	if (nft_sock_open(&s, err) < 0 || get_elems(&s, addrs, n, got, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		ip_addr_format(&addrs[i].ip, a);
		if (!got[i].found)
			return cni_error_set(err, CNI_ERR_CHECK, "no masquerade for %s", a);
		if (strcmp(got[i].e.owner, owner) != 0)
			return cni_error_set(err, CNI_ERR_CHECK, "masquerade for %s belongs to %s",
					     a, got[i].e.owner);
		if (strcmp(got[i].e.chain, nft_masq_chain_name(&addrs[i], chain)) != 0)
			return cni_error_set(err, CNI_ERR_CHECK,
					     "masquerade for %s uses %s, expected %s", a,
					     got[i].e.chain, chain);
	}
	return 0;
}

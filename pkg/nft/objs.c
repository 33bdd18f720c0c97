/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftables objects as messages: tables, chains, sets, rules. */
#define _GNU_SOURCE
#include "nft.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "util/cleanup.h"

#define MSG_ROOM 4096 /* any single table/chain/set/rule message */

const char *nft_family_name(uint16_t family)
{
	switch (family) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_BRIDGE:
		return "bridge";
	default:
		return "?";
	}
}

int nft_put_table(struct nft_msgs *m, uint16_t family, const char *table)
{
	cleanup_nftnl_table struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t || nftnl_table_set_str(t, NFTNL_TABLE_NAME, table) < 0)
		return -1;
	nlh = nft_msgs_add(m, NFT_MSG_NEWTABLE, family, NLM_F_CREATE, MSG_ROOM, "add table %s %s",
			   nft_family_name(family), table);
	if (!nlh)
		return -1;
	nftnl_table_nlmsg_build_payload(nlh, t);
	return 0;
}

static int put_chain(struct nft_msgs *m, uint16_t type, uint16_t flags, uint16_t family,
		     const char *table, const char *chain, const char *ctype, uint32_t hook,
		     int32_t prio, const char *verb)
{
	cleanup_nftnl_chain struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c || nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain) < 0)
		return -1;
	if (ctype) {
		if (nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, ctype) < 0)
			return -1;
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	}
	nlh = nft_msgs_add(m, type, family, flags, MSG_ROOM, "%s chain %s %s %s", verb,
			   nft_family_name(family), table, chain);
	if (!nlh)
		return -1;
	nftnl_chain_nlmsg_build_payload(nlh, c);
	return 0;
}

int nft_put_base_chain(struct nft_msgs *m, uint16_t family, const char *table, const char *chain,
		       const char *type, uint32_t hook, int32_t prio)
{
	return put_chain(m, NFT_MSG_NEWCHAIN, NLM_F_CREATE, family, table, chain, type, hook, prio,
			 "add");
}

int nft_put_del_chain(struct nft_msgs *m, uint16_t family, const char *table, const char *chain)
{
	return put_chain(m, NFT_MSG_DELCHAIN, 0, family, table, chain, NULL, 0, 0, "delete");
}

int nft_put_get_chain(struct nft_msgs *m, uint16_t family, const char *table, const char *chain)
{
	return put_chain(m, NFT_MSG_GETCHAIN, 0, family, table, chain, NULL, 0, 0, "get");
}

int nft_put_new_chain_excl(struct nft_msgs *m, uint16_t family, const char *table,
			   const char *chain)
{
	return put_chain(m, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, family, table, chain, NULL,
			 0, 0, "create");
}

int nft_put_flush_chain(struct nft_msgs *m, uint16_t family, const char *table, const char *chain)
{
	cleanup_nftnl_rule struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	/* DELRULE naming a chain but no handle flushes the chain */
	if (!r || nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain) < 0)
		return -1;
	nlh = nft_msgs_add(m, NFT_MSG_DELRULE, family, 0, MSG_ROOM, "flush chain %s %s %s",
			   nft_family_name(family), table, chain);
	if (!nlh)
		return -1;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	return 0;
}

static int put_set(struct nft_msgs *m, uint16_t flags, uint16_t family, const char *table,
		   const struct nft_set_def *def)
{
	cleanup_nftnl_set struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s || nftnl_set_set_str(s, NFTNL_SET_TABLE, table) < 0 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, def->name) < 0)
		return -1;
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, def->key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, def->key_len);
	nftnl_set_set_u32(s, NFTNL_SET_ID, m->n + 1);
	if (def->data_type) {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, def->data_type);
		if (def->data_type != NFT_DATA_VERDICT)
			nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, def->data_len);
	} else {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, 0);
	}
	if (def->key_byteorder) {
		/* nft(8) reads string keys (ifname) wrongly without this hint */
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);
		int rc = -1;
		if (ud && nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, def->key_byteorder))
			rc = nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
						nftnl_udata_buf_len(ud));
		if (ud)
			nftnl_udata_buf_free(ud);
		if (rc < 0)
			return -1;
	}
	nlh = nft_msgs_add(m, NFT_MSG_NEWSET, family, flags, MSG_ROOM, "%s %s %s %s %s",
			   flags & NLM_F_EXCL ? "create" : "add", def->data_type ? "map" : "set",
			   nft_family_name(family), table, def->name);
	if (!nlh)
		return -1;
	nftnl_set_nlmsg_build_payload(nlh, s);
	return 0;
}

int nft_put_set(struct nft_msgs *m, uint16_t family, const char *table,
		const struct nft_set_def *def)
{
	return put_set(m, NLM_F_CREATE, family, table, def);
}

int nft_put_set_excl(struct nft_msgs *m, uint16_t family, const char *table,
		     const struct nft_set_def *def)
{
	return put_set(m, NLM_F_CREATE | NLM_F_EXCL, family, table, def);
}

int nft_put_get_gen(struct nft_msgs *m)
{
	return nft_msgs_add(m, NFT_MSG_GETGEN, AF_UNSPEC, 0, 0, "get the ruleset generation") ? 0
											      : -1;
}

static int gen_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_get_payload_len(a) >= 4)
		*(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

int nft_parse_gen(const struct nlmsghdr *nlh, uint32_t *genid)
{
	uint32_t g = 0;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN) ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nfgenmsg)))
		return -1;
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), gen_attr_cb, &g) < 0)
		return -1;
	*genid = g;
	return 0;
}

/* A message naming a set only (GET, DEL). */
static int put_set_named(struct nft_msgs *m, uint16_t type, const char *verb, uint16_t family,
			 const char *table, const char *name)
{
	cleanup_nftnl_set struct nftnl_set *s = nft_set_named(table, name);
	struct nlmsghdr *nlh;

	if (!s)
		return -1;
	nlh = nft_msgs_add(m, type, family, 0, MSG_ROOM, "%s set %s %s %s", verb,
			   nft_family_name(family), table, name);
	if (!nlh)
		return -1;
	nftnl_set_nlmsg_build_payload(nlh, s);
	return 0;
}

int nft_put_get_set(struct nft_msgs *m, uint16_t family, const char *table, const char *name)
{
	return put_set_named(m, NFT_MSG_GETSET, "get", family, table, name);
}

int nft_put_del_set(struct nft_msgs *m, uint16_t family, const char *table, const char *name)
{
	return put_set_named(m, NFT_MSG_DELSET, "delete", family, table, name);
}

static int put_rule(struct nft_msgs *m, struct nftnl_rule *r, uint16_t flags, const char *verb,
		    const char *what)
{
	uint16_t family = (uint16_t)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY);
	struct nlmsghdr *nlh;

	nlh = nft_msgs_add(m, NFT_MSG_NEWRULE, family, NLM_F_CREATE | flags, MSG_ROOM,
			   "%s rule %s %s %s (%s)", verb, nft_family_name(family),
			   nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
			   nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), what);
	if (!nlh)
		return -1;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	return 0;
}

int nft_put_rule(struct nft_msgs *m, struct nftnl_rule *r, const char *what)
{
	return put_rule(m, r, NLM_F_APPEND, "add", what);
}

int nft_put_rule_head(struct nft_msgs *m, struct nftnl_rule *r, const char *what)
{
	/* NEWRULE without APPEND and without a position: the chain's head */
	return put_rule(m, r, 0, "insert", what);
}

int nft_put_del_rule(struct nft_msgs *m, uint16_t family, const char *table, const char *chain,
		     uint64_t handle, const char *what)
{
	cleanup_nftnl_rule struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r || nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain) < 0)
		return -1;
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nlh = nft_msgs_add(m, NFT_MSG_DELRULE, family, 0, MSG_ROOM,
			   "delete rule %s %s %s handle %llu (%s)", nft_family_name(family), table,
			   chain, (unsigned long long)handle, what);
	if (!nlh)
		return -1;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	return 0;
}

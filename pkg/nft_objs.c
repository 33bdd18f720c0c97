/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftables objects as netlink messages: tables, chains, sets, elements,
 * rules and the few expressions our rules use. */
#define _GNU_SOURCE
#include "nft_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "cleanup.h"

#define MSG_ROOM 4096	       /* any single table/chain/set/rule message */
#define ELEM_ROOM 1024	       /* one element: key, data, chain, comment */
#define ELEMS_ROOM (70 * 1024) /* a packed element list (<= 64K nest) */

static struct nftnl_set *elem_set(const char *table, const char *set);

static const char *fam(uint16_t family)
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
			   fam(family), table);
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
	nlh = nft_msgs_add(m, type, family, flags, MSG_ROOM, "%s chain %s %s %s", verb, fam(family),
			   table, chain);
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

int nft_put_chain(struct nft_msgs *m, uint16_t family, const char *table, const char *chain)
{
	return put_chain(m, NFT_MSG_NEWCHAIN, NLM_F_CREATE, family, table, chain, NULL, 0, 0,
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
			   fam(family), table, chain);
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
			   fam(family), table, def->name);
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

int nft_put_get_set(struct nft_msgs *m, uint16_t family, const char *table, const char *name)
{
	cleanup_nftnl_set struct nftnl_set *s = elem_set(table, name);
	struct nlmsghdr *nlh;

	if (!s)
		return -1;
	nlh = nft_msgs_add(m, NFT_MSG_GETSET, family, 0, MSG_ROOM, "get set %s %s %s", fam(family),
			   table, name);
	if (!nlh)
		return -1;
	nftnl_set_nlmsg_build_payload(nlh, s);
	return 0;
}

int nft_put_rule(struct nft_msgs *m, struct nftnl_rule *r, const char *what)
{
	uint16_t family = (uint16_t)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY);
	struct nlmsghdr *nlh;

	nlh = nft_msgs_add(m, NFT_MSG_NEWRULE, family, NLM_F_CREATE | NLM_F_APPEND, MSG_ROOM,
			   "add rule %s %s %s (%s)", fam(family),
			   nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
			   nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), what);
	if (!nlh)
		return -1;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	return 0;
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
			   "delete rule %s %s %s handle %llu (%s)", fam(family), table, chain,
			   (unsigned long long)handle, what);
	if (!nlh)
		return -1;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	return 0;
}

/* ---- elements ---- */

static struct nftnl_set *elem_set(const char *table, const char *set)
{
	struct nftnl_set *s = nftnl_set_alloc();
	if (!s)
		return NULL;
	if (nftnl_set_set_str(s, NFTNL_SET_TABLE, table) < 0 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, set) < 0) {
		nftnl_set_free(s);
		return NULL;
	}
	return s;
}

/* An element with its key; for NEWSETELEM also data/verdict and comment. */
static struct nftnl_set_elem *elem_build(const struct nft_elem *e, bool full)
{
	struct nftnl_set_elem *se = nftnl_set_elem_alloc();

	if (!se)
		return NULL;
	if (nftnl_set_elem_set(se, NFTNL_SET_ELEM_KEY, e->key, e->klen) < 0)
		goto fail;
	if (!full)
		return se;
	if (e->chain[0]) {
		nftnl_set_elem_set_u32(se, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_GOTO);
		if (nftnl_set_elem_set_str(se, NFTNL_SET_ELEM_CHAIN, e->chain) < 0)
			goto fail;
	} else if (e->dlen && nftnl_set_elem_set(se, NFTNL_SET_ELEM_DATA, e->data, e->dlen) < 0) {
		goto fail;
	}
	if (e->owner[0]) {
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_OWNER_MAX + 16);
		int rc = -1;
		if (ud && nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT, e->owner))
			rc = nftnl_set_elem_set(se, NFTNL_SET_ELEM_USERDATA,
						nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
		if (ud)
			nftnl_udata_buf_free(ud);
		if (rc < 0)
			goto fail;
	}
	return se;
fail:
	nftnl_set_elem_free(se);
	return NULL;
}

int nft_put_elem(struct nft_msgs *m, uint16_t type, uint16_t flags, uint16_t family,
		 const char *table, const char *set, const struct nft_elem *e, const char *desc)
{
	cleanup_nftnl_set struct nftnl_set *s = elem_set(table, set);
	struct nftnl_set_elem *se;
	struct nlmsghdr *nlh;
	const char *verb = type == NFT_MSG_NEWSETELEM	? "add element"
			   : type == NFT_MSG_DELSETELEM ? "delete element"
							: "get element";

	if (!s)
		return -1;
	se = elem_build(e, type == NFT_MSG_NEWSETELEM);
	if (!se)
		return -1;
	nftnl_set_elem_add(s, se);
	if (type == NFT_MSG_NEWSETELEM)
		flags |= NLM_F_CREATE;
	nlh = nft_msgs_add(m, type, family, flags, ELEM_ROOM, "%s %s %s %s %s", verb, desc,
			   fam(family), table, set);
	if (!nlh)
		return -1;
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	return 0;
}

int nft_put_del_elems(struct nft_msgs *m, uint16_t family, const char *table, const char *set,
		      const struct nft_elem *const *elems, size_t n)
{
	cleanup_nftnl_set struct nftnl_set *s = elem_set(table, set);
	struct nftnl_set_elems_iter *it;
	int rc = 0;

	if (!s)
		return -1;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *se = elem_build(elems[i], false);
		if (!se)
			return -1;
		nftnl_set_elem_add(s, se);
	}
	it = nftnl_set_elems_iter_create(s);
	if (!it)
		return -1;
	while (nftnl_set_elems_iter_cur(it)) {
		struct nlmsghdr *nlh =
		    nft_msgs_add(m, NFT_MSG_DELSETELEM, family, 0, ELEMS_ROOM,
				 "delete %zu element(s) from %s %s %s", n, fam(family), table, set);
		if (!nlh) {
			rc = -1;
			break;
		}
		if (nftnl_set_elems_nlmsg_build_payload_iter(nlh, it) <= 0)
			break;
	}
	nftnl_set_elems_iter_destroy(it);
	return rc;
}

static int elem_comment_cb(const struct nftnl_udata *attr, void *data)
{
	char *owner = data;
	uint8_t len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT && len > 0 &&
	    len <= NFT_OWNER_MAX + 1) {
		memcpy(owner, nftnl_udata_get(attr), len);
		owner[len - 1] = '\0';
	}
	return 0;
}

struct parse_ctx {
	int (*cb)(const struct nft_elem *e, void *data);
	void *data;
	int rc;
};

static int parse_one(struct nftnl_set_elem *se, void *data)
{
	struct parse_ctx *p = data;
	struct nft_elem e;
	const void *v;
	uint32_t len = 0;

	memset(&e, 0, sizeof(e));
	v = nftnl_set_elem_get(se, NFTNL_SET_ELEM_KEY, &len);
	if (!v || len > sizeof(e.key))
		return 0;
	memcpy(e.key, v, len);
	e.klen = len;
	if (nftnl_set_elem_is_set(se, NFTNL_SET_ELEM_CHAIN)) {
		const char *c = nftnl_set_elem_get_str(se, NFTNL_SET_ELEM_CHAIN);
		if (c)
			snprintf(e.chain, sizeof(e.chain), "%s", c);
	} else if (nftnl_set_elem_is_set(se, NFTNL_SET_ELEM_DATA)) {
		v = nftnl_set_elem_get(se, NFTNL_SET_ELEM_DATA, &len);
		if (v && len <= sizeof(e.data)) {
			memcpy(e.data, v, len);
			e.dlen = len;
		}
	}
	v = nftnl_set_elem_get(se, NFTNL_SET_ELEM_USERDATA, &len);
	if (v && len)
		nftnl_udata_parse(v, len, elem_comment_cb, e.owner);
	p->rc = p->cb(&e, p->data);
	return p->rc < 0 ? -1 : 0;
}

int nft_parse_elems(const struct nlmsghdr *nlh, int (*cb)(const struct nft_elem *e, void *data),
		    void *data)
{
	cleanup_nftnl_set struct nftnl_set *s = nftnl_set_alloc();
	struct parse_ctx p = {cb, data, 0};

	if (!s)
		return -1;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
		return 0; /* not an element message: ignore */
	nftnl_set_elem_foreach(s, parse_one, &p);
	return p.rc < 0 ? -1 : 0;
}

/* ---- rules ---- */

struct nftnl_rule *nft_rule_new(uint16_t family, const char *table, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family);
	if (nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain) < 0) {
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

static struct nftnl_expr *expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);
	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

int nft_x_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "meta");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	return 0;
}

int nft_x_cmp(struct nftnl_rule *r, uint32_t sreg, uint32_t op, const void *d, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	return nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, d, len) < 0 ? -1 : 0;
}

int nft_x_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "payload");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	return 0;
}

int nft_x_bitwise_mask(struct nftnl_rule *r, uint32_t reg, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = expr(r, "bitwise");
	if (!e || len > sizeof(zero))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	if (nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len) < 0 ||
	    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len) < 0)
		return -1;
	return 0;
}

int nft_x_lookup(struct nftnl_rule *r, uint32_t sreg, int dreg, const char *set, uint32_t flags)
{
	struct nftnl_expr *e = expr(r, "lookup");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	if (flags)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, flags);
	return nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set) < 0 ? -1 : 0;
}

int nft_x_verdict(struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *e = expr(r, "immediate");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	return 0;
}

int nft_x_masq(struct nftnl_rule *r)
{
	return expr(r, "masq") ? 0 : -1;
}

int nft_x_daddr_not_in(struct nftnl_rule *r, const struct ip_net *net)
{
	struct ip_net n;
	struct ip_addr mask;
	uint32_t alen = (uint32_t)ip_addr_len(net->ip.family);
	uint32_t off = net->ip.family == AF_INET ? 16 : 24; /* daddr in the IP header */
	uint32_t len = alen;

	ip_net_network(net, &n);
	if (n.prefix % 8 == 0) {
		/* whole bytes: compare only the prefix bytes, as nft(8) does */
		len = (uint32_t)n.prefix / 8;
		if (len == 0)
			return -1; /* ::/0 has no outside: callers skip it */
		if (nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1) < 0)
			return -1;
	} else {
		ip_prefix_mask(net->ip.family, n.prefix, &mask);
		if (nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1) < 0 ||
		    nft_x_bitwise_mask(r, NFT_REG_1, mask.b, len) < 0)
			return -1;
	}
	return nft_x_cmp(r, NFT_REG_1, NFT_CMP_NEQ, n.ip.b, len);
}

struct comment {
	const char *p;
	uint8_t len;
};

static int rule_comment_cb(const struct nftnl_udata *attr, void *data)
{
	struct comment *c = data;
	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && !c->p) {
		c->p = nftnl_udata_get(attr);
		c->len = nftnl_udata_len(attr);
	}
	return 0;
}

void nft_rule_comment(struct nftnl_rule *r, char *buf, size_t size)
{
	uint32_t len = 0;
	const void *ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	struct comment c = {NULL, 0};
	size_t n;

	buf[0] = '\0';
	if (!ud || !len)
		return;
	nftnl_udata_parse(ud, len, rule_comment_cb, &c);
	if (!c.p)
		return;
	n = strnlen(c.p, c.len); /* the value is NUL-terminated by nft(8) */
	if (n >= size)
		n = size - 1;
	memcpy(buf, c.p, n);
	buf[n] = '\0';
}

struct dump_elems {
	const char *table, *set;
	int (*cb)(const struct nft_elem *e, void *data);
	void *data;
};

static void dump_elems_build(struct nlmsghdr *nlh, void *data)
{
	struct dump_elems *d = data;
	cleanup_nftnl_set struct nftnl_set *s = elem_set(d->table, d->set);
	if (s) /* table and set name only: the whole set */
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
}

static int dump_elems_cb(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	struct dump_elems *d = data;
	(void)idx;
	return nft_parse_elems(nlh, d->cb, d->data);
}

int nft_dump_elems(struct nft_sock *s, uint16_t family, const char *table, const char *set,
		   int (*cb)(const struct nft_elem *e, void *data), void *data,
		   struct cni_error *err)
{
	struct dump_elems d = {table, set, cb, data};
	return nft_dump(s, NFT_MSG_GETSETELEM, family, dump_elems_build, dump_elems_cb, &d, err);
}

/* Elements of one map whose owner passes a filter, collected by a dump. */
struct collect {
	struct nft_elem *v;
	size_t n, cap;
	bool (*keep)(const struct nft_elem *e, void *data);
	void *data;
	struct cni_error *err;
};

static int collect_cb(const struct nft_elem *e, void *data)
{
	struct collect *c = data;

	if (!c->keep(e, c->data))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct nft_elem *nv = realloc(c->v, cap * sizeof(*nv));
		if (!nv)
			return nft_oom(c->err);
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = *e;
	return 0;
}

int nft_collect_elems(struct nft_sock *s, uint16_t family, const char *table, const char *set,
		      bool (*keep)(const struct nft_elem *e, void *data), void *data,
		      struct nft_elem **out, size_t *n, struct cni_error *err)
{
	struct collect c = {NULL, 0, 0, keep, data, err};
	int rc = nft_dump_elems(s, family, table, set, collect_cb, &c, err);

	if (rc < 0 && rc != -ENOENT) {
		free(c.v);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

int nft_put_del_collected(struct nft_msgs *m, uint16_t family, const char *table, const char *set,
			  const struct nft_elem *v, size_t n)
{
	cleanup_free const struct nft_elem **p = NULL;

	if (n == 0)
		return 0;
	p = calloc(n, sizeof(*p));
	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++)
		p[i] = &v[i];
	return nft_put_del_elems(m, family, table, set, p, n);
}

/* ---- chain and rule dumps ---- */

struct dump_named {
	const char *table, *chain;
	int (*chain_cb)(const char *name, void *data);
	int (*rule_cb)(struct nftnl_rule *r, void *data);
	void *data;
};

static void dump_chains_build(struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data; /* no filter: the kernel dumps every chain of the family */
}

static int dump_chains_cb(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	struct dump_named *d = data;
	cleanup_nftnl_chain struct nftnl_chain *c = nftnl_chain_alloc();
	const char *t, *name;

	(void)idx;
	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0)
		return 0;
	t = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	if (!t || !name || strcmp(t, d->table) != 0)
		return 0;
	return d->chain_cb(name, d->data);
}

int nft_dump_chains(struct nft_sock *s, uint16_t family, const char *table,
		    int (*cb)(const char *name, void *data), void *data, struct cni_error *err)
{
	struct dump_named d = {table, NULL, cb, NULL, data};
	return nft_dump(s, NFT_MSG_GETCHAIN, family, dump_chains_build, dump_chains_cb, &d, err);
}

static void dump_rules_build(struct nlmsghdr *nlh, void *data)
{
	struct dump_named *d = data;
	cleanup_nftnl_rule struct nftnl_rule *r = nftnl_rule_alloc();

	/* the kernel filters a rule dump on table and chain */
	if (r && nftnl_rule_set_str(r, NFTNL_RULE_TABLE, d->table) == 0 &&
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, d->chain) == 0)
		nftnl_rule_nlmsg_build_payload(nlh, r);
}

static int dump_rules_cb(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	struct dump_named *d = data;
	cleanup_nftnl_rule struct nftnl_rule *r = nftnl_rule_alloc();
	const char *t, *c;

	(void)idx;
	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0)
		return 0;
	t = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	c = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	if (!t || !c || strcmp(t, d->table) != 0 || strcmp(c, d->chain) != 0)
		return 0; /* older kernels may not filter */
	return d->rule_cb(r, d->data);
}

int nft_dump_rules(struct nft_sock *s, uint16_t family, const char *table, const char *chain,
		   int (*cb)(struct nftnl_rule *r, void *data), void *data, struct cni_error *err)
{
	struct dump_named d = {table, chain, NULL, cb, data};
	return nft_dump(s, NFT_MSG_GETRULE, family, dump_rules_build, dump_rules_cb, &d, err);
}

struct dump_sets {
	const char *table;
	int (*cb)(const char *name, void *data);
	void *data;
};

static int dump_sets_cb(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	struct dump_sets *d = data;
	cleanup_nftnl_set struct nftnl_set *s = nftnl_set_alloc();
	const char *t, *name;

	(void)idx;
	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0)
		return 0;
	t = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	if (!t || !name || strcmp(t, d->table) != 0)
		return 0;
	return d->cb(name, d->data);
}

static void dump_sets_build(struct nlmsghdr *nlh, void *data)
{
	struct dump_sets *d = data;
	cleanup_nftnl_set struct nftnl_set *s = nftnl_set_alloc();

	/* the kernel filters a set dump on the table */
	if (s && nftnl_set_set_str(s, NFTNL_SET_TABLE, d->table) == 0)
		nftnl_set_nlmsg_build_payload(nlh, s);
}

int nft_dump_sets(struct nft_sock *s, uint16_t family, const char *table,
		  int (*cb)(const char *name, void *data), void *data, struct cni_error *err)
{
	struct dump_sets d = {table, cb, data};
	return nft_dump(s, NFT_MSG_GETSET, family, dump_sets_build, dump_sets_cb, &d, err);
}

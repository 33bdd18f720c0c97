/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dumps of chains, rules and sets of one table (rare paths: GC, legacy, DEL by owner). */
#define _GNU_SOURCE
#include "nft.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "util/cleanup.h"

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

struct jump {
	const char *target;
	bool found;
};

static int jump_cb(struct nftnl_expr *e, void *data)
{
	struct jump *j = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const char *chain;
	int32_t verdict;

	if (!name || strcmp(name, "immediate") != 0 || !nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN))
		return 0;
	verdict = (int32_t)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
	chain = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
	if ((verdict == NFT_JUMP || verdict == NFT_GOTO) && chain && !strcmp(chain, j->target))
		j->found = true;
	return 0;
}

bool nft_rule_jumps_to(struct nftnl_rule *r, const char *chain)
{
	struct jump j = {chain, false};
	nftnl_expr_foreach(r, jump_cb, &j);
	return j.found;
}

struct collect_rules {
	bool (*pick)(struct nftnl_rule *r, void *data);
	void *data;
	uint64_t *v;
	size_t n, cap;
	struct cni_error *err;
};

static int collect_rule_cb(struct nftnl_rule *r, void *data)
{
	struct collect_rules *c = data;

	if (!c->pick(r, c->data))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		uint64_t *nv = realloc(c->v, cap * sizeof(*nv));
		if (!nv)
			return cni_error_oom(c->err);
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	return 0;
}

int nft_collect_rules(struct nft_sock *s, uint16_t family, const char *table, const char *chain,
		      bool (*pick)(struct nftnl_rule *r, void *data), void *data, uint64_t **out,
		      size_t *n, struct cni_error *err)
{
	struct collect_rules c = {pick, data, NULL, 0, 0, err};
	int rc = nft_dump_rules(s, family, table, chain, collect_rule_cb, &c, err);

	if (rc < 0 && rc != -ENOENT) {
		free(c.v);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

struct collect_sets {
	const char *const *prefixes;
	char (*v)[NFT_SET_NAME_MAX];
	size_t n, cap;
	struct cni_error *err;
};

static int collect_set_cb(const char *name, void *data)
{
	struct collect_sets *c = data;
	bool want = !c->prefixes;

	for (size_t i = 0; !want && c->prefixes[i]; i++)
		want = !strncmp(name, c->prefixes[i], strlen(c->prefixes[i]));
	if (!want || strlen(name) >= NFT_SET_NAME_MAX)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		void *nv = realloc(c->v, cap * sizeof(*c->v));
		if (!nv)
			return cni_error_oom(c->err);
		c->v = nv;
		c->cap = cap;
	}
	strcpy(c->v[c->n++], name);
	return 0;
}

int nft_collect_sets(struct nft_sock *s, uint16_t family, const char *table,
		     const char *const *prefixes, char (**out)[NFT_SET_NAME_MAX], size_t *n,
		     struct cni_error *err)
{
	struct collect_sets c = {prefixes, NULL, 0, 0, err};
	int rc = nft_dump_sets(s, family, table, collect_set_cb, &c, err);

	if (rc < 0 && rc != -ENOENT) {
		free(c.v);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

int nft_put_del_picked(struct nft_sock *s, struct nft_msgs *m, uint16_t family, const char *table,
		       const char *const *prefixes,
		       bool (*pick)(const struct nft_elem *e, void *data), void *data,
		       struct cni_error *err)
{
	char(*sets)[NFT_SET_NAME_MAX] = NULL;
	size_t n_sets = 0;
	int rc = nft_collect_sets(s, family, table, prefixes, &sets, &n_sets, err);

	for (size_t i = 0; rc == 0 && i < n_sets; i++) {
		cleanup_free struct nft_elem *v = NULL;
		size_t n = 0;
		rc = nft_collect_elems(s, family, table, sets[i], pick, data, &v, &n, NULL, err);
		if (rc == 0 && nft_put_del_collected(m, family, table, sets[i], v, n) < 0)
			rc = cni_error_oom(err);
	}
	free(sets);
	return rc;
}

int nft_put_del_rules_picked(struct nft_sock *s, struct nft_msgs *m, uint16_t family,
			     const char *table, const char *chain,
			     bool (*pick)(struct nftnl_rule *r, void *data), void *data,
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

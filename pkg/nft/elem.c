/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Set elements: one or many as messages, parsed from answers and dumps. */
#define _GNU_SOURCE
#include "nft.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "util/cleanup.h"

#define ELEM_ROOM 1024	       /* one element: key, data, chain, comment */
#define ELEMS_ROOM (70 * 1024) /* a packed element list (<= 64K nest) */

struct nftnl_set *nft_set_named(const char *table, const char *set)
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

/* An element with its key; for NEWSETELEM also its data and comment. */
static struct nftnl_set_elem *elem_build(const struct nft_elem *e, bool full)
{
	struct nftnl_set_elem *se = nftnl_set_elem_alloc();

	if (!se)
		return NULL;
	if (nftnl_set_elem_set(se, NFTNL_SET_ELEM_KEY, e->key, e->klen) < 0)
		goto fail;
	if (!full)
		return se;
	if (e->dlen && nftnl_set_elem_set(se, NFTNL_SET_ELEM_DATA, e->data, e->dlen) < 0)
		goto fail;
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
	cleanup_nftnl_set struct nftnl_set *s = nft_set_named(table, set);
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
			   nft_family_name(family), table, set);
	if (!nlh)
		return -1;
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	return 0;
}

int nft_put_del_elems(struct nft_msgs *m, uint16_t family, const char *table, const char *set,
		      const struct nft_elem *const *elems, size_t n)
{
	cleanup_nftnl_set struct nftnl_set *s = nft_set_named(table, set);
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
		struct nlmsghdr *nlh = nft_msgs_add(m, NFT_MSG_DELSETELEM, family, 0, ELEMS_ROOM,
						    "delete %zu element(s) from %s %s %s", n,
						    nft_family_name(family), table, set);
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
	if (nftnl_set_elem_is_set(se, NFTNL_SET_ELEM_DATA)) {
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

struct dump_elems {
	const char *table, *set;
	int (*cb)(const struct nft_elem *e, void *data);
	void *data;
};

static void dump_elems_build(struct nlmsghdr *nlh, void *data)
{
	struct dump_elems *d = data;
	cleanup_nftnl_set struct nftnl_set *s = nft_set_named(d->table, d->set);
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

struct peek {
	const char *table, *set;
	int (*cb)(const struct nft_elem *e, void *data);
	void *data;
	bool stopped;
};

/* A set element dump part, keys only: walked with libmnl, no libnftnl
 * objects (a part holds dozens of elements; we want the first few). */
static int peek_msg(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	struct peek *p = data;
	const struct nlattr *a, *el, *x, *v;
	(void)idx;

	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWSETELEM)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a)
		{
			struct nft_elem e;
			int rc;

			e.klen = 0;
			mnl_attr_for_each_nested(x, el)
			{
				if (mnl_attr_get_type(x) != NFTA_SET_ELEM_KEY)
					continue;
				mnl_attr_for_each_nested(v, x)
				{
					uint16_t len = mnl_attr_get_payload_len(v);
					if (mnl_attr_get_type(v) == NFTA_DATA_VALUE &&
					    len <= sizeof(e.key)) {
						memcpy(e.key, mnl_attr_get_payload(v), len);
						e.klen = len;
					}
				}
			}
			if (!e.klen)
				continue;
			e.dlen = 0;
			e.owner[0] = '\0';
			rc = p->cb(&e, p->data);
			if (rc > 0)
				p->stopped = true;
			if (rc != 0)
				return -1;
		}
	}
	return 0;
}

static void peek_build(struct nlmsghdr *nlh, void *data)
{
	const struct peek *p = data;
	cleanup_nftnl_set struct nftnl_set *s = nft_set_named(p->table, p->set);
	if (s)
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
}

int nft_peek_elems(uint16_t family, const char *table, const char *set,
		   int (*cb)(const struct nft_elem *e, void *data), void *data,
		   struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	struct peek p = {table, set, cb, data, false};
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int rc;

	/* A socket of its own: the rest of the dump is left unread with it.
	 * Small reads: the kernel makes each dump part no bigger than our
	 * last read (a page for the first, made when we ask). */
	if (nft_sock_open(&s, err) < 0)
		return -1;
	/* the kernel's first part: a page, at most 8 KiB (NLMSG_GOODSIZE) */
	s.dump_len = page < 8192 ? page : 8192;
	rc = nft_dump(&s, NFT_MSG_GETSETELEM, family, peek_build, peek_msg, &p, err);
	if (p.stopped)
		return 1;
	return rc;
}

/* The elements of one set that keep() accepts, collected by a dump. */
struct collect {
	struct nft_elem *v;
	size_t n, cap, total;
	bool (*keep)(const struct nft_elem *e, void *data);
	void *data;
	struct cni_error *err;
};

static int collect_cb(const struct nft_elem *e, void *data)
{
	struct collect *c = data;

	c->total++;
	if (!c->keep(e, c->data))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct nft_elem *nv = realloc(c->v, cap * sizeof(*nv));
		if (!nv)
			return cni_error_oom(c->err);
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = *e;
	return 0;
}

int nft_collect_elems(struct nft_sock *s, uint16_t family, const char *table, const char *set,
		      bool (*keep)(const struct nft_elem *e, void *data), void *data,
		      struct nft_elem **out, size_t *n, size_t *total, struct cni_error *err)
{
	struct collect c = {NULL, 0, 0, 0, keep, data, err};
	int rc = nft_dump_elems(s, family, table, set, collect_cb, &c, err);

	if (rc < 0 && rc != -ENOENT) {
		free(c.v);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	if (total)
		*total = rc == -ENOENT ? SIZE_MAX : c.total;
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

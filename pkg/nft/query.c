/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What is there: elements, sets and chains looked up in one round trip. */
#define _GNU_SOURCE
#include "nft.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "util/cleanup.h"

struct answers {
	struct nft_query *q;
	size_t n;
};

static int got_elem(const struct nft_elem *e, void *data)
{
	struct nft_query *q = data;
	q->elem = *e;
	q->found = true;
	return 0;
}

static int got_msg(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	struct answers *a = data;

	if (idx >= a->n)
		return 0;
	if (a->q[idx].kind == NFT_Q_ELEM)
		return nft_parse_elems(nlh, got_elem, &a->q[idx]);
	a->q[idx].found = true;
	return 0;
}

int nft_query_run(struct nft_sock *s, struct nft_query *q, size_t n, struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	cleanup_free int *res = calloc(n ? n : 1, sizeof(int));
	struct answers a = {q, n};
	int rc = 0;

	nft_msgs_init(&m, s, false);
	if (!res)
		return cni_error_oom(err);
	for (size_t i = 0; i < n && rc == 0; i++) {
		q[i].found = false;
		switch (q[i].kind) {
		case NFT_Q_ELEM:
			rc = nft_put_elem(&m, NFT_MSG_GETSETELEM, 0, q[i].family, q[i].table,
					  q[i].name, &q[i].elem, q[i].desc ? q[i].desc : "");
			break;
		case NFT_Q_SET:
			rc = nft_put_get_set(&m, q[i].family, q[i].table, q[i].name);
			break;
		case NFT_Q_CHAIN:
			rc = nft_put_get_chain(&m, q[i].family, q[i].table, q[i].name);
			break;
		}
	}
	if (rc < 0)
		return cni_error_oom(err);
	if (nft_msgs_request(s, &m, got_msg, &a, res, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (res[i] == 0 || res[i] == -ENOENT)
			continue; /* ENOENT: absent (or its table or set is) */
		return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[i], "nftables: cannot %s",
					   m.what[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (res[i] < 0)
			q[i].found = false;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "util/cleanup.h"
#include "ns/netns.h"

static int nl_setup(struct mnl_socket *mnl, struct nl_sock **out, struct cni_error *err)
{
	struct nl_sock *nl;
	int one = 1;

	if (mnl_socket_bind(mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(mnl);
		cni_error_set_errno(err, CNI_ERR_NETLINK, e, "failed to bind netlink socket: %s",
				    strerror(e));
		return -e;
	}
	/* Short ACKs, the kernel's reason on a NACK, and dumps filtered by
	 * the kernel (by ifindex, table). Best effort: old kernels ignore. */
	mnl_socket_setsockopt(mnl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(mnl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(mnl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));

	nl = malloc(sizeof(*nl));
	if (!nl) {
		mnl_socket_close(mnl);
		cni_error_oom(err);
		return -ENOMEM;
	}
	nl->mnl = mnl;
	nl->portid = mnl_socket_get_portid(mnl);
	nl->seq = 0;
	nl->ext_msg[0] = '\0';
	*out = nl;
	return 0;
}

int nl_open(struct nl_sock **out, struct cni_error *err)
{
	struct mnl_socket *mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	*out = NULL;
	if (!mnl) {
		int e = errno;
		cni_error_set_errno(err, CNI_ERR_NETLINK, e, "failed to open netlink socket: %s",
				    strerror(e));
		return -e;
	}
	return nl_setup(mnl, out, err);
}

int nl_open_netns(int netns_fd, struct nl_sock **out, struct cni_error *err)
{
	struct mnl_socket *mnl;
	int saved, r, e;

	*out = NULL;
	r = netns_enter(netns_fd, &saved, err);
	if (r < 0)
		return r;
	/* The socket stays in the netns it was created in. */
	mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	e = errno;
	r = netns_leave(&saved, err);
	if (r < 0) {
		if (mnl)
			mnl_socket_close(mnl);
		return r;
	}
	if (!mnl) {
		cni_error_set_errno(err, CNI_ERR_NETLINK, e, "failed to open netlink socket: %s",
				    strerror(e));
		return -e;
	}
	return nl_setup(mnl, out, err);
}

void nl_close(struct nl_sock *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->mnl);
	free(nl);
}

struct nlmsghdr *nl_msg(void *buf, int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static int ext_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_sock *nl = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* The NLMSG_ERROR answer: 0 for an ACK, else -errno (the extended ACK
 * message kept in nl->ext_msg). */
static int nl_ack(struct nl_sock *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	if (e->error == 0)
		return 0;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, off, ext_attr_cb, nl);
	}
	return e->error < 0 ? e->error : -e->error;
}

int nl_talk(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	const struct nlmsghdr *m;
	unsigned int seq;
	bool intr = false;
	int cb_errno = 0;
	ssize_t n;
	int len;

	/* NLM_F_DUMP shares bits with NLM_F_EXCL/REPLACE: only GETs dump */
	if ((nlh->nlmsg_type & 3) != 2 || (nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	seq = nlh->nlmsg_seq = ++nl->seq;
	nl->ext_msg[0] = '\0';
	if (mnl_socket_sendto(nl->mnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->mnl, nl->buf, sizeof(nl->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (m = (const void *)nl->buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || (m->nlmsg_pid && m->nlmsg_pid != nl->portid))
				continue; /* a stale answer to an earlier request */
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (m->nlmsg_type == NLMSG_ERROR) {
				int r = nl_ack(nl, m);
				if (r < 0)
					return r;
				goto done;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				/* a dump that failed half-way carries the error */
				const int *e = mnl_nlmsg_get_payload(m);
				if (m->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)) && *e < 0)
					return *e;
				goto done;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE || !cb || cb_errno)
				continue;
			errno = 0;
			if (cb(m, data) == MNL_CB_ERROR)
				cb_errno = errno ? errno : EIO;
		}
	}
done:
	if (cb_errno)
		return -cb_errno;
	/* The dump changed while it ran: the caller asks again. */
	return intr ? -EINTR : 0;
}

struct attr_table {
	const struct nlattr **tb;
	unsigned int max;
};

static int attr_table_cb(const struct nlattr *a, void *data)
{
	struct attr_table *t = data;
	unsigned int type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

void nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned int max)
{
	struct attr_table t = {tb, max};

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_parse_nested(nest, attr_table_cb, &t);
}

void nl_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		  unsigned int max)
{
	struct attr_table t = {tb, max};

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_parse(nlh, hdrlen, attr_table_cb, &t);
}

int nl_fail(struct nl_sock *nl, struct cni_error *err, int ret, const char *fmt, ...)
{
	cleanup_free char *what = NULL;
	va_list ap;
	int e = ret < 0 ? -ret : ret;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	cni_error_set(err, CNI_ERR_NETLINK, "%s: %s", what ? what : "netlink request failed",
		      strerror(e));
	if (nl && nl->ext_msg[0])
		cni_error_set_details(err, "%s (%s)", strerror(e), nl->ext_msg);
	else
		cni_error_set_details(err, "%s", strerror(e));
	return ret < 0 ? ret : -ret;
}

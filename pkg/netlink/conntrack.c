/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conntrack entries through ctnetlink (NETLINK_NETFILTER): the few a plugin
 * removes. A dump of one family, filtered here, then one DELETE per match
 * (by its original tuple and zone).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "util/cleanup.h"

#define CT_RECV_SIZE 32768
#define CT_MAX_MATCHES 4096 /* stale entries removed per call, at most */

struct ct_match {
	uint8_t tuple[256]; /* CTA_TUPLE_ORIG as received (the whole attribute) */
	uint16_t tuple_len;
	uint16_t zone; /* CTA_ZONE (host order), 0: none */
	bool has_zone;
};

struct ct_dump {
	uint8_t proto;
	uint16_t port; /* network order */
	struct ct_match *v;
	size_t n, cap;
};

static void cleanup_mnlp(struct mnl_socket **s)
{
	if (*s)
		mnl_socket_close(*s);
}

static struct nlmsghdr *ct_msg(char *buf, uint16_t type, uint16_t flags, int family, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

/* Does a CTA_TUPLE_ORIG nest have this protocol and destination port? */
static bool tuple_matches(const struct nlattr *tuple, uint8_t proto, uint16_t port)
{
	const struct nlattr *pt[CTA_PROTO_MAX + 1] = {0}, *tt[CTA_TUPLE_MAX + 1] = {0};

	nl_parse_nested(tuple, tt, CTA_TUPLE_MAX);
	if (!tt[CTA_TUPLE_PROTO])
		return false;
	nl_parse_nested(tt[CTA_TUPLE_PROTO], pt, CTA_PROTO_MAX);
	return pt[CTA_PROTO_NUM] && pt[CTA_PROTO_DST_PORT] &&
	       mnl_attr_get_u8(pt[CTA_PROTO_NUM]) == proto &&
	       mnl_attr_get_u16(pt[CTA_PROTO_DST_PORT]) == port;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTA_MAX + 1] = {0};
	struct ct_dump *d = data;
	struct ct_match *m;
	void *nv;

	nl_parse_msg(nlh, sizeof(struct nfgenmsg), tb, CTA_MAX);
	if (!tb[CTA_TUPLE_ORIG] || !tuple_matches(tb[CTA_TUPLE_ORIG], d->proto, d->port))
		return MNL_CB_OK;
	if (tb[CTA_TUPLE_ORIG]->nla_len > sizeof(m->tuple) || d->n == CT_MAX_MATCHES)
		return MNL_CB_OK;
	if (!(nv = nl_grow(d->v, &d->cap, d->n, sizeof(*d->v)))) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	d->v = nv;
	m = &d->v[d->n++];
	memset(m, 0, sizeof(*m));
	m->tuple_len = tb[CTA_TUPLE_ORIG]->nla_len;
	memcpy(m->tuple, tb[CTA_TUPLE_ORIG], m->tuple_len);
	if (tb[CTA_ZONE]) {
		m->has_zone = true;
		m->zone = ntohs(mnl_attr_get_u16(tb[CTA_ZONE]));
	}
	return MNL_CB_OK;
}

/* Send nlh and run cb until DONE or the ACK; 0 or -errno. */
static int ct_talk(struct mnl_socket *s, char *buf, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(s);
	ssize_t n;
	int r;

	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(s, buf, CT_RECV_SIZE);
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	} while (r > 0);
	return r < 0 ? -errno : 0;
}

int nl_conntrack_del_dport(int family, uint8_t proto, uint16_t port, struct cni_error *err)
{
	struct mnl_socket *s __attribute__((cleanup(cleanup_mnlp))) =
	    mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	cleanup_free char *buf = malloc(CT_RECV_SIZE);
	struct ct_dump d = {proto, htons(port), NULL, 0, 0};
	uint32_t seq = (uint32_t)time(NULL);
	int r, removed = 0;

	if (!s || !buf || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = errno ? errno : ENOMEM;
		cni_error_set_errno(err, CNI_ERR_SYSTEM, r, "conntrack: netlink socket");
		return -r;
	}
	r = ct_talk(s, buf, ct_msg(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, family, seq++), dump_cb, &d);
	for (size_t i = 0; r == 0 && i < d.n; i++) {
		struct nlmsghdr *nlh = ct_msg(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, family, seq++);
		memcpy((char *)nlh + nlh->nlmsg_len, d.v[i].tuple, d.v[i].tuple_len);
		nlh->nlmsg_len += MNL_ALIGN(d.v[i].tuple_len);
		if (d.v[i].has_zone)
			mnl_attr_put_u16(nlh, CTA_ZONE, htons(d.v[i].zone));
		r = ct_talk(s, buf, nlh, NULL, NULL);
		if (r == -ENOENT) /* expired meanwhile */
			r = 0;
		else if (r == 0)
			removed++;
	}
	free(d.v);
	if (r < 0) {
		cni_error_set_errno(err, CNI_ERR_NETLINK, -r,
				    "conntrack: removing %s port %u entries",
				    proto == 17 ? "udp" : "", port);
		return r;
	}
	return removed;
}

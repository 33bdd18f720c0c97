/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by pkg/nl_*.c only: the socket and the request/answer loop. */
#ifndef CNI_NL_INTERNAL_H
#define CNI_NL_INTERNAL_H

#include <errno.h>
#include <stdlib.h>
#include <libmnl/libmnl.h>

#include "netlink.h"

#define NL_REQ_SIZE 4096   /* requests are small; VLAN lists are chunked */
#define NL_RECV_SIZE 32768 /* MNL_SOCKET_DUMP_SIZE */

struct nl_sock {
	struct mnl_socket *mnl;
	unsigned int portid;
	unsigned int seq;
	char ext_msg[256]; /* the last NACK's extended ACK message */
	char buf[NL_RECV_SIZE];
};

/* Start a request of type with flags (NLM_F_REQUEST and the sequence are
 * added by nl_talk) in buf (NL_REQ_SIZE). */
struct nlmsghdr *nl_msg(void *buf, int type, int flags);

/* Send nlh; run cb(nlh, data) on every answer until the ACK (requests) or
 * NLMSG_DONE (dumps, NLM_F_DUMP). cb returns MNL_CB_OK, or MNL_CB_ERROR
 * with errno set (the rest is still drained). 0 or -errno. */
int nl_talk(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Index the attributes of a nest / of a message after its fixed header
 * by type (tb has max + 1 entries; unknown types are skipped). */
void nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned int max);
void nl_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		  unsigned int max);

/* Fill err for a failed request: CNI_ERR_NETLINK, "<fmt>: strerror",
 * details strerror and the kernel's message. Returns ret (negative). */
int nl_fail(struct nl_sock *nl, struct cni_error *err, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Room for one more element in a dump's growing array (v has *cap
 * elements, n used): v itself, or a larger copy, or NULL (errno ENOMEM;
 * v is untouched). */
static inline void *nl_grow(void *v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : 8;
	if (!(nv = realloc(v, ncap * elem))) {
		errno = ENOMEM;
		return NULL;
	}
	*cap = ncap;
	return nv;
}

#endif

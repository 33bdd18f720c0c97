/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink plumbing for nftables: one NETLINK_NETFILTER socket per public
 * call (not bound: the first send autobinds), message buffers (a batch =
 * one transaction, or plain GETs sent together), answers matched to
 * messages by sequence number. A typical call is socket, sendto (GETs),
 * recvmmsg, sendto (batch), recvmmsg, close.
 *
 * nfnetlink handles a batch or a request synchronously inside sendmsg(), so
 * every answer is queued when send returns: we read with MSG_DONTWAIT and
 * only poll (bounded) if something is unexpectedly missing. What does not
 * fit the receive buffer would be lost (ENOBUFS): many requests go out in
 * windows whose answers fit (window.c), read between windows, with the
 * buffer raised first; a large batch gets room for a refusal of each of
 * its messages. A GET without
 * NLM_F_ACK is answered by exactly one message: the object or an error. A
 * batch asks for an ACK on its last message only: the kernel processes
 * every message even after a failure and reports each refused one, then
 * that ACK; a failed commit is reported against the BEGIN message.
 */
#define _GNU_SOURCE
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/membarrier.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "util/cleanup.h"
#include "util/fault.h"

#define RBUF_SIZE (64 * 1024 + 4096) /* a dump part, or an echoed 64K message */
#define BIG_BATCH (128 * 1024)	     /* above: raise the send buffer */
#define MANY_REFUSALS 64	     /* a batch of more messages: refusals without echo */
#define REFUSAL_COST 1024	     /* the most a refusal costs the receive buffer then */
#define RCVBUF_WINDOW (1024 * 1024)  /* asked for many requests' answers (doubled) */
#define RCVBUF_MAX (32 * 1024 * 1024)
#define ANSWER_TIMEOUT_MS 5000 /* only if an answer is unexpectedly late */

int nft_sock_open(struct nft_sock *s, struct cni_error *err)
{
	s->seq = 1;
	s->rbuf = malloc(RBUF_SIZE);
	if (!s->rbuf)
		return cni_error_oom(err);
	/* No bind(): the kernel autobinds on the first send. */
	s->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!s->nl) {
		int e = errno;
		free(s->rbuf);
		s->rbuf = NULL;
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "nftables: netlink socket");
	}
	return 0;
}

static bool defer_close;

void nft_defer_socket_close(void)
{
	defer_close = true;
}

void nft_sock_close(struct nft_sock *s)
{
	/* deferred: the descriptor (and its small struct) go at exit */
	if (s->nl && !defer_close)
		mnl_socket_close(s->nl);
	free(s->rbuf);
	s->nl = NULL;
	s->rbuf = NULL;
}

/* The child of nft_sock_close_detached: it holds only the socket and the
 * hold pipe (never the runtime's stdout or stderr, which are read to EOF),
 * waits for its parent's exit, then makes the last, waiting close. */
static __attribute__((noreturn)) void close_after_parent(int sock, int hold)
{
	int lo = sock < hold ? sock : hold, hi = sock < hold ? hold : sock;
	char c;

	if (lo > 0)
		close_range(0, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0U, 0);
	while (read(hold, &c, 1) < 0 && errno == EINTR)
		;
	/* Let the kernel's destroy work of what we deleted finish first: it
	 * waits for a grace period without locks, while our close would wait
	 * for it holding the netns's nftables commit mutex, which the next
	 * plugin (the bridge deleting its veth) needs. The global membarrier
	 * is a grace period (and a no-op where unsupported). */
	syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	close(sock);
	_exit(0);
}

void nft_sock_close_detached(struct nft_sock *s)
{
	int hold[2];
	pid_t pid;

	if (!s->nl || defer_close || pipe2(hold, O_CLOEXEC) < 0) {
		nft_sock_close(s);
		return;
	}
	pid = fork();
	if (pid == 0)
		close_after_parent(mnl_socket_get_fd(s->nl), hold[0]);
	close(hold[0]);
	if (pid < 0)
		close(hold[1]);
	/* else hold[1] stays open: our exit is the child's signal */
	nft_sock_close(s); /* with a child: not the last reference, no wait */
}

/* ---- message buffers ---- */

static bool reserve(struct nft_msgs *m, size_t room)
{
	char *nb;
	size_t cap;

	if (m->oom)
		return false;
	if (m->len + room <= m->cap)
		return true;
	cap = m->cap ? m->cap : 4096;
	while (cap < m->len + room)
		cap *= 2;
	/* zeroed: libnftnl leaves attribute padding unwritten */
	nb = realloc(m->buf, cap);
	if (!nb) {
		m->oom = true;
		return false;
	}
	memset(nb + m->cap, 0, cap - m->cap);
	m->buf = nb;
	m->cap = cap;
	return true;
}

/* Account for the message being built (its length is now final). */
static void close_open(struct nft_msgs *m)
{
	if (m->open == SIZE_MAX)
		return;
	struct nlmsghdr *nlh = (struct nlmsghdr *)(m->buf + m->open);
	m->len = m->open + NLMSG_ALIGN(nlh->nlmsg_len);
	m->open = SIZE_MAX;
}

void nft_msgs_init(struct nft_msgs *m, struct nft_sock *s, bool batch)
{
	memset(m, 0, sizeof(*m));
	m->s = s;
	m->open = SIZE_MAX;
	m->last = SIZE_MAX;
	m->batch = batch;
	if (batch) {
		if (!reserve(m, 64))
			return;
		nftnl_batch_begin(m->buf, 0);
		m->len = NLMSG_ALIGN(((struct nlmsghdr *)m->buf)->nlmsg_len);
	}
}

int nft_msgs_set_genid(struct nft_msgs *m, uint32_t genid)
{
	struct nlmsghdr *nlh;

	if (!m->batch || m->n || !reserve(m, 16))
		return -1;
	nlh = (struct nlmsghdr *)m->buf; /* BEGIN, the only message so far */
	mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	m->len = NLMSG_ALIGN(nlh->nlmsg_len);
	return 0;
}

/* Number the messages at send time (dumps may run while a batch is being
 * built): seq0, seq0 + 1, ... in buffer order. */
static void number(struct nft_sock *s, struct nft_msgs *m)
{
	int n = (int)m->len;

	m->seq0 = s->seq;
	for (struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf; mnl_nlmsg_ok(nlh, n);
	     nlh = mnl_nlmsg_next(nlh, &n))
		nlh->nlmsg_seq = s->seq++;
}

void nft_msgs_free(struct nft_msgs *m)
{
	/* a zeroed (never initialised) buffer is fine too */
	for (uint32_t i = 0; i < m->n && m->what; i++)
		free(m->what[i]);
	free(m->what);
	free(m->buf);
	m->what = NULL;
	m->buf = NULL;
}

struct nlmsghdr *nft_msgs_add(struct nft_msgs *m, uint16_t type, uint16_t family, uint16_t flags,
			      size_t room, const char *what, ...)
{
	struct nlmsghdr *nlh;
	va_list ap;
	char *w = NULL;

	close_open(m);
	if (!reserve(m, room + 64))
		return NULL;
	if (m->n == m->what_cap) {
		size_t cap = m->what_cap ? m->what_cap * 2 : 16;
		char **nw = realloc(m->what, cap * sizeof(*nw));
		if (!nw) {
			m->oom = true;
			return NULL;
		}
		m->what = nw;
		m->what_cap = cap;
	}
	va_start(ap, what);
	if (vasprintf(&w, what, ap) < 0)
		w = NULL;
	va_end(ap);
	if (!w) {
		m->oom = true;
		return NULL;
	}
	m->what[m->n++] = w;
	nlh = nftnl_nlmsg_build_hdr(m->buf + m->len, type, family, flags, 0);
	m->open = m->len;
	m->last = m->len;
	return nlh;
}

/* ---- answers ---- */

struct answers {
	uint32_t lo;	  /* seq of index 0 */
	uint32_t count;	  /* seqs lo .. lo+count-1 are ours */
	int *res;	  /* per index: 0 or -errno */
	uint8_t *done;	  /* per index: terminator seen */
	uint32_t pending; /* terminators still expected */
	bool want_last;	  /* batch: only the last message's terminator counts */
	uint32_t idx_shift;
	nft_data_cb cb;
	void *data;
	bool stop; /* a batch's BEGIN failed: nothing else will come */
};

/* Process one datagram of answers. */
static void terminate(struct answers *a, uint32_t i)
{
	if (a->done[i])
		return;
	a->done[i] = 1;
	if (a->want_last ? i == a->count - 1 : a->pending > 0)
		a->pending = a->want_last ? 0 : a->pending - 1;
}

/* Process one datagram of answers. */
static int process(struct answers *a, const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int n = (int)len;

	for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
		uint32_t i = nlh->nlmsg_seq - a->lo;
		if (nlh->nlmsg_seq < a->lo || i >= a->count)
			continue; /* not ours (cannot happen on a fresh socket) */
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				return -EBADMSG;
			if (e->error && !a->res[i])
				a->res[i] = e->error;
			terminate(a, i);
			/* a refused BEGIN (no nf_tables, ENOMEM): nothing else follows */
			if (a->want_last && i == 0 && e->error)
				a->stop = true;
			continue;
		}
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		if (a->cb && i >= a->idx_shift && a->cb(nlh, i - a->idx_shift, a->data) < 0)
			return -ECANCELED;
		/* a plain GET (no ACK asked) is answered by exactly one message */
		if (!a->want_last)
			terminate(a, i);
	}
	return 0;
}

#define SLOTS 8 /* answers read per recvmmsg() for plain requests */

static int recv_answers(struct nft_sock *s, struct answers *a, struct cni_error *err)
{
	int fd = mnl_socket_get_fd(s->nl);
	/* a batch may echo a refused 64K message: one big slot; requests'
	 * answers are small: several per syscall */
	unsigned int slots = a->want_last ? 1 : SLOTS;
	size_t slot = RBUF_SIZE / slots;
	struct mmsghdr mm[SLOTS];
	struct iovec iov[SLOTS];

	while (a->pending && !a->stop) {
		unsigned int want = a->pending < slots ? a->pending : slots;
		int r;

		memset(mm, 0, sizeof(mm));
		for (unsigned int j = 0; j < want; j++) {
			iov[j].iov_base = s->rbuf + j * slot;
			iov[j].iov_len = slot;
			mm[j].msg_hdr.msg_iov = &iov[j];
			mm[j].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(fd, mm, want, MSG_DONTWAIT, NULL);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			int pr = poll(&p, 1, ANSWER_TIMEOUT_MS);
			if (pr == 0)
				return cni_error_set(err, CNI_ERR_NFTABLES,
						     "nftables: no answer from the kernel");
			if (pr < 0 && errno != EINTR)
				return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno,
							   "nftables: poll");
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: answers were lost, the outcome is unknown */
			return cni_error_set_errno(err, CNI_ERR_NFTABLES, errno,
						   "nftables: reading the kernel's answer");
		}
		for (int j = 0; j < r; j++) {
			int rc;
			if (mm[j].msg_hdr.msg_flags & MSG_TRUNC)
				return cni_error_set(err, CNI_ERR_NFTABLES,
						     "nftables: answer too large");
			rc = process(a, iov[j].iov_base, mm[j].msg_len);
			if (rc == -ECANCELED)
				return -1; /* the callback filled err */
			if (rc < 0)
				return cni_error_set_errno(err, CNI_ERR_NFTABLES, -rc,
							   "nftables: malformed answer");
		}
	}
	return 0;
}

/* Make the receive buffer at least want bytes (the kernel doubles what is
 * asked: half of it is for its overhead; SO_RCVBUF reads the doubled
 * size), if it is not. FORCE needs CAP_NET_ADMIN, which nftables needs
 * anyway; else as much as net.core.rmem_max lets. */
static void raise_rcvbuf(struct nft_sock *s, size_t want)
{
	int fd = mnl_socket_get_fd(s->nl), v;
	socklen_t l = sizeof(v);

	if (want > RCVBUF_MAX)
		want = RCVBUF_MAX;
	if (!s->rcvbuf && getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &l) == 0)
		s->rcvbuf = v;
	if ((size_t)s->rcvbuf >= want)
		return;
	v = (int)(want / 2);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	l = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &l) == 0)
		s->rcvbuf = v;
	s->raised = true;
}

/* How many of n requests may go out before their answers are read. */
static uint32_t request_window(struct nft_sock *s, uint32_t n)
{
	uint32_t w;

	if (n <= 1)
		return n;
	if (!s->rcvbuf)
		raise_rcvbuf(s, 0); /* reads it */
	w = nft_window_answers(s->rcvbuf);
	if (w < n && !s->raised) {
		/* many: fewer, larger windows */
		raise_rcvbuf(s, RCVBUF_WINDOW * 2);
		w = nft_window_answers(s->rcvbuf);
	}
	return w < n ? w : n;
}

static int send_raw(struct nft_sock *s, const void *buf, size_t len, uint32_t n,
		    struct cni_error *err)
{
	if (mnl_socket_sendto(s->nl, buf, len) < 0)
		return cni_error_set_errno(err, CNI_ERR_NFTABLES, errno,
					   "nftables: sending %u message(s)", n);
	return 0;
}

static int send_batch(struct nft_sock *s, const struct nft_msgs *m, struct cni_error *err)
{
	int fd = mnl_socket_get_fd(s->nl);

	if (m->len > BIG_BATCH) {
		/* Rare (GC of many entries): make room as nft(8) does; the
		 * kernel takes the batch in one message of any size the
		 * send buffer allows. */
		int sz = (int)(m->len * 2 > RCVBUF_MAX * 4 ? RCVBUF_MAX * 4 : m->len * 2);
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	}
	if (m->n > MANY_REFUSALS) {
		/* each message may be refused, each refusal an answer: small
		 * ones (no echo of the message), and room for all of them */
		int one = 1;
		(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
		raise_rcvbuf(s, (size_t)(m->n + 1) * REFUSAL_COST);
	}
	return send_raw(s, m->buf, m->len, m->n, err);
}

int nft_msgs_request(struct nft_sock *s, struct nft_msgs *m, nft_data_cb cb, void *data,
		     int *results, struct cni_error *err)
{
	cleanup_free uint8_t *done = NULL;
	struct answers a = {0};
	uint32_t win;

	close_open(m);
	if (m->oom)
		return cni_error_oom(err);
	if (m->n == 0)
		return 0;
	done = calloc(m->n, 1);
	if (!done)
		return cni_error_oom(err);
	memset(results, 0, m->n * sizeof(*results));
	number(s, m);
	a.lo = m->seq0;
	a.count = m->n;
	a.res = results;
	a.done = done;
	a.cb = cb;
	a.data = data;
	if (FAULT_ERRNO(NFTGET, "request", m->n))
		return cni_error_set_errno(err, CNI_ERR_NFTABLES, errno, "nftables: request");
	win = request_window(s, m->n);
	for (size_t off = 0, end; off < m->len; off = end) {
		end = nft_window_end(m->buf, off, m->len, win, NFT_WINDOW_BYTES, &a.pending);
		if (!a.pending)
			return cni_error_set(err, CNI_ERR_INTERNAL, "nftables: malformed request");
		if (send_raw(s, m->buf + off, end - off, a.pending, err) < 0 ||
		    recv_answers(s, &a, err) < 0)
			return -1;
	}
	return 0;
}

int nft_msgs_commit(struct nft_sock *s, struct nft_msgs *m, int *kerrno, struct cni_error *err)
{
	cleanup_free int *res = NULL;
	cleanup_free uint8_t *done = NULL;
	struct answers a = {0};
	uint32_t i;

	if (kerrno)
		*kerrno = 0;
	close_open(m);
	if (m->oom || !reserve(m, 64))
		return cni_error_oom(err);
	if (m->n == 0)
		return 0;
	((struct nlmsghdr *)(m->buf + m->last))->nlmsg_flags |= NLM_F_ACK;
	nftnl_batch_end(m->buf + m->len, 0);
	m->len += NLMSG_ALIGN(((struct nlmsghdr *)(m->buf + m->len))->nlmsg_len);
	number(s, m);

	res = calloc(m->n + 1, sizeof(*res));
	done = calloc(m->n + 1, 1);
	if (!res || !done)
		return cni_error_oom(err);
	a.lo = m->seq0; /* index 0 is BEGIN */
	a.count = m->n + 1;
	a.res = res;
	a.done = done;
	a.pending = 1; /* the last message's ACK closes the exchange */
	a.want_last = true;
	a.idx_shift = 1;
	/* the fault build: refused (as the kernel would, at BEGIN) without being sent */
	res[0] = -FAULT(NFT, "batch", m->n);
	if (res[0] == 0 && (send_batch(s, m, err) < 0 || recv_answers(s, &a, err) < 0))
		return -1;
	for (i = 1; i <= m->n; i++) {
		if (res[i] < 0) {
			if (kerrno)
				*kerrno = -res[i];
			return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[i],
						   "nftables: cannot %s", m->what[i - 1]);
		}
	}
	if (res[0] < 0) {
		if (kerrno)
			*kerrno = -res[0];
		return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[0],
					   "nftables: transaction refused (%s%s)", m->what[0],
					   m->n > 1 ? ", ..." : "");
	}
	return 0;
}

/* ---- dumps ---- */

int nft_dump(struct nft_sock *s, uint16_t type, uint16_t family,
	     void (*build)(struct nlmsghdr *nlh, void *data), nft_data_cb cb, void *data,
	     struct cni_error *err)
{
	char req[1024] = {0};
	uint32_t seq = s->seq++;
	struct nlmsghdr *nlh;
	int fd = mnl_socket_get_fd(s->nl);

	nlh = nftnl_nlmsg_build_hdr(req, type, family, NLM_F_DUMP, seq);
	if (build)
		build(nlh, data);
	if (FAULT_ERRNO(NFTGET, "dump", type) || mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return cni_error_set_errno(err, CNI_ERR_NFTABLES, errno, "nftables: dump request");
	for (;;) {
		ssize_t r = recv(fd, s->rbuf, s->dump_len ? s->dump_len : RBUF_SIZE, 0);
		int n;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cni_error_set_errno(err, CNI_ERR_NFTABLES, errno, "nftables: dump");
		}
		n = (int)r;
		for (nlh = (struct nlmsghdr *)s->rbuf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				/* the ruleset changed under the dump: callers retry */
				return -EINTR;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if (e->error == -ENOENT)
					return -ENOENT;
				if (e->error)
					return cni_error_set_errno(err, CNI_ERR_NFTABLES, -e->error,
								   "nftables: dump");
				return 0;
			}
			if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && cb && cb(nlh, 0, data) < 0)
				return -1;
		}
	}
}

static bool listed(const int *again, int e)
{
	for (; *again; again++)
		if (*again == e)
			return true;
	return false;
}

int nft_retry_n(struct nft_sock *s, nft_try_fn try, void *data, const int *again, int attempts,
		struct cni_error *err)
{
	for (int attempt = 1;; attempt++) {
		int kerr = 0;
		if (try(s, data, &kerr, err) == 0)
			return 0;
		if (attempt >= attempts || !listed(again, kerr))
			return -1;
		cni_error_clear(err);
	}
}

int nft_retry(struct nft_sock *s, nft_try_fn try, void *data, const int *again,
	      struct cni_error *err)
{
	return nft_retry_n(s, try, data, again, NFT_ATTEMPTS, err);
}

static int gen_cb(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	(void)idx;
	nft_parse_gen(nlh, data);
	return 0;
}

int nft_get_gen(struct nft_sock *s, uint32_t *genid, struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	int res[1];

	*genid = 0;
	nft_msgs_init(&m, s, false);
	if (nft_put_get_gen(&m) < 0)
		return cni_error_oom(err);
	if (nft_msgs_request(s, &m, gen_cb, genid, res, err) < 0)
		return -1;
	if (res[0] < 0)
		return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[0], "nftables: cannot %s",
					   m.what[0]);
	return 0;
}

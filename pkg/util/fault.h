/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fault injection, for tests only. The fault build (make FAULT=1, which
 * compiles with -DCNI_FAULT_INJECTION into build-fault/ and bin-fault/)
 * makes the k-th event of one kind in a plugin call fail with a chosen
 * errno, as if the kernel or the file system had refused it; the release
 * build has none of it (FAULT() is the constant 0, fault.c is not linked).
 *
 *   CNI_FAULT=KIND:K[+]:ERRNO[,KIND:K[+]:ERRNO...]
 *     KIND   netlink  an rtnetlink request or dump (pkg/netlink, nl_talk)
 *            nft      an nftables batch (pkg/nft, nft_msgs_commit)
 *            nftget   an nftables GET or dump (nft_msgs_request, nft_dump)
 *            store    a host-local store write: a reservation, its removal,
 *                     last_reserved_ip.N, an index bucket or stamp, a boot
 *                     tag, the removal of an earlier boot's reservation
 *     K      1-based; counted over the whole call, forked workers and
 *            threads included (the counters are shared memory)
 *     +      the k-th and every later one fail
 *     ERRNO  a name (EIO, ENOSPC, ENOMEM, ...) or a number
 *   CNI_FAULT_LOG=FILE  one line appended per injected failure:
 *                       "KIND K ERRNO SITE ARG"
 *
 * The skeleton reads both once (fault_init) and removes them from the
 * environment, so that a plugin it execs does not inherit them. A failing
 * event is never sent: the caller sees the errno as the kernel's answer
 * or the failed write's.
 */
#ifndef CNI_UTIL_FAULT_H
#define CNI_UTIL_FAULT_H

#ifdef CNI_FAULT_INJECTION
#include <stdbool.h>

enum fault_kind {
	FAULT_NETLINK,
	FAULT_NFT,
	FAULT_NFTGET,
	FAULT_STORE,
	FAULT_KINDS,
};

/* Parse CNI_FAULT and CNI_FAULT_LOG (exits 2 on a malformed spec). Call
 * once, before any thread or fork. */
void fault_init(void);
/* Count an event of kind: 0, or the errno it must fail with. */
int fault_hit(enum fault_kind kind, const char *site, long arg);
/* The same as a condition: true, errno set, when the event must fail. */
bool fault_errno(enum fault_kind kind, const char *site, long arg);

#define FAULT_INIT() fault_init()
#define FAULT(kind, site, arg) fault_hit(FAULT_##kind, site, (long)(arg))
/* `if (FAULT_ERRNO(STORE, "x", 0) || write(...) < 0)`: errno set when true */
#define FAULT_ERRNO(kind, site, arg) fault_errno(FAULT_##kind, site, (long)(arg))
#else
#define FAULT_INIT() ((void)0)
#define FAULT(kind, site, arg) 0
#define FAULT_ERRNO(kind, site, arg) 0
#endif

#endif

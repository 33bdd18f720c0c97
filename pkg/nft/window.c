/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Windows of plain requests (pure): the kernel answers every GET of a send
 * inside that send, queueing the answers on our socket until we read them;
 * an answer that does not fit the receive buffer is dropped (the socket
 * then reports ENOBUFS). So requests go out in windows whose answers fit,
 * read between windows: one window (one round trip) in the common case.
 */
#define _GNU_SOURCE
#include "nft.h"

#include <linux/netlink.h>

uint32_t nft_window_answers(int rcvbuf)
{
	uint32_t n = rcvbuf > 0 ? (uint32_t)rcvbuf / NFT_ANSWER_COST : 0;
	return n ? n : 1;
}

size_t nft_window_end(const void *buf, size_t off, size_t len, uint32_t max_msgs, size_t max_bytes,
		      uint32_t *count)
{
	const char *b = buf;
	size_t end = off;

	*count = 0;
	while (len - end >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b + end);
		size_t sz = NLMSG_ALIGN(nlh->nlmsg_len);

		if (nlh->nlmsg_len < NLMSG_HDRLEN || sz > len - end)
			break; /* malformed (never ours): not sent */
		if (*count && (*count >= max_msgs || end + sz - off > max_bytes))
			break;
		end += sz;
		++*count;
	}
	return end;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pkg/nft windows of requests: how many go out before their answers are
 * read, and where each window ends. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <linux/netlink.h>

#include "nft/nft.h"

/* n messages of payload sizes len[i] (unaligned) into buf; its length */
static size_t build(char *buf, const uint32_t *len, size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + off);
		nlh->nlmsg_len = NLMSG_HDRLEN + len[i];
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return off;
}

static void test_answers(void **state)
{
	(void)state;
	/* the default receive buffer (rmem_default 212992) */
	assert_int_equal(nft_window_answers(212992), 212992 / NFT_ANSWER_COST);
	/* what a raised buffer gives */
	assert_int_equal(nft_window_answers(2 * 1024 * 1024), 2 * 1024 * 1024 / NFT_ANSWER_COST);
	/* never none: one at a time at worst */
	assert_int_equal(nft_window_answers(0), 1);
	assert_int_equal(nft_window_answers(-1), 1);
	assert_int_equal(nft_window_answers(NFT_ANSWER_COST - 1), 1);
}

static void test_windows(void **state)
{
	static char buf[64 * 1024] __attribute__((aligned(8)));
	uint32_t len[100], cnt;
	size_t total, off, end, seen = 0, windows = 0;

	(void)state;
	for (size_t i = 0; i < 100; i++)
		len[i] = 100 + (uint32_t)i % 7; /* some unaligned */
	total = build(buf, len, 100);
	/* all in one when they fit: the common case, one round trip */
	assert_int_equal(nft_window_end(buf, 0, total, 100, NFT_WINDOW_BYTES, &cnt), total);
	assert_int_equal(cnt, 100);
	assert_int_equal(nft_window_end(buf, 0, total, 1000, NFT_WINDOW_BYTES, &cnt), total);
	/* by count: windows of 30, 30, 30, 10, covering each message once */
	for (off = 0; off < total; off = end, windows++) {
		end = nft_window_end(buf, off, total, 30, NFT_WINDOW_BYTES, &cnt);
		assert_true(cnt == 30 || (cnt == 10 && end == total));
		seen += cnt;
	}
	assert_int_equal(seen, 100);
	assert_int_equal(windows, 4);
	/* by bytes: no window over the bound, every one whole messages */
	seen = 0;
	for (off = 0; off < total; off = end) {
		end = nft_window_end(buf, off, total, 1000, 1000, &cnt);
		assert_true(cnt >= 1);
		assert_true(end - off <= 1000);
		assert_int_equal((end - off) % 4, 0);
		seen += cnt;
	}
	assert_int_equal(seen, 100);
	/* a message larger than the byte bound still goes, alone */
	len[0] = 5000;
	total = build(buf, len, 3);
	end = nft_window_end(buf, 0, total, 100, 1000, &cnt);
	assert_int_equal(cnt, 1);
	assert_int_equal(end, NLMSG_ALIGN(NLMSG_HDRLEN + 5000));
	/* nothing left: an empty window */
	assert_int_equal(nft_window_end(buf, total, total, 100, 1000, &cnt), total);
	assert_int_equal(cnt, 0);
}

static void test_malformed(void **state)
{
	static char buf[4096] __attribute__((aligned(8)));
	uint32_t len[3] = {10, 10, 10}, cnt;
	size_t total;

	(void)state;
	total = build(buf, len, 3);
	/* a length running past the end: stops before it */
	((struct nlmsghdr *)(buf + NLMSG_ALIGN(NLMSG_HDRLEN + 10)))->nlmsg_len = 4000;
	assert_int_equal(nft_window_end(buf, 0, total, 100, NFT_WINDOW_BYTES, &cnt),
			 NLMSG_ALIGN(NLMSG_HDRLEN + 10));
	assert_int_equal(cnt, 1);
	/* shorter than a header: never sent */
	((struct nlmsghdr *)buf)->nlmsg_len = 4;
	assert_int_equal(nft_window_end(buf, 0, total, 100, NFT_WINDOW_BYTES, &cnt), 0);
	assert_int_equal(cnt, 0);
	/* a trailing piece shorter than a header */
	assert_int_equal(nft_window_end(buf, 0, 8, 100, NFT_WINDOW_BYTES, &cnt), 0);
	assert_int_equal(cnt, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answers),
	    cmocka_unit_test(test_windows),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

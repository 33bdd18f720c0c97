/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pkg/nft pure helpers: valid owners for GC, concatenated keys, type ids. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cni/cni.h"
#include "nft/nft.h"

static void test_owners(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_attachment valid[] = {{"c2", "eth0"}, {"c1", "eth0"}, {NULL, "eth0"}};
	struct nft_owners o;

	assert_int_equal(nft_owners_init(&o, "net", 3, &err), 0);
	for (size_t i = 0; i < 3; i++)
		nft_owners_add(&o, valid[i].container_id, valid[i].ifname);
	nft_owners_sort(&o);
	assert_int_equal(o.n, 2);
	assert_false(nft_owners_stale(&o, "net/c1/eth0"));
	assert_false(nft_owners_stale(&o, "net/c2/eth0"));
	assert_true(nft_owners_stale(&o, "net/c3/eth0"));
	assert_true(nft_owners_stale(&o, "net/c1/eth1"));
	/* another network's, or none: never this GC's */
	assert_false(nft_owners_stale(&o, "other/c3/eth0"));
	assert_false(nft_owners_stale(&o, "netx/c3/eth0"));
	assert_false(nft_owners_stale(&o, ""));
	nft_owners_free(&o);
	/* nothing valid */
	assert_int_equal(nft_owners_init(&o, "net", 0, &err), 0);
	nft_owners_sort(&o);
	assert_true(nft_owners_stale(&o, "net/c1/eth0"));
	nft_owners_free(&o);
}

static void test_concat(void **state)
{
	uint8_t k[NFT_KEY_MAX];
	uint8_t proto = 6;
	uint16_t port = 0x901f;
	uint32_t len = 0;
	static const uint8_t want[] = {6, 0, 0, 0, 0x1f, 0x90, 0, 0};
	static const uint8_t big[NFT_KEY_MAX] = {0};

	memset(k, 0xff, sizeof(k));
	len = nft_concat_put(k, len, &proto, 1);
	len = nft_concat_put(k, len, &port, 2);
	assert_int_equal(len, 8);
	assert_memory_equal(k, want, 8);
	/* too long: 0, nothing written past the end */
	assert_int_equal(nft_concat_put(k, 8, big, NFT_KEY_MAX), 0);
	/* nft's ids: ipv4_addr . inet_proto . inet_service */
	{
		uint32_t t[3] = {NFT_TYPE_IPADDR, NFT_TYPE_INET_PROTO, NFT_TYPE_INET_SERVICE};
		assert_int_equal(nft_type_concat(t, 3), (7u << 12) | (12u << 6) | 13u);
		assert_int_equal(nft_type_concat(t, 1), 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_owners),
	    cmocka_unit_test(test_concat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

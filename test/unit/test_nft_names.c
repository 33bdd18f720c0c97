/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftables naming: owners, chain names, the reference's names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "plugins/bridge/nftables.h"

static void test_owner_format(void **state)
{
	char buf[NFT_OWNER_MAX + 1], id[300];

	assert_string_equal(nft_owner_format("mynet", "ctr-1", "eth0", buf), "mynet/ctr-1/eth0");
	assert_string_equal(nft_owner_format(NULL, "ctr-1", "eth0", buf), "/ctr-1/eth0");
	/* too long: the ID becomes "#" + 64 hex digits of its sha512 */
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	nft_owner_format("mynet", id, "eth0", buf);
	assert_string_equal(buf, "mynet/#5b99369983a8f41e36138ab4442af7517f968ec7a39e0ee1d4c6a85105"
				 "73172d/eth0"); /* sha512(299 'x') */
	assert_true(strlen(buf) <= NFT_OWNER_MAX);
	/* exactly at the bound: kept verbatim */
	id[NFT_OWNER_MAX - strlen("mynet//eth0")] = '\0';
	nft_owner_format("mynet", id, "eth0", buf);
	assert_int_equal(strlen(buf), NFT_OWNER_MAX);
	assert_non_null(strstr(buf, id));
}

static void test_owner_in_network(void **state)
{
	assert_true(nft_owner_in_network("mynet/ctr/eth0", "mynet"));
	assert_false(nft_owner_in_network("mynet2/ctr/eth0", "mynet"));
	assert_false(nft_owner_in_network("my/ctr/eth0", "mynet"));
	assert_false(nft_owner_in_network("/ctr/eth0", "mynet"));
	assert_false(nft_owner_in_network("mynet", "mynet"));
}

static void test_spoofchk_key(void **state)
{
	char key[16];
	memset(key, 'z', sizeof(key));
	nft_spoofchk_key("ctr-1", "eth0", key); /* sha512("ctr-1/eth0")[:15] */
	assert_string_equal(key, "8c2257e2642d601");
	assert_int_equal(key[15], '\0');
}

static void test_masq_set_name(void **state)
{
	char buf[NFT_CHAIN_NAME_MAX];
	struct ip_net n;

	ip_net_parse("10.1.2.3/24", &n);
	assert_string_equal(nft_masq_set_name(&n, NULL, buf), "masq4-10.1.2.0/24");
	ip_net_parse("fd00:1:2::5/64", &n);
	assert_string_equal(nft_masq_set_name(&n, NULL, buf), "masq6-fd00_1_2__/64");
	ip_net_parse("192.168.7.9/32", &n);
	assert_string_equal(nft_masq_set_name(&n, NULL, buf), "masq4-192.168.7.9/32");
	/* the longest IPv6 text still fits */
	ip_net_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127", &n);
	assert_true(strlen(nft_masq_set_name(&n, NULL, buf)) < NFT_CHAIN_NAME_MAX);
}

static void test_nomasq_tag(void **state)
{
	char buf[NFT_CHAIN_NAME_MAX], t4[NFT_NOMASQ_TAG_LEN + 1], t6[NFT_NOMASQ_TAG_LEN + 1];
	char again[NFT_NOMASQ_TAG_LEN + 1];
	struct ip_net v[3], n;
	struct nft_nomasq x = {v, 2};

	ip_net_parse("10.0.0.0/8", &v[0]);
	ip_net_parse("172.16.0.0/12", &v[1]);
	ip_net_parse("fd00::/8", &v[2]);
	/* sha512("10.0.0.0/8,172.16.0.0/12")[:12] */
	assert_string_equal(nft_nomasq_tag(&x, AF_INET, t4), "9eaa9f82e535");
	assert_string_equal(nft_nomasq_tag(&x, AF_INET6, t6), "");
	/* an IPv6 entry leaves the IPv4 tag as it was */
	x.n = 3;
	assert_string_equal(nft_nomasq_tag(&x, AF_INET, again), t4);
	assert_int_equal(strlen(nft_nomasq_tag(&x, AF_INET6, t6)), NFT_NOMASQ_TAG_LEN);
	/* none: "" (and the set name of old) */
	assert_string_equal(nft_nomasq_tag(NULL, AF_INET, again), "");
	ip_net_parse("10.1.2.3/24", &n);
	assert_string_equal(nft_masq_set_name(&n, "", buf), "masq4-10.1.2.0/24");
	assert_string_equal(nft_masq_set_name(&n, t4, buf), "masq4-10.1.2.0/24-9eaa9f82e535");
	/* the longest still fits */
	ip_net_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127", &n);
	assert_true(strlen(nft_masq_set_name(&n, t6, buf)) < NFT_CHAIN_NAME_MAX - 1);
	/* a /0 exempts its family only */
	assert_false(nft_nomasq_all(&x, AF_INET));
	ip_net_parse("::/0", &v[2]);
	assert_true(nft_nomasq_all(&x, AF_INET6));
	assert_false(nft_nomasq_all(&x, AF_INET));
	assert_false(nft_nomasq_all(NULL, AF_INET6));
}

static void test_legacy_names(void **state)
{
	char chain[29], prefix[34];

	assert_string_equal(nft_legacy_chain_name("mynet", "ctr-1", chain),
			    "CNI-76edbb2e17c69aeb6041d986");
	assert_int_equal(strlen(chain), 28); /* iptables' chain name bound */
	assert_string_equal(nft_legacy_comment_prefix("mynet", "ctr-1", "eth0", prefix),
			    "d23676b4f2d9fe04-1c8f6ae798001240");
}

static void test_legacy_comment_match(void **state)
{
	const char *c = "d23676b4f2d9fe04-1c8f6ae798001240, net: mynet, if: eth0, id: ctr-1";

	assert_true(nft_legacy_comment_match(c, "mynet", "ctr-1", "eth0"));
	/* hash prefix alone decides (truncated tails are fine) */
	assert_true(nft_legacy_comment_match("d23676b4f2d9fe04-1c8f6ae798001240, net: my", "mynet",
					     "ctr-1", "eth0"));
	/* another ifname: the hash differs; the readable part never decides */
	assert_false(nft_legacy_comment_match(c, "mynet", "ctr-1", "eth1"));
	/* IDs that contain this one (ctr-1 in ctr-10, actr-1b): not ours */
	assert_false(nft_legacy_comment_match(
	    "d23676b4f2d9fe04-6e4f2fc1ec2a1b3c, net: mynet, if: eth0, id: ctr-10", "mynet", "ctr-1",
	    "eth0"));
	assert_false(nft_legacy_comment_match(
	    "d23676b4f2d9fe04-0f3e2ac5d1b97e44, net: mynet, if: eth0, id: actr-1b", "mynet",
	    "ctr-1", "eth0"));
	/* another network or container: no */
	assert_false(nft_legacy_comment_match(c, "mynet2", "ctr-1", "eth0"));
	assert_false(nft_legacy_comment_match(c, "mynet", "ctr-2", "eth0"));
	assert_false(nft_legacy_comment_match(c, "my", "ctr-1", "eth0"));
	assert_false(nft_legacy_comment_match("", "mynet", "ctr-1", "eth0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_owner_format),	 cmocka_unit_test(test_owner_in_network),
	    cmocka_unit_test(test_spoofchk_key),	 cmocka_unit_test(test_masq_set_name),
	    cmocka_unit_test(test_nomasq_tag),		 cmocka_unit_test(test_legacy_names),
	    cmocka_unit_test(test_legacy_comment_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

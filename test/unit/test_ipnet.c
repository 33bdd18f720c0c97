/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "ip/ipnet.h"

static struct ip_addr A(const char *s) {
	struct ip_addr a;
	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static struct ip_net
N(const char *s) {
	struct ip_net n;
	assert_int_equal(ip_net_parse(s, &n), 0);
	return n;
}

#define assert_addr(a, str)                                                                        \
	do {                                                                                       \
		char b_[IP_ADDR_STRLEN];                                                           \
		assert_string_equal(ip_addr_format(&(a), b_), (str));                              \
	} while (0)

static void
test_addr_parse_format(void **state)
{
	struct ip_addr a;
	assert_int_equal(ip_addr_parse("10.1.2.3", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.b[0], 10);
	assert_int_equal(a.b[3], 3);
	assert_addr(a, "10.1.2.3");
	a = A("FD00:0:0::01");
	assert_int_equal(a.family, AF_INET6);
	assert_addr(a, "fd00::1"); /* canonical lower-case, compressed */
	a = A("::ffff:10.0.0.1");
	assert_int_equal(a.family, AF_INET6); /* mapped stays IPv6 */
	assert_addr(a, "10.0.0.1");	      /* printed as Go does */
	ip_addr_canonicalize(&a);
	assert_int_equal(a.family, AF_INET);
	assert_addr(a, "10.0.0.1");
	a = A("::");
	assert_addr(a, "::");
	a = A("::1.2.3.4"); /* glibc would print "::1.2.3.4"; Go does not */
	assert_addr(a, "::102:304");
	a = A("1:0:0:2:0:0:0:3"); /* longest zero run wins */
	assert_addr(a, "1:0:0:2::3");
	a = A("1:0:0:2:0:0:3:4"); /* first run on a tie */
	assert_addr(a, "1::2:0:0:3:4");
	a = A("1:2:3:4:5:6:0:8"); /* a single zero group is not compressed */
	assert_addr(a, "1:2:3:4:5:6:0:8");

	const char *bad[] = {"",	"10.1.2",  "10.1.2.256", "10.1.2.3/24",
			     "1::2::3", "fd00::g", " 10.1.2.3",	 "010.1.2.3x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ip_addr_parse(bad[i], &a), -1);
		assert_int_equal(a.family, 0);
	}
	assert_int_equal(ip_addr_parse(NULL, &a), -1);
	memset(&a, 0, sizeof(a));
	assert_false(ip_addr_is_set(&a));
	assert_addr(a, "<nil>");
}

static void test_net_parse_format(void **state)
{
	struct ip_net n = N("10.1.2.3/24");
	char buf[IP_NET_STRLEN];
	assert_int_equal(n.prefix, 24);
	assert_string_equal(ip_net_format(&n, buf), "10.1.2.3/24"); /* host bits kept */
	n = N("fd00::1/64");
	assert_string_equal(ip_net_format(&n, buf), "fd00::1/64");
	n = N("0.0.0.0/0");
	assert_int_equal(n.prefix, 0);
	n = N("::/0");
	assert_string_equal(ip_net_format(&n, buf), "::/0");
	n = N("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	assert_int_equal(n.prefix, 128);
	n = N("255.255.255.255/32");
	assert_string_equal(ip_net_format(&n, buf), "255.255.255.255/32");

	const char *bad[] = {"10.1.2.3", "10.1.2.3/33", "10.1.2.3/-1", "10.1.2.3/",   "10.1.2.3/2x",
			     "/24",	 "fd00::/129",	"10.1.2.3/+8", "10.1.2.3/ 8", "x/8"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ip_net_parse(bad[i], &n), -1);
}

static void test_first_last_network(void **state)
{
	struct ip_net n = N("10.1.2.3/22"), net;
	struct ip_addr a;
	char buf[IP_NET_STRLEN];
	ip_net_first(&n, &a);
	assert_addr(a, "10.1.0.0");
	ip_net_last(&n, &a);
	assert_addr(a, "10.1.3.255");
	ip_net_network(&n, &net);
	assert_string_equal(ip_net_format(&net, buf), "10.1.0.0/22");

	n = N("fd00:1:2:3:4:5:6:7/64");
	ip_net_first(&n, &a);
	assert_addr(a, "fd00:1:2:3::");
	ip_net_last(&n, &a);
	assert_addr(a, "fd00:1:2:3:ffff:ffff:ffff:ffff");

	n = N("10.9.8.7/32");
	ip_net_first(&n, &a);
	assert_addr(a, "10.9.8.7");
	ip_net_last(&n, &a);
	assert_addr(a, "10.9.8.7");
	n = N("10.9.8.7/0");
	ip_net_first(&n, &a);
	assert_addr(a, "0.0.0.0");
	ip_net_last(&n, &a);
	assert_addr(a, "255.255.255.255");
	n = N("fd00::1/0");
	ip_net_last(&n, &a);
	assert_addr(a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	n = N("10.0.0.1/31");
	ip_net_last(&n, &a);
	assert_addr(a, "10.0.0.1");
}

static void test_mask(void **state)
{
	struct ip_addr m;
	ip_prefix_mask(AF_INET, 24, &m);
	assert_addr(m, "255.255.255.0");
	ip_prefix_mask(AF_INET, 0, &m);
	assert_addr(m, "0.0.0.0");
	ip_prefix_mask(AF_INET, 17, &m);
	assert_addr(m, "255.255.128.0");
	ip_prefix_mask(AF_INET, 32, &m);
	assert_addr(m, "255.255.255.255");
	ip_prefix_mask(AF_INET6, 65, &m);
	assert_addr(m, "ffff:ffff:ffff:ffff:8000::");
	ip_prefix_mask(AF_INET6, 128, &m);
	assert_addr(m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

static void test_next_prev(void **state)
{
	struct ip_addr a = A("10.0.0.255");
	assert_true(ip_addr_next(&a));
	assert_addr(a, "10.0.1.0"); /* carry */
	assert_true(ip_addr_prev(&a));
	assert_addr(a, "10.0.0.255"); /* borrow */

	a = A("255.255.255.255");
	assert_false(ip_addr_next(&a)); /* wraps: refused, unchanged */
	assert_addr(a, "255.255.255.255");
	a = A("0.0.0.0");
	assert_false(ip_addr_prev(&a));
	assert_addr(a, "0.0.0.0");

	a = A("fd00::ffff");
	assert_true(ip_addr_next(&a));
	assert_addr(a, "fd00::1:0");
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_false(ip_addr_next(&a));
	assert_addr(a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	a = A("::");
	assert_false(ip_addr_prev(&a));
	assert_addr(a, "::");
	a = A("fd00::1:0:0:0");
	assert_true(ip_addr_prev(&a));
	assert_addr(a, "fd00::ffff:ffff:ffff");
	/* IPv4 stays within its 4 bytes */
	a = A("0.255.255.255");
	assert_true(ip_addr_next(&a));
	assert_addr(a, "1.0.0.0");
}

static void test_cmp_equal(void **state)
{
	struct ip_addr a = A("10.0.0.2"), b = A("10.0.0.10"), c = A("fd00::1");
	assert_true(ip_addr_cmp(&a, &b) < 0); /* numeric */
	assert_true(ip_addr_cmp(&b, &a) > 0);
	assert_true(ip_addr_cmp(&a, &c) < 0); /* by family first */
	assert_true(ip_addr_equal(&a, &a));
	assert_false(ip_addr_equal(&a, &b));
	struct ip_addr d = A("10.0.0.2");
	assert_true(ip_addr_equal(&a, &d));
	assert_true(ip_addr_is_set(&a));
}

static void test_contains(void **state)
{
	struct ip_net n = N("10.1.0.0/16");
	struct ip_addr a = A("10.1.255.255"), b = A("10.2.0.0"), c = A("::ffff:10.1.0.1");
	assert_true(ip_net_contains(&n, &a));
	assert_false(ip_net_contains(&n, &b));
	assert_false(ip_net_contains(&n, &c)); /* other family */
	n = N("10.1.2.3/16");		       /* host bits in the prefix are ignored */
	assert_true(ip_net_contains(&n, &a));
	n = N("0.0.0.0/0");
	assert_true(ip_net_contains(&n, &b));
	n = N("fd00::/8");
	struct ip_addr d = A("fdff::1"), e = A("fe00::");
	assert_true(ip_net_contains(&n, &d));
	assert_false(ip_net_contains(&n, &e));
	n = N("fd00::5/128");
	e = A("fd00::5");
	assert_true(ip_net_contains(&n, &e));
	e = A("fd00::6");
	assert_false(ip_net_contains(&n, &e));
}

/* Two prefixes overlap when either contains the other's address. */
static bool ip_net_overlap(const struct ip_net *a, const struct ip_net *b)
{
	return ip_net_contains(a, &b->ip) || ip_net_contains(b, &a->ip);
}

static void test_overlap(void **state)
{
	struct ip_net a = N("10.0.0.0/8"), b = N("10.20.0.0/16"), c = N("11.0.0.0/8"),
		      d = N("fd00::/64"), e = N("fd00::/48"), f = N("fd00:0:0:1::/64"),
		      g = N("0.0.0.0/0");
	assert_true(ip_net_overlap(&a, &b));
	assert_true(ip_net_overlap(&b, &a));
	assert_false(ip_net_overlap(&a, &c));
	assert_true(ip_net_overlap(&a, &a));
	assert_true(ip_net_overlap(&d, &e));
	assert_false(ip_net_overlap(&d, &f));
	assert_true(ip_net_overlap(&e, &f));
	assert_false(ip_net_overlap(&a, &d)); /* families never overlap */
	assert_true(ip_net_overlap(&g, &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_parse_format),  cmocka_unit_test(test_net_parse_format),
	    cmocka_unit_test(test_first_last_network), cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_next_prev),	       cmocka_unit_test(test_cmp_equal),
	    cmocka_unit_test(test_contains),	       cmocka_unit_test(test_overlap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local: address spelling, range defaults/validation, range sets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipam/host-local/ipstr.h"
#include "ipam/host-local/allocator/range.h"

static struct ip_addr A(const char *s) {
	struct ip_addr a;
	assert_int_equal(ip_addr_parse(s, &a), 0);
	ip_addr_canonicalize(&a);
	return a;
}

#define assert_ip(a, str)                                                                          \
	do {                                                                                       \
		char b_[IP_ADDR_STRLEN];                                                           \
		struct ip_addr a_ = (a);                                                           \
		assert_string_equal(ip_addr_format(&a_, b_), (str));                               \
	} while (0)

/* A range from strings; NULL = not configured. */
static struct hl_range
R(const char *subnet, const char *start, const char *end, const char *gw) {
	struct hl_range r;
	memset(&r, 0, sizeof(r));
	strcpy(r.where, "ipam.ranges[0][0]");
	assert_int_equal(ip_net_parse(subnet, &r.subnet), 0);
	if (start)
		r.start = A(start);
	if (end)
		r.end = A(end);
	if (gw)
		r.gateway = A(gw);
	return r;
}

/* Canonicalize and expect failure with code 7 and a message containing what. */
static void
expect_bad(struct hl_range r, const char *what)
{
	struct cni_error err = CNI_ERROR_INIT;
	assert_int_equal(hl_range_canonicalize(&r, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	if (!strstr(err.msg, what))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, what);
	cni_error_clear(&err);
}

static void test_go_spelling(void **state)
{
	struct ip_addr a;
	assert_ip(A("10.1.2.3"), "10.1.2.3");
	assert_ip(A("FD00:0:0:0:0:0:0:1"), "fd00::1");
	assert_ip(A("::"), "::");
	assert_ip(A("::1"), "::1");
	assert_ip(A("fd00::"), "fd00::");
	/* glibc would say ::1.2.3.4; Go (and so the file names) ::102:304 */
	assert_ip(A("::1.2.3.4"), "::102:304");
	/* a single zero group is not compressed (RFC 5952) */
	assert_ip(A("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
	/* longest run wins; first on a tie */
	assert_ip(A("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
	assert_ip(A("1:0:0:2:3:0:0:4"), "1::2:3:0:0:4");
	assert_ip(A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* mapped addresses become IPv4, as canonicalizeIP does */
	a = A("::ffff:10.0.0.1");
	assert_int_equal(a.family, AF_INET);
	assert_ip(a, "10.0.0.1");
	assert_int_equal(hl_ip_parse_loose("10.1.2.3/24", &a), 0);
	assert_ip(a, "10.1.2.3");
	assert_int_equal(hl_ip_parse_loose("fd00::5/64", &a), 0);
	assert_ip(a, "fd00::5");
	assert_int_equal(hl_ip_parse_loose("10.1.2", &a), -1);
	assert_int_equal(hl_ip_parse_loose("", &a), -1);
}

static void test_defaults_v4(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range r = R("10.1.2.77/24", NULL, NULL, NULL);
	char buf[HL_RANGE_STRLEN];

	assert_int_equal(hl_range_canonicalize(&r, &err), 0);
	assert_ip(r.subnet.ip, "10.1.2.0"); /* host bits dropped */
	assert_int_equal(r.subnet.prefix, 24);
	assert_ip(r.start, "10.1.2.1");
	assert_ip(r.end, "10.1.2.254");
	assert_ip(r.gateway, "10.1.2.1");
	assert_string_equal(hl_range_string(&r, buf), "10.1.2.1-10.1.2.254");

	/* the smallest allowed: /30 */
	r = R("192.168.0.4/30", NULL, NULL, NULL);
	assert_int_equal(hl_range_canonicalize(&r, &err), 0);
	assert_ip(r.start, "192.168.0.5");
	assert_ip(r.end, "192.168.0.6");

	/* explicit values are kept */
	r = R("10.0.0.0/8", "10.0.0.10", "10.0.0.20", "10.255.255.254");
	assert_int_equal(hl_range_canonicalize(&r, &err), 0);
	assert_ip(r.start, "10.0.0.10");
	assert_ip(r.end, "10.0.0.20");
	assert_ip(r.gateway, "10.255.255.254");

	/* top of the address space */
	r = R("255.255.255.252/30", NULL, NULL, NULL);
	assert_int_equal(hl_range_canonicalize(&r, &err), 0);
	assert_ip(r.start, "255.255.255.253");
	assert_ip(r.end, "255.255.255.254");
	r = R("0.0.0.0/0", NULL, NULL, NULL);
	assert_int_equal(hl_range_canonicalize(&r, &err), 0);
	assert_ip(r.start, "0.0.0.1");
	assert_ip(r.end, "255.255.255.254");
}

static void test_defaults_v6(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range r = R("fd00:1::/64", NULL, NULL, NULL);

	assert_int_equal(hl_range_canonicalize(&r, &err), 0);
	assert_ip(r.start, "fd00:1::1");
	assert_ip(r.end, "fd00:1::ffff:ffff:ffff:ffff"); /* no broadcast in IPv6 */
	assert_ip(r.gateway, "fd00:1::1");

	r = R("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc/126", NULL, NULL, NULL);
	assert_int_equal(hl_range_canonicalize(&r, &err), 0);
	assert_ip(r.start, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd");
	assert_ip(r.end, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

static void test_too_small(void **state)
{
	expect_bad(R("10.0.0.0/31", NULL, NULL, NULL),
		   "ipam.ranges[0][0].subnet: Network 10.0.0.0/31 too small to allocate from");
	expect_bad(R("10.0.0.7/32", NULL, NULL, NULL), "Network 10.0.0.7/32 too small");
	expect_bad(R("fd00::/127", NULL, NULL, NULL), "Network fd00::/127 too small");
	expect_bad(R("fd00::1/128", NULL, NULL, NULL), "Network fd00::1/128 too small");
}

static void test_outside_subnet(void **state)
{
	expect_bad(R("10.0.0.0/24", "10.0.1.5", NULL, NULL),
		   "ipam.ranges[0][0].rangeStart: 10.0.1.5 not in network 10.0.0.0/24");
	expect_bad(R("10.0.0.0/24", NULL, "10.0.1.5", NULL),
		   "ipam.ranges[0][0].rangeEnd: 10.0.1.5 not in network");
	expect_bad(R("10.0.0.0/24", NULL, NULL, "10.0.1.1"),
		   "ipam.ranges[0][0].gateway: 10.0.1.1 not in network");
	expect_bad(R("10.0.0.0/24", "10.0.0.50", "10.0.0.40", NULL),
		   "rangeEnd: 10.0.0.40 is in network 10.0.0.0/24 but before start 10.0.0.50");
	expect_bad(R("10.0.0.0/24", "fd00::1", NULL, NULL),
		   "rangeStart: IP fd00::1 is not the same protocol as subnet 10.0.0.0/24");
	expect_bad(R("fd00::/64", NULL, NULL, "10.0.0.1"), "gateway: IP 10.0.0.1 is not the same");
}

static void test_contains_reserved(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range r = R("10.0.0.0/24", "10.0.0.0", "10.0.0.255", "10.0.0.1");
	struct ip_addr a;

	assert_int_equal(hl_range_canonicalize(&r, &err), 0);
	a = A("10.0.0.0");
	assert_true(hl_range_contains(&r, &a));
	assert_true(hl_range_is_reserved(&r, &a)); /* network */
	a = A("10.0.0.255");
	assert_true(hl_range_is_reserved(&r, &a)); /* broadcast */
	a = A("10.0.0.1");
	assert_true(hl_range_is_reserved(&r, &a)); /* gateway */
	a = A("10.0.0.2");
	assert_false(hl_range_is_reserved(&r, &a));
	a = A("10.0.1.0");
	assert_false(hl_range_contains(&r, &a));
	a = A("fd00::1");
	assert_false(hl_range_contains(&r, &a));

	/* IPv6: the last address is an ordinary one */
	r = R("fd00::/120", NULL, NULL, NULL);
	assert_int_equal(hl_range_canonicalize(&r, &err), 0);
	a = A("fd00::ff");
	assert_true(hl_range_contains(&r, &a));
	assert_false(hl_range_is_reserved(&r, &a));
	a = A("fd00::");
	assert_true(hl_range_is_reserved(&r, &a));
}

static struct hl_range_set S(struct hl_range *r, size_t n) {
	struct hl_range_set s;
	memset(&s, 0, sizeof(s));
	s.r = calloc(n, sizeof(*r));
	memcpy(s.r, r, n * sizeof(*r));
	s.n = n;
	strcpy(s.where, "ipam.ranges[0]");
	for (size_t i = 0; i < n; i++)
		snprintf(s.r[i].where, sizeof(s.r[i].where), "ipam.ranges[0][%zu]", i);
	return s;
}

static void
test_set_validation(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range rs[3];
	struct hl_range_set s;
	struct ip_addr a;
	char *str;

	/* two ranges of one subnet that do not overlap are fine */
	rs[0] = R("10.0.0.0/24", "10.0.0.10", "10.0.0.20", NULL);
	rs[1] = R("10.0.0.0/24", "10.0.0.30", "10.0.0.40", NULL);
	rs[2] = R("10.9.0.0/16", NULL, NULL, NULL);
	s = S(rs, 3);
	assert_int_equal(hl_range_set_canonicalize(&s, &err), 0);
	a = A("10.0.0.35");
	assert_int_equal(hl_range_set_find(&s, &a), 1);
	a = A("10.0.0.25");
	assert_int_equal(hl_range_set_find(&s, &a), -1);
	a = A("10.9.3.3");
	assert_int_equal(hl_range_set_find(&s, &a), 2);
	str = hl_range_set_string(&s);
	assert_string_equal(str, "10.0.0.10-10.0.0.20,10.0.0.30-10.0.0.40,10.9.0.1-10.9.255.254");
	free(str);
	hl_range_set_free(&s);

	/* overlapping ranges inside a set */
	rs[0] = R("10.0.0.0/24", "10.0.0.10", "10.0.0.30", NULL);
	rs[1] = R("10.0.0.0/24", "10.0.0.30", "10.0.0.40", NULL);
	s = S(rs, 2);
	assert_int_equal(hl_range_set_canonicalize(&s, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_string_equal(err.msg, "ipam.ranges[0][1]: range 10.0.0.30-10.0.0.40 overlaps with "
				     "ipam.ranges[0][0] (10.0.0.10-10.0.0.30)");
	cni_error_clear(&err);
	hl_range_set_free(&s);

	/* a /25 inside a /24 overlaps */
	rs[0] = R("10.0.0.0/24", NULL, NULL, NULL);
	rs[1] = R("10.0.0.128/25", NULL, NULL, NULL);
	s = S(rs, 2);
	assert_int_equal(hl_range_set_canonicalize(&s, &err), -1);
	cni_error_clear(&err);
	hl_range_set_free(&s);

	/* mixed families */
	rs[0] = R("10.0.0.0/24", NULL, NULL, NULL);
	rs[1] = R("fd00::/64", NULL, NULL, NULL);
	s = S(rs, 2);
	assert_int_equal(hl_range_set_canonicalize(&s, &err), -1);
	assert_string_equal(err.msg, "ipam.ranges[0]: mixed address families");
	cni_error_clear(&err);
	hl_range_set_free(&s);

	/* empty */
	s = S(rs, 0);
	assert_int_equal(hl_range_set_canonicalize(&s, &err), -1);
	assert_string_equal(err.msg, "ipam.ranges[0]: empty range set");
	cni_error_clear(&err);
	hl_range_set_free(&s);
}

static void test_set_overlap(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range a[1] = {R("10.0.0.0/24", NULL, NULL, NULL)};
	struct hl_range b[1] = {R("10.0.0.0/16", "10.0.5.1", NULL, NULL)};
	struct hl_range c[1] = {R("10.0.0.0/16", "10.0.0.200", NULL, NULL)};
	struct hl_range d[1] = {R("fd00::/64", NULL, NULL, NULL)};
	struct hl_range_set sa = S(a, 1), sb = S(b, 1), sc = S(c, 1), sd = S(d, 1);

	assert_int_equal(hl_range_set_canonicalize(&sa, &err), 0);
	assert_int_equal(hl_range_set_canonicalize(&sb, &err), 0);
	assert_int_equal(hl_range_set_canonicalize(&sc, &err), 0);
	assert_int_equal(hl_range_set_canonicalize(&sd, &err), 0);
	/* overlap is about the allocation ranges, not the subnets */
	assert_false(hl_range_set_overlaps(&sa, &sb));
	assert_true(hl_range_set_overlaps(&sa, &sc));
	assert_true(hl_range_set_overlaps(&sc, &sa));
	assert_false(hl_range_set_overlaps(&sa, &sd));
	assert_int_equal(hl_range_set_family(&sd), AF_INET6);
	hl_range_set_free(&sa);
	hl_range_set_free(&sb);
	hl_range_set_free(&sc);
	hl_range_set_free(&sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_go_spelling),	   cmocka_unit_test(test_defaults_v4),
	    cmocka_unit_test(test_defaults_v6),	   cmocka_unit_test(test_too_small),
	    cmocka_unit_test(test_outside_subnet), cmocka_unit_test(test_contains_reserved),
	    cmocka_unit_test(test_set_validation), cmocka_unit_test(test_set_overlap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

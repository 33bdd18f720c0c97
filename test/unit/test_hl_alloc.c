/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local: round-robin iteration, exhaustion, requested addresses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipam/host-local/allocator/allocator.h"
#include "ipam/host-local/ipstr.h"

static struct ip_addr A(const char *s) {
	struct ip_addr a;
	assert_int_equal(ip_addr_parse(s, &a), 0);
	ip_addr_canonicalize(&a);
	return a;
}

/* Build and canonicalize a set from "subnet[,start,end[,gw]]" specs ("-" = default). */
static struct hl_range_set
set_of(int n, ...)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range_set s;
	va_list ap;

	memset(&s, 0, sizeof(s));
	s.r = calloc((size_t)n, sizeof(*s.r));
	s.n = (size_t)n;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		char spec[200], *f[4] = {0}, *save = NULL;
		int k = 0;
		snprintf(spec, sizeof(spec), "%s", va_arg(ap, const char *));
		for (char *t = strtok_r(spec, ",", &save); t && k < 4;
		     t = strtok_r(NULL, ",", &save))
			f[k++] = t;
		assert_int_equal(ip_net_parse(f[0], &s.r[i].subnet), 0);
		if (f[1] && strcmp(f[1], "-"))
			s.r[i].start = A(f[1]);
		if (f[2] && strcmp(f[2], "-"))
			s.r[i].end = A(f[2]);
		if (f[3] && strcmp(f[3], "-"))
			s.r[i].gateway = A(f[3]);
		snprintf(s.r[i].where, sizeof(s.r[i].where), "r[%d]", i);
	}
	va_end(ap);
	if (hl_range_set_canonicalize(&s, &err) < 0)
		fail_msg("%s", err.msg);
	return s;
}

/* The whole walk as "a b c ..." */
static char *walk(const struct hl_range_set *s, const char *last)
{
	static char out[4096];
	struct hl_iter it;
	struct ip_addr a, l;
	char b[IP_ADDR_STRLEN];
	size_t len = 0;
	int guard = 0;

	if (last)
		l = A(last);
	hl_iter_init(&it, s, last ? &l : NULL);
	out[0] = '\0';
	while (hl_iter_next(&it, &a, NULL) && guard++ < 200)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? " " : "",
					ip_addr_format(&a, b));
	assert_true(guard < 200);
	assert_false(hl_iter_next(&it, &a, NULL)); /* stays done */
	return out;
}

static void test_walk_from_start(void **state)
{
	struct hl_range_set s = set_of(1, "10.0.0.0/29");
	/* .0 network, .1 gateway, .7 broadcast: never offered */
	assert_string_equal(walk(&s, NULL), "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6");
	hl_range_set_free(&s);
}

static void test_walk_round_robin(void **state)
{
	struct hl_range_set s = set_of(1, "10.0.0.0/29");
	/* after the last reserved, wrapping, ending with it */
	assert_string_equal(walk(&s, "10.0.0.4"), "10.0.0.5 10.0.0.6 10.0.0.2 10.0.0.3 10.0.0.4");
	assert_string_equal(walk(&s, "10.0.0.6"), "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6");
	/* last reserved outside the set (config changed): from the start */
	assert_string_equal(walk(&s, "10.9.9.9"), "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6");
	assert_string_equal(walk(&s, "fd00::1"), "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6");
	hl_range_set_free(&s);
}

static void test_walk_ranges(void **state)
{
	struct hl_range_set s = set_of(3, "10.0.0.0/24,10.0.0.10,10.0.0.12",
				       "10.0.1.0/24,10.0.1.1,10.0.1.3", "10.0.2.0/30");
	/* gateway 10.0.1.1 is the start of the second range: skipped */
	assert_string_equal(walk(&s, NULL),
			    "10.0.0.10 10.0.0.11 10.0.0.12 10.0.1.2 10.0.1.3 10.0.2.2");
	assert_string_equal(walk(&s, "10.0.1.2"),
			    "10.0.1.3 10.0.2.2 10.0.0.10 10.0.0.11 10.0.0.12 10.0.1.2");
	assert_string_equal(walk(&s, "10.0.2.2"),
			    "10.0.0.10 10.0.0.11 10.0.0.12 10.0.1.2 10.0.1.3 10.0.2.2");
	hl_range_set_free(&s);
}

static void test_walk_explicit_edges(void **state)
{
	/* explicit start = network, end = broadcast: both still skipped */
	struct hl_range_set s = set_of(1, "10.0.0.0/29,10.0.0.0,10.0.0.7,10.0.0.3");
	assert_string_equal(walk(&s, NULL), "10.0.0.1 10.0.0.2 10.0.0.4 10.0.0.5 10.0.0.6");
	hl_range_set_free(&s);
}

static void test_walk_address_space_edges(void **state)
{
	struct hl_range_set s = set_of(1, "255.255.255.248/29");
	assert_string_equal(walk(&s, NULL), "255.255.255.250 255.255.255.251 255.255.255.252 "
					    "255.255.255.253 255.255.255.254");
	assert_string_equal(walk(&s, "255.255.255.254"),
			    "255.255.255.250 255.255.255.251 255.255.255.252 255.255.255.253 "
			    "255.255.255.254");
	hl_range_set_free(&s);

	s = set_of(1, "0.0.0.0/30");
	assert_string_equal(walk(&s, NULL), "0.0.0.2");
	hl_range_set_free(&s);

	/* IPv6 at the very top: the last address is usable, and nothing wraps to :: */
	s = set_of(1, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff8/125");
	assert_string_equal(walk(&s, NULL), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffa "
					    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffb "
					    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc "
					    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd "
					    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe "
					    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_string_equal(walk(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffa "
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffb "
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc "
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd "
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe "
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	hl_range_set_free(&s);

	s = set_of(1, "fd00::/126");
	assert_string_equal(walk(&s, NULL), "fd00::2 fd00::3");
	hl_range_set_free(&s);
}

/* A fake store: a set of taken addresses. */
struct fake {
	struct ip_addr taken[64];
	int n;
	int calls;
	bool fail;
};

static int fake_reserve(void *ctx, const struct ip_addr *ip, struct cni_error *err)
{
	struct fake *f = ctx;
	f->calls++;
	if (f->fail)
		return cni_error_set(err, CNI_ERR_SYSTEM, "disk on fire");
	for (int i = 0; i < f->n; i++)
		if (ip_addr_equal(&f->taken[i], ip))
			return 0;
	f->taken[f->n++] = *ip;
	return 1;
}

static void test_allocate_until_exhausted(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range_set s = set_of(2, "10.0.0.0/30", "10.0.1.0/30");
	struct fake f = {0};
	struct ip_addr got, last;
	size_t idx;
	char b[IP_ADDR_STRLEN];
	const char *want[] = {"10.0.0.2", "10.0.1.2"};

	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    hl_allocate(&s, i ? &last : NULL, fake_reserve, &f, &got, &idx, &err), 1);
		assert_string_equal(ip_addr_format(&got, b), want[i]);
		assert_int_equal(idx, (size_t)i);
		last = got;
	}
	f.calls = 0;
	assert_int_equal(hl_allocate(&s, &last, fake_reserve, &f, &got, &idx, &err), 0);
	assert_int_equal(f.calls, 2); /* each candidate tried once */
	f.fail = true;
	f.n = 0;
	assert_int_equal(hl_allocate(&s, &last, fake_reserve, &f, &got, &idx, &err), -1);
	assert_string_equal(err.msg, "disk on fire");
	cni_error_clear(&err);
	hl_range_set_free(&s);
}

static void test_allocate_skips_taken_v6(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range_set s = set_of(1, "fd00::/120");
	struct fake f = {0};
	struct ip_addr got, last = A("fd00::10");
	char b[IP_ADDR_STRLEN];

	f.taken[f.n++] = A("fd00::11");
	f.taken[f.n++] = A("fd00::12");
	assert_int_equal(hl_allocate(&s, &last, fake_reserve, &f, &got, NULL, &err), 1);
	assert_string_equal(ip_addr_format(&got, b), "fd00::13");
	hl_range_set_free(&s);
}

static void test_assign_requested(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range_set sets[2] = {set_of(1, "10.0.0.0/24"), set_of(1, "fd00::/64")};
	struct ip_addr req[4];
	int assign[2];

	req[0] = A("fd00::9");
	req[1] = A("10.0.0.9");
	req[2] = A("10.0.0.9"); /* duplicates collapse */
	assert_int_equal(hl_assign_requested(sets, 2, req, 3, assign, &err), 0);
	assert_int_equal(assign[0], 1);
	assert_int_equal(assign[1], 0);

	assert_int_equal(hl_assign_requested(sets, 2, req, 0, assign, &err), 0);
	assert_int_equal(assign[0], -1);
	assert_int_equal(assign[1], -1);

	req[0] = A("10.0.5.9");
	assert_int_equal(hl_assign_requested(sets, 2, req, 1, assign, &err), -1);
	assert_int_equal(err.code, CNI_ERR_IPAM);
	assert_string_equal(err.msg, "requested IP address 10.0.5.9 is not in any range set");
	cni_error_clear(&err);

	req[0] = A("10.0.0.1");
	assert_int_equal(hl_assign_requested(sets, 2, req, 1, assign, &err), -1);
	assert_non_null(strstr(err.msg, "requested ip 10.0.0.1 is subnet's gateway"));
	cni_error_clear(&err);

	req[0] = A("10.0.0.5");
	req[1] = A("10.0.0.6");
	assert_int_equal(hl_assign_requested(sets, 2, req, 2, assign, &err), -1);
	assert_non_null(strstr(err.msg, "10.0.0.5 and 10.0.0.6 are both in range set 0"));
	cni_error_clear(&err);
	hl_range_set_free(&sets[0]);
	hl_range_set_free(&sets[1]);
}

static void test_assign_network_broadcast(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_range_set s = set_of(1, "10.0.0.0/24,10.0.0.0,10.0.0.255");
	struct ip_addr req = A("10.0.0.255");
	int assign;

	assert_int_equal(hl_assign_requested(&s, 1, &req, 1, &assign, &err), -1);
	assert_non_null(strstr(err.msg, "10.0.0.255 is the network or broadcast address"));
	cni_error_clear(&err);
	hl_range_set_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk_from_start),
	    cmocka_unit_test(test_walk_round_robin),
	    cmocka_unit_test(test_walk_ranges),
	    cmocka_unit_test(test_walk_explicit_edges),
	    cmocka_unit_test(test_walk_address_space_edges),
	    cmocka_unit_test(test_allocate_until_exhausted),
	    cmocka_unit_test(test_allocate_skips_taken_v6),
	    cmocka_unit_test(test_assign_requested),
	    cmocka_unit_test(test_assign_network_broadcast),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

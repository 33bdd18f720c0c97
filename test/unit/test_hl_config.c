/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local: configuration parsing and validation; resolv.conf parsing. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipam/host-local/config.h"
#include "ipam/host-local/dns.h"
#include "ipam/host-local/ipstr.h"

#define assert_ip(a, str)                                                                          \
	do {                                                                                       \
		char b_[IP_ADDR_STRLEN];                                                           \
		struct ip_addr a_ = (a);                                                           \
		assert_string_equal(ip_addr_format(&a_, b_), (str));                               \
	} while (0)

static struct cni_conf conf;
static struct hl_config cfg;
static struct cni_error err;

static int teardown(void **state)
{
	hl_config_free(&cfg);
	cni_conf_free(&conf);
	cni_error_clear(&err);
	memset(&conf, 0, sizeof(conf));
	return 0;
}

/* Parse a network config and load host-local's view of it. */
static int load(const char *json, const char *args)
{
	char *buf = strdup(json);
	cni_conf_free(&conf);
	memset(&conf, 0, sizeof(conf));
	hl_config_free(&cfg);
	cni_error_clear(&err);
	if (cni_conf_parse(buf, strlen(buf), &conf, &err) < 0)
		fail_msg("bad test config: %s", err.msg);
	return hl_config_load(&conf, args, &cfg, &err);
}

/* Expect a failure with code and a message containing what. */
static void expect_err(const char *json, const char *args, int code, const char *what)
{
	assert_int_equal(load(json, args), -1);
	if (err.code != code || !strstr(err.msg, what))
		fail_msg("got %d \"%s\", want %d \"...%s...\"", err.code, err.msg, code, what);
	assert_int_equal(cfg.n_sets, 0);
}

#define NET(v, ipam)                                                                               \
	"{\"cniVersion\":\"" v "\",\"name\":\"n1\",\"type\":\"bridge\",\"ipam\":" ipam "}"

static void test_legacy_defaults(void **state)
{
	assert_int_equal(load(NET("0.4.0", "{\"type\":\"host-local\",\"subnet\":\"10.1.0.0/16\","
					   "\"gateway\":\"10.1.0.254\"}"),
			      NULL),
			 0);
	assert_string_equal(cfg.name, "n1");
	assert_string_equal(cfg.data_dir, "/var/lib/cni/networks");
	assert_null(cfg.resolv_conf);
	assert_int_equal(cfg.n_sets, 1);
	assert_int_equal(cfg.sets[0].n, 1);
	assert_ip(cfg.sets[0].r[0].start, "10.1.0.1");
	assert_ip(cfg.sets[0].r[0].end, "10.1.255.254");
	assert_ip(cfg.sets[0].r[0].gateway, "10.1.0.254");
	assert_int_equal(cfg.n_routes, 0);
	assert_int_equal(cfg.n_requested, 0);
}

static void test_ranges_order(void **state)
{
	/* capability ranges first, then the legacy range, then ranges */
	assert_int_equal(
	    load("{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"ipam\":{\"type\":\"host-local\","
		 "\"dataDir\":\"/tmp/x\",\"resolvConf\":\"/etc/resolv.conf\","
		 "\"subnet\":\"10.2.0.0/24\","
		 "\"ranges\":[[{\"subnet\":\"10.3.0.0/24\"},{\"subnet\":\"10.4.0.0/24\","
		 "\"rangeStart\":\"10.4.0.100\",\"rangeEnd\":\"10.4.0.200\"}],"
		 "[{\"subnet\":\"fd00::/64\"}]]},"
		 "\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.1.0.0/24\"}]]}}",
		 NULL),
	    0);
	assert_string_equal(cfg.data_dir, "/tmp/x");
	assert_string_equal(cfg.resolv_conf, "/etc/resolv.conf");
	assert_int_equal(cfg.n_sets, 4);
	assert_ip(cfg.sets[0].r[0].subnet.ip, "10.1.0.0");
	assert_ip(cfg.sets[1].r[0].subnet.ip, "10.2.0.0");
	assert_int_equal(cfg.sets[2].n, 2);
	assert_ip(cfg.sets[2].r[1].start, "10.4.0.100");
	assert_ip(cfg.sets[2].r[1].end, "10.4.0.200");
	assert_ip(cfg.sets[3].r[0].end, "fd00::ffff:ffff:ffff:ffff");
	assert_string_equal(cfg.sets[2].r[1].where, "ipam.ranges[0][1]");
	assert_string_equal(cfg.sets[0].r[0].where, "runtimeConfig.ipRanges[0][0]");
}

static void test_routes(void **state)
{
	const char *routes = "{\"type\":\"host-local\",\"subnet\":\"10.1.0.0/24\",\"routes\":["
			     "{\"dst\":\"0.0.0.0/0\"},"
			     "{\"dst\":\"192.168.7.9/24\",\"gw\":\"10.1.0.254\",\"mtu\":1400,"
			     "\"advmss\":1360,\"priority\":7,\"table\":100,\"scope\":253}]}";
	char json[1024];

	snprintf(json, sizeof(json), NET("1.1.0", "%s"), routes);
	assert_int_equal(load(json, NULL), 0);
	assert_int_equal(cfg.n_routes, 2);
	assert_ip(cfg.routes[0].dst.ip, "0.0.0.0");
	assert_int_equal(cfg.routes[0].gw.family, 0);
	assert_ip(cfg.routes[1].dst.ip, "192.168.7.9"); /* as written, like types.ParseCIDR */
	assert_int_equal(cfg.routes[1].dst.prefix, 24);
	assert_ip(cfg.routes[1].gw, "10.1.0.254");
	assert_int_equal(cfg.routes[1].mtu, 1400);
	assert_int_equal(cfg.routes[1].advmss, 1360);
	assert_int_equal(cfg.routes[1].priority, 7);
	assert_int_equal(cfg.routes[1].table, 100);
	assert_true(cfg.routes[1].has_scope);
	assert_int_equal(cfg.routes[1].scope, 253);
	assert_false(cfg.routes[0].has_scope);

	/* before 1.1.0 those fields do not exist (the reference ignores them) */
	snprintf(json, sizeof(json), NET("1.0.0", "%s"), routes);
	assert_int_equal(load(json, NULL), 0);
	assert_int_equal(cfg.routes[1].mtu, 0);
	assert_false(cfg.routes[1].has_scope);

	expect_err(NET("1.0.0", "{\"subnet\":\"10.1.0.0/24\",\"routes\":[{\"gw\":\"10.1.0.1\"}]}"),
		   NULL, CNI_ERR_INVALID_CONFIG, "ipam.routes[0].dst: missing");
	expect_err(NET("1.0.0", "{\"subnet\":\"10.1.0.0/24\",\"routes\":[{\"dst\":\"10.0.0.0\"}]}"),
		   NULL, CNI_ERR_INVALID_CONFIG, "ipam.routes[0].dst: invalid CIDR");
	expect_err(NET("1.1.0", "{\"subnet\":\"10.1.0.0/24\",\"routes\":[{\"dst\":\"10.0.0.0/8\","
				"\"scope\":300}]}"),
		   NULL, CNI_ERR_INVALID_CONFIG, "ipam.routes[0].scope");
}

static void test_requested(void **state)
{
	assert_int_equal(
	    load("{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"ipam\":{\"subnet\":\"10.1.0.0/24\","
		 "\"ranges\":[[{\"subnet\":\"fd00::/64\"}]]},"
		 "\"args\":{\"cni\":{\"ips\":[\"fd00::9\",\"::ffff:10.1.0.9\"]}},"
		 "\"runtimeConfig\":{\"ips\":[\"10.1.0.7/24\"]}}",
		 "IgnoreUnknown=1;IP= 10.1.0.5 ,10.1.0.6/24;K8S_POD_NAME=p"),
	    0);
	assert_int_equal(cfg.n_requested, 5);
	assert_ip(cfg.requested[0], "10.1.0.5");
	assert_ip(cfg.requested[1], "10.1.0.6");
	assert_ip(cfg.requested[2], "fd00::9");
	assert_ip(cfg.requested[3], "10.1.0.9");
	assert_int_equal(cfg.requested[3].family, AF_INET);
	assert_ip(cfg.requested[4], "10.1.0.7");

	expect_err(NET("1.0.0", "{\"subnet\":\"10.1.0.0/24\"}"), "IP=10.1.0.300",
		   CNI_ERR_INVALID_ENV, "CNI_ARGS IP: invalid IP address \"10.1.0.300\"");
	assert_int_equal(load(NET("1.0.0", "{\"subnet\":\"10.1.0.0/24\"}"), "FOO=1"), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	expect_err(
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"ipam\":{\"subnet\":\"10.1.0.0/24\"},"
	    "\"args\":{\"cni\":{\"ips\":[\"x\"]}}}",
	    NULL, CNI_ERR_INVALID_CONFIG, "args.cni.ips[0]: invalid IP address \"x\"");
	expect_err(
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"ipam\":{\"subnet\":\"10.1.0.0/24\"},"
	    "\"runtimeConfig\":{\"ips\":[7]}}",
	    NULL, CNI_ERR_INVALID_CONFIG, "runtimeConfig.ips[0]: must be a string");
}

static void test_errors(void **state)
{
	expect_err("{\"cniVersion\":\"1.0.0\",\"name\":\"n1\"}", NULL, CNI_ERR_INVALID_CONFIG,
		   "IPAM config missing 'ipam' key");
	expect_err(NET("1.0.0", "{\"type\":\"host-local\"}"), NULL, CNI_ERR_INVALID_CONFIG,
		   "no IP ranges specified");
	expect_err(NET("1.0.0", "{\"ranges\":[[{\"gateway\":\"10.0.0.1\"}]]}"), NULL,
		   CNI_ERR_INVALID_CONFIG, "ipam.ranges[0][0].subnet: missing");
	expect_err(NET("1.0.0", "{\"ranges\":[[{\"subnet\":\"10.0.0.0/33\"}]]}"), NULL,
		   CNI_ERR_INVALID_CONFIG, "ipam.ranges[0][0].subnet: invalid CIDR address");
	expect_err(NET("1.0.0", "{\"ranges\":[[{\"subnet\":24}]]}"), NULL, CNI_ERR_INVALID_CONFIG,
		   "ipam.ranges[0][0].subnet must be a string");
	expect_err(NET("1.0.0", "{\"ranges\":[{\"subnet\":\"10.0.0.0/24\"}]}"), NULL,
		   CNI_ERR_INVALID_CONFIG, "ipam.ranges[0]: must be a list of ranges");
	expect_err(NET("1.0.0", "{\"ranges\":[[]]}"), NULL, CNI_ERR_INVALID_CONFIG,
		   "ipam.ranges[0]: empty range set");
	expect_err(NET("1.0.0", "{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\",\"rangeStart\":"
				"\"10.0.0.x\"}]]}"),
		   NULL, CNI_ERR_INVALID_CONFIG,
		   "ipam.ranges[0][0].rangeStart: invalid IP address \"10.0.0.x\"");
	expect_err(NET("1.0.0", "{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\",\"gateway\":"
				"\"10.0.1.1\"}]]}"),
		   NULL, CNI_ERR_INVALID_CONFIG,
		   "ipam.ranges[0][0].gateway: 10.0.1.1 not in network");
	expect_err(NET("1.0.0", "{\"subnet\":\"10.0.0.0/31\"}"), NULL, CNI_ERR_INVALID_CONFIG,
		   "ipam.subnet: Network 10.0.0.0/31 too small to allocate from");
	expect_err(NET("1.0.0", "{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"},{\"subnet\":"
				"\"fd00::/64\"}]]}"),
		   NULL, CNI_ERR_INVALID_CONFIG, "ipam.ranges[0]: mixed address families");
	expect_err(NET("1.0.0", "{\"ranges\":[[{\"subnet\":\"10.0.0.0/16\"}],[{\"subnet\":"
				"\"10.0.3.0/24\"}]]}"),
		   NULL, CNI_ERR_INVALID_CONFIG,
		   "ipam.ranges[1]: range set 1 overlaps with range set 0 (ipam.ranges[0])");
	expect_err(NET("1.0.0", "{\"subnet\":\"10.0.0.0/24\",\"ranges\":[[{\"subnet\":"
				"\"10.0.0.0/24\"}]]}"),
		   NULL, CNI_ERR_INVALID_CONFIG,
		   "ipam.ranges[0]: range set 1 overlaps with range set 0 (ipam)");
	expect_err(NET("1.0.0", "{\"subnet\":\"10.0.0.0/24\",\"dataDir\":5}"), NULL,
		   CNI_ERR_INVALID_CONFIG, "ipam.dataDir must be a string");
	/* 0.2.0 results carry one address per family */
	expect_err(NET("0.2.0", "{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}],[{\"subnet\":"
				"\"10.1.0.0/24\"}]]}"),
		   NULL, CNI_ERR_INVALID_CONFIG,
		   "CNI version 0.2.0 does not support more than 1 address per family");
	assert_int_equal(load(NET("0.2.0", "{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}],"
					   "[{\"subnet\":\"fd00::/64\"}]]}"),
			      NULL),
			 0);
	/* "" for an address is "not set", as net.IP decodes it */
	assert_int_equal(load(NET("1.0.0", "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"\","
					   "\"dataDir\":\"\"}"),
			      NULL),
			 0);
	assert_ip(cfg.sets[0].r[0].gateway, "10.0.0.1");
	assert_string_equal(cfg.data_dir, "/var/lib/cni/networks");
}

static void test_resolv_conf(void **state)
{
	char path[] = "/tmp/hl-resolv-XXXXXX";
	struct cni_dns dns = {0};
	int fd = mkstemp(path);
	const char *text = "# generated\n"
			   "; also a comment\n"
			   "nameserver 10.0.0.53\n"
			   "  nameserver   fd00::53  \n"
			   "nameserver\n"
			   "domain first.example\n"
			   "domain example.com\n"
			   "search a.example b.example\n"
			   "search c.example\n"
			   "options ndots:5 timeout:2\n"
			   "sortlist 10.0.0.0\n"
			   "options rotate";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(hl_parse_resolv_conf(path, &dns, &err), 0);
	unlink(path);
	assert_int_equal(dns.n_nameservers, 2);
	assert_string_equal(dns.nameservers[0], "10.0.0.53");
	assert_string_equal(dns.nameservers[1], "fd00::53");
	assert_string_equal(dns.domain, "example.com");
	assert_int_equal(dns.n_search, 3);
	assert_string_equal(dns.search[2], "c.example");
	assert_int_equal(dns.n_options, 3);
	assert_string_equal(dns.options[2], "rotate");
	cni_dns_clear(&dns);

	assert_int_equal(hl_parse_resolv_conf("/nonexistent/resolv.conf", &dns, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(err.msg, "ipam.resolvConf"));
	cni_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_legacy_defaults, teardown),
	    cmocka_unit_test_teardown(test_ranges_order, teardown),
	    cmocka_unit_test_teardown(test_routes, teardown),
	    cmocka_unit_test_teardown(test_requested, teardown),
	    cmocka_unit_test_teardown(test_errors, teardown),
	    cmocka_unit_test_teardown(test_resolv_conf, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

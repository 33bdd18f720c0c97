/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bridge plugin's configuration: defaults, types, VLANs, MAC, ADD checks. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni.h"
#include "plugins/bridge/bridge.h"

/* Parse text as the stdin config, then br_conf_load with args. */
static int load(const char *text, const char *args, struct cni_conf *conf, struct br_conf *c,
		struct cni_error *err)
{
	char *buf = strdup(text);
	assert_non_null(buf);
	assert_int_equal(cni_conf_parse(buf, strlen(buf), conf, err), 0);
	return br_conf_load(conf, args, c, err);
}

#define BASE "\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"bridge\""

static void test_defaults(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_conf conf;
	struct br_conf c;

	assert_int_equal(load("{" BASE "}", NULL, &conf, &c, &err), 0);
	assert_string_equal(c.bridge, "cni0");
	assert_string_equal(c.name, "n");
	assert_null(c.ipam_type);
	assert_false(c.is_gw);
	assert_true(c.preserve_default_vlan);
	assert_false(br_vlan_filtering(&c));
	assert_null(c.mac);
	assert_false(c.has_dns);
	assert_int_equal(c.mtu, 0);
	br_conf_free(&c);
	cni_conf_free(&conf);
}

static void test_fields(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_conf conf;
	struct br_conf c;
	const char *t =
	    "{" BASE ",\"bridge\":\"br9\",\"isDefaultGateway\":true,\"forceAddress\":true,"
	    "\"ipMasq\":true,\"ipMasqBackend\":\"nftables\",\"mtu\":1400,"
	    "\"hairpinMode\":true,\"vlan\":7,\"preserveDefaultVlan\":false,"
	    "\"macspoofchk\":true,\"enabledad\":true,\"portIsolation\":true,"
	    "\"ipam\":{\"type\":\"host-local\"},\"dns\":{\"domain\":\"x\"}}";

	assert_int_equal(load(t, NULL, &conf, &c, &err), 0);
	assert_string_equal(c.bridge, "br9");
	assert_true(c.is_gw); /* implied by isDefaultGateway */
	assert_true(c.is_default_gw);
	assert_true(c.force_address);
	assert_true(c.ip_masq);
	assert_string_equal(c.ip_masq_backend, "nftables");
	assert_int_equal(c.mtu, 1400);
	assert_true(c.hairpin);
	assert_int_equal(c.vlan, 7);
	assert_false(c.preserve_default_vlan);
	assert_true(c.macspoofchk);
	assert_true(c.enabledad);
	assert_true(c.port_isolation);
	assert_string_equal(c.ipam_type, "host-local");
	assert_true(c.has_dns);
	assert_true(br_vlan_filtering(&c));
	br_conf_free(&c);
	cni_conf_free(&conf);
}

static void test_l2_and_dns(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_conf conf;
	struct br_conf c;

	/* an IPAM object without a type is L2 only; an empty dns is not set */
	assert_int_equal(load("{" BASE ",\"ipam\":{},\"dns\":{}}", NULL, &conf, &c, &err), 0);
	assert_null(c.ipam_type);
	assert_false(c.has_dns);
	br_conf_free(&c);
	cni_conf_free(&conf);
	/* an empty nameservers list still replaces IPAM's (as dnsConfSet) */
	assert_int_equal(load("{" BASE ",\"dns\":{\"nameservers\":[]}}", NULL, &conf, &c, &err), 0);
	assert_true(c.has_dns);
	br_conf_free(&c);
	cni_conf_free(&conf);
}

static void expect_invalid(const char *body, const char *msg)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_conf conf;
	struct br_conf c;
	char text[512];

	snprintf(text, sizeof(text), "{" BASE ",%s}", body);
	assert_int_equal(load(text, NULL, &conf, &c, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	if (msg)
		assert_string_equal(err.msg, msg);
	br_conf_free(&c);
	cni_conf_free(&conf);
	cni_error_clear(&err);
}

static void test_types(void **state)
{
	expect_invalid("\"isGateway\":\"yes\"", "isGateway must be a boolean");
	expect_invalid("\"bridge\":5", "bridge must be a string");
	expect_invalid("\"mtu\":\"1500\"", NULL);
	expect_invalid("\"mtu\":-1", NULL);
	expect_invalid("\"vlan\":1.5", NULL);
	expect_invalid("\"vlanTrunk\":{}", NULL);
	expect_invalid("\"vlanTrunk\":[5]", NULL);
	expect_invalid("\"runtimeConfig\":{\"mac\":5}", NULL);
}

static void test_vlan(void **state)
{
	expect_invalid("\"vlan\":4095", "invalid VLAN ID 4095 (must be between 0 and 4094)");
	expect_invalid("\"vlan\":-3", "invalid VLAN ID -3 (must be between 0 and 4094)");
	expect_invalid("\"vlanTrunk\":[{\"minID\":0,\"maxID\":3}]",
		       "incorrect trunk minID parameter");
	expect_invalid("\"vlanTrunk\":[{\"minID\":3,\"maxID\":4095}]",
		       "incorrect trunk maxID parameter");
	expect_invalid("\"vlanTrunk\":[{\"minID\":9,\"maxID\":3}]",
		       "minID is greater than maxID in trunk parameter");
	expect_invalid("\"vlanTrunk\":[{\"maxID\":3}]",
		       "minID and maxID should be configured simultaneously, minID is missing");
	expect_invalid("\"vlanTrunk\":[{\"minID\":3}]",
		       "minID and maxID should be configured simultaneously, maxID is missing");
	expect_invalid("\"vlanTrunk\":[{\"id\":4095}]", "incorrect trunk id parameter");
	expect_invalid("\"vlan\":3,\"vlanTrunk\":[{\"id\":4}]",
		       "cannot set vlan and vlanTrunk at the same time");
}

static void test_nomasq(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_conf conf;
	struct br_conf c;
	char buf[IP_NET_STRLEN];
	/* host bits cleared (as net.ParseCIDR), sorted v4 first, duplicates
	 * dropped; accepted without ipMasq too */
	const char *t = "{" BASE ",\"nonMasqueradeCIDRs\":[\"fd00:10::1/48\",\"10.1.2.3/8\","
			"\"10.0.0.0/8\",\"192.168.0.0/16\",\"0.0.0.0/0\"]}";

	assert_int_equal(load(t, NULL, &conf, &c, &err), 0);
	assert_int_equal(c.n_nomasq, 4);
	assert_string_equal(ip_net_format(&c.nomasq[0], buf), "0.0.0.0/0");
	assert_string_equal(ip_net_format(&c.nomasq[1], buf), "10.0.0.0/8");
	assert_string_equal(ip_net_format(&c.nomasq[2], buf), "192.168.0.0/16");
	assert_string_equal(ip_net_format(&c.nomasq[3], buf), "fd00:10::/48");
	br_conf_free(&c);
	assert_null(c.nomasq);
	cni_conf_free(&conf);
	/* empty and null: none */
	assert_int_equal(load("{" BASE ",\"nonMasqueradeCIDRs\":[]}", NULL, &conf, &c, &err), 0);
	assert_int_equal(c.n_nomasq, 0);
	assert_null(c.nomasq);
	br_conf_free(&c);
	cni_conf_free(&conf);
	assert_int_equal(load("{" BASE ",\"nonMasqueradeCIDRs\":null}", NULL, &conf, &c, &err), 0);
	assert_int_equal(c.n_nomasq, 0);
	br_conf_free(&c);
	cni_conf_free(&conf);

	expect_invalid("\"nonMasqueradeCIDRs\":\"10.0.0.0/8\"",
		       "nonMasqueradeCIDRs must be a list of CIDRs (strings)");
	expect_invalid("\"nonMasqueradeCIDRs\":[\"10.0.0.0/8\",7]",
		       "nonMasqueradeCIDRs[1] must be a string (a CIDR)");
	expect_invalid("\"nonMasqueradeCIDRs\":[\"10.0.0.0/8\",\"10.0.0.0\"]",
		       "nonMasqueradeCIDRs: invalid CIDR \"10.0.0.0\" (want address/prefix, "
		       "e.g. 10.0.0.0/8 or fd00::/8)");
	expect_invalid("\"nonMasqueradeCIDRs\":[\"10.0.0.0/33\"]", NULL);
	expect_invalid("\"nonMasqueradeCIDRs\":[\"fd00::/129\"]", NULL);
	expect_invalid("\"nonMasqueradeCIDRs\":[\"cluster\"]", NULL);
	expect_invalid("\"nonMasqueradeCIDRs\":[\"\"]", NULL);
}

static void test_nomasq_canon(void **state)
{
	struct ip_net v[3];
	size_t n = 3;
	char buf[IP_NET_STRLEN];

	ip_net_parse("10.9.9.9/16", &v[0]);
	ip_net_parse("10.9.0.0/16", &v[1]);
	ip_net_parse("10.9.0.0/8", &v[2]);
	br_nomasq_canon(v, &n);
	assert_int_equal(n, 2);
	assert_string_equal(ip_net_format(&v[0], buf), "10.0.0.0/8");
	assert_string_equal(ip_net_format(&v[1], buf), "10.9.0.0/16");
	n = 0;
	br_nomasq_canon(v, &n);
	assert_int_equal(n, 0);
}

static void test_trunk(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_conf conf;
	struct br_conf c;
	struct nl_vlan *r;
	size_t n;

	assert_int_equal(load("{" BASE ",\"vlanTrunk\":[{\"id\":20},{\"minID\":5,\"maxID\":7},"
			      "{\"id\":6},{\"minID\":8,\"maxID\":8,\"id\":30}]}",
			      NULL, &conf, &c, &err),
			 0);
	assert_int_equal(c.n_trunk, 6);
	uint16_t want[] = {5, 6, 7, 8, 20, 30};
	assert_memory_equal(c.trunk, want, sizeof(want));
	assert_true(br_vlan_filtering(&c));
	assert_int_equal(br_vlan_ranges(c.trunk, c.n_trunk, 0, &r, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].min, 5);
	assert_int_equal(r[0].max, 8);
	assert_int_equal(r[1].min, 20);
	assert_int_equal(r[1].max, 20);
	assert_int_equal(r[2].min, 30);
	free(r);
	br_conf_free(&c);
	cni_conf_free(&conf);

	/* an empty trunk still turns VLAN filtering on, and allows vlan */
	assert_int_equal(load("{" BASE ",\"vlan\":3,\"vlanTrunk\":[]}", NULL, &conf, &c, &err), 0);
	assert_int_equal(c.n_trunk, 0);
	assert_true(br_vlan_filtering(&c));
	br_conf_free(&c);
	cni_conf_free(&conf);
}

static void test_mac_precedence(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_conf conf;
	struct br_conf c;

	assert_int_equal(
	    load("{" BASE "}", "IgnoreUnknown=1;MAC=0a:00:00:00:00:01", &conf, &c, &err), 0);
	assert_string_equal(c.mac, "0a:00:00:00:00:01");
	br_conf_free(&c);
	cni_conf_free(&conf);
	assert_int_equal(load("{" BASE ",\"args\":{\"cni\":{\"mac\":\"0a:00:00:00:00:02\"}}}",
			      "MAC=0a:00:00:00:00:01", &conf, &c, &err),
			 0);
	assert_string_equal(c.mac, "0a:00:00:00:00:02");
	br_conf_free(&c);
	cni_conf_free(&conf);
	assert_int_equal(load("{" BASE ",\"args\":{\"cni\":{\"mac\":\"0a:00:00:00:00:02\"}},"
			      "\"runtimeConfig\":{\"mac\":\"0a:00:00:00:00:03\"}}",
			      "MAC=0a:00:00:00:00:01", &conf, &c, &err),
			 0);
	assert_string_equal(c.mac, "0a:00:00:00:00:03");
	br_conf_free(&c);
	cni_conf_free(&conf);
	/* unknown CNI_ARGS keys: code 4 */
	assert_int_equal(load("{" BASE "}", "FOO=1", &conf, &c, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	br_conf_free(&c);
	cni_conf_free(&conf);
	cni_error_clear(&err);
}

static void test_parse_mac(void **state)
{
	uint8_t m[6];
	char buf[18];

	assert_int_equal(br_parse_mac("0A:58:0a:58:00:05", m), 0);
	assert_string_equal(br_format_mac(m, buf), "0a:58:0a:58:00:05");
	assert_int_equal(br_parse_mac("0a-58-0a-58-00-06", m), 0);
	assert_string_equal(br_format_mac(m, buf), "0a:58:0a:58:00:06");
	assert_int_equal(br_parse_mac("0a58.0a58.0007", m), 0);
	assert_string_equal(br_format_mac(m, buf), "0a:58:0a:58:00:07");
	assert_int_equal(br_parse_mac("0a:58:0a:58:00", m), -1);
	assert_int_equal(br_parse_mac("0a:58-0a:58:00:05", m), -1);
	assert_int_equal(br_parse_mac("0g:58:0a:58:00:05", m), -1);
	assert_int_equal(br_parse_mac("", m), -1);
	assert_int_equal(br_parse_mac(NULL, m), -1);
}

static void expect_add_check(const char *body, const char *args, int rc, const char *msg)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_conf conf;
	struct br_conf c;
	char text[512];
	uint8_t mac[6];
	bool has_mac;

	snprintf(text, sizeof(text), "{" BASE ",%s}", body);
	assert_int_equal(load(text, args, &conf, &c, &err), 0);
	assert_int_equal(br_conf_check_add(&c, mac, &has_mac, &err), rc);
	if (rc < 0) {
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
		if (msg)
			assert_string_equal(err.msg, msg);
	}
	br_conf_free(&c);
	cni_conf_free(&conf);
	cni_error_clear(&err);
}

static void test_check_add(void **state)
{
	expect_add_check("\"hairpinMode\":true,\"promiscMode\":true", NULL, -1,
			 "cannot set hairpin mode and promiscuous mode at the same time.");
	expect_add_check("\"disableContainerInterface\":true,\"ipam\":{\"type\":\"x\"}", NULL, -1,
			 "cannot use IPAM when DisableContainerInterface flag is set");
	expect_add_check("\"disableContainerInterface\":true,\"ipam\":{}", NULL, 0, NULL);
	expect_add_check("\"ipMasq\":true,\"ipMasqBackend\":\"iptables\"", NULL, 0, NULL);
	expect_add_check("\"ipMasq\":false,\"ipMasqBackend\":\"iptables\"", NULL, 0, NULL);
	expect_add_check("\"ipMasqBackend\":\"other\"", NULL, -1, NULL);
	expect_add_check("\"ipMasq\":true,\"ipMasqBackend\":\"nftables\"", NULL, 0, NULL);
	expect_add_check("\"runtimeConfig\":{\"mac\":\"zz\"}", NULL, -1,
			 "invalid MAC address \"zz\"");
	expect_add_check("\"runtimeConfig\":{\"mac\":\"01:00:00:00:00:01\"}", NULL, -1, NULL);
	expect_add_check("\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:01\"}", NULL, 0, NULL);
	/* what the kernel refuses for a veth: found before anything is made */
	expect_add_check("\"runtimeConfig\":{\"mac\":\"00:00:00:00:00:00\"}", NULL, -1,
			 "invalid MAC address \"00:00:00:00:00:00\": all zero");
	expect_add_check("\"runtimeConfig\":{\"mac\":\"0000.0000.0000\"}", NULL, -1,
			 "invalid MAC address \"0000.0000.0000\": all zero");
	expect_add_check("\"runtimeConfig\":{\"mac\":\"ff:ff:ff:ff:ff:ff\"}", NULL, -1,
			 "invalid MAC address \"ff:ff:ff:ff:ff:ff\": multicast");
	expect_add_check("\"mtu\":1500", "MAC=00-00-00-00-00-00", -1,
			 "invalid MAC address \"00-00-00-00-00-00\": all zero");
	expect_add_check("\"mtu\":9000", "MAC=bad", -1, "invalid MAC address \"bad\"");
}

static struct cni_result *result_with(const char *const *addrs, const char *const *gws)
{
	struct cni_result *r = cni_result_new();
	for (size_t i = 0; addrs[i]; i++) {
		struct cni_ipconfig ip = {.interface = -1};
		assert_int_equal(ip_net_parse(addrs[i], &ip.address), 0);
		if (gws && gws[i])
			assert_int_equal(ip_addr_parse(gws[i], &ip.gateway), 0);
		assert_true(cni_result_add_ip(r, &ip) >= 0);
	}
	return r;
}

static void test_calc_gateways(void **state)
{
	const char *addrs[] = {"fd00::5/64", "10.1.2.3/24", "10.9.0.4/16", NULL};
	const char *gws[] = {NULL, NULL, "10.9.0.254", NULL};
	struct br_conf c = {.is_gw = true, .is_default_gw = true};
	struct cni_result *r = result_with(addrs, gws);
	struct ip_net g[3];
	char s[IP_NET_STRLEN];
	size_t n;

	assert_int_equal(br_calc_gateways(r, &c, g, &n), 0);
	assert_int_equal(n, 3);
	/* IPv4 first, gateways with the address's prefix */
	assert_string_equal(ip_net_format(&g[0], s), "10.1.2.1/24");
	assert_string_equal(ip_net_format(&g[1], s), "10.9.0.254/16");
	assert_string_equal(ip_net_format(&g[2], s), "fd00::1/64");
	for (size_t i = 0; i < r->n_ips; i++)
		assert_int_equal(r->ips[i].interface, 2);
	/* one default route per family, via the first IP's gateway */
	assert_int_equal(r->n_routes, 2);
	assert_string_equal(ip_net_format(&r->routes[0].dst, s), "::/0");
	assert_string_equal(ip_addr_format(&r->routes[0].gw, s), "fd00::1");
	assert_string_equal(ip_net_format(&r->routes[1].dst, s), "0.0.0.0/0");
	assert_string_equal(ip_addr_format(&r->routes[1].gw, s), "10.1.2.1");
	cni_result_free(r);
}

static void test_calc_gateways_existing_default(void **state)
{
	const char *addrs[] = {"10.1.2.3/24", NULL};
	struct br_conf c = {.is_gw = true, .is_default_gw = true};
	struct cni_result *r = result_with(addrs, NULL);
	struct cni_route rt = {0};
	struct ip_net g[1];
	size_t n;

	assert_int_equal(ip_net_parse("0.0.0.0/0", &rt.dst), 0);
	assert_int_equal(ip_addr_parse("10.1.2.200", &rt.gw), 0);
	assert_true(cni_result_add_route(r, &rt) >= 0);
	assert_int_equal(br_calc_gateways(r, &c, g, &n), 0);
	assert_int_equal(r->n_routes, 1); /* IPAM's default route is kept alone */
	cni_result_free(r);

	/* not a gateway: no computed gateway, nothing for the bridge */
	struct br_conf l2 = {0};
	r = result_with(addrs, NULL);
	assert_int_equal(br_calc_gateways(r, &l2, g, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(r->ips[0].gateway.family, 0);
	assert_int_equal(r->n_routes, 0);
	cni_result_free(r);
}

static void test_global_unicast(void **state)
{
	const char *yes[] = {"10.1.2.3", "192.0.2.1", "fd00::1", "2001:db8::1"};
	const char *no[] = {"127.0.0.1", "169.254.1.1", "224.0.0.1", "0.0.0.0",
			    "::1",	 "::",		"fe80::1",   "ff02::1"};
	struct ip_addr a;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(ip_addr_parse(yes[i], &a), 0);
		assert_true(br_ip_is_global_unicast(&a));
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(ip_addr_parse(no[i], &a), 0);
		assert_false(br_ip_is_global_unicast(&a));
	}
}

static void test_random_veth_name(void **state)
{
	char a[NL_IFNAMSIZ], b[NL_IFNAMSIZ];
	struct cni_error err = CNI_ERROR_INIT;

	assert_int_equal(br_random_veth_name(a, &err), 0);
	assert_int_equal(br_random_veth_name(b, &err), 0);
	assert_int_equal(strlen(a), 12);
	assert_memory_equal(a, "veth", 4);
	assert_int_equal(strspn(a + 4, "0123456789abcdef"), 8);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_l2_and_dns),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_vlan),
	    cmocka_unit_test(test_trunk),
	    cmocka_unit_test(test_nomasq),
	    cmocka_unit_test(test_nomasq_canon),
	    cmocka_unit_test(test_mac_precedence),
	    cmocka_unit_test(test_parse_mac),
	    cmocka_unit_test(test_check_add),
	    cmocka_unit_test(test_calc_gateways),
	    cmocka_unit_test(test_calc_gateways_existing_default),
	    cmocka_unit_test(test_global_unicast),
	    cmocka_unit_test(test_random_veth_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

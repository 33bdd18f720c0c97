/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portmap: configuration, portMappings, conditions, container addresses,
 * entries, names and element layouts. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni.h"
#include "plugins/portmap/nftables.h"
#include "plugins/portmap/portmap.h"

/* Parse text (a whole config object) with pm_conf_parse. */
static int parse(const char *text, struct pm_conf *c, struct cni_error *err)
{
	cJSON *j = cJSON_Parse(text);
	int rc;

	assert_non_null(j);
	rc = pm_conf_parse(j, c, err);
	/* the conf borrows strings from j: copy what the tests read */
	if (c->ext_mark_chain)
		c->ext_mark_chain =
		    strcmp(c->ext_mark_chain, "KUBE-MARK-MASQ") ? "?" : "KUBE-MARK-MASQ";
	cJSON_Delete(j);
	return rc;
}

#define BASE "\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"portmap\""
#define PM(x) "{" BASE ",\"runtimeConfig\":{\"portMappings\":[" x "]}}"

static void expect_error(const char *text, int code, const char *msg)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct pm_conf c;

	assert_int_equal(parse(text, &c, &err), -1);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, msg))
		fail_msg("\"%s\" not in \"%s\"", msg, err.msg);
	pm_conf_free(&c);
	cni_error_clear(&err);
}

static void test_defaults(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct pm_conf c;

	assert_int_equal(parse("{" BASE "}", &c, &err), 0);
	assert_true(c.snat);
	assert_int_equal(c.mark_bit, 13);
	assert_false(c.mark_bit_set);
	assert_null(c.ext_mark_chain);
	assert_false(c.masq_all);
	assert_int_equal(c.backend, PM_BACKEND_UNSET);
	assert_int_equal(c.n_maps, 0);
	assert_int_equal(c.cond[0].n, 0);
	assert_string_equal(c.cond[0].hash, "");
	pm_conf_free(&c);
}

static void test_mappings(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct pm_conf c;
	char s[IP_ADDR_STRLEN];

	assert_int_equal(parse(PM("{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
				  "{\"hostPort\":53,\"containerPort\":5353,\"protocol\":\"UDP\","
				  "\"hostIP\":\"192.0.2.1\"},"
				  "{\"hostPort\":9,\"containerPort\":9,\"protocol\":\"sctp\","
				  "\"hostIP\":\"::\"},"
				  "{\"hostPort\":1,\"containerPort\":2,\"protocol\":\"tcp\","
				  "\"hostIP\":\"\"}"),
			       &c, &err),
			 0);
	assert_int_equal(c.n_maps, 4);
	assert_int_equal(c.maps[0].host_port, 8080);
	assert_int_equal(c.maps[0].container_port, 80);
	assert_int_equal(c.maps[0].proto, IPPROTO_TCP);
	assert_int_equal(c.maps[0].host_ip.family, 0);
	assert_int_equal(c.maps[1].proto, IPPROTO_UDP);
	assert_string_equal(ip_addr_format(&c.maps[1].host_ip, s), "192.0.2.1");
	assert_false(c.maps[1].host_ip_any);
	assert_int_equal(c.maps[2].proto, IPPROTO_SCTP);
	assert_int_equal(c.maps[2].host_ip.family, AF_INET6);
	assert_true(c.maps[2].host_ip_any);
	assert_int_equal(c.maps[3].host_ip.family, 0);
	pm_conf_free(&c);

	/* null and empty lists: nothing */
	assert_int_equal(parse("{" BASE ",\"runtimeConfig\":{\"portMappings\":null}}", &c, &err),
			 0);
	assert_int_equal(c.n_maps, 0);
	pm_conf_free(&c);
	assert_int_equal(parse(PM(""), &c, &err), 0);
	assert_int_equal(c.n_maps, 0);
	pm_conf_free(&c);
}

static void test_mapping_errors(void **state)
{
	/* the reference's messages */
	expect_error(PM("{\"hostPort\":0,\"containerPort\":80,\"protocol\":\"tcp\"}"), 7,
		     "Invalid host port number: 0");
	expect_error(PM("{\"hostPort\":80,\"containerPort\":-1,\"protocol\":\"tcp\"}"), 7,
		     "Invalid container port number: -1");
	/* the container port is checked first, as there */
	expect_error(PM("{\"hostPort\":0,\"containerPort\":0,\"protocol\":\"tcp\"}"), 7,
		     "Invalid container port number: 0");
	expect_error(PM("{\"hostPort\":70000,\"containerPort\":80,\"protocol\":\"tcp\"}"), 7,
		     "Invalid host port number: 70000");
	expect_error(PM("{\"hostPort\":\"80\",\"containerPort\":80,\"protocol\":\"tcp\"}"), 7,
		     "hostPort must be a number");
	expect_error(PM("{\"hostPort\":80.5,\"containerPort\":80,\"protocol\":\"tcp\"}"), 7,
		     "hostPort must be an integer");
	expect_error(PM("{\"hostPort\":80,\"containerPort\":80,\"protocol\":\"icmp\"}"), 7,
		     "unsupported protocol \"icmp\"");
	expect_error(PM("{\"hostPort\":80,\"containerPort\":80}"), 7, "protocol missing");
	expect_error(PM("{\"hostPort\":80,\"containerPort\":80,\"protocol\":\"tcp\","
			"\"hostIP\":\"bogus\"}"),
		     7, "invalid hostIP \"bogus\"");
	expect_error(PM("7"), 7, "portMappings[0] must be an object");
	expect_error("{" BASE ",\"runtimeConfig\":{\"portMappings\":{}}}", 7,
		     "portMappings must be an array");
	expect_error("{" BASE ",\"runtimeConfig\":[]}", 7, "runtimeConfig must be an object");
}

static void test_options(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct pm_conf c;

	assert_int_equal(parse("{" BASE ",\"snat\":false,\"markMasqBit\":5,\"masqAll\":true,"
			       "\"backend\":\"iptables\"}",
			       &c, &err),
			 0);
	assert_false(c.snat);
	assert_int_equal(c.mark_bit, 5);
	assert_true(c.mark_bit_set);
	assert_true(c.masq_all);
	assert_int_equal(c.backend, PM_BACKEND_IPTABLES);
	pm_conf_free(&c);
	assert_int_equal(
	    parse("{" BASE ",\"externalSetMarkChain\":\"KUBE-MARK-MASQ\",\"backend\":\"iptables\"}",
		  &c, &err),
	    0);
	assert_string_equal(c.ext_mark_chain, "KUBE-MARK-MASQ");
	pm_conf_free(&c);
	/* null is absent, as Go's decoder */
	assert_int_equal(parse("{" BASE ",\"markMasqBit\":null,\"externalSetMarkChain\":\"KUBE-"
			       "MARK-MASQ\"}",
			       &c, &err),
			 0);
	assert_false(c.mark_bit_set);
	pm_conf_free(&c);
	assert_int_equal(parse("{" BASE ",\"backend\":\"nftables\"}", &c, &err), 0);
	assert_int_equal(c.backend, PM_BACKEND_NFTABLES);
	pm_conf_free(&c);

	expect_error("{" BASE ",\"markMasqBit\":3,\"externalSetMarkChain\":\"X\"}", 7,
		     "Cannot specify externalSetMarkChain and markMasqBit");
	expect_error("{" BASE ",\"markMasqBit\":32}", 7, "MasqMarkBit must be between 0 and 31");
	expect_error("{" BASE ",\"markMasqBit\":-1}", 7, "MasqMarkBit must be between 0 and 31");
	expect_error("{" BASE ",\"snat\":\"yes\"}", 7, "snat must be a boolean");
	expect_error("{" BASE ",\"backend\":\"ebpf\"}", 7, "unrecognized backend \"ebpf\"");
	expect_error("{" BASE ",\"backend\":\"nftables\",\"externalSetMarkChain\":\"X\"}", 7,
		     "nftables backend was requested but configuration contains iptables-specific "
		     "options [externalSetMarkChain]");
	expect_error("{" BASE ",\"backend\":\"nftables\",\"conditionsV4\":[\"-s\",\"10.0.0.1\"],"
		     "\"conditionsV6\":[\"-s\",\"fd00::1\"]}",
		     7, "options [conditionsV4 conditionsV6]");
	expect_error("{" BASE ",\"backend\":\"iptables\",\"conditionsV4\":[\"ip saddr 10.0.0.1\"]}",
		     7,
		     "iptables backend was requested but configuration contains nftables-specific "
		     "options [conditionsV4]");
}

static void conds(const char *json, int family, struct pm_conds *out)
{
	struct cni_error err = CNI_ERROR_INIT;
	cJSON *j = cJSON_Parse(json);
	assert_non_null(j);
	if (pm_conds_parse(j, family, "conditions", out, &err) < 0)
		fail_msg("%s: %s", json, err.msg);
	cJSON_Delete(j);
}

static void conds_error(const char *json, int family, const char *msg)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct pm_conds c;
	cJSON *j = cJSON_Parse(json);

	assert_non_null(j);
	assert_int_equal(pm_conds_parse(j, family, "conditionsV4", &c, &err), -1);
	assert_int_equal(err.code, 7);
	if (!strstr(err.msg, msg))
		fail_msg("\"%s\" not in \"%s\"", msg, err.msg);
	cJSON_Delete(j);
	cni_error_clear(&err);
}

static void test_conditions(void **state)
{
	struct pm_conds a, b;
	char s[IP_NET_STRLEN];

	/* iptables notation */
	conds("[\"-s\",\"10.0.0.0/8\",\"!\",\"-d\",\"192.0.2.1\",\"-i\",\"eth+\"]", AF_INET, &a);
	assert_false(a.nft_style);
	assert_int_equal(a.n, 3);
	assert_int_equal(a.v[0].kind, PM_COND_SADDR);
	assert_false(a.v[0].neg);
	assert_string_equal(ip_net_format(&a.v[0].net, s), "10.0.0.0/8");
	assert_int_equal(a.v[1].kind, PM_COND_DADDR);
	assert_true(a.v[1].neg);
	assert_string_equal(ip_net_format(&a.v[1].net, s), "192.0.2.1/32");
	assert_int_equal(a.v[2].kind, PM_COND_IIFNAME);
	assert_string_equal(a.v[2].ifname, "eth*");
	assert_int_equal(strlen(a.hash), 8);
	/* the same in nftables notation, split differently: the same hash */
	conds("[\"ip saddr 10.0.0.0/8\",\"ip\",\"daddr\",\"!=\",\"192.0.2.1\","
	      "\"iifname\",\"\\\"eth*\\\"\"]",
	      AF_INET, &b);
	assert_true(b.nft_style);
	assert_int_equal(b.n, 3);
	assert_string_equal(a.hash, b.hash);
	/* other conditions, another hash */
	conds("[\"--source\",\"10.0.0.0/9\"]", AF_INET, &b);
	assert_string_not_equal(a.hash, b.hash);
	/* IPv6 */
	conds("[\"ip6 saddr fd00::/64\"]", AF_INET6, &b);
	assert_int_equal(b.n, 1);
	assert_string_equal(ip_net_format(&b.v[0].net, s), "fd00::/64");
	/* none */
	conds("[]", AF_INET, &b);
	assert_int_equal(b.n, 0);
	assert_string_equal(b.hash, "");
	conds("null", AF_INET, &b);
	assert_int_equal(b.n, 0);

	conds_error("[\"-m\",\"comment\"]", AF_INET, "unsupported condition \"-m\"");
	conds_error("[\"-p\",\"tcp\"]", AF_INET, "unsupported condition \"-p\"");
	conds_error("[\"-s\",\"10.0.0.1,10.0.0.2\"]", AF_INET, "unsupported condition");
	conds_error("[\"-s\"]", AF_INET, "needs a value");
	conds_error("[\"-s\",\"10.0.0.1\",\"!\"]", AF_INET, "\"!\" at the end");
	conds_error("[\"-s\",\"fd00::1\"]", AF_INET, "is not an IPv4 address");
	conds_error("[\"-s\",\"0.0.0.0/0\"]", AF_INET, "matches every address");
	conds_error("[\"-s\",\"nope\"]", AF_INET, "invalid address \"nope\"");
	conds_error("[\"-i\",\"+\"]", AF_INET, "matches every interface");
	conds_error("[\"-i\",\"averyveryverylongname\"]", AF_INET, "invalid interface name");
	conds_error("[\"ip6 saddr fd00::1\"]", AF_INET, "unsupported condition \"ip6\"");
	conds_error("[\"ip saddr { 10.0.0.1, 10.0.0.2 }\"]", AF_INET,
		    "unsupported condition \"{\"");
	conds_error("[\"ip saddr 10.0.0.1-10.0.0.9\"]", AF_INET, "unsupported condition");
	conds_error("[\"tcp dport 80\"]", AF_INET, "unsupported condition \"tcp\"");
	conds_error("[\"ip protocol tcp\"]", AF_INET, "unsupported condition \"protocol\"");
	conds_error("[1]", AF_INET, "must be an array of strings");
	conds_error("\"-s\"", AF_INET, "must be an array of strings");
}

/* prevResult as the bridge prints it: bridge, veth, eth0 in a sandbox */
static struct cni_result *prev(const char *ips)
{
	char text[2048];
	struct cni_result *r = NULL;
	struct cni_error err = CNI_ERROR_INIT;

	snprintf(text, sizeof(text),
		 "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"br\"},{\"name\":\"veth\"},"
		 "{\"name\":\"eth0\",\"sandbox\":\"/run/netns/x\"}],\"ips\":[%s]}",
		 ips);
	if (cni_result_parse(text, "1.0.0", &r, &err) < 0)
		fail_msg("%s", err.msg);
	return r;
}

static void test_container_addrs(void **state)
{
	struct cni_result *r;
	struct pm_addrs a;
	char s[IP_NET_STRLEN];

	/* the first of each family on eth0; not the bridge's, not another ifname's */
	r = prev("{\"address\":\"10.1.0.1/24\",\"interface\":0},"
		 "{\"address\":\"10.2.0.5/16\",\"interface\":2},"
		 "{\"address\":\"10.2.0.6/16\",\"interface\":2},"
		 "{\"address\":\"fd00::5/64\",\"interface\":2}");
	pm_container_addrs(r, "eth0", &a);
	assert_string_equal(ip_net_format(&a.a[0], s), "10.2.0.5/16");
	assert_string_equal(ip_net_format(&a.a[1], s), "fd00::5/64");
	pm_container_addrs(r, "eth1", &a);
	assert_int_equal(a.a[0].ip.family, 0);
	assert_int_equal(a.a[1].ip.family, 0);
	cni_result_free(r);
	/* no interface index: taken */
	r = prev("{\"address\":\"10.3.0.2/24\"}");
	pm_container_addrs(r, "eth0", &a);
	assert_string_equal(ip_net_format(&a.a[0], s), "10.3.0.2/24");
	cni_result_free(r);
	pm_container_addrs(NULL, "eth0", &a);
	assert_int_equal(a.a[0].ip.family, 0);
}

static void test_entries(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct pm_conf c;
	struct pm_addrs a = {0};
	struct pm_entry *v;
	size_t n;

	assert_int_equal(parse("{" BASE
			       ",\"conditionsV4\":[\"-s\",\"10.0.0.0/8\"],\"runtimeConfig\":{"
			       "\"portMappings\":["
			       "{\"hostPort\":80,\"containerPort\":8080,\"protocol\":\"tcp\"},"
			       "{\"hostPort\":80,\"containerPort\":9090,\"protocol\":\"tcp\"},"
			       "{\"hostPort\":80,\"containerPort\":80,\"protocol\":\"udp\"},"
			       "{\"hostPort\":81,\"containerPort\":81,\"protocol\":\"tcp\","
			       "\"hostIP\":\"192.0.2.1\"},"
			       "{\"hostPort\":82,\"containerPort\":82,\"protocol\":\"tcp\","
			       "\"hostIP\":\"0.0.0.0\"},"
			       "{\"hostPort\":83,\"containerPort\":83,\"protocol\":\"tcp\","
			       "\"hostIP\":\"2001:db8::1\"}"
			       "]}}",
			       &c, &err),
			 0);
	ip_net_parse("10.88.0.5/16", &a.a[0]);
	ip_net_parse("fd00::5/64", &a.a[1]);
	assert_int_equal(pm_entries(&c, &a, &v, &n), 0);
	/* IPv4: 80/tcp once (first wins), 80/udp, 81 on 192.0.2.1, 82 any;
	 * IPv6: 80/tcp, 80/udp, 83 on 2001:db8::1 (0.0.0.0 is IPv4's only) */
	assert_int_equal(n, 7);
	assert_int_equal(v[0].family, AF_INET);
	assert_int_equal(v[0].container_port, 8080);
	assert_string_equal(v[0].cond, c.cond[0].hash);
	assert_int_equal(v[1].proto, IPPROTO_UDP);
	assert_true(v[2].keyed_host);
	assert_false(v[3].keyed_host);
	assert_int_equal(v[3].host_port, 82);
	assert_int_equal(v[4].family, AF_INET6);
	assert_string_equal(v[4].cond, "");
	assert_int_equal(v[6].host_port, 83);
	assert_true(v[6].keyed_host);
	free(v);
	/* IPv4 only */
	memset(&a.a[1], 0, sizeof(a.a[1]));
	assert_int_equal(pm_entries(&c, &a, &v, &n), 0);
	assert_int_equal(n, 4);
	free(v);
	pm_conf_free(&c);
}

/* The most mappings a config may have, half of them repeating a key: the
 * first of each key wins, in order; a host address makes another key. */
static void test_entries_many(void **state)
{
	struct pm_conf c = {0};
	struct pm_addrs a = {0};
	struct pm_entry *v = NULL;
	size_t n;

	(void)state;
	c.snat = true;
	c.n_maps = PM_MAX_MAPPINGS;
	c.maps = calloc(c.n_maps, sizeof(*c.maps));
	assert_non_null(c.maps);
	for (size_t i = 0; i < c.n_maps; i++) {
		c.maps[i].host_port = (uint16_t)(20000 + i % 2048);
		c.maps[i].container_port = (uint16_t)(1 + i);
		c.maps[i].proto = IPPROTO_TCP;
		/* the last 1024: on a host address, each its own key */
		if (i >= 3072)
			ip_addr_parse("192.0.2.1", &c.maps[i].host_ip);
	}
	ip_net_parse("10.88.0.5/16", &a.a[0]);
	ip_net_parse("fd00::5/64", &a.a[1]);
	assert_int_equal(pm_entries(&c, &a, &v, &n), 0);
	/* IPv4: 2048 any-address keys + 1024 on 192.0.2.1; IPv6: 2048 */
	assert_int_equal(n, 2048 + 1024 + 2048);
	for (size_t i = 0; i < 2048; i++) {
		assert_int_equal(v[i].host_port, 20000 + i);
		assert_int_equal(v[i].container_port, 1 + i);
		assert_false(v[i].keyed_host);
	}
	for (size_t i = 2048; i < 3072; i++) {
		assert_true(v[i].keyed_host);
		assert_int_equal(v[i].container_port, 1 + 3072 + (i - 2048));
	}
	for (size_t i = 3072; i < n; i++) {
		assert_int_equal(v[i].family, AF_INET6);
		assert_int_equal(v[i].container_port, 1 + (i - 3072));
	}
	free(v);
	pm_conf_free(&c);
}

static void test_names_and_elems(void **state)
{
	char b[PM_NAME_MAX], chain[29];
	struct pm_entry e = {0};
	struct nft_elem d, w, k, h, l;
	static const uint8_t key4[] = {192, 0, 2, 1, 6, 0, 0, 0, 0x1f, 0x90, 0, 0};
	static const uint8_t data4[] = {10, 88, 0, 5, 0, 80, 0, 0};
	static const uint8_t hp4[] = {10, 88, 0, 0, 10, 88, 0, 5, 6, 0, 0, 0, 0, 80, 0, 0};

	assert_string_equal(pm_dnat_map_name(AF_INET, false, "", b), "dnat4");
	assert_string_equal(pm_dnat_map_name(AF_INET6, true, NULL, b), "dnat6-ip");
	assert_string_equal(pm_dnat_map_name(AF_INET, true, "1a2b3c4d", b), "dnat4-ip-1a2b3c4d");
	assert_string_equal(pm_wait_map_name(AF_INET, false, "1a2b3c4d", b), "wait4-1a2b3c4d");
	assert_string_equal(pm_hairpin_set_name(AF_INET6, 64, b), "hairpin6-64");

	e.family = AF_INET;
	e.keyed_host = true;
	ip_addr_parse("192.0.2.1", &e.host_ip);
	e.proto = IPPROTO_TCP;
	e.host_port = 8080;
	e.container_port = 80;
	ip_net_parse("10.88.0.5/16", &e.caddr);
	pm_dnat_elem(&e, &d);
	assert_int_equal(d.klen, sizeof(key4));
	assert_memory_equal(d.key, key4, sizeof(key4));
	assert_int_equal(d.dlen, sizeof(data4));
	assert_memory_equal(d.data, data4, sizeof(data4));
	/* waiting: the key and the owner's hash; back to the DNAT key */
	pm_wait_elem(&e, "n/c/eth0", 0x0102030405060708ull, &w);
	assert_int_equal(w.klen, d.klen + 4);
	assert_int_equal(w.dlen, d.dlen + 8);
	assert_true(pm_wait_seq(&w) == 0x0102030405060708ull);
	pm_wait_to_dnat(&w, &k);
	assert_int_equal(k.klen, d.klen);
	assert_memory_equal(k.key, d.key, d.klen);
	assert_memory_equal(k.data, d.data, d.dlen);
	assert_int_not_equal(pm_owner_hash("n/c/eth0"), pm_owner_hash("n/d/eth0"));
	pm_hairpin_elem(&e, false, &h);
	assert_int_equal(h.klen, sizeof(hp4));
	assert_memory_equal(h.key, hp4, sizeof(hp4));
	pm_hairpin_elem(&e, true, &h); /* masqAll: any source */
	assert_memory_equal(h.key, "\0\0\0\0", 4);
	pm_localhost_elem(&e, &l);
	assert_int_equal(l.klen, 12);
	assert_memory_equal(l.key, hp4 + 4, 12);
	/* the 127.0.0.0/8 drop's element: the interface name, NUL-padded to
	 * IFNAMSIZ as the kernel loads iifname */
	pm_localnet_elem("cni0", &l);
	assert_int_equal(l.klen, 16);
	assert_memory_equal(l.key, "cni0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	pm_localnet_elem("abcdefghijklmno", &l);
	assert_memory_equal(l.key, "abcdefghijklmno", 16);
	{
		struct nft_set_def def;
		pm_localnet_def(&def);
		assert_string_equal(def.name, "localnet-ifs");
		assert_int_equal(def.key_type, NFT_TYPE_IFNAME);
		assert_int_equal(def.key_len, 16);
		assert_int_equal(def.data_type, 0);
	}

	/* the reference's chains: CNI-DN- + sha512("pmnet" "c1")[:21] */
	assert_string_equal(pm_legacy_chain_name("pmnet", "c1", "DN-", chain),
			    "CNI-DN-0e9965f3b290e853e3753");
	assert_int_equal(strlen(pm_legacy_chain_name("pmnet", "c1", "SN-", chain)), 28);
	assert_string_equal(pm_proto_name(IPPROTO_SCTP), "sctp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),	    cmocka_unit_test(test_mappings),
	    cmocka_unit_test(test_mapping_errors),  cmocka_unit_test(test_options),
	    cmocka_unit_test(test_conditions),	    cmocka_unit_test(test_container_addrs),
	    cmocka_unit_test(test_entries),	    cmocka_unit_test(test_entries_many),
	    cmocka_unit_test(test_names_and_elems),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

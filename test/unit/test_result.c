/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cleanup.h"
#include "cni/result.h"

/* Results in the reference's shapes, as the plugins print them. */
#define DNS_FULL                                                                                   \
	"\"dns\":{\"nameservers\":[\"10.0.0.53\",\"fd00::53\"],\"domain\":\"example.com\","        \
	"\"search\":[\"a.example.com\",\"example.com\"],\"options\":[\"ndots:2\"]}"

static const char *R020 =
    "{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\","
    "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/24\",\"gw\":\"10.1.0.254\"}]},"
    "\"ip6\":{\"ip\":\"fd00::5/64\",\"gateway\":\"fd00::1\",\"routes\":[{\"dst\":\"::/"
    "0\"}]}," DNS_FULL "}";

/* The same in 0.4.0 / 1.0.0 (no interfaces: 0.2.0 has none). */
static const char *R040_FROM_020 =
    "{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.1.0.5/16\","
    "\"gateway\":\"10.1.0.1\"},{\"version\":\"6\",\"address\":\"fd00::5/64\",\"gateway\":"
    "\"fd00::1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/24\",\"gw\":"
    "\"10.1.0.254\"},{\"dst\":\"::/0\"}]," DNS_FULL "}";
static const char *R100_FROM_020 =
    "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\"},"
    "{\"address\":\"fd00::5/64\",\"gateway\":\"fd00::1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"},"
    "{\"dst\":\"192.168.0.0/24\",\"gw\":\"10.1.0.254\"},{\"dst\":\"::/0\"}]," DNS_FULL "}";

static const char *R040 =
    "{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"cni0\",\"mac\":\"0a:58:0a:01:00:01\"},"
    "{\"name\":\"eth0\",\"mac\":\"0a:58:0a:01:00:05\",\"sandbox\":\"/var/run/netns/t\"}],"
    "\"ips\":[{\"version\":\"4\",\"interface\":1,\"address\":\"10.1.0.5/16\",\"gateway\":"
    "\"10.1.0.1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}],\"dns\":{}}";
static const char *R100_FROM_040 =
    "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"cni0\",\"mac\":\"0a:58:0a:01:00:01\"},"
    "{\"name\":\"eth0\",\"mac\":\"0a:58:0a:01:00:05\",\"sandbox\":\"/var/run/netns/t\"}],"
    "\"ips\":[{\"interface\":1,\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\"}],"
    "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}],\"dns\":{}}";
static const char *R020_FROM_040 =
    "{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\","
    "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}]},\"dns\":{}}";

static const char *R110 =
    "{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"0a:58:0a:01:00:05\","
    "\"mtu\":1450,\"sandbox\":\"/var/run/netns/t\",\"socketPath\":\"/run/vhost.sock\","
    "\"pciID\":\"0000:00:1f.6\"}],\"ips\":[{\"interface\":0,\"address\":\"10.1.0.5/16\"}],"
    "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\",\"mtu\":1400,\"advmss\":1360,"
    "\"priority\":100,\"table\":200,\"scope\":0}],\"dns\":{}}";

static struct cni_result *parse_ok(const char *s, const char *fallback)
{
	struct cni_result *r = NULL;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	if (cni_result_parse(s, fallback, &r, &err) < 0)
		fail_msg("parse failed (%d): %s", err.code, err.msg);
	return r;
}

/* No field of the DNS object set ("" domain counts as unset). */
static bool cni_dns_is_empty(const struct cni_dns *dns)
{
	return !dns->n_nameservers && !dns->n_search && !dns->n_options &&
	       !(dns->domain && *dns->domain);
}

static void assert_prints(const struct cni_result *r, const char *version, const char *expect)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_free char *s = cni_result_print(r, version, &err);
	if (!s)
		fail_msg("print %s failed (%d): %s", version, err.code, err.msg);
	assert_string_equal(s, expect);
}

static void assert_print_fails(const struct cni_result *r, const char *version, int code,
			       const char *needle)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_free char *s = cni_result_print(r, version, &err);
	if (s)
		fail_msg("print %s should fail, got %s", version, s);
	assert_int_equal(err.code, code);
	if (needle && !strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

/* Replace the first "cniVersion":"x" by v (same-length fixtures only). */
static char *with_version(const char *s, const char *v)
{
	char *c = strdup(s);
	char *p = strstr(c, "\"cniVersion\":\"") + 14;
	memcpy(p, v, 5);
	return c;
}

static void test_parse_020(void **state)
{
	cleanup_result struct cni_result *r = parse_ok(R020, NULL);
	char buf[IP_NET_STRLEN];
	assert_string_equal(r->cni_version, "0.2.0");
	assert_int_equal(r->n_interfaces, 0);
	assert_int_equal(r->n_ips, 2);
	assert_string_equal(ip_net_format(&r->ips[0].address, buf), "10.1.0.5/16");
	assert_int_equal(r->ips[0].interface, -1);
	assert_int_equal(r->ips[1].address.ip.family, AF_INET6);
	assert_int_equal(r->n_routes, 3);
	assert_string_equal(ip_net_format(&r->routes[2].dst, buf), "::/0");
	assert_int_equal(r->routes[0].gw.family, 0);
	assert_int_equal(r->dns.n_nameservers, 2);
	assert_string_equal(r->dns.domain, "example.com");
	assert_int_equal(r->dns.n_search, 2);
	assert_string_equal(r->dns.options[0], "ndots:2");
}

static void test_020_to_every_version(void **state)
{
	cleanup_result struct cni_result *r = parse_ok(R020, NULL);
	cleanup_free char *r010 = with_version(R020, "0.1.0");
	cleanup_free char *r030 = with_version(R040_FROM_020, "0.3.0");
	cleanup_free char *r031 = with_version(R040_FROM_020, "0.3.1");
	cleanup_free char *r110 = with_version(R100_FROM_020, "1.1.0");
	assert_prints(r, "0.1.0", r010);
	assert_prints(r, "0.2.0", R020);
	assert_prints(r, "0.3.0", r030);
	assert_prints(r, "0.3.1", r031);
	assert_prints(r, "0.4.0", R040_FROM_020);
	assert_prints(r, "1.0.0", R100_FROM_020);
	assert_prints(r, "1.1.0", r110);
	/* "" means 0.1.0 */
	assert_prints(r, "", r010);
}

static void test_010_parses_as_020(void **state)
{
	cleanup_free char *r010 = with_version(R020, "0.1.0");
	cleanup_result struct cni_result *r = parse_ok(r010, NULL);
	assert_string_equal(r->cni_version, "0.1.0");
	assert_prints(r, "0.2.0", R020);
}

static void test_040_to_every_version(void **state)
{
	cleanup_result struct cni_result *r = parse_ok(R040, NULL);
	cleanup_free char *r031 = with_version(R040, "0.3.1");
	cleanup_free char *r030 = with_version(R040, "0.3.0");
	cleanup_free char *r110 = with_version(R100_FROM_040, "1.1.0");
	cleanup_free char *r010 = with_version(R020_FROM_040, "0.1.0");
	assert_int_equal(r->n_interfaces, 2);
	assert_string_equal(r->interfaces[1].sandbox, "/var/run/netns/t");
	assert_null(r->interfaces[0].sandbox);
	assert_int_equal(r->ips[0].interface, 1);
	assert_prints(r, "0.4.0", R040);
	assert_prints(r, "0.3.1", r031);
	assert_prints(r, "0.3.0", r030);
	assert_prints(r, "1.0.0", R100_FROM_040);
	assert_prints(r, "1.1.0", r110);
	/* interfaces simply do not exist in 0.2.0: dropped, not an error */
	assert_prints(r, "0.2.0", R020_FROM_040);
	assert_prints(r, "0.1.0", r010);
}

static void test_100_to_040_and_back(void **state)
{
	cleanup_result struct cni_result *r = parse_ok(R100_FROM_040, NULL);
	cleanup_result struct cni_result *r2 = NULL;
	cleanup_free char *s = NULL;
	assert_string_equal(r->cni_version, "1.0.0");
	assert_prints(r, "0.4.0", R040);
	assert_prints(r, "1.0.0", R100_FROM_040);
	/* through text and back */
	s = cni_result_print(r, "0.4.0", NULL);
	r2 = parse_ok(s, NULL);
	assert_prints(r2, "1.0.0", R100_FROM_040);
}

static void test_110_roundtrip(void **state)
{
	cleanup_result struct cni_result *r = parse_ok(R110, NULL);
	assert_int_equal(r->interfaces[0].mtu, 1450);
	assert_string_equal(r->interfaces[0].socket_path, "/run/vhost.sock");
	assert_string_equal(r->interfaces[0].pci_id, "0000:00:1f.6");
	assert_int_equal(r->routes[0].mtu, 1400);
	assert_int_equal(r->routes[0].advmss, 1360);
	assert_int_equal(r->routes[0].priority, 100);
	assert_int_equal(r->routes[0].table, 200);
	assert_true(r->routes[0].has_scope);
	assert_int_equal(r->routes[0].scope, 0);
	assert_prints(r, "1.1.0", R110);
}

static void test_110_inexpressible_in_older(void **state)
{
	cleanup_result struct cni_result *r = parse_ok(R110, NULL);
	const char *older[] = {"1.0.0", "0.4.0", "0.3.1", "0.3.0", "0.2.0", "0.1.0"};
	for (size_t i = 0; i < sizeof(older) / sizeof(older[0]); i++)
		assert_print_fails(r, older[i], 7, "1.1.0");

	/* the interface's socketPath alone, then pciID alone, is enough to refuse */
	struct cni_interface *ifc = &r->interfaces[0];
	char *sock = ifc->socket_path, *pci = ifc->pci_id;
	struct cni_route *rt = &r->routes[0];
	struct cni_route saved = *rt;
	rt->mtu = rt->advmss = rt->priority = rt->table = 0;
	rt->has_scope = false;
	ifc->pci_id = NULL;
	assert_print_fails(r, "1.0.0", 7, "socketPath");
	ifc->pci_id = pci;
	ifc->socket_path = NULL;
	assert_print_fails(r, "0.4.0", 7, "pciID");
	free(sock);
	free(pci);
	ifc->pci_id = NULL;

	/* each route field alone is enough to refuse */
	int *fields[] = {&rt->mtu, &rt->advmss, &rt->priority, &rt->table};
	int values[] = {saved.mtu, saved.advmss, saved.priority, saved.table};
	for (size_t i = 0; i < 4; i++) {
		*fields[i] = values[i];
		assert_print_fails(r, "0.4.0", 7, "route to 0.0.0.0/0");
		assert_print_fails(r, "1.0.0", 7, "route to 0.0.0.0/0");
		*fields[i] = 0;
	}
	rt->has_scope = true; /* scope 0 (universe) is a value, not absence */
	assert_print_fails(r, "1.0.0", 7, "route");
	rt->has_scope = false;

	/* interface mtu is dropped before 1.1.0 */
	assert_prints(r, "1.0.0",
		      "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":"
		      "\"0a:58:0a:01:00:05\",\"sandbox\":\"/var/run/netns/t\"}],\"ips\":[{"
		      "\"interface\":0,\"address\":\"10.1.0.5/16\"}],\"routes\":[{\"dst\":"
		      "\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}],\"dns\":{}}");
	/* and 0.2.0 takes the route under ip4 */
	assert_prints(r, "0.2.0",
		      "{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.1.0.5/16\",\"routes\":[{"
		      "\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}]},\"dns\":{}}");
}

static void test_020_inexpressible(void **state)
{
	cleanup_result struct cni_result *r =
	    parse_ok("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/24\"},"
		     "{\"address\":\"10.0.1.2/24\"}]}",
		     NULL);
	assert_print_fails(r, "0.2.0", 7, "more than one IPv4");
	assert_print_fails(r, "0.1.0", 7, "more than one IPv4");
	assert_prints(
	    r, "0.3.1",
	    "{\"cniVersion\":\"0.3.1\",\"ips\":[{\"version\":\"4\",\"address\":"
	    "\"10.0.0.2/24\"},{\"version\":\"4\",\"address\":\"10.0.1.2/24\"}],\"dns\":{}}");

	cleanup_result struct cni_result *r6 =
	    parse_ok("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"fd00::2/64\"},"
		     "{\"address\":\"fd00::3/64\"},{\"address\":\"10.0.0.2/24\"}]}",
		     NULL);
	assert_print_fails(r6, "0.2.0", 7, "more than one IPv6");

	/* a route with no address of its family has nowhere to go */
	cleanup_result struct cni_result *rr =
	    parse_ok("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/24\"}],"
		     "\"routes\":[{\"dst\":\"::/0\"}]}",
		     NULL);
	assert_print_fails(rr, "0.2.0", 7, "route to ::/0");
	cleanup_result struct cni_result *rn =
	    parse_ok("{\"cniVersion\":\"1.0.0\",\"routes\":[{\"dst\":\"10.0.0.0/8\"}]}", NULL);
	assert_print_fails(rn, "0.2.0", 7, "no IPv4 address");
}

static void test_empty_result(void **state)
{
	cleanup_result struct cni_result *r = cni_result_new();
	assert_prints(r, "1.1.0", "{\"cniVersion\":\"1.1.0\",\"dns\":{}}");
	assert_prints(r, "0.4.0", "{\"cniVersion\":\"0.4.0\",\"dns\":{}}");
	assert_prints(r, "0.2.0", "{\"cniVersion\":\"0.2.0\",\"dns\":{}}");
}

static void test_print_unsupported_version(void **state)
{
	cleanup_result struct cni_result *r = parse_ok(R040, NULL);
	assert_print_fails(r, "0.5.0", CNI_ERR_INCOMPATIBLE_VERSION, NULL);
	assert_print_fails(r, "1.0", CNI_ERR_INCOMPATIBLE_VERSION, NULL);
	assert_print_fails(r, "garbage", CNI_ERR_INCOMPATIBLE_VERSION, NULL);
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	assert_null(cni_result_to_json(r, "2.0.0", &err));
	assert_int_equal(err.code, CNI_ERR_INCOMPATIBLE_VERSION);
}

static void test_print_bad_interface_index(void **state)
{
	cleanup_result struct cni_result *r = parse_ok(R040, NULL);
	r->ips[0].interface = 2;
	assert_print_fails(r, "1.0.0", 7, "interface index 2");
	/* in 0.2.0 the index does not exist, so it does not matter */
	assert_prints(r, "0.2.0", R020_FROM_040);
}

static void test_fallback_version(void **state)
{
	/* no cniVersion in the result: the fallback picks the shape */
	const char *v1 = "{\"ips\":[{\"address\":\"10.0.0.2/24\"}]}";
	const char *v0 = "{\"ip4\":{\"ip\":\"10.0.0.2/24\"}}";
	cleanup_result struct cni_result *a = parse_ok(v1, "1.0.0");
	cleanup_result struct cni_result *b = parse_ok(v0, NULL);
	cleanup_result struct cni_result *c = parse_ok(v0, "0.2.0");
	cleanup_result struct cni_result *d = parse_ok(v1, NULL); /* read as 0.1.0 */
	assert_int_equal(a->n_ips, 1);
	assert_string_equal(a->cni_version, "1.0.0");
	assert_int_equal(b->n_ips, 1);
	assert_string_equal(b->cni_version, "0.1.0");
	assert_int_equal(c->n_ips, 1);
	assert_int_equal(d->n_ips, 0);
}

static void test_parse_errors(void **state)
{
	struct {
		const char *json;
		int code;
		const char *needle;
	} bad[] = {
	    {"not json", 6, "invalid JSON"},
	    {"[]", 6, "not a JSON object"},
	    {"{\"cniVersion\":\"1.0.0\"} x", 6, NULL},
	    {"{\"cniVersion\":\"9.9.9\"}", 1, "9.9.9"},
	    {"{\"cniVersion\":1}", 7, "cniVersion"},
	    {"{\"cniVersion\":\"1.0.0\",\"ips\":{}}", 7, "ips must be an array"},
	    {"{\"cniVersion\":\"1.0.0\",\"ips\":[1]}", 7, "ips[0]"},
	    {"{\"cniVersion\":\"1.0.0\",\"ips\":[{}]}", 7, "address: missing"},
	    {"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.1\"}]}", 7, "address"},
	    {"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.1/24\",\"gateway\":\"x\"}]}",
	     7, "gateway"},
	    {"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.1/24\",\"gateway\":"
	     "\"fd00::1\"}]}",
	     7, "different families"},
	    {"{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"6\",\"address\":\"10.0.0.1/24\"}]}",
	     7, "version"},
	    {"{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"5\",\"address\":\"10.0.0.1/24\"}]}",
	     7, "version"},
	    {"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"interface\":0,\"address\":\"10.0.0.1/24\"}]}",
	     7, "out of range"},
	    {"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"interface\":-1,\"address\":\"10.0.0.1/24\"}]}",
	     7, "interface"},
	    {"{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":3}]}", 7, "interfaces[0]"},
	    {"{\"cniVersion\":\"1.0.0\",\"interfaces\":{}}", 7, "interfaces"},
	    {"{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"e\",\"mtu\":\"x\"}]}", 7,
	     "mtu"},
	    {"{\"cniVersion\":\"1.0.0\",\"routes\":[{}]}", 7, "dst: missing"},
	    {"{\"cniVersion\":\"1.0.0\",\"routes\":[{\"dst\":\"10.0.0.0/33\"}]}", 7, "dst"},
	    {"{\"cniVersion\":\"1.0.0\",\"routes\":[{\"dst\":\"::/0\",\"gw\":\"10.0.0.1\"}]}", 7,
	     "different families"},
	    {"{\"cniVersion\":\"1.1.0\",\"routes\":[{\"dst\":\"::/0\",\"scope\":256}]}", 7,
	     "scope"},
	    {"{\"cniVersion\":\"1.1.0\",\"routes\":[{\"dst\":\"::/0\",\"table\":-1}]}", 7, "table"},
	    {"{\"cniVersion\":\"0.2.0\",\"ip4\":[]}", 7, "ip4"},
	    {"{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"fd00::1/64\"}}", 7, "wrong family"},
	    {"{\"cniVersion\":\"0.2.0\",\"ip6\":{\"ip\":\"fd00::1/64\",\"routes\":[{\"dst\":1}]}}",
	     7, "ip6.routes[0]"},
	    {"{\"cniVersion\":\"1.0.0\",\"dns\":[]}", 7, "dns"},
	    {"{\"cniVersion\":\"1.0.0\",\"dns\":{\"nameservers\":\"1.1.1.1\"}}", 7, "nameservers"},
	    {"{\"cniVersion\":\"1.0.0\",\"dns\":{\"search\":[1]}}", 7, "search"},
	    {"{\"cniVersion\":\"1.0.0\",\"dns\":{\"domain\":[]}}", 7, "domain"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cni_result *r = (void *)1;
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		if (cni_result_parse(bad[i].json, NULL, &r, &err) == 0)
			fail_msg("%s: parsed", bad[i].json);
		assert_null(r);
		if (err.code != bad[i].code)
			fail_msg("%s: code %d (%s), want %d", bad[i].json, err.code, err.msg,
				 bad[i].code);
		if (bad[i].needle && !strstr(err.msg, bad[i].needle))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].json, err.msg,
				 bad[i].needle);
	}
}

static void test_lenient_parse(void **state)
{
	/* Go decodes null as absent and "" gateways as none. */
	cleanup_result struct cni_result *r =
	    parse_ok("{\"cniVersion\":\"1.0.0\",\"interfaces\":null,\"ips\":[{\"address\":"
		     "\"10.0.0.2/24\",\"gateway\":\"\"}],\"routes\":null,\"dns\":null,"
		     "\"extra\":{}}",
		     NULL);
	assert_int_equal(r->n_ips, 1);
	assert_int_equal(r->ips[0].gateway.family, 0);
	assert_true(cni_dns_is_empty(&r->dns));
	/* 0.3.x "version" is optional on input */
	cleanup_result struct cni_result *r2 =
	    parse_ok("{\"cniVersion\":\"0.3.1\",\"ips\":[{\"address\":\"fd00::2/64\"}]}", NULL);
	assert_prints(r2, "0.3.1",
		      "{\"cniVersion\":\"0.3.1\",\"ips\":[{\"version\":\"6\",\"address\":"
		      "\"fd00::2/64\"}],\"dns\":{}}");
}

static void test_from_json_non_object(void **state)
{
	struct cni_result *r = NULL;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	assert_int_equal(cni_result_from_json(NULL, "1.0.0", &r, &err), -1);
	assert_int_equal(err.code, CNI_ERR_DECODE);
	assert_int_equal(cni_result_parse(NULL, "1.0.0", &r, &err), -1);
}

static void test_builder(void **state)
{
	cleanup_result struct cni_result *r = cni_result_new();
	struct cni_ipconfig ip = {.interface = -1};
	struct cni_route rt = {0};
	int idx;

	idx = cni_result_add_interface(r, "br0", "aa:bb:cc:dd:ee:ff", NULL);
	assert_int_equal(idx, 0);
	idx = cni_result_add_interface(r, "eth0", NULL, "/run/netns/x");
	assert_int_equal(idx, 1);
	assert_null(r->interfaces[1].mac);
	ip_net_parse("10.2.0.9/24", &ip.address);
	ip_addr_parse("10.2.0.1", &ip.gateway);
	ip.interface = 1;
	assert_int_equal(cni_result_add_ip(r, &ip), 0);
	ip_net_parse("10.3.0.0/16", &rt.dst);
	assert_int_equal(cni_result_add_route(r, &rt), 0);
	assert_int_equal(r->n_ips, 1);
	assert_int_equal(r->n_routes, 1);
	assert_prints(r, "1.0.0",
		      "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"br0\",\"mac\":"
		      "\"aa:bb:cc:dd:ee:ff\"},{\"name\":\"eth0\",\"sandbox\":\"/run/netns/x\"}],"
		      "\"ips\":[{\"interface\":1,\"address\":\"10.2.0.9/24\",\"gateway\":"
		      "\"10.2.0.1\"}],\"routes\":[{\"dst\":\"10.3.0.0/16\"}],\"dns\":{}}");
}

static void test_dns(void **state)
{
	cleanup_cjson cJSON *j = cJSON_Parse("{\"options\":[\"rotate\"],\"domain\":\"d\","
					     "\"nameservers\":[\"1.1.1.1\"],\"search\":[\"s\"]}");
	struct cni_dns d = {0}, c = {0};
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_cjson cJSON *out = NULL;
	cleanup_free char *s = NULL;

	assert_true(cni_dns_is_empty(&d));
	assert_int_equal(cni_dns_from_json(j, &d, &err), 0);
	assert_false(cni_dns_is_empty(&d));
	assert_int_equal(cni_dns_copy(&c, &d), 0);
	cni_dns_clear(&d);
	assert_true(cni_dns_is_empty(&d));
	assert_string_equal(c.nameservers[0], "1.1.1.1");
	out = cni_dns_to_json(&c);
	s = cJSON_PrintUnformatted(out);
	/* printed in the reference's field order whatever the input order */
	assert_string_equal(s, "{\"nameservers\":[\"1.1.1.1\"],\"domain\":\"d\",\"search\":[\"s\"],"
			       "\"options\":[\"rotate\"]}");
	/* a failing parse leaves the destination alone */
	cleanup_cjson cJSON *bad = cJSON_Parse("{\"nameservers\":[\"x\"],\"options\":7}");
	assert_int_equal(cni_dns_from_json(bad, &c, &err), -1);
	assert_string_equal(c.nameservers[0], "1.1.1.1");
	/* copying an empty one empties */
	assert_int_equal(cni_dns_copy(&c, &d), 0);
	assert_true(cni_dns_is_empty(&c));
	cni_dns_clear(&c);
	/* domain "" counts as empty */
	cleanup_cjson cJSON *e = cJSON_Parse("{\"domain\":\"\"}");
	assert_int_equal(cni_dns_from_json(e, &d, &err), 0);
	assert_true(cni_dns_is_empty(&d));
	cni_dns_clear(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_020),
	    cmocka_unit_test(test_020_to_every_version),
	    cmocka_unit_test(test_010_parses_as_020),
	    cmocka_unit_test(test_040_to_every_version),
	    cmocka_unit_test(test_100_to_040_and_back),
	    cmocka_unit_test(test_110_roundtrip),
	    cmocka_unit_test(test_110_inexpressible_in_older),
	    cmocka_unit_test(test_020_inexpressible),
	    cmocka_unit_test(test_empty_result),
	    cmocka_unit_test(test_print_unsupported_version),
	    cmocka_unit_test(test_print_bad_interface_index),
	    cmocka_unit_test(test_fallback_version),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_lenient_parse),
	    cmocka_unit_test(test_from_json_non_object),
	    cmocka_unit_test(test_builder),
	    cmocka_unit_test(test_dns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "cni/cni.h"
#include "cni/delegate.h"

/* ---- environment ---- */

static void clear_env(void)
{
	const char *vars[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
			      "CNI_IFNAME",  "CNI_ARGS",	"CNI_PATH"};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void set_full_env(const char *cmd)
{
	clear_env();
	setenv("CNI_COMMAND", cmd, 1);
	setenv("CNI_CONTAINERID", "ctr-1", 1);
	setenv("CNI_NETNS", "/var/run/netns/x", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	setenv("CNI_PATH", "/opt/cni/bin", 1);
}

static void test_env_add_ok(void **state)
{
	struct cni_env env;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	set_full_env("ADD");
	setenv("CNI_ARGS", "IgnoreUnknown=1", 1);
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_int_equal(env.cmd, CNI_CMD_ADD);
	assert_string_equal(env.command, "ADD");
	assert_string_equal(env.container_id, "ctr-1");
	assert_string_equal(env.netns, "/var/run/netns/x");
	assert_string_equal(env.ifname, "eth0");
	assert_string_equal(env.path, "/opt/cni/bin");
	assert_string_equal(env.args, "IgnoreUnknown=1");
}

static void test_env_missing(void **state)
{
	struct cni_env env;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	clear_env();
	setenv("CNI_COMMAND", "ADD", 1);
	assert_int_equal(cni_env_load(&env, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	assert_string_equal(
	    err.msg,
	    "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing");

	/* empty counts as missing */
	set_full_env("CHECK");
	setenv("CNI_PATH", "", 1);
	assert_int_equal(cni_env_load(&env, &err), -1);
	assert_string_equal(err.msg, "required env variables [CNI_PATH] missing");
}

static void test_env_del_without_netns(void **state)
{
	struct cni_env env;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	set_full_env("DEL");
	unsetenv("CNI_NETNS");
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_null(env.netns);
	setenv("CNI_NETNS", "", 1);
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_null(env.netns);
	setenv("CNI_NETNS", "/proc/1/ns/net", 1);
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_string_equal(env.netns, "/proc/1/ns/net");
	/* but DEL still needs the container and interface */
	unsetenv("CNI_IFNAME");
	assert_int_equal(cni_env_load(&env, &err), -1);
	assert_string_equal(err.msg, "required env variables [CNI_IFNAME] missing");
}

static void test_env_gc_status_version(void **state)
{
	struct cni_env env;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	clear_env();
	setenv("CNI_COMMAND", "GC", 1);
	assert_int_equal(cni_env_load(&env, &err), -1); /* GC needs CNI_PATH */
	assert_string_equal(err.msg, "required env variables [CNI_PATH] missing");
	setenv("CNI_PATH", "/opt/cni/bin", 1);
	setenv("CNI_CONTAINERID", "!!bad!!", 1); /* ignored for GC */
	setenv("CNI_IFNAME", "bad/name", 1);
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_int_equal(env.cmd, CNI_CMD_GC);
	assert_null(env.container_id);
	assert_null(env.ifname);
	assert_null(env.netns);
	assert_string_equal(env.path, "/opt/cni/bin");

	clear_env();
	setenv("CNI_COMMAND", "STATUS", 1);
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_int_equal(env.cmd, CNI_CMD_STATUS);
	assert_null(env.path);

	clear_env();
	setenv("CNI_COMMAND", "VERSION", 1);
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_int_equal(env.cmd, CNI_CMD_VERSION);
}

static void test_env_unknown_and_none(void **state)
{
	struct cni_env env;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	set_full_env("add"); /* case-sensitive */
	assert_int_equal(cni_env_load(&env, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	assert_string_equal(err.msg, "unknown CNI_COMMAND: add");
	clear_env();
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_int_equal(env.cmd, CNI_CMD_NONE);
	assert_null(env.command);
}

static void test_env_validates(void **state)
{
	struct cni_env env;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	set_full_env("ADD");
	setenv("CNI_CONTAINERID", "-leading-dash", 1);
	/* loading only looks for what is missing; the checks come after the
	 * network name's, as in the reference */
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_int_equal(cni_env_validate(&env, &err), -1);
	assert_string_equal(err.msg, "invalid characters in containerID");
	assert_string_equal(err.details, "-leading-dash");
	cni_error_clear(&err);
	set_full_env("CHECK");
	setenv("CNI_IFNAME", "eth0:1", 1);
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_int_equal(cni_env_validate(&env, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	cni_error_clear(&err);
	/* not checked for GC */
	set_full_env("GC");
	setenv("CNI_CONTAINERID", "!!", 1);
	assert_int_equal(cni_env_load(&env, &err), 0);
	assert_int_equal(cni_env_validate(&env, &err), 0);
	clear_env();
}

static void test_cmd_strings(void **state)
{
	assert_int_equal(cni_cmd_from_string("ADD"), CNI_CMD_ADD);
	assert_int_equal(cni_cmd_from_string("GC"), CNI_CMD_GC);
	assert_int_equal(cni_cmd_from_string("STATUS"), CNI_CMD_STATUS);
	assert_int_equal(cni_cmd_from_string("nope"), CNI_CMD_NONE);
	assert_int_equal(cni_cmd_from_string(NULL), CNI_CMD_NONE);
	assert_string_equal(cni_cmd_to_string(CNI_CMD_CHECK), "CHECK");
	assert_null(cni_cmd_to_string(CNI_CMD_NONE));
}

/* ---- validators ---- */

static void test_container_id(void **state)
{
	const char *good[] = {"a", "0", "abc-DEF_1.2", "f00dfeed0123456789abcdef", "a-", "a."};
	const char *bad[] = {"", "-a", "_a", ".a", "a b", "a/b", "a:b", "a\tb", "ä", "a;b", "a\nb"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(cni_validate_container_id(good[i], NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(cni_validate_container_id(bad[i], &err), -1);
		assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	}
	assert_int_equal(cni_validate_container_id(NULL, NULL), -1);
}

static void test_ifname(void **state)
{
	/* "à" is C3 A0: a rune, not a NBSP byte; \xff is invalid UTF-8, not space */
	const char *good[] = {"eth0", "a", "123456789012345", "veth-x.1_2", "net@1", "à", "a\xff"};
	struct {
		const char *name, *msg;
	} bad[] = {
	    {"", "interface name is empty"},
	    {"1234567890123456", "interface name is too long"},
	    {".", "interface name is . or .."},
	    {"..", "interface name is . or .."},
	    {"a/b", "interface name contains / or : or whitespace characters"},
	    {"a:b", "interface name contains / or : or whitespace characters"},
	    {"a b", "interface name contains / or : or whitespace characters"},
	    {"a\tb", "interface name contains / or : or whitespace characters"},
	    {"ab\n", "interface name contains / or : or whitespace characters"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(cni_validate_ifname(good[i], NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(cni_validate_ifname(bad[i].name, &err), -1);
		assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
		assert_string_equal(err.msg, bad[i].msg);
	}
}

static void test_network_name(void **state)
{
	char longname[CNI_NAME_MAX + 2];
	/* the reference's ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ */
	const char *good[] = {"mynet", "a.b", "x..", "k8s-pod-network", "0", "Z_9", "a-", "A.-_"};
	const char *bad[] = {".",      "..",  "a/b",	 "/",	"a\nb", "a\x7f",     "a\tb",
			     "my net", "...", "-a",	 "_a",	".a",	"bad name!", "\xff\xfe",
			     "ü",      "aü",  "mynet\n", "a:b", "a\\b"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(cni_validate_network_name(good[i], NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(cni_validate_network_name(bad[i], &err), -1);
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
		assert_string_equal(err.msg, "invalid characters found in network name");
		assert_string_equal(err.details, bad[i]);
	}
	{
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(cni_validate_network_name("", &err), -1);
		assert_string_equal(err.msg, "missing network name");
	}
	memset(longname, 'n', sizeof(longname));
	longname[CNI_NAME_MAX] = '\0';
	assert_int_equal(cni_validate_network_name(longname, NULL), 0);
	longname[CNI_NAME_MAX] = 'n';
	longname[CNI_NAME_MAX + 1] = '\0';
	assert_int_equal(cni_validate_network_name(longname, NULL), -1);
	assert_int_equal(cni_validate_network_name(NULL, NULL), -1);
}

/* ---- config ---- */

static int parse_str(const char *s, struct cni_conf *conf, struct cni_error *err)
{
	return cni_conf_parse(strdup(s), strlen(s), conf, err);
}

static void test_conf_full(void **state)
{
	cleanup_conf struct cni_conf conf = {0};
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	const char *s = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"bridge\","
			"\"ipam\":{\"type\":\"host-local\"},\"prevResult\":{\"ips\":[]},"
			"\"runtimeConfig\":{\"mac\":\"x\"},\"args\":{\"cni\":{\"ips\":[]}},"
			"\"dns\":{\"nameservers\":[\"1.1.1.1\"]},\"extra\":[1,2]}";
	assert_int_equal(parse_str(s, &conf, &err), 0);
	assert_string_equal(conf.cni_version, "1.0.0");
	assert_string_equal(conf.name, "net1");
	assert_string_equal(conf.type, "bridge");
	assert_non_null(conf.ipam);
	assert_non_null(conf.prev_result);
	assert_non_null(conf.runtime_config);
	assert_non_null(conf.args);
	assert_non_null(conf.dns);
	assert_string_equal(conf.raw, s);
	assert_int_equal(conf.raw_len, strlen(s));
}

static void test_conf_minimal(void **state)
{
	cleanup_conf struct cni_conf conf = {0};
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	/* no cniVersion means 0.1.0 (""); null optional fields are absent */
	assert_int_equal(parse_str(" {\"name\":\"n\",\"ipam\":null,\"type\":null}\n", &conf, &err),
			 0);
	assert_string_equal(conf.cni_version, "");
	assert_null(conf.type);
	assert_null(conf.ipam);
	assert_null(conf.prev_result);
}

static void test_conf_decode_errors(void **state)
{
	const char *bad[] = {"",
			     "   ",
			     "{",
			     "[1,2]",
			     "\"str\"",
			     "42",
			     "null",
			     "{\"name\":\"n\"} trailing",
			     "{\"name\":\"n\",}",
			     "{'name':'n'}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_conf struct cni_conf conf = {0};
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(parse_str(bad[i], &conf, &err), -1);
		assert_int_equal(err.code, CNI_ERR_DECODE);
		assert_non_null(strstr(err.msg, "error unmarshall network config"));
	}
	/* an embedded NUL is not silently truncated */
	{
		cleanup_conf struct cni_conf conf = {0};
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		char *b = malloc(16);
		memcpy(b, "{\"name\":\"n\"}\0x", 15);
		b[15] = '\0';
		assert_int_equal(cni_conf_parse(b, 15, &conf, &err), -1);
		assert_int_equal(err.code, CNI_ERR_DECODE);
	}
}

static void test_conf_invalid_fields(void **state)
{
	struct {
		const char *json, *needle;
	} bad[] = {
	    {"{\"cniVersion\":1,\"name\":\"n\"}", "cniVersion"},
	    {"{\"cniVersion\":\"1.0.0\"}", "missing network name"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":\"\"}", "missing network name"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":5}", "name"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":\"a/b\"}", "network name"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":\"..\"}", "network name"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":[]}", "type"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":\"host-local\"}", "ipam"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":[]}", "prevResult"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":1}", "runtimeConfig"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"args\":true}", "args"},
	    {"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"dns\":[\"1.1.1.1\"]}", "dns"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_conf struct cni_conf conf = {0};
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(parse_str(bad[i].json, &conf, &err), -1);
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
		if (!strstr(err.msg, bad[i].needle))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].json, err.msg,
				 bad[i].needle);
	}
	/* cniVersion is known even when a later field fails (errors print in it) */
	{
		cleanup_conf struct cni_conf conf = {0};
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(parse_str("{\"cniVersion\":\"0.4.0\",\"name\":7}", &conf, &err),
				 -1);
		assert_string_equal(conf.cni_version, "0.4.0");
	}
}

static int pipe_with(const char *data, size_t len)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	if (len)
		assert_int_equal(write(p[1], data, len), (ssize_t)len);
	close(p[1]);
	return p[0];
}

static void test_conf_read(void **state)
{
	cleanup_conf struct cni_conf conf = {0};
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	const char *s = "{\"cniVersion\":\"1.1.0\",\"name\":\"piped\"}";
	int fd = pipe_with(s, strlen(s));
	assert_int_equal(cni_conf_read(fd, &conf, &err), 0);
	close(fd);
	assert_string_equal(conf.name, "piped");

	/* empty stdin: decode error */
	cni_conf_free(&conf);
	fd = pipe_with("", 0);
	assert_int_equal(cni_conf_read(fd, &conf, &err), -1);
	close(fd);
	assert_int_equal(err.code, CNI_ERR_DECODE);

	/* closed fd: I/O error */
	cni_conf_free(&conf);
	assert_int_equal(cni_conf_read(9999, &conf, &err), -1);
	assert_int_equal(err.code, CNI_ERR_IO);
}

static void test_read_all_bound(void **state)
{
	char tmpl[] = "/tmp/test_conf.XXXXXX";
	int fd = mkstemp(tmpl);
	cleanup_free char *big = malloc(CNI_CONF_MAX_BYTES + 1);
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	char *out = NULL;
	size_t len = 0;

	assert_true(fd >= 0);
	unlink(tmpl);
	memset(big, ' ', CNI_CONF_MAX_BYTES + 1);
	/* exactly at the bound: accepted */
	assert_int_equal(write(fd, big, CNI_CONF_MAX_BYTES), CNI_CONF_MAX_BYTES);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(cni_read_all(fd, CNI_CONF_MAX_BYTES, &out, &len, &err), 0);
	assert_int_equal(len, CNI_CONF_MAX_BYTES);
	assert_int_equal(out[len], '\0');
	free(out);
	/* one byte more: refused */
	assert_int_equal(write(fd, big, 1), 1);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(cni_read_all(fd, CNI_CONF_MAX_BYTES, &out, &len, &err), -1);
	assert_int_equal(err.code, CNI_ERR_DECODE);
	/* small bound */
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(cni_read_all(fd, 10, &out, &len, &err), -1);
	close(fd);
}

/* ---- JSON helpers ---- */

static void test_json_helpers(void **state)
{
	cleanup_cjson cJSON *j = cJSON_Parse("{\"s\":\"x\",\"b\":true,\"i\":42,\"f\":1.5,"
					     "\"neg\":-3,\"n\":null,\"big\":1e20}");
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	const char *s = "unchanged";
	bool b = false;
	long i = 7;

	assert_int_equal(cni_json_string(j, "s", NULL, &s, &err), 0);
	assert_string_equal(s, "x");
	s = "unchanged";
	assert_int_equal(cni_json_string(j, "absent", NULL, &s, &err), 0);
	assert_string_equal(s, "unchanged");
	assert_int_equal(cni_json_string(j, "n", NULL, &s, &err), 0); /* null = absent */
	assert_string_equal(s, "unchanged");
	assert_int_equal(cni_json_string(j, "i", "the thing", &s, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_string_equal(err.msg, "the thing must be a string");

	assert_int_equal(cni_json_bool(j, "b", NULL, &b, &err), 0);
	assert_true(b);
	assert_int_equal(cni_json_bool(j, "s", NULL, &b, &err), -1);
	assert_string_equal(err.msg, "s must be a boolean");

	assert_int_equal(cni_json_int(j, "i", NULL, 0, 100, &i, &err), 0);
	assert_int_equal(i, 42);
	assert_int_equal(cni_json_int(j, "neg", NULL, -5, 5, &i, &err), 0);
	assert_int_equal(i, -3);
	i = 7;
	assert_int_equal(cni_json_int(j, "absent", NULL, 0, 100, &i, &err), 0);
	assert_int_equal(i, 7);
	assert_int_equal(cni_json_int(j, "i", NULL, 0, 41, &i, &err), -1);
	assert_int_equal(i, 7);
	assert_int_equal(cni_json_int(j, "f", NULL, 0, 100, &i, &err), -1); /* not integral */
	assert_int_equal(cni_json_int(j, "big", NULL, 0, 1L << 40, &i, &err), -1);
	assert_int_equal(cni_json_int(j, "s", NULL, 0, 100, &i, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);

	cJSON *o = NULL;
	assert_int_equal(cni_json_object(j, "s", NULL, &o, &err), -1);
	assert_null(o);
}

/* keys matched as Go's decoder matches them: exact first, else any case */
static void test_json_key_case(void **state)
{
	cleanup_cjson cJSON *j =
	    cJSON_Parse("{\"HostPort\":8080,\"hostIP\":\"a\",\"HostIP\":\"b\",\"Flag\":null}");
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	const char *s = NULL;
	long i = 0;

	assert_int_equal(cni_json_int(j, "hostPort", NULL, 0, 65535, &i, &err), 0);
	assert_int_equal(i, 8080);
	assert_int_equal(cni_json_string(j, "HostIP", NULL, &s, &err), 0);
	assert_string_equal(s, "b"); /* the exact match wins */
	assert_int_equal(cni_json_string(j, "hostIP", NULL, &s, &err), 0);
	assert_string_equal(s, "a");
	s = "unchanged";
	assert_int_equal(cni_json_string(j, "flag", NULL, &s, &err), 0); /* null = absent */
	assert_string_equal(s, "unchanged");
}

static void test_gc_attachments(void **state)
{
	cleanup_conf struct cni_conf conf = {0};
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_free struct cni_attachment *att = NULL;
	size_t n = 99;

	assert_int_equal(
	    parse_str("{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
		      "\"cni.dev/valid-attachments\":[{\"containerID\":\"c1\","
		      "\"ifname\":\"eth0\"},{\"containerID\":\"c2\",\"ifname\":\"net1\"}]}",
		      &conf, &err),
	    0);
	assert_int_equal(cni_gc_attachments(&conf, &att, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(att[0].container_id, "c1");
	assert_string_equal(att[0].ifname, "eth0");
	assert_string_equal(att[1].container_id, "c2");
	assert_string_equal(att[1].ifname, "net1");
}

static void test_gc_attachments_absent_and_bad(void **state)
{
	const char *bad[] = {
	    "{\"name\":\"n\",\"cni.dev/valid-attachments\":{}}",
	    "{\"name\":\"n\",\"cni.dev/valid-attachments\":[1]}",
	    "{\"name\":\"n\",\"cni.dev/valid-attachments\":[{\"containerID\":\"c\"}]}",
	    "{\"name\":\"n\",\"cni.dev/valid-attachments\":[{\"containerID\":1,\"ifname\":\"e\"}]}",
	};
	struct cni_attachment *att = (void *)1;
	size_t n = 5;
	{
		/* absent: an error, so that GC removes nothing */
		cleanup_conf struct cni_conf conf = {0};
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(parse_str("{\"name\":\"n\"}", &conf, NULL), 0);
		assert_int_equal(cni_gc_attachments(&conf, &att, &n, &err), -1);
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
		assert_non_null(strstr(err.msg, "cni.dev/valid-attachments"));
		assert_int_equal(n, 0);
		assert_null(att);
	}
	for (int k = 0; k < 2; k++) {
		/* [] and null (Go's nil slice, as libcni may send): none valid */
		cleanup_conf struct cni_conf conf = {0};
		n = 5;
		att = (void *)1;
		assert_int_equal(parse_str(k ? "{\"name\":\"n\",\"cni.dev/valid-attachments\":null}"
					     : "{\"name\":\"n\",\"cni.dev/valid-attachments\":[]}",
					   &conf, NULL),
				 0);
		assert_int_equal(cni_gc_attachments(&conf, &att, &n, NULL), 0);
		assert_int_equal(n, 0);
		assert_null(att);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_conf struct cni_conf conf = {0};
		cleanup_error struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(parse_str(bad[i], &conf, &err), 0);
		assert_int_equal(cni_gc_attachments(&conf, &att, &n, &err), -1);
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
		assert_null(att);
	}
}

/* ---- plugin lookup ---- */

static void test_find_plugin(void **state)
{
	char dir[] = "/tmp/test_find.XXXXXX";
	cleanup_free char *path = NULL, *exe = NULL, *noexec = NULL, *cni_path = NULL;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	int fd;

	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&exe, "%s/myipam", dir) > 0);
	assert_true(asprintf(&noexec, "%s/noexec", dir) > 0);
	fd = open(exe, O_CREAT | O_WRONLY, 0755);
	close(fd);
	fd = open(noexec, O_CREAT | O_WRONLY, 0644);
	close(fd);
	assert_true(asprintf(&cni_path, "/nonexistent::%s", dir) > 0);

	path = cni_find_plugin("myipam", cni_path, &err);
	assert_non_null(path);
	assert_string_equal(path, exe);

	assert_null(cni_find_plugin("missing", cni_path, &err));
	assert_int_equal(err.code, CNI_ERR_DELEGATE);
	assert_non_null(strstr(err.msg, "failed to find plugin \"missing\" in path [/nonexistent"));
	/* a directory or a non-executable file is not a plugin */
	assert_null(cni_find_plugin("noexec", cni_path, &err));
	assert_null(cni_find_plugin("tmp", "/", &err));
	/* names that would escape CNI_PATH are refused outright */
	assert_null(cni_find_plugin("../bin/sh", cni_path, &err));
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_null(cni_find_plugin("/bin/sh", cni_path, &err));
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_null(cni_find_plugin("..", cni_path, &err));
	assert_null(cni_find_plugin("", cni_path, &err));
	assert_null(cni_find_plugin("myipam", NULL, &err));
	assert_int_equal(err.code, CNI_ERR_DELEGATE);

	unlink(exe);
	unlink(noexec);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env_add_ok),
	    cmocka_unit_test(test_env_missing),
	    cmocka_unit_test(test_env_del_without_netns),
	    cmocka_unit_test(test_env_gc_status_version),
	    cmocka_unit_test(test_env_unknown_and_none),
	    cmocka_unit_test(test_env_validates),
	    cmocka_unit_test(test_cmd_strings),
	    cmocka_unit_test(test_container_id),
	    cmocka_unit_test(test_ifname),
	    cmocka_unit_test(test_network_name),
	    cmocka_unit_test(test_conf_full),
	    cmocka_unit_test(test_conf_minimal),
	    cmocka_unit_test(test_conf_decode_errors),
	    cmocka_unit_test(test_conf_invalid_fields),
	    cmocka_unit_test(test_conf_read),
	    cmocka_unit_test(test_read_all_bound),
	    cmocka_unit_test(test_json_helpers),
	    cmocka_unit_test(test_json_key_case),
	    cmocka_unit_test(test_gc_attachments),
	    cmocka_unit_test(test_gc_attachments_absent_and_bad),
	    cmocka_unit_test(test_find_plugin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

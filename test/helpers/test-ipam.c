/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An IPAM plugin for tests, driven by its environment:
 *   TEST_IPAM_RESULT=<file>    ADD answers the result in file (any version;
 *                              printed in the config's version)
 *   TEST_IPAM_FAIL=<code>:<msg> fail with that error object
 *   TEST_IPAM_GARBAGE=1        print garbage, exit 0
 *   TEST_IPAM_CRASH=1          abort()
 *   TEST_IPAM_FAIL_ON=<CMD>    apply FAIL/GARBAGE/CRASH to that command only
 *                              (default: every command)
 *   TEST_IPAM_LOG=<file>       append "CMD containerid ifname" per call
 * Without TEST_IPAM_RESULT, ADD answers 10.99.0.2/24 gw 10.99.0.1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "cni/cni.h"

static void log_call(const struct cni_env *env)
{
	const char *path = getenv("TEST_IPAM_LOG");
	cleanup_fclose FILE *f = NULL;
	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, "%s %s %s\n", env->command, env->container_id ? env->container_id : "-",
		env->ifname ? env->ifname : "-");
}

/* The failure modes shared by every command. */
static int misbehave(const struct cni_env *env, struct cni_error *err)
{
	const char *only = getenv("TEST_IPAM_FAIL_ON");
	const char *fail = getenv("TEST_IPAM_FAIL");

	log_call(env);
	if (only && *only && strcmp(only, env->command) != 0)
		return 0;
	if (getenv("TEST_IPAM_CRASH"))
		abort();
	if (getenv("TEST_IPAM_GARBAGE")) {
		fputs("this is not JSON {", stdout);
		fflush(stdout);
		_exit(0);
	}
	if (fail && *fail) {
		char *end;
		long code = strtol(fail, &end, 10);
		if (*end != ':' || code <= 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, "bad TEST_IPAM_FAIL \"%s\"",
					     fail);
		cni_error_set(err, (int)code, "%s", end + 1);
		cni_error_set_details(err, "from test-ipam");
		return -1;
	}
	return 0;
}

static int default_result(struct cni_result **out, struct cni_error *err)
{
	cleanup_result struct cni_result *r = cni_result_new();
	struct cni_ipconfig ip = {.interface = -1};
	if (!r || ip_net_parse("10.99.0.2/24", &ip.address) < 0 ||
	    ip_addr_parse("10.99.0.1", &ip.gateway) < 0 || cni_result_add_ip(r, &ip) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "building the default result");
	*out = steal_pointer(&r);
	return 0;
}

static int cmd_add(const struct cni_env *env, const struct cni_conf *conf,
		   struct cni_result **result, struct cni_error *err)
{
	const char *file = getenv("TEST_IPAM_RESULT");
	cleanup_close int fd = -1;
	cleanup_free char *text = NULL;
	size_t len;

	if (misbehave(env, err) < 0)
		return -1;
	if (!file || !*file)
		return default_result(result, err);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return cni_error_set_errno(err, CNI_ERR_IO, errno, "open %s", file);
	if (cni_read_all(fd, CNI_CONF_MAX_BYTES, &text, &len, err) < 0)
		return -1;
	return cni_result_parse(text, conf->cni_version, result, err);
}

static int cmd_other(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	return misbehave(env, err);
}

int main(int argc, char **argv)
{
	static const struct cni_plugin plugin = {
	    .name = "test-ipam",
	    .about = "CNI test-ipam plugin (tests only)",
	    .cmd_add = cmd_add,
	    .cmd_del = cmd_other,
	    .cmd_check = cmd_other,
	    .cmd_status = cmd_other,
	    .cmd_gc = cmd_other,
	};
	return cni_plugin_main(&plugin, argc, argv);
}

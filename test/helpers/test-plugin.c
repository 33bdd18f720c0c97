/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A main plugin for the skeleton's tests. ADD: when the config has an
 * "ipam" section its result comes from delegating to ipam.type, otherwise
 * from TEST_PLUGIN_RESULT=<file> (or a fixed one); an interface "eth0"-like
 * entry for CNI_IFNAME is added unless the result has interfaces already.
 * DEL/CHECK/STATUS/GC delegate to ipam.type when there is one. GC also
 * prints the valid attachments it was given to stderr, one per line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "cni/cni.h"
#include "cni/cniargs.h"
#include "cni/delegate.h"

/* ipam.type of the config (code 7 when there is no ipam or no type). */
static int conf_ipam_type(const struct cni_conf *conf, const char **type, struct cni_error *err)
{
	const char *t = NULL;
	if (!conf->ipam)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "IPAM config missing 'ipam' key");
	if (cni_json_string(conf->ipam, "type", "ipam.type", &t, err) < 0)
		return -1;
	if (!t || !*t)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "IPAM config missing 'type' key");
	*type = t;
	return 0;
}

static int check_args(const struct cni_env *env, struct cni_error *err)
{
	static const char *const known[] = {"TEST_KEY", NULL};
	struct cni_args a;
	if (cni_args_parse(env->args, known, &a, err) < 0)
		return -1;
	cni_args_free(&a);
	return 0;
}

static int cmd_add(const struct cni_env *env, const struct cni_conf *conf,
		   struct cni_result **result, struct cni_error *err)
{
	cleanup_result struct cni_result *r = NULL;
	const char *file = getenv("TEST_PLUGIN_RESULT");
	const char *type;

	if (check_args(env, err) < 0)
		return -1;
	if (conf->ipam) {
		if (conf_ipam_type(conf, &type, err) < 0 ||
		    cni_delegate_add(type, env, conf, &r, err) < 0)
			return -1;
	} else if (file && *file) {
		cleanup_close int fd = open(file, O_RDONLY | O_CLOEXEC);
		cleanup_free char *text = NULL;
		size_t len;
		if (fd < 0)
			return cni_error_set_errno(err, CNI_ERR_IO, errno, "open %s", file);
		if (cni_read_all(fd, CNI_CONF_MAX_BYTES, &text, &len, err) < 0 ||
		    cni_result_parse(text, conf->cni_version, &r, err) < 0)
			return -1;
	} else {
		struct cni_ipconfig ip = {.interface = -1};
		if (!(r = cni_result_new()) || ip_net_parse("10.88.0.2/16", &ip.address) < 0 ||
		    cni_result_add_ip(r, &ip) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, "building the result");
	}
	if (r->n_interfaces == 0) {
		int idx = cni_result_add_interface(r, env->ifname, "02:00:00:00:00:01", env->netns);
		if (idx < 0)
			return cni_error_oom(err);
		for (size_t i = 0; i < r->n_ips; i++)
			r->ips[i].interface = idx;
	}
	*result = steal_pointer(&r);
	return 0;
}

static int delegate_if_ipam(enum cni_cmd cmd, const struct cni_env *env,
			    const struct cni_conf *conf, struct cni_error *err)
{
	const char *type;
	if (!conf->ipam)
		return 0;
	if (conf_ipam_type(conf, &type, err) < 0)
		return -1;
	return cni_delegate_cmd(type, cmd, env, conf, err);
}

static int cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	return delegate_if_ipam(CNI_CMD_DEL, env, conf, err);
}

static int cmd_check(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	return delegate_if_ipam(CNI_CMD_CHECK, env, conf, err);
}

static int cmd_status(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	return delegate_if_ipam(CNI_CMD_STATUS, env, conf, err);
}

static int cmd_gc(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_free struct cni_attachment *att = NULL;
	size_t n = 0;
	if (cni_gc_attachments(conf, &att, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "attachment %s %s\n", att[i].container_id, att[i].ifname);
	return delegate_if_ipam(CNI_CMD_GC, env, conf, err);
}

int main(int argc, char **argv)
{
	static const struct cni_plugin plugin = {
	    .name = "test-plugin",
	    .cmd_add = cmd_add,
	    .cmd_del = cmd_del,
	    .cmd_check = cmd_check,
	    .cmd_status = cmd_status,
	    .cmd_gc = cmd_gc,
	};
	return cni_plugin_main(&plugin, argc, argv);
}

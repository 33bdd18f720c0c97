/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CNI_* environment: read, and validate per command as the reference skel. */
#define _GNU_SOURCE
#include "cni.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#define IFNAMSIZ_ 16

static const struct {
	const char *name;
	enum cni_cmd cmd;
} commands[] = {
    {"ADD", CNI_CMD_ADD},	  {"DEL", CNI_CMD_DEL},	      {"CHECK", CNI_CMD_CHECK},
    {"VERSION", CNI_CMD_VERSION}, {"STATUS", CNI_CMD_STATUS}, {"GC", CNI_CMD_GC},
};

enum cni_cmd cni_cmd_from_string(const char *s)
{
	if (!s)
		return CNI_CMD_NONE;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(s, commands[i].name) == 0)
			return commands[i].cmd;
	return CNI_CMD_NONE;
}

const char *cni_cmd_to_string(enum cni_cmd cmd)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].cmd == cmd)
			return commands[i].name;
	return NULL;
}

/* The reference's ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ */
static bool valid_id_char(char c, bool first)
{
	if (isascii((unsigned char)c) && isalnum((unsigned char)c))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

int cni_validate_container_id(const char *id, struct cni_error *err)
{
	if (!id || !*id)
		return cni_error_set(err, CNI_ERR_INVALID_ENV, "missing containerID");
	for (const char *p = id; *p; p++) {
		if (!valid_id_char(*p, p == id)) {
			cni_error_set(err, CNI_ERR_INVALID_ENV,
				      "invalid characters in containerID");
			cni_error_set_details(err, "%s", id);
			return -1;
		}
	}
	return 0;
}

int cni_validate_ifname(const char *ifname, struct cni_error *err)
{
	if (!ifname || !*ifname)
		return cni_error_set(err, CNI_ERR_INVALID_ENV, "interface name is empty");
	if (strlen(ifname) > IFNAMSIZ_ - 1) {
		cni_error_set(err, CNI_ERR_INVALID_ENV, "interface name is too long");
		cni_error_set_details(err, "interface name should be less than %d characters",
				      IFNAMSIZ_);
		return -1;
	}
	if (strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0)
		return cni_error_set(err, CNI_ERR_INVALID_ENV, "interface name is . or ..");
	for (const unsigned char *p = (const unsigned char *)ifname, *end = p + strlen(ifname);
	     p < end;) {
		bool space;
		size_t l = text_rune_space(p, (size_t)(end - p), &space);
		if (*p == '/' || *p == ':' || space)
			return cni_error_set(
			    err, CNI_ERR_INVALID_ENV,
			    "interface name contains / or : or whitespace characters");
		p += l;
	}
	return 0;
}

int cni_validate_network_name(const char *name, struct cni_error *err)
{
	size_t len;
	if (!name || !*name)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "missing network name");
	len = strlen(name);
	if (len > CNI_NAME_MAX) {
		cni_error_set(err, CNI_ERR_INVALID_CONFIG, "network name is too long");
		cni_error_set_details(err, "at most %d bytes", CNI_NAME_MAX);
		return -1;
	}
	/* It becomes a directory name (host-local's store). */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/')) {
		cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			      "invalid characters found in network name");
		cni_error_set_details(err, "%s", name);
		return -1;
	}
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f) {
			cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				      "invalid characters found in network name");
			cni_error_set_details(err, "control character 0x%02x", c);
			return -1;
		}
	}
	return 0;
}

/* Empty counts as missing, as os.Getenv does in the reference. */
static const char *getenv_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int cni_env_load(struct cni_env *env, struct cni_error *err)
{
	/* Which variables each command requires (ADD, DEL, CHECK, GC). */
	struct {
		const char *name;
		const char **dst;
		bool add, del, check, gc;
	} vars[] = {
	    {"CNI_CONTAINERID", &env->container_id, true, true, true, false},
	    {"CNI_NETNS", &env->netns, true, false, true, false},
	    {"CNI_IFNAME", &env->ifname, true, true, true, false},
	    {"CNI_PATH", &env->path, true, true, true, true},
	};
	char missing[128] = "";

	memset(env, 0, sizeof(*env));
	env->command = getenv("CNI_COMMAND");
	env->cmd = cni_cmd_from_string(env->command);
	if (!env->command || !*env->command)
		return 0; /* no command: the caller prints "about" */
	if (env->cmd == CNI_CMD_NONE)
		return cni_error_set(err, CNI_ERR_INVALID_ENV, "unknown CNI_COMMAND: %s",
				     env->command);
	env->args = getenv("CNI_ARGS");
	if (env->cmd == CNI_CMD_VERSION)
		return 0;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		bool req = (env->cmd == CNI_CMD_ADD && vars[i].add) ||
			   (env->cmd == CNI_CMD_DEL && vars[i].del) ||
			   (env->cmd == CNI_CMD_CHECK && vars[i].check) ||
			   (env->cmd == CNI_CMD_GC && vars[i].gc);
		bool used = req || (env->cmd == CNI_CMD_DEL && vars[i].add) ||
			    (env->cmd == CNI_CMD_STATUS && vars[i].gc);
		if (!used)
			continue;
		*vars[i].dst = getenv_nonempty(vars[i].name);
		if (req && !*vars[i].dst) {
			if (*missing)
				strcat(missing, ",");
			strcat(missing, vars[i].name);
		}
	}
	if (*missing)
		return cni_error_set(err, CNI_ERR_INVALID_ENV,
				     "required env variables [%s] missing", missing);

	if (env->cmd == CNI_CMD_ADD || env->cmd == CNI_CMD_DEL || env->cmd == CNI_CMD_CHECK) {
		if (cni_validate_container_id(env->container_id, err) < 0)
			return -1;
		if (cni_validate_ifname(env->ifname, err) < 0)
			return -1;
	}
	return 0;
}

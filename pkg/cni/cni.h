/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CNI protocol core: environment, network configuration on stdin, and
 * the plugin skeleton that dispatches a command and prints the result or
 * the error object (the only place anything is written to stdout).
 */
#ifndef CNI_CNI_H
#define CNI_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "error.h"
#include "result.h"

#define CNI_CONF_MAX_BYTES (1024 * 1024) /* stdin bound */
#define CNI_NAME_MAX 128		 /* network name length bound */

enum cni_cmd {
	CNI_CMD_NONE = 0,
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_VERSION,
	CNI_CMD_STATUS,
	CNI_CMD_GC,
};

struct cni_env {
	enum cni_cmd cmd;
	const char *command;	  /* CNI_COMMAND as given */
	const char *container_id; /* CNI_CONTAINERID (NULL for STATUS/GC/VERSION) */
	const char *netns;	  /* CNI_NETNS (may be NULL/"" for DEL) */
	const char *ifname;	  /* CNI_IFNAME */
	const char *args;	  /* CNI_ARGS, may be NULL */
	const char *path;	  /* CNI_PATH, may be NULL for VERSION/STATUS */
};

/* The parsed network configuration. `root` owns everything; the other
 * pointers borrow from it (NULL when absent). */
struct cni_conf {
	cJSON *root;
	char *raw; /* stdin bytes, NUL-terminated (for delegation) */
	size_t raw_len;
	const char *cni_version; /* "" when absent (means 0.1.0 as the reference) */
	const char *name;
	const char *type;
	cJSON *ipam;
	cJSON *prev_result;
	cJSON *runtime_config;
	cJSON *args;
	cJSON *dns;
};

/* "ADD" <-> CNI_CMD_ADD...; CNI_CMD_NONE / NULL when unknown. */
enum cni_cmd cni_cmd_from_string(const char *s);
const char *cni_cmd_to_string(enum cni_cmd cmd);

/* Read CNI_* from the environment and validate them for env->cmd. Code 4. */
int cni_env_load(struct cni_env *env, struct cni_error *err);
/* The checks cni_env_load applies, usable on their own (code 4). */
int cni_validate_container_id(const char *id, struct cni_error *err);
int cni_validate_ifname(const char *ifname, struct cni_error *err);
/* Network name: becomes a file name (no '/', not '.'/'..', bounded). Code 7. */
int cni_validate_network_name(const char *name, struct cni_error *err);

/* Parse bytes as a network configuration (codes 6 and 7). Takes ownership
 * of buf (malloc'd, NUL-terminated). On failure conf may be partly filled
 * (cni_version is valid as soon as it parsed): always cni_conf_free it. */
int cni_conf_parse(char *buf, size_t len, struct cni_conf *conf, struct cni_error *err);
/* Read stdin (bounded by CNI_CONF_MAX_BYTES) and parse it. */
int cni_conf_read(int fd, struct cni_conf *conf, struct cni_error *err);
void cni_conf_free(struct cni_conf *conf);
static inline void cleanup_confp(struct cni_conf *c)
{
	cni_conf_free(c);
}
#define cleanup_conf __attribute__((cleanup(cleanup_confp)))
/* Read fd to EOF into a malloc'd NUL-terminated buffer, at most max bytes
 * (code 6 beyond, 5 on read errors). */
int cni_read_all(int fd, size_t max, char **out, size_t *out_len, struct cni_error *err);

/* JSON field helpers on a config object; all return 0 (absent leaves *out),
 * or -1 with code 7 naming `what` when the type is wrong. */
int cni_json_string(const cJSON *obj, const char *key, const char *what, const char **out,
		    struct cni_error *err);
int cni_json_bool(const cJSON *obj, const char *key, const char *what, bool *out,
		  struct cni_error *err);
int cni_json_int(const cJSON *obj, const char *key, const char *what, long min, long max, long *out,
		 struct cni_error *err);
int cni_json_object(const cJSON *obj, const char *key, const char *what, cJSON **out,
		    struct cni_error *err);

/* Walk the JSON array arr, which messages call `where`: each(item, "where[i]",
 * data, err) for every item, stopping at the first failure. Absent or null is
 * an empty list; anything else but an array is code 7 "<where><sep>must be
 * <kind>", sep being ": " when colon is set, " " otherwise. */
int cni_json_array_each(const cJSON *arr, const char *where, bool colon, const char *kind,
			int (*each)(const cJSON *item, const char *what, void *data,
				    struct cni_error *err),
			void *data, struct cni_error *err);

/* The list of valid attachments given to GC ("cni.dev/valid-attachments"). */
struct cni_attachment {
	const char *container_id;
	const char *ifname;
};
/* Borrowing pointers into conf->root; *out malloc'd. Absent list = empty. */
int cni_gc_attachments(const struct cni_conf *conf, struct cni_attachment **out, size_t *n,
		       struct cni_error *err);

struct cni_plugin {
	const char *name;  /* "bridge" */
	const char *about; /* printed to stderr with no CNI_COMMAND */
	/* On success an ADD fills *result (printed in the config's version). */
	int (*cmd_add)(const struct cni_env *env, const struct cni_conf *conf,
		       struct cni_result **result, struct cni_error *err);
	int (*cmd_del)(const struct cni_env *env, const struct cni_conf *conf,
		       struct cni_error *err);
	int (*cmd_check)(const struct cni_env *env, const struct cni_conf *conf,
			 struct cni_error *err);
	int (*cmd_status)(const struct cni_env *env, const struct cni_conf *conf,
			  struct cni_error *err); /* NULL: always ready */
	int (*cmd_gc)(const struct cni_env *env, const struct cni_conf *conf,
		      struct cni_error *err); /* NULL: nothing to collect */
};

/* Whole plugin lifecycle; returns the process exit status. */
int cni_plugin_main(const struct cni_plugin *plugin, int argc, char **argv);

/* Print the error object for err in `version` to stdout. */
void cni_error_print(const struct cni_error *err, const char *version);

#endif

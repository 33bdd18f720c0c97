/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The network configuration on stdin and typed access to its fields. */
#define _GNU_SOURCE
#include "cni.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

static const char *field_name(const char *key, const char *what)
{
	return what ? what : key;
}

/* A field as Go's encoding/json (the reference's decoder) finds it: the
 * key as written, else one equal to it without regard to case (containerd
 * 1.6 sends portMappings as {"HostPort":..,"ContainerPort":..}: Go field
 * names). JSON null is treated as absent, as Go's decoder does. */
static const cJSON *get_field(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v)
		v = cJSON_GetObjectItem(obj, key); /* ASCII case folding */
	return cJSON_IsNull(v) ? NULL : v;
}

int cni_json_string(const cJSON *obj, const char *key, const char *what, const char **out,
		    struct cni_error *err)
{
	const cJSON *v = get_field(obj, key);
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be a string",
				     field_name(key, what));
	*out = v->valuestring;
	return 0;
}

int cni_json_bool(const cJSON *obj, const char *key, const char *what, bool *out,
		  struct cni_error *err)
{
	const cJSON *v = get_field(obj, key);
	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be a boolean",
				     field_name(key, what));
	*out = cJSON_IsTrue(v);
	return 0;
}

int cni_json_int(const cJSON *obj, const char *key, const char *what, long min, long max, long *out,
		 struct cni_error *err)
{
	const cJSON *v = get_field(obj, key);
	double d;
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be a number",
				     field_name(key, what));
	d = v->valuedouble;
	/* ±9e18 keeps the (long) cast defined whatever min/max are. */
	if (!(d >= (double)min && d <= (double)max) || d < -9e18 || d > 9e18 ||
	    d != (double)(long)d)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s must be an integer between %ld and %ld",
				     field_name(key, what), min, max);
	*out = (long)d;
	return 0;
}

int cni_json_object(const cJSON *obj, const char *key, const char *what, cJSON **out,
		    struct cni_error *err)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsObject(v))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be an object",
				     field_name(key, what));
	*out = v;
	return 0;
}

void cni_conf_free(struct cni_conf *conf)
{
	if (!conf)
		return;
	cJSON_Delete(conf->root);
	free(conf->raw);
	memset(conf, 0, sizeof(*conf));
}

int cni_conf_parse(char *buf, size_t len, struct cni_conf *conf, struct cni_error *err)
{
	const char *end = NULL;
	cJSON *root;

	memset(conf, 0, sizeof(*conf));
	conf->raw = buf;
	conf->raw_len = len;
	conf->cni_version = "";
	if (!buf)
		return cni_error_set(err, CNI_ERR_DECODE,
				     "error unmarshall network config: no data");
	if (strlen(buf) != len)
		return cni_error_set(err, CNI_ERR_DECODE,
				     "error unmarshall network config: NUL byte in input");
	root = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
	if (!root) {
		cni_error_set(err, CNI_ERR_DECODE, "error unmarshall network config: %s",
			      len == 0 ? "unexpected end of JSON input" : "invalid JSON");
		if (len && end)
			cni_error_set_details(err, "at offset %zu", (size_t)(end - buf));
		return -1;
	}
	conf->root = root;
	if (!cJSON_IsObject(root))
		return cni_error_set(err, CNI_ERR_DECODE,
				     "error unmarshall network config: not a JSON object");

	/* cniVersion first: the skeleton prints errors in it. */
	if (cni_json_string(root, "cniVersion", NULL, &conf->cni_version, err) < 0)
		return -1;
	if (cni_json_string(root, "name", NULL, &conf->name, err) < 0)
		return -1;
	if (cni_validate_network_name(conf->name, err) < 0)
		return -1;
	if (cni_json_string(root, "type", NULL, &conf->type, err) < 0)
		return -1;
	if (cni_json_object(root, "ipam", NULL, &conf->ipam, err) < 0 ||
	    cni_json_object(root, "prevResult", NULL, &conf->prev_result, err) < 0 ||
	    cni_json_object(root, "runtimeConfig", NULL, &conf->runtime_config, err) < 0 ||
	    cni_json_object(root, "args", NULL, &conf->args, err) < 0 ||
	    cni_json_object(root, "dns", NULL, &conf->dns, err) < 0)
		return -1;
	return 0;
}

int cni_read_all(int fd, size_t max, char **out, size_t *out_len, struct cni_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;
		if (cap - len < 4096 + 1) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;
			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= len + 1)
				return cni_error_set(err, CNI_ERR_DECODE,
						     "input larger than %zu bytes", max);
			nb = realloc(buf, ncap);
			if (!nb)
				return cni_error_set_errno(err, CNI_ERR_SYSTEM, ENOMEM,
							   "reading input");
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cni_error_set_errno(err, CNI_ERR_IO, errno, "error reading input");
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return cni_error_set(err, CNI_ERR_DECODE, "input larger than %zu bytes",
					     max);
	}
	if (!buf && !(buf = malloc(1)))
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, ENOMEM, "reading input");
	buf[len] = '\0';
	*out = steal_pointer(&buf);
	*out_len = len;
	return 0;
}

int cni_conf_read(int fd, struct cni_conf *conf, struct cni_error *err)
{
	char *buf = NULL;
	size_t len = 0;

	memset(conf, 0, sizeof(*conf));
	conf->cni_version = "";
	if (cni_read_all(fd, CNI_CONF_MAX_BYTES, &buf, &len, err) < 0)
		return -1;
	return cni_conf_parse(buf, len, conf, err);
}

int cni_gc_attachments(const struct cni_conf *conf, struct cni_attachment **out, size_t *n,
		       struct cni_error *err)
{
	const char *key = "cni.dev/valid-attachments";
	/* not get_field: null and absent differ here */
	const cJSON *list = conf->root ? cJSON_GetObjectItemCaseSensitive(conf->root, key) : NULL;
	cleanup_free struct cni_attachment *arr = NULL;
	size_t count = 0;
	const cJSON *it;

	*out = NULL;
	*n = 0;
	/* Absent is not "nothing is valid": a caller that forgot the list
	 * must not lose every attachment. null (Go's nil slice) is none. */
	if (!list)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "GC needs %s (the attachments still in use; [] for none)",
				     key);
	if (cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be an array", key);
	count = (size_t)cJSON_GetArraySize(list);
	if (count == 0)
		return 0;
	arr = calloc(count, sizeof(*arr));
	if (!arr)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, ENOMEM, "%s", key);
	count = 0;
	cJSON_ArrayForEach(it, list)
	{
		struct cni_attachment *a = &arr[count];
		if (!cJSON_IsObject(it))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "%s[%zu] must be an object", key, count);
		if (cni_json_string(it, "containerID", "valid-attachments containerID",
				    &a->container_id, err) < 0 ||
		    cni_json_string(it, "ifname", "valid-attachments ifname", &a->ifname, err) < 0)
			return -1;
		if (!a->container_id || !a->ifname)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "%s[%zu] needs containerID and ifname", key, count);
		count++;
	}
	*out = steal_pointer(&arr);
	*n = count;
	return 0;
}

int cni_json_array_each(const cJSON *arr, const char *where, bool colon, const char *kind,
			int (*each)(const cJSON *item, const char *what, void *data,
				    struct cni_error *err),
			void *data, struct cni_error *err)
{
	const cJSON *it;
	size_t i = 0;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s%smust be %s", where,
				     colon ? ": " : " ", kind);
	cJSON_ArrayForEach(it, arr)
	{
		char what[96];
		snprintf(what, sizeof(what), "%s[%zu]", where, i++);
		if (each(it, what, data, err) < 0)
			return -1;
	}
	return 0;
}

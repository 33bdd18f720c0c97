/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "util/cleanup.h"

const char *const cni_supported_versions[] = {
    "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0",
};
const int cni_supported_versions_count =
    (int)(sizeof(cni_supported_versions) / sizeof(cni_supported_versions[0]));

/* One decimal component without sign or leading junk; advances *s. */
static int parse_component(const char **s, int *out)
{
	long v = 0;
	const char *p = *s;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > 100000)
			return -1;
		p++;
	}
	*out = (int)v;
	*s = p;
	return 0;
}

int cni_version_parse(const char *v, int *major, int *minor, int *patch)
{
	int parts[3] = {0, 0, 0};
	const char *p = v;

	if (!v || !*v) {
		*major = 0;
		*minor = 1;
		*patch = 0;
		return 0;
	}
	/* "1", "1.0" and "1.0.0" parse, as the reference's ParseVersion. */
	for (int i = 0; i < 3; i++) {
		if (parse_component(&p, &parts[i]) < 0)
			return -1;
		if (*p == '\0')
			break;
		if (*p != '.' || i == 2)
			return -1;
		p++;
	}
	if (*p)
		return -1;
	*major = parts[0];
	*minor = parts[1];
	*patch = parts[2];
	return 0;
}

int cni_version_cmp(const char *a, const char *b)
{
	int a1, a2, a3, b1, b2, b3;
	int ea = cni_version_parse(a, &a1, &a2, &a3);
	int eb = cni_version_parse(b, &b1, &b2, &b3);

	if (ea < 0 || eb < 0)
		return ea < 0 ? (eb < 0 ? 0 : -1) : 1;
	if (a1 != b1)
		return a1 < b1 ? -1 : 1;
	if (a2 != b2)
		return a2 < b2 ? -1 : 1;
	if (a3 != b3)
		return a3 < b3 ? -1 : 1;
	return 0;
}

bool cni_version_supported(const char *v)
{
	/* A config without cniVersion means 0.1.0. */
	if (!v || !*v)
		return true;
	for (int i = 0; i < cni_supported_versions_count; i++)
		if (strcmp(v, cni_supported_versions[i]) == 0)
			return true;
	return false;
}

/* `["0.1.0" "0.2.0" ...]`, Go's %q rendering of a string slice. */
static char *supported_list_go(void)
{
	size_t len = 3;
	char *s, *p;
	for (int i = 0; i < cni_supported_versions_count; i++)
		len += strlen(cni_supported_versions[i]) + 3;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	*p++ = '[';
	for (int i = 0; i < cni_supported_versions_count; i++)
		p += sprintf(p, "%s\"%s\"", i ? " " : "", cni_supported_versions[i]);
	*p++ = ']';
	*p = '\0';
	return s;
}

int cni_version_check(const char *v, struct cni_error *err)
{
	int a, b, c;
	cleanup_free char *list = NULL;

	if (cni_version_supported(v))
		return 0;
	if (cni_version_parse(v, &a, &b, &c) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid cniVersion \"%s\"", v);
	cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION, "incompatible CNI versions");
	list = supported_list_go();
	cni_error_set_details(err, "config is \"%s\", plugin supports %s", v, list ? list : "[]");
	return -1;
}

char *cni_version_info_json(const char *v)
{
	cleanup_cjson cJSON *o = cJSON_CreateObject();
	cJSON *arr;

	if (!o)
		return NULL;
	if (!cJSON_AddStringToObject(o, "cniVersion", v ? v : CNI_LATEST_VERSION))
		return NULL;
	arr = cJSON_AddArrayToObject(o, "supportedVersions");
	if (!arr)
		return NULL;
	for (int i = 0; i < cni_supported_versions_count; i++) {
		cJSON *s = cJSON_CreateString(cni_supported_versions[i]);
		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return NULL;
		}
	}
	return cJSON_PrintUnformatted(o);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CNI spec versions: the supported list, parsing and comparison. */
#ifndef CNI_VERSION_H
#define CNI_VERSION_H

#include <stdbool.h>
#include "error.h"

#define CNI_PLUGIN_VERSION "1.0.0"
#define CNI_LATEST_VERSION "1.1.0"

extern const char *const cni_supported_versions[];
extern const int cni_supported_versions_count;

/* "1.0.0" -> 1,0,0. "" and NULL are 0.1.0 (as the reference). -1 if malformed. */
int cni_version_parse(const char *v, int *major, int *minor, int *patch);
/* strcmp-like on parsed versions; malformed sorts first. */
int cni_version_cmp(const char *a, const char *b);
bool cni_version_supported(const char *v);
/* Code 1 (incompatible) when not supported, 7/6 when malformed. */
int cni_version_check(const char *v, struct cni_error *err);
/* {"cniVersion":v,"supportedVersions":[...]} as a malloc'd string. */
char *cni_version_info_json(const char *v);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "exhausted.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/cleanup.h"

struct holder {
	char name[IP_ADDR_STRLEN];
	char *key;	 /* owner key; "" when torn or nobody's */
	long long mtime; /* ns */
};

struct census {
	const struct hl_range_set *set;
	struct hl_store *st;
	size_t n;
	struct holder old[HL_EXHAUSTED_OLDEST]; /* oldest first */
	size_t n_old;
};

static int census_cb(void *ctx, const char *name, const struct ip_addr *ip, const char *key,
		     size_t keylen, struct cni_error *err)
{
	struct census *c = ctx;
	struct stat sb;
	struct holder h = {0};
	size_t at;

	if (hl_range_set_find(c->set, ip) < 0)
		return 0;
	c->n++;
	if (fstatat(c->st->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	h.mtime = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
	for (at = 0; at < c->n_old && c->old[at].mtime <= h.mtime; at++)
		;
	if (at == HL_EXHAUSTED_OLDEST)
		return 0;
	if (!(h.key = strndup(key ? key : "", keylen)))
		return 0; /* best effort */
	snprintf(h.name, sizeof(h.name), "%s", name);
	if (c->n_old == HL_EXHAUSTED_OLDEST)
		free(c->old[--c->n_old].key);
	memmove(&c->old[at + 1], &c->old[at], (c->n_old - at) * sizeof(h));
	c->old[at] = h;
	c->n_old++;
	return 0;
}

void hl_format_age(long long s, char *out, size_t size)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, size, "%llds", s);
	else if (s < 3600)
		snprintf(out, size, "%lldm%llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, size, "%lldh%lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, size, "%lldd%lldh", s / 86400, s % 86400 / 3600);
}

void hl_explain_exhausted(struct hl_store *st, const struct hl_range_set *set, time_t now,
			  struct cni_error *err)
{
	cleanup_error struct cni_error e = CNI_ERROR_INIT;
	struct census c = {.set = set, .st = st};
	char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);

	/* The scan also applies the boot rule (store.h): anything it frees
	 * here was not free when the allocation ran; the next ADD gets it. */
	if (hl_store_scan(st, HL_SCAN_OWNER, census_cb, &c, &e) < 0)
		c.n_old = 0;
	for (size_t i = 0; f && i < c.n_old; i++) {
		const char *k = c.old[i].key, *sep = strstr(k, "\r\n");
		char age[32];

		hl_format_age((long long)now - c.old[i].mtime / 1000000000LL, age, sizeof(age));
		if (!*k)
			fprintf(f, "%s%s (no owner: torn, %s old)", i ? ", " : "", c.old[i].name,
				age);
		else
			fprintf(f, "%s%s (container %.*s%s%s, %s ago)", i ? ", " : "",
				c.old[i].name, sep ? (int)(sep - k) : (int)strlen(k), k,
				sep ? " " : "", sep ? sep + 2 : "", age);
		free(c.old[i].key);
	}
	if (f)
		fclose(f);
	cni_error_set_details(err,
			      "%zu reservations hold this range set%s%s; a reservation made in "
			      "an earlier boot is freed by the next call after a reboot, and a "
			      "CNI GC with the runtime's live attachments (or a DEL of each dead "
			      "container) frees the rest",
			      c.n, list && *list ? "; oldest: " : "", list ? list : "");
	free(list);
}

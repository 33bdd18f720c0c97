/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "dns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/io.h"
#include "util/strv.h"

/* One line, already split into fields. */
static int apply(struct cni_dns *dns, char **f, size_t nf)
{
	if (strcmp(f[0], "nameserver") == 0)
		return strv_push(&dns->nameservers, &dns->n_nameservers, f[1]);
	if (strcmp(f[0], "domain") == 0) {
		char *d = strdup(f[1]);
		if (!d)
			return -1;
		free(dns->domain);
		dns->domain = d;
		return 0;
	}
	if (strcmp(f[0], "search") == 0) {
		for (size_t i = 1; i < nf; i++)
			if (strv_push(&dns->search, &dns->n_search, f[i]) < 0)
				return -1;
		return 0;
	}
	if (strcmp(f[0], "options") == 0) {
		for (size_t i = 1; i < nf; i++)
			if (strv_push(&dns->options, &dns->n_options, f[i]) < 0)
				return -1;
	}
	return 0;
}

int hl_parse_resolv_conf(const char *path, struct cni_dns *dns, struct cni_error *err)
{
	cleanup_fclose FILE *fp = NULL;
	int fd;

	/* O_NONBLOCK: a FIFO given as resolvConf must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || !(fp = fdopen(fd, "r"))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return cni_error_set_errno(err, CNI_ERR_INVALID_CONFIG, e,
					   "ipam.resolvConf: cannot read %s", path);
	}
	return hl_parse_resolv_stream(fp, path, dns, err);
}

int hl_parse_resolv_stream(FILE *fp, const char *path, struct cni_dns *dns, struct cni_error *err)
{
	cleanup_free char *line = malloc(HL_RESOLV_LINE_MAX + 1);
	cleanup_free char **f = NULL;
	size_t fcap = 0, len, lineno = 0;
	int r;

	if (!line)
		goto oom;
	while ((r = io_read_line(fp, line, HL_RESOLV_LINE_MAX + 1, &len)) > 0) {
		size_t nf = 0;
		char *save = NULL, *tok, *p = line;

		lineno++;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')
			p++;
		if (*p == '#' || *p == ';')
			continue;
		for (tok = strtok_r(p, " \t\r\n\v\f", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n\v\f", &save)) {
			if (nf == fcap) {
				size_t ncap = fcap ? fcap * 2 : 8;
				char **nfp = realloc(f, ncap * sizeof(*nfp));
				if (!nfp)
					goto oom;
				f = nfp;
				fcap = ncap;
			}
			f[nf++] = tok;
		}
		if (nf >= 2 && apply(dns, f, nf) < 0)
			goto oom;
	}
	if (r < 0 && errno == EMSGSIZE) {
		cni_error_set(err, CNI_ERR_INVALID_CONFIG, "ipam.resolvConf: cannot read %s", path);
		cni_error_set_details(err, "line %zu is longer than %d bytes (token too long)",
				      lineno + 1, HL_RESOLV_LINE_MAX);
		return -1;
	}
	if (r < 0)
		return cni_error_set_errno(err, CNI_ERR_INVALID_CONFIG, errno,
					   "ipam.resolvConf: cannot read %s", path);
	return 0;
oom:
	return cni_error_oom(err);
}

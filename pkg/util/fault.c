/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fault injection for tests (see fault.h); only in the fault build. */
#ifdef CNI_FAULT_INJECTION
#define _GNU_SOURCE
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RULES_MAX 8

static const char *const kind_names[FAULT_KINDS] = {
    [FAULT_NETLINK] = "netlink",
    [FAULT_NFT] = "nft",
    [FAULT_NFTGET] = "nftget",
    [FAULT_STORE] = "store",
};

struct rule {
	enum fault_kind kind;
	unsigned long k;
	bool onward; /* "K+": every later one too */
	int errnum;
};

static struct rule rules[RULES_MAX];
static size_t n_rules;
static char *log_path;
/* per kind, shared with forked workers (MAP_SHARED): one count per call */
static unsigned long *counts;

static int parse_errno(const char *s)
{
	char *end;
	long v;

	if (*s >= '0' && *s <= '9') {
		v = strtol(s, &end, 10);
		return *end || v <= 0 || v > 4095 ? -1 : (int)v;
	}
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);
		if (name && strcmp(name, s) == 0)
			return e;
	}
	return -1;
}

static int parse_rule(char *s, struct rule *r)
{
	char *kind = s, *k, *e, *end;
	int i;

	if (!(k = strchr(kind, ':')))
		return -1;
	*k++ = '\0';
	if (!(e = strchr(k, ':')))
		return -1;
	*e++ = '\0';
	for (i = 0; i < FAULT_KINDS && strcmp(kind, kind_names[i]) != 0; i++)
		;
	if (i == FAULT_KINDS)
		return -1;
	r->kind = (enum fault_kind)i;
	r->k = strtoul(k, &end, 10);
	r->onward = *end == '+';
	if (end == k || r->k == 0 || *(end + r->onward) != '\0')
		return -1;
	return (r->errnum = parse_errno(e)) < 0 ? -1 : 0;
}

void fault_init(void)
{
	const char *spec = getenv("CNI_FAULT"), *lp = getenv("CNI_FAULT_LOG");
	char *copy, *tok, *save = NULL;

	if (lp && *lp)
		log_path = strdup(lp);
	if (spec && *spec) {
		if (!(copy = strdup(spec)))
			abort();
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (n_rules == RULES_MAX || parse_rule(tok, &rules[n_rules]) < 0) {
				fprintf(stderr, "CNI_FAULT: malformed \"%s\" (KIND:K[+]:ERRNO)\n",
					spec);
				exit(2);
			}
			n_rules++;
		}
		free(copy);
		counts = mmap(NULL, FAULT_KINDS * sizeof(*counts), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (counts == MAP_FAILED) {
			perror("CNI_FAULT: mmap");
			exit(2);
		}
	}
	unsetenv("CNI_FAULT");
	unsetenv("CNI_FAULT_LOG");
}

static void log_hit(enum fault_kind kind, unsigned long k, int errnum, const char *site, long arg)
{
	const char *name = strerrorname_np(errnum);
	char line[256], num[16];
	int fd, len;

	if (!log_path)
		return;
	if (!name) {
		snprintf(num, sizeof(num), "%d", errnum);
		name = num;
	}
	len = snprintf(line, sizeof(line), "%s %lu %s %s %ld\n", kind_names[kind], k, name, site,
		       arg);
	if (len < 0 || (size_t)len >= sizeof(line))
		return;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	/* one O_APPEND write: lines from concurrent workers do not interleave */
	if (write(fd, line, (size_t)len) < 0)
		perror("CNI_FAULT_LOG");
	close(fd);
}

int fault_hit(enum fault_kind kind, const char *site, long arg)
{
	unsigned long k;

	if (!n_rules)
		return 0;
	k = __atomic_add_fetch(&counts[kind], 1, __ATOMIC_SEQ_CST);
	for (size_t i = 0; i < n_rules; i++) {
		const struct rule *r = &rules[i];
		if (r->kind == kind && (k == r->k || (r->onward && k > r->k))) {
			log_hit(kind, k, r->errnum, site, arg);
			return r->errnum;
		}
	}
	return 0;
}

bool fault_errno(enum fault_kind kind, const char *site, long arg)
{
	int e = fault_hit(kind, site, arg);

	if (e)
		errno = e;
	return e != 0;
}
#endif

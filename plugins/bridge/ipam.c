/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host-local answers in about the time the kernel takes to make the veth,
 * so the two overlap: a forked helper runs the delegated ADD (the usual
 * cni_delegate_exec) and writes back "code\0msg\0details" or "0\0stdout".
 */
#define _GNU_SOURCE
#include "ipam.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "delegate.h"

bool br_ipam_early(const char *type)
{
	return type && (strcmp(type, "host-local") == 0 || strcmp(type, "static") == 0);
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void write_str(int fd, const char *s)
{
	write_all(fd, s ? s : "", (s ? strlen(s) : 0) + 1);
}

static __attribute__((noreturn)) void helper(int fd, const char *type, const struct cni_env *env,
					     const struct cni_conf *conf)
{
	struct cni_error err = CNI_ERROR_INIT;
	char *out = NULL;
	char code[16];

	if (cni_delegate_exec(type, CNI_CMD_ADD, env, conf->raw, conf->raw_len, &out, &err) < 0) {
		snprintf(code, sizeof(code), "%d", err.code ? err.code : CNI_ERR_DELEGATE);
		write_str(fd, code);
		write_str(fd, err.msg);
		write_str(fd, err.details);
	} else {
		write_str(fd, "0");
		write_str(fd, out);
	}
	_exit(0); /* no atexit handlers, no stdio flush: stdout is the parent's */
}

int br_ipam_start(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		  struct br_ipam_job *job, struct cni_error *err)
{
	int p[2];
	pid_t pid;

	job->pid = 0;
	job->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		helper(p[1], type, env, conf);
	}
	close(p[1]);
	job->pid = pid;
	job->fd = p[0];
	return 0;
}

/* Read the helper's answer to EOF; reap it. 0, or -1 if it died mute. */
static int collect(struct br_ipam_job *job, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	int status = 0;

	while (b) {
		ssize_t r;
		if (cap - n < 1024) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		r = read(job->fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(job->fd);
	job->fd = -1;
	while (waitpid(job->pid, &status, 0) < 0 && errno == EINTR)
		;
	job->pid = 0;
	if (!b)
		return -1;
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int br_ipam_finish(struct br_ipam_job *job, const char *type, const struct cni_conf *conf,
		   struct cni_result **result, struct cni_error *err)
{
	cleanup_error struct cni_error perr = CNI_ERROR_INIT;
	cleanup_free char *buf = NULL;
	const char *code, *a, *b;
	size_t len = 0;

	*result = NULL;
	if (collect(job, &buf, &len) < 0 || len == 0 || buf[len - 1] != '\0' ||
	    !memchr(buf, 0, len))
		return cni_error_set(err, CNI_ERR_DELEGATE, "failed to run IPAM plugin %s", type);
	code = buf;
	a = code + strlen(code) + 1; /* within buf: the answer ends with NUL */
	if (strcmp(code, "0") != 0) {
		b = a < buf + len ? a + strlen(a) + 1 : a;
		cni_error_set(err, atoi(code), "%s", a < buf + len ? a : "");
		if (b < buf + len && *b)
			cni_error_set_details(err, "%s", b);
		return -1;
	}
	if (a >= buf + len)
		a = "";
	if (cni_result_parse(a, conf->cni_version, result, &perr) < 0)
		return cni_error_set(err, CNI_ERR_DELEGATE,
				     "plugin %s returned an invalid result: %s", type,
				     perr.msg ? perr.msg : "");
	return 0;
}

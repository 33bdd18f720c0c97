/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Wire format on the pipe: "0\0<out>\0" or "<code>\0<msg>\0<details>\0". */
#define _GNU_SOURCE
#include "async.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "io.h"

static void write_str(int fd, const char *s)
{
	(void)io_write_all(fd, s ? s : "", (s ? strlen(s) : 0) + 1);
}

static __attribute__((noreturn)) void child(int fd, int hold, async_fn fn, void *arg)
{
	struct cni_error err = CNI_ERROR_INIT;
	char *out = NULL;
	char code[16];

	if (fn(arg, &out, &err) < 0) {
		snprintf(code, sizeof(code), "%d", err.code ? err.code : CNI_ERR_INTERNAL);
		write_str(fd, code);
		write_str(fd, err.msg);
		write_str(fd, err.details);
	} else {
		write_str(fd, "0");
		write_str(fd, out);
	}
	if (hold >= 0) {
		char c;
		close(fd);
		/* Exit (closing our sockets) only once the parent is done. */
		while (read(hold, &c, 1) < 0 && errno == EINTR)
			;
	}
	_exit(0); /* no atexit handlers, no stdio flush: stdout is the parent's */
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

static int start(struct async_job *job, int held, async_fn fn, void *arg, struct cni_error *err)
{
	int p[2], hold[2] = {-1, -1};
	pid_t pid;

	job->pid = 0;
	job->fd = -1;
	job->hold = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "pipe");
	if (held && pipe2(hold, O_CLOEXEC) < 0) {
		int e = errno;
		close_pair(p);
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "pipe");
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close_pair(p);
		close_pair(hold);
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		if (hold[1] >= 0)
			close(hold[1]);
		child(p[1], hold[0], fn, arg);
	}
	close(p[1]);
	if (hold[0] >= 0)
		close(hold[0]);
	job->pid = pid;
	job->fd = p[0];
	job->hold = hold[1];
	return 0;
}

int async_start(struct async_job *job, async_fn fn, void *arg, struct cni_error *err)
{
	return start(job, 0, fn, arg, err);
}

int async_start_held(struct async_job *job, async_fn fn, void *arg, struct cni_error *err)
{
	return start(job, 1, fn, arg, err);
}

/* Read the answer to EOF and reap the child. NULL if it died mute. */
static char *collect(struct async_job *job, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);

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
	async_abandon(job);
	if (b)
		b[n] = '\0';
	*len = n;
	return b;
}

void async_release(struct async_job *job)
{
	if (job->hold >= 0)
		close(job->hold);
	job->hold = -1;
}

void async_abandon(struct async_job *job)
{
	int status;

	if (job->fd >= 0)
		close(job->fd);
	job->fd = -1;
	async_release(job);
	if (job->pid > 0)
		while (waitpid(job->pid, &status, 0) < 0 && errno == EINTR)
			;
	job->pid = 0;
}

int async_finish(struct async_job *job, const char *what, char **out, struct cni_error *err)
{
	cleanup_free char *buf = NULL;
	const char *code, *msg, *details;
	size_t len = 0;

	if (out)
		*out = NULL;
	if (job->pid == 0)
		return 0;
	buf = collect(job, &len);
	/* a complete answer is at least "0\0" and ends with NUL */
	if (!buf || len < 2 || buf[len - 1] != '\0')
		return cni_error_set(err, CNI_ERR_INTERNAL, "%s: worker process died", what);
	code = buf;
	msg = code + strlen(code) + 1;
	if (strcmp(code, "0") == 0) {
		if (out && msg < buf + len && (*out = strdup(msg)) == NULL)
			return cni_error_oom(err);
		return 0;
	}
	if (msg >= buf + len)
		msg = "";
	details = msg + strlen(msg) + 1;
	cni_error_set(err, atoi(code), "%s", msg);
	if (details < buf + len && *details)
		cni_error_set_details(err, "%s", details);
	return -1;
}

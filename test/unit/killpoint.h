/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Simulated SIGKILLs for crash-consistency unit tests.
 *
 * A test binary that includes this header (exactly one file) is linked with
 * -Wl,--wrap=<call> for every call below (the Makefile reads this line:
 * LDWRAP: write pwrite ftruncate fsync fdatasync linkat unlinkat renameat futimens
 * LDWRAP: mkdirat fsetxattr openat
 * ):
 * each such call made by the code under test, or by the test, first counts
 * down, and at zero the process _exits on the spot, as if it had been
 * SIGKILLed right before that call: no cleanup, no further write. Every
 * call that changes a file system is wrapped, so killing before the k-th
 * one, for k = 1, 2, ..., visits every state a kill can leave.
 *
 * kp_run(fn, ctx, k) runs fn(ctx) in a child killed before its k-th wrapped
 * call: 1 when it was killed there, 0 when fn returned first (the walk is
 * over), -1 when fn failed (returned non-zero) or the child died otherwise.
 */
#ifndef TEST_KILLPOINT_H
#define TEST_KILLPOINT_H

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define KP_KILLED 99

static long kp_countdown; /* 0: off */

static void kp_step(void)
{
	if (kp_countdown > 0 && --kp_countdown == 0)
		_exit(KP_KILLED);
}

#define KP_WRAP(ret, name, params, args)                                                           \
	ret __real_##name params;                                                                  \
	ret __wrap_##name params;                                                                  \
	ret __wrap_##name params                                                                   \
	{                                                                                          \
		kp_step();                                                                         \
		return __real_##name args;                                                         \
	}

KP_WRAP(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n))
KP_WRAP(ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off))
KP_WRAP(int, ftruncate, (int fd, off_t len), (fd, len))
KP_WRAP(int, fsync, (int fd), (fd))
KP_WRAP(int, fdatasync, (int fd), (fd))
KP_WRAP(int, linkat, (int a, const char *p, int b, const char *q, int flags), (a, p, b, q, flags))
KP_WRAP(int, unlinkat, (int dirfd, const char *p, int flags), (dirfd, p, flags))
KP_WRAP(int, renameat, (int a, const char *p, int b, const char *q), (a, p, b, q))
KP_WRAP(int, futimens, (int fd, const struct timespec ts[2]), (fd, ts))
KP_WRAP(int, mkdirat, (int dirfd, const char *p, mode_t mode), (dirfd, p, mode))
KP_WRAP(int, fsetxattr, (int fd, const char *n, const void *v, size_t sz, int flags),
	(fd, n, v, sz, flags))

int __real_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (flags & (O_CREAT | O_TRUNC | O_TMPFILE))
		kp_step(); /* opening to read changes nothing */
	return __real_openat(dirfd, path, flags, mode);
}

static int kp_run(int (*fn)(void *), void *ctx, long k)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		kp_countdown = k;
		_exit(fn(ctx) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status) == KP_KILLED)
		return 1;
	return WEXITSTATUS(status) == 0 ? 0 : -1;
}

#endif

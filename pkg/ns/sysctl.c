/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

static int sysctl_open(const char *key, int flags, struct cni_error *err)
{
	char path[256];
	int fd;

	if (snprintf(path, sizeof(path), "/proc/sys/%s", key) >= (int)sizeof(path)) {
		cni_error_set(err, CNI_ERR_SYSTEM, "sysctl key too long: %s", key);
		return -ENAMETOOLONG;
	}
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "failed to open sysctl %s: %s", key,
				    strerror(e));
		return -e;
	}
	return fd;
}

int sysctl_read(const char *key, char *buf, size_t len, struct cni_error *err)
{
	cleanup_close int fd = sysctl_open(key, O_RDONLY, err);
	ssize_t n;

	if (fd < 0)
		return fd;
	if (len == 0)
		return -EINVAL;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int e = errno;
		cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "failed to read sysctl %s: %s", key,
				    strerror(e));
		return -e;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

int sysctl_write(const char *key, const char *value, struct cni_error *err)
{
	cleanup_close int fd = sysctl_open(key, O_WRONLY, err);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = write(fd, value, len);
	if (n < 0 || (size_t)n != len) {
		int e = n < 0 ? errno : EIO;
		cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "failed to write %s to sysctl %s: %s",
				    value, key, strerror(e));
		return -e;
	}
	return 0;
}

int sysctl_ensure(const char *key, const char *value, struct cni_error *err)
{
	char cur[64];
	int r = sysctl_read(key, cur, sizeof(cur), err);

	if (r < 0)
		return r;
	if (strcmp(cur, value) == 0)
		return 0;
	r = sysctl_write(key, value, err);
	return r < 0 ? r : 1;
}

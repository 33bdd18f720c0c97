/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "util/cleanup.h"

int netns_open(const char *path, struct cni_error *err)
{
	cleanup_close int fd = -1;
	int type;

	if (!path || !*path) {
		cni_error_set_errno(err, CNI_ERR_SYSTEM, ENOENT, "failed to open netns \"\"");
		return -ENOENT;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "failed to open netns %s: %s", path,
				    strerror(e));
		return -e;
	}
	/* A bind mount left behind by a deleted namespace is a plain file. */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET) {
		cni_error_set_errno(err, CNI_ERR_SYSTEM, EINVAL,
				    "failed to open netns %s: not a network namespace", path);
		return -EINVAL;
	}
	return steal_fd(&fd);
}

int netns_enter(int fd, int *saved, struct cni_error *err)
{
	cleanup_close int cur = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	*saved = -1;
	if (cur < 0) {
		int e = errno;
		cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "failed to open the current netns: %s",
				    strerror(e));
		return -e;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;
		cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "failed to enter netns: %s",
				    strerror(e));
		return -e;
	}
	*saved = steal_fd(&cur);
	return 0;
}

int netns_leave(int *saved, struct cni_error *err)
{
	int ret = 0;

	if (*saved < 0)
		return 0;
	if (setns(*saved, CLONE_NEWNET) < 0) {
		ret = -errno;
		cni_error_set_errno(err, CNI_ERR_SYSTEM, -ret,
				    "failed to return to the original netns: %s", strerror(-ret));
	}
	close(*saved);
	*saved = -1;
	return ret;
}

int netns_run(int fd, int (*fn)(void *arg, struct cni_error *err), void *arg, struct cni_error *err)
{
	int saved, ret, r;

	r = netns_enter(fd, &saved, err);
	if (r < 0)
		return r;
	ret = fn(arg, err);
	if (ret < 0) {
		/* keep fn's error; still try to come back */
		cleanup_error struct cni_error e2 = CNI_ERROR_INIT;
		r = netns_leave(&saved, &e2);
		if (r < 0)
			cni_error_move(err, &e2);
		return ret;
	}
	r = netns_leave(&saved, err);
	return r < 0 ? r : ret;
}

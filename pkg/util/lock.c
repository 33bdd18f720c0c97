/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"

int lock_fd_exclusive(int fd, struct cni_error *err)
{
	/* Waits as long as the holder needs, as the reference does; EINTR is a
	 * signal we did not ask to be interrupted by. */
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "flock");
	}
	return 0;
}

int lock_open_exclusive(int dirfd, const char *name, mode_t mode, struct cni_error *err)
{
	cleanup_close int fd = -1;

	fd = openat(dirfd, name, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, mode);
	if (fd < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "open lock file %s", name);
	if (lock_fd_exclusive(fd, err) < 0)
		return -1;
	return steal_fd(&fd);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole-file advisory locks (flock), the way the reference plugins take
 * them, so that our processes and theirs exclude each other. */
#ifndef CNI_LOCK_H
#define CNI_LOCK_H

#include <sys/types.h>

#include "cni/error.h"

/* Open `name` under dirfd (created with `mode` when missing, never through a
 * symlink) and wait for an exclusive flock on it. Returns the fd: the lock
 * lives until it is closed. -1 and err (CNI_ERR_SYSTEM) on failure. */
int lock_open_exclusive(int dirfd, const char *name, mode_t mode, struct cni_error *err);

/* The same on an fd the caller already has. 0 or -1 and err. */
int lock_fd_exclusive(int fd, struct cni_error *err);

#endif

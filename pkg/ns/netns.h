/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network namespaces by path (/var/run/netns/x, /proc/PID/ns/net). The
 * plugins are single-threaded, so setns() moves the whole process: enter,
 * do the few things that need the namespace (sysctls, opening a socket),
 * and come back.
 */
#ifndef CNI_NETNS_H
#define CNI_NETNS_H

#include "cni/error.h"

/* Open a netns path (O_RDONLY|O_CLOEXEC) and check it is a network
 * namespace. Returns the fd, or -ENOENT (gone) / -EINVAL (not a netns) /
 * another -errno, with err set (CNI_ERR_SYSTEM, "failed to open netns ..."). */
int netns_open(const char *path, struct cni_error *err);

/* Enter the netns fd; *saved gets an fd of the one left, for netns_leave. */
int netns_enter(int fd, int *saved, struct cni_error *err);
/* Return to *saved (and close it). Always closes; -errno if setns failed. */
int netns_leave(int *saved, struct cni_error *err);

/* Run fn(arg, err) inside the netns fd and come back. Returns fn's value,
 * or a negative value when entering/leaving failed. */
int netns_run(int fd, int (*fn)(void *arg, struct cni_error *err), void *arg,
	      struct cni_error *err);

#endif

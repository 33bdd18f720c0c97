/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysctls through /proc/sys. Keys are paths below /proc/sys with '/'
 * separators ("net/ipv4/ip_forward", "net/ipv6/conf/eth0/accept_dad"), so
 * interface names with dots need no escaping. /proc/sys/net shows the netns
 * the caller is in when it opens the file.
 */
#ifndef CNI_SYSCTL_H
#define CNI_SYSCTL_H

#include <stddef.h>

#include "cni/error.h"

/* Read into buf (NUL-terminated, trailing newline dropped). 0 or -errno. */
int sysctl_read(const char *key, char *buf, size_t len, struct cni_error *err);
/* Write value. 0 or -errno. */
int sysctl_write(const char *key, const char *value, struct cni_error *err);
/* Write value only when the current one differs: 1 written, 0 already so,
 * -errno. */
int sysctl_ensure(const char *key, const char *value, struct cni_error *err);

#endif

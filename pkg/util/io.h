/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plain file-descriptor I/O. */
#ifndef CNI_UTIL_IO_H
#define CNI_UTIL_IO_H

#include <stddef.h>

/* Write all len bytes (retrying EINTR and short writes): 0, or -1 with errno. */
int io_write_all(int fd, const void *buf, size_t len);

#endif

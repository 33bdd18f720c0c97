/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <unistd.h>

int io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int io_read_line(FILE *fp, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	int c;

	for (;;) {
		c = getc_unlocked(fp);
		if (c == EOF || c == '\n')
			break;
		if (n + 1 >= size) {
			errno = EMSGSIZE;
			return -1;
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	*len = n;
	if (c == EOF && ferror_unlocked(fp)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return c == EOF && n == 0 ? 0 : 1;
}

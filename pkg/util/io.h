/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plain file-descriptor I/O, and bounded line reading. */
#ifndef CNI_UTIL_IO_H
#define CNI_UTIL_IO_H

#include <stddef.h>
#include <stdio.h>

/* Write all len bytes (retrying EINTR and short writes): 0, or -1 with errno. */
int io_write_all(int fd, const void *buf, size_t len);

/* Read one line of fp into buf (size > 1 bytes): its bytes without the
 * '\n', NUL terminated, *len of them (NUL bytes within are kept). The
 * last line needs no '\n'. 1: a line; 0: end of file; -1 with errno: a
 * read error, or EMSGSIZE when the line has size - 1 bytes or more before
 * its end (the rest of the stream is not read). With a 64 KiB buffer this
 * is Go's bufio.Scanner default: 65535 bytes pass, 65536 are "token too
 * long". */
int io_read_line(FILE *fp, char *buf, size_t size, size_t *len);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util/io.h: the bounded line reader, at Go's bufio.Scanner bound. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/io.h"

#define BUF (64 * 1024)

static FILE *stream(const char *data, size_t len)
{
	FILE *fp = fmemopen((void *)data, len, "r");
	assert_non_null(fp);
	return fp;
}

static void test_lines(void **state)
{
	static const char data[] = "one\n\ntwo\0x\nlast";
	char buf[16];
	size_t len;
	FILE *fp = stream(data, sizeof(data) - 1);

	assert_int_equal(io_read_line(fp, buf, sizeof(buf), &len), 1);
	assert_string_equal(buf, "one");
	assert_int_equal(io_read_line(fp, buf, sizeof(buf), &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(io_read_line(fp, buf, sizeof(buf), &len), 1);
	assert_int_equal(len, 5); /* the NUL byte is kept and counted */
	assert_memory_equal(buf, "two\0x", 6);
	/* the last line needs no newline */
	assert_int_equal(io_read_line(fp, buf, sizeof(buf), &len), 1);
	assert_string_equal(buf, "last");
	assert_int_equal(io_read_line(fp, buf, sizeof(buf), &len), 0);
	assert_int_equal(io_read_line(fp, buf, sizeof(buf), &len), 0);
	fclose(fp);
}

/* With a 64 KiB buffer: a line of 65535 bytes passes, with or without its
 * newline; 65536 is too long (bufio.Scanner's "token too long"). */
static void test_bound(void **state)
{
	char *data = malloc(BUF + 8), *buf = malloc(BUF);
	size_t len;
	FILE *fp;

	memset(data, 'a', BUF + 8);
	data[BUF - 1] = '\n';
	fp = stream(data, BUF + 2);
	assert_int_equal(io_read_line(fp, buf, BUF, &len), 1);
	assert_int_equal(len, BUF - 1);
	assert_int_equal(io_read_line(fp, buf, BUF, &len), 1);
	assert_int_equal(len, 2);
	fclose(fp);

	fp = stream(data, BUF - 1);
	assert_int_equal(io_read_line(fp, buf, BUF, &len), 1);
	assert_int_equal(len, BUF - 1);
	assert_int_equal(io_read_line(fp, buf, BUF, &len), 0);
	fclose(fp);

	data[BUF - 1] = 'a';
	data[BUF] = '\n';
	fp = stream(data, BUF + 1);
	errno = 0;
	assert_int_equal(io_read_line(fp, buf, BUF, &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	fclose(fp);
	/* and at the end of the stream too */
	fp = stream(data, BUF);
	assert_int_equal(io_read_line(fp, buf, BUF, &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	fclose(fp);
	free(data);
	free(buf);
}

/* A read error is one, not the end of the file. */
static void test_read_error(void **state)
{
	char buf[16];
	size_t len;
	FILE *fp = fopen("/", "r"); /* a directory: read() fails, EISDIR */

	assert_non_null(fp);
	errno = 0;
	assert_int_equal(io_read_line(fp, buf, sizeof(buf), &len), -1);
	assert_int_equal(errno, EISDIR);
	fclose(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_read_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

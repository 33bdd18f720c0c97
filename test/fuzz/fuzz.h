/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the libFuzzer targets in test/fuzz/ (one parser of outside
 * input each; see docs/reliability.md, "Fuzzing"). Each target is also linked with
 * replay.c into a plain program that runs its corpus once, so that the
 * seeds and every crash kept in test/fuzz/corpus/ are replayed by
 * `make test` with the normal compiler.
 */
#ifndef CNI_FUZZ_H
#define CNI_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: a violation is a crash to keep. */
#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__, __LINE__, #c);              \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A call that failed filled the error (a code and a message: what the
 * skeleton prints as the error object); one that succeeded did not. */
static inline void fuzz_outcome(int r, const struct cni_error *err)
{
	if (r < 0)
		FUZZ_ASSERT(err->code != 0 && err->msg && *err->msg);
	else
		FUZZ_ASSERT(err->code == 0);
}

/* data as a malloc'd NUL-terminated string (embedded NULs kept). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Split at the first '\n': *head (malloc'd, the CNI_ARGS of the config
 * targets) and the rest; no '\n' means no head. */
static inline const uint8_t *fuzz_split(const uint8_t *data, size_t *size, char **head)
{
	const uint8_t *nl = memchr(data, '\n', *size);

	if (!nl) {
		*head = NULL;
		return data;
	}
	*head = fuzz_str(data, (size_t)(nl - data));
	*size -= (size_t)(nl - data) + 1;
	return nl + 1;
}

/* A private directory for targets that go through files (on tmpfs when
 * there is one), removed at exit; *dir is a buffer of 64 bytes. */
static char *fuzz_dir_path;
static inline void fuzz_dir_remove(void)
{
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir_path);
	(void)!system(cmd);
}
static inline void fuzz_tmpdir(char *dir, const char *name)
{
	snprintf(dir, 64, "/dev/shm/cni-fuzz-%s.XXXXXX", name);
	if (!mkdtemp(dir)) {
		snprintf(dir, 64, "/tmp/cni-fuzz-%s.XXXXXX", name);
		if (!mkdtemp(dir))
			abort();
	}
	fuzz_dir_path = dir;
	atexit(fuzz_dir_remove);
}

/* Create or replace file name in dirfd with exactly data. */
static inline void fuzz_put(int dirfd, const char *name, const void *data, size_t size)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
	close(fd);
}

#endif

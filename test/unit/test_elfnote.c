/* SPDX-License-Identifier: GPL-2.0-or-later */
/* elf_has_note: our note found in our binaries (this test carries one of
 * its own, and our host-local when CNI_TEST_BIN names a build dir), not in
 * other binaries, and never in garbage, truncated or corrupted files. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/elfnote.h"
#include "ipam/host-local/hostlocal.h"

CNI_C_ELF_NOTE("unit-test");

static char dir[] = "/tmp/test-elfnote.XXXXXX";
static unsigned char *self;
static size_t self_len;

static int setup(void **state)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	size_t cap = 1 << 20, n;

	if (!f || !mkdtemp(dir))
		return -1;
	self = malloc(cap);
	while (self && (n = fread(self + self_len, 1, cap - self_len, f)) > 0) {
		self_len += n;
		if (self_len == cap)
			self = realloc(self, cap *= 2);
	}
	fclose(f);
	return self && self_len > sizeof(ElfW(Ehdr)) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	free(self);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const void *data, size_t len)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_own_note(void **state)
{
	assert_true(cni_c_binary_is("/proc/self/exe", "unit-test"));
	/* desc, name and type must all match */
	assert_false(cni_c_binary_is("/proc/self/exe", "unit-tes"));
	assert_false(cni_c_binary_is("/proc/self/exe", "unit-test2"));
	assert_false(cni_c_binary_is("/proc/self/exe", "host-local"));
	assert_false(elf_has_note("/proc/self/exe", "cni-", CNI_C_NOTE_TYPE, "unit-test", 9));
	assert_false(elf_has_note("/proc/self/exe", CNI_C_NOTE_NAME, 2, "unit-test", 9));
	/* a copy is as good as the original */
	assert_true(cni_c_binary_is(write_file("copy", self, self_len), "unit-test"));
}

static void test_our_host_local(void **state)
{
	const char *bin = getenv("CNI_TEST_BIN");
	char path[4096];

	if (!bin || !*bin)
		skip(); /* the bats tests check the installed pair too */
	snprintf(path, sizeof(path), "%s/host-local", bin);
	if (access(path, R_OK) != 0)
		skip();
	assert_true(cni_c_binary_is(path, HL_NOTE_DESC));
	/* the name alone (what builds before the build id carried) is not it */
	assert_false(cni_c_binary_is(path, "host-local"));
	assert_false(cni_c_binary_is(path, "bridge"));
	snprintf(path, sizeof(path), "%s/bridge", bin);
	if (access(path, R_OK) == 0)
		assert_false(cni_c_binary_is(path, HL_NOTE_DESC));
}

static void test_other_binaries(void **state)
{
	assert_false(cni_c_binary_is("/bin/true", "host-local"));
	assert_false(cni_c_binary_is("/bin/sh", "host-local"));
	if (access("/usr/lib/cni/host-local", R_OK) == 0)
		assert_false(cni_c_binary_is("/usr/lib/cni/host-local", "host-local"));
	assert_false(cni_c_binary_is("/nonexistent/host-local", "host-local"));
	assert_false(cni_c_binary_is(dir, "host-local")); /* a directory */
	assert_false(cni_c_binary_is("/dev/null", "host-local"));
}

static void test_garbage(void **state)
{
	unsigned char junk[8192];
	unsigned int seed = 12345;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(rand_r(&seed) >> 7);
	assert_false(cni_c_binary_is(write_file("junk", junk, sizeof(junk)), "host-local"));
	assert_false(cni_c_binary_is(write_file("empty", "", 0), "host-local"));
	assert_false(cni_c_binary_is(write_file("script", "#!/bin/sh\n", 10), "host-local"));
	/* an ELF header followed by junk */
	memcpy(junk, self, sizeof(ElfW(Ehdr)));
	assert_false(cni_c_binary_is(write_file("elfjunk", junk, sizeof(junk)), "unit-test"));
}

/* Every prefix that ends before the note is complete: not ours. */
static void test_truncated(void **state)
{
	static const char needle[] = CNI_C_NOTE_NAME "\0\0\0unit-test";
	unsigned char *at = memmem(self, self_len, needle, sizeof(needle) - 1);
	size_t end;

	assert_non_null(at);
	end = (size_t)(at - self) + sizeof(needle) - 1;
	for (size_t len = 0; len < end; len += len < 128 ? 1 : 13)
		assert_false(cni_c_binary_is(write_file("trunc", self, len), "unit-test"));
	assert_false(cni_c_binary_is(write_file("trunc", self, end - 1), "unit-test"));
	/* the segment is 4-byte padded: the padding is part of it */
	assert_true(cni_c_binary_is(write_file("trunc", self, self_len), "unit-test"));
}

/* Corrupted headers are rejected, never read out of bounds. */
static void test_corrupted(void **state)
{
	unsigned char *c = malloc(self_len);
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph;

	assert_non_null(c);
	memcpy(&eh, self, sizeof(eh));

#define MUTATE(field, value)                                                                       \
	do {                                                                                       \
		ElfW(Ehdr) m = eh;                                                                 \
		memcpy(c, self, self_len);                                                         \
		m.field = value;                                                                   \
		memcpy(c, &m, sizeof(m));                                                          \
		assert_false(cni_c_binary_is(write_file("bad", c, self_len), "unit-test"));        \
	} while (0)
	MUTATE(e_phentsize, 32);
	MUTATE(e_phnum, 0);
	MUTATE(e_phnum, 0xffff);
	MUTATE(e_phoff, self_len);
	MUTATE(e_phoff, (ElfW(Off)) - 16);
	MUTATE(e_ident[EI_CLASS], ELFCLASSNONE);
	MUTATE(e_ident[EI_MAG1], 'X');

	/* every PT_NOTE pointing out of the file, or huge, or with a note
	 * header claiming more than the segment holds */
	for (int mode = 0; mode < 3; mode++) {
		memcpy(c, self, self_len);
		for (size_t i = 0; i < eh.e_phnum; i++) {
			unsigned char *p = c + eh.e_phoff + i * sizeof(ph);
			memcpy(&ph, p, sizeof(ph));
			if (ph.p_type != PT_NOTE)
				continue;
			if (mode == 0)
				ph.p_offset = self_len - 4;
			else if (mode == 1)
				ph.p_filesz = (ElfW(Xword)) - 1;
			else
				for (size_t off = 0; off + 12 <= ph.p_filesz; off += 4) {
					uint32_t big = 0x7fffffff;
					memcpy(c + ph.p_offset + off, &big, 4);
				}
			memcpy(p, &ph, sizeof(ph));
		}
		assert_false(cni_c_binary_is(write_file("bad", c, self_len), "unit-test"));
	}
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_own_note),	   cmocka_unit_test(test_our_host_local),
	    cmocka_unit_test(test_other_binaries), cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_truncated),	   cmocka_unit_test(test_corrupted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

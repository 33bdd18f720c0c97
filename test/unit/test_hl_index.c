/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local: the owner index — lookups, commit, stamp, rebuild triggers. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipam/host-local/disk/index.h"
#include "ipam/host-local/disk/store.h"

static char tmpl[64], dir[128];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	strcpy(tmpl, "/tmp/hl-index-XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/net", tmpl);
	return 0;
}

static int teardown(void **state)
{
	nftw(tmpl, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void write_raw(const char *name, const char *data)
{
	char path[512];
	int fd;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

static void unlink_raw(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(unlink(path), 0);
}

/* One locked store + index, as a plugin run has. */
struct run {
	struct hl_store s;
	struct hl_index ix;
};

static void run_open(struct run *r)
{
	struct cni_error err = CNI_ERROR_INIT;
	r->s = (struct hl_store)HL_STORE_INIT;
	assert_int_equal(hl_store_open(&r->s, tmpl, "net", true, &err), 0);
	assert_int_equal(hl_index_open(&r->ix, &r->s, &err), 0);
}

static void run_close(struct run *r)
{
	struct cni_error err = CNI_ERROR_INIT;
	assert_int_equal(hl_index_commit(&r->ix, &err), 0);
	hl_index_close(&r->ix);
	hl_store_close(&r->s);
}

/* Names held by key, sorted and joined ("" when none). */
static const char *find(struct run *r, const char *key)
{
	static char out[512];
	struct cni_error err = CNI_ERROR_INIT;
	char **names;
	size_t n, len = 0;

	assert_int_equal(hl_index_find(&r->ix, key, strlen(key), &names, &n, &err), 0);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (size_t i = 0; i < n; i++)
		len +=
		    (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i ? " " : "", names[i]);
	hl_names_free(names, n);
	return out;
}

/* Reserve like an ADD of ours does. */
static void reserve(struct run *r, const char *ip, const char *key)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct ip_addr a;
	assert_int_equal(ip_addr_parse(ip, &a), 0);
	assert_int_equal(hl_store_reserve(&r->s, &a, key, strlen(key), &err), 1);
	assert_int_equal(hl_index_add(&r->ix, key, strlen(key), ip, &err), 0);
}

static void release(struct run *r, const char *ip, const char *key)
{
	struct cni_error err = CNI_ERROR_INIT;
	assert_int_equal(hl_store_remove(&r->s, ip, &err), 0);
	assert_int_equal(hl_index_remove(&r->ix, key, strlen(key), ip, &err), 0);
}

static void test_rebuild_from_reference_files(void **state)
{
	struct run r;

	assert_int_equal(mkdir(tmpl, 0755) == 0 || 1, 1);
	assert_int_equal(mkdir(dir, 0755), 0);
	/* what the reference left: both formats, a torn file, bookkeeping */
	write_raw("10.0.0.2", "c1\r\neth0");
	write_raw("fd00::2", "c1\r\neth0");
	write_raw("10.0.0.3", "old");
	write_raw("10.0.0.4", "");
	write_raw("last_reserved_ip.0", "10.0.0.4");
	write_raw("lock", "");

	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 1); /* no stamp yet */
	assert_string_equal(find(&r, "c1\r\neth0"), "10.0.0.2 fd00::2");
	assert_string_equal(find(&r, "old"), "10.0.0.3");
	assert_string_equal(find(&r, "c1"), "");
	assert_string_equal(find(&r, ""), ""); /* a torn file is nobody's */
	run_close(&r);

	/* nothing changed since: trusted, no scan */
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	assert_string_equal(find(&r, "c1\r\neth0"), "10.0.0.2 fd00::2");
	run_close(&r);
}

static void test_add_remove_commit(void **state)
{
	struct run r;
	struct stat st;
	char path[512], buf[256];
	long long ino, sec, nsec;
	FILE *f;

	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	reserve(&r, "fd00::2", "a\r\neth0");
	reserve(&r, "10.0.0.3", "b\r\neth0");
	run_close(&r);

	/* the stamp names the directory's (pinned) mtime */
	snprintf(path, sizeof(path), "%s/" HL_INDEX_DIR "/stamp", dir);
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fscanf(f, "cni-c-index 1 %lld %lld %lld", &ino, &sec, &nsec), 3);
	fclose(f);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal((long long)st.st_ino, ino);
	assert_int_equal((long long)st.st_mtim.tv_sec, sec);
	assert_int_equal((long long)st.st_mtim.tv_nsec, nsec);
	assert_true(sec < time(NULL)); /* in the past: no later change can hit it */

	/* bucket format: header, hex key, names */
	snprintf(path, sizeof(path), "%s/" HL_INDEX_DIR "/b%02x", dir,
		 hl_index_bucket("a\r\neth0", 7));
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "cni-c-index bucket 1\n");
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "610d0a65746830 10.0.0.2 fd00::2\n");
	fclose(f);

	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	assert_string_equal(find(&r, "a\r\neth0"), "10.0.0.2 fd00::2");
	assert_string_equal(find(&r, "b\r\neth0"), "10.0.0.3");
	release(&r, "10.0.0.2", "a\r\neth0");
	release(&r, "fd00::2", "a\r\neth0");
	run_close(&r);

	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	assert_string_equal(find(&r, "a\r\neth0"), "");
	assert_string_equal(find(&r, "b\r\neth0"), "10.0.0.3");
	run_close(&r);
}

static void test_foreign_changes_rebuild(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct ip_addr a;
	struct run r;

	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	assert_int_equal(ip_addr_parse("10.0.0.2", &a), 0);
	assert_int_equal(hl_store_write_last(&r.s, 0, &a, &err), 0);
	run_close(&r);

	/* the reference reserves, right away (same clock tick) */
	write_raw("10.0.0.3", "ref\r\neth0");
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 1);
	assert_string_equal(find(&r, "ref\r\neth0"), "10.0.0.3");
	assert_string_equal(find(&r, "a\r\neth0"), "10.0.0.2");
	run_close(&r);

	/* the reference releases one of ours */
	unlink_raw("10.0.0.2");
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 1);
	assert_string_equal(find(&r, "a\r\neth0"), "");
	run_close(&r);

	/* rewriting last_reserved_ip in place does not touch the directory */
	write_raw("last_reserved_ip.0", "10.0.0.3");
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	run_close(&r);
}

static void test_crash_windows(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct run r;
	char path[512];

	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	run_close(&r);

	/* crash after reserving, before the index was written */
	run_open(&r);
	{
		struct ip_addr a;
		assert_int_equal(ip_addr_parse("10.0.0.3", &a), 0);
		assert_int_equal(hl_store_reserve(&r.s, &a, "b\r\neth0", 7, &err), 1);
	}
	hl_index_close(&r.ix); /* no commit */
	hl_store_close(&r.s);
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 1);
	assert_string_equal(find(&r, "b\r\neth0"), "10.0.0.3");
	run_close(&r);

	/* a torn stamp */
	snprintf(path, sizeof(path), HL_INDEX_DIR "/stamp");
	write_raw(path, "cni-c-index 1 12");
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 1);
	run_close(&r);

	/* a corrupt bucket under a valid stamp: caught when read */
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	run_close(&r);
	{
		struct stat st;
		struct timespec ts[2];
		assert_int_equal(stat(dir, &st), 0);
		snprintf(path, sizeof(path), HL_INDEX_DIR "/b%02x",
			 hl_index_bucket("b\r\neth0", 7));
		write_raw(path, "garbage");
		ts[0] = st.st_atim;
		ts[1] = st.st_mtim;
		assert_int_equal(utimensat(AT_FDCWD, dir, ts, 0), 0);
	}
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	assert_string_equal(find(&r, "b\r\neth0"), "10.0.0.3");
	assert_int_equal(r.ix.n_rebuilds, 1);
	run_close(&r);
}

static void test_verification(void **state)
{
	struct run r;
	struct stat st;
	struct timespec ts[2];

	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	reserve(&r, "10.0.0.3", "a\r\neth0");
	run_close(&r);

	/* someone rewrote a file behind our back and put the mtime back */
	assert_int_equal(stat(dir, &st), 0);
	write_raw("10.0.0.2", "z\r\neth0");
	unlink_raw("10.0.0.3");
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, dir, ts, 0), 0);
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	/* each named file is read: the wrong owner forces a rebuild */
	assert_string_equal(find(&r, "a\r\neth0"), "");
	assert_int_equal(r.ix.n_rebuilds, 1);
	assert_string_equal(find(&r, "z\r\neth0"), "10.0.0.2");
	run_close(&r);
}

static void test_collisions_share_a_bucket(void **state)
{
	char k1[32], k2[32];
	struct run r;
	int i;

	/* 64 buckets: two keys meet quickly */
	snprintf(k1, sizeof(k1), "c0\r\neth0");
	for (i = 1;; i++) {
		snprintf(k2, sizeof(k2), "c%d\r\neth0", i);
		if (hl_index_bucket(k2, strlen(k2)) == hl_index_bucket(k1, strlen(k1)))
			break;
	}
	run_open(&r);
	reserve(&r, "10.0.0.2", k1);
	reserve(&r, "10.0.0.3", k2);
	run_close(&r);
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	assert_string_equal(find(&r, k1), "10.0.0.2");
	assert_string_equal(find(&r, k2), "10.0.0.3");
	release(&r, "10.0.0.2", k1);
	run_close(&r);
	run_open(&r);
	assert_string_equal(find(&r, k1), "");
	assert_string_equal(find(&r, k2), "10.0.0.3");
	run_close(&r);
}

static void test_scan_mode(void **state)
{
	struct run r;

	assert_int_equal(mkdir(tmpl, 0755) == 0 || 1, 1);
	assert_int_equal(mkdir(dir, 0755), 0);
	write_raw(HL_INDEX_DIR, "not a directory");
	write_raw("10.0.0.2", "a\r\neth0");
	run_open(&r);
	assert_int_equal(r.ix.fd, -1);
	assert_string_equal(find(&r, "a\r\neth0"), "10.0.0.2");
	reserve(&r, "10.0.0.3", "a\r\neth0");
	assert_string_equal(find(&r, "a\r\neth0"), "10.0.0.2 10.0.0.3");
	run_close(&r);
}

static void test_scale_lookup_is_one_bucket(void **state)
{
	struct run r;
	char key[64], ip[32];

	run_open(&r);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "ctr-%d\r\neth0", i);
		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 250, i % 250 + 2);
		reserve(&r, ip, key);
	}
	run_close(&r);
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	assert_string_equal(find(&r, "ctr-777\r\neth0"), "10.1.3.29");
	/* one bucket read, not 1,000 files */
	assert_int_equal(r.ix.nb, 1);
	run_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rebuild_from_reference_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_add_remove_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_changes_rebuild, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_windows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verification, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collisions_share_a_bucket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scan_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scale_lookup_is_one_bucket, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

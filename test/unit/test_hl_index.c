/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local: the owner index — lookups, commit, stamp, rebuild triggers. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
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
#include "killpoint.h"

static char tmpl[64], dir[128], bootf[160];

/* The boot id the index sees (a reboot is a new one). */
static void set_boot_id(const char *id)
{
	FILE *f = fopen(bootf, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", id);
	fclose(f);
}

#define BOOT_A "6f1c3d0e-8a61-4c1b-9a53-0c1e0a2b3c4d"
#define BOOT_B "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	strcpy(tmpl, "/tmp/hl-index-XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/net", tmpl);
	snprintf(bootf, sizeof(bootf), "%s/boot_id", tmpl);
	set_boot_id(BOOT_A);
	hl_store_boot_id_path = bootf;
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

/* names sorted and joined ("" when none), then freed */
static const char *join_sorted(char **names, size_t n)
{
	static char out[512];
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len +=
		    (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i ? " " : "", names[i]);
	hl_names_free(names, n);
	return out;
}

/* Names held by key, sorted and joined ("" when none). */
static const char *find(struct run *r, const char *key)
{
	struct cni_error err = CNI_ERROR_INIT;
	char **names;
	size_t n;

	assert_int_equal(hl_index_find(&r->ix, key, strlen(key), &names, &n, &err), 0);
	return join_sorted(names, n);
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
	char path[512], buf[256], boot[64];
	long long ino, sec, nsec, csec, cnsec;
	FILE *f;

	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	reserve(&r, "fd00::2", "a\r\neth0");
	reserve(&r, "10.0.0.3", "b\r\neth0");
	run_close(&r);

	/* the stamp names the boot and the directory's (pinned) mtime and ctime */
	snprintf(path, sizeof(path), "%s/" HL_INDEX_DIR "/stamp", dir);
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fscanf(f, "cni-c-index 2 %63s %lld %lld %lld %lld %lld", boot, &ino, &sec,
				&nsec, &csec, &cnsec),
			 6);
	fclose(f);
	assert_string_equal(boot, BOOT_A);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal((long long)st.st_ino, ino);
	assert_int_equal((long long)st.st_mtim.tv_sec, sec);
	assert_int_equal((long long)st.st_mtim.tv_nsec, nsec);
	assert_int_equal((long long)st.st_ctim.tv_sec, csec);
	assert_int_equal((long long)st.st_ctim.tv_nsec, cnsec);
	assert_true(sec < time(NULL)); /* in the past: no later change can hit it */
	assert_true(sec < csec);       /* a change sets both to one time */

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
	/* rewritten in place: the network directory does not change */
	snprintf(path, sizeof(path), HL_INDEX_DIR "/b%02x", hl_index_bucket("b\r\neth0", 7));
	write_raw(path, "garbage");
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	assert_string_equal(find(&r, "b\r\neth0"), "10.0.0.3");
	assert_int_equal(r.ix.n_rebuilds, 1);
	run_close(&r);
}

static void test_verification(void **state)
{
	struct run r;

	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	reserve(&r, "10.0.0.3", "a\r\neth0");
	run_close(&r);

	/* someone rewrote a file in place, behind our back: the directory
	 * did not change, so the index is trusted */
	write_raw("10.0.0.2", "z\r\neth0");
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	/* each named file is read: the wrong owner forces a rebuild */
	assert_string_equal(find(&r, "a\r\neth0"), "10.0.0.3");
	assert_int_equal(r.ix.n_rebuilds, 1);
	assert_string_equal(find(&r, "z\r\neth0"), "10.0.0.2");
	run_close(&r);
}

/* After a clock step, a change can leave the directory's mtime equal to
 * the one the stamp pinned (a 1-second file system only needs the clock
 * back in that second); its ctime never is. */
static void test_clock_step_rebuilds(void **state)
{
	struct timespec ts[2];
	struct stat st;
	struct run r;

	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	run_close(&r);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(st.st_ctim.tv_sec != st.st_mtim.tv_sec ||
		    st.st_ctim.tv_nsec != st.st_mtim.tv_nsec);

	/* the reference reserves and releases; the clock puts the mtime back */
	write_raw("10.0.0.3", "ref\r\neth0");
	unlink_raw("10.0.0.2");
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, dir, ts, 0), 0);
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 1);
	assert_string_equal(find(&r, "ref\r\neth0"), "10.0.0.3");
	assert_string_equal(find(&r, "a\r\neth0"), "");
	run_close(&r);
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	run_close(&r);
}

/* Every file under .cni-c-index but the stamp: name and content. */
struct snap {
	char names[HL_INDEX_BUCKETS + 8][32];
	char *data[HL_INDEX_BUCKETS + 8];
	size_t len[HL_INDEX_BUCKETS + 8];
	int n;
};

static char *slurp_path(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void snap_take(struct snap *sn)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/" HL_INDEX_DIR, dir);
	assert_non_null(d = opendir(path));
	sn->n = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] != 'b')
			continue;
		snprintf(sn->names[sn->n], sizeof(sn->names[0]), "%.31s", de->d_name);
		snprintf(path, sizeof(path), "%s/" HL_INDEX_DIR "/%s", dir, de->d_name);
		sn->data[sn->n] = slurp_path(path, &sn->len[sn->n]);
		sn->n++;
	}
	closedir(d);
}

/* Put the buckets back as they were, in place (the network directory does
 * not change): a power cut that kept the stamp and lost the buckets. */
static void snap_restore(struct snap *sn)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/" HL_INDEX_DIR, dir);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d))) {
		int i;
		if (de->d_name[0] != 'b')
			continue;
		for (i = 0; i < sn->n && strcmp(sn->names[i], de->d_name) != 0; i++)
			;
		snprintf(path, sizeof(path), "%s/" HL_INDEX_DIR "/%s", dir, de->d_name);
		if (i == sn->n) {
			assert_int_equal(unlink(path), 0);
			continue;
		}
		int fd = open(path, O_WRONLY | O_TRUNC);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, sn->data[i], sn->len[i]), (ssize_t)sn->len[i]);
		close(fd);
	}
	closedir(d);
	for (int i = 0; i < sn->n; i++)
		free(sn->data[i]);
}

static void test_power_cut_rebuilds(void **state)
{
	struct snap sn;
	struct run r;

	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	run_close(&r);
	snap_take(&sn);
	run_open(&r);
	reserve(&r, "10.0.0.3", "b\r\neth0");
	release(&r, "10.0.0.2", "a\r\neth0");
	run_close(&r);

	/* the disk kept the stamp and the directory, not the bucket writes;
	 * the new boot rebuilds, and frees what the old boot reserved */
	snap_restore(&sn);
	set_boot_id(BOOT_B);
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 1);
	assert_int_equal(r.s.n_swept, 1);
	assert_string_equal(find(&r, "b\r\neth0"), "");
	assert_string_equal(find(&r, "a\r\neth0"), "");
	reserve(&r, "10.0.0.3", "c\r\neth0");
	run_close(&r);
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 0);
	assert_string_equal(find(&r, "c\r\neth0"), "10.0.0.3");
	run_close(&r);
}

static void test_boot_id_unreadable(void **state)
{
	struct run r;

	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	run_close(&r);
	/* no boot id: the index cannot know it outlived a reboot: scan */
	hl_store_boot_id_path = "/nonexistent/boot_id";
	run_open(&r);
	assert_int_equal(r.ix.fd, -1);
	assert_string_equal(find(&r, "a\r\neth0"), "10.0.0.2");
	reserve(&r, "10.0.0.3", "b\r\neth0");
	run_close(&r);
	set_boot_id("not a boot id");
	hl_store_boot_id_path = bootf;
	run_open(&r);
	assert_int_equal(r.ix.fd, -1);
	run_close(&r);
	set_boot_id(BOOT_A);
	run_open(&r);
	assert_int_equal(r.ix.n_rebuilds, 1);
	assert_string_equal(find(&r, "b\r\neth0"), "10.0.0.3");
	run_close(&r);
}

/* What a scan says `key` holds, as find() formats it. */
static const char *truth(struct run *r, const char *key)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_index scan = {.store = &r->s, .fd = -1, .stampfd = -1};
	char **names;
	size_t n;

	/* an index in scan mode answers from the files */
	assert_int_equal(hl_index_find(&scan, key, strlen(key), &names, &n, &err), 0);
	return join_sorted(names, n);
}

static const char *const keys[] = {"a\r\neth0", "b\r\neth0", "c\r\neth0", "ref\r\neth0"};

/* Whatever a kill left, the index answers as the files do, now and at the
 * next run (which trusts it again). */
static void assert_index_true(long k)
{
	char want[4][512];
	struct run r;

	for (int pass = 0; pass < 2; pass++) {
		run_open(&r);
		for (int i = 0; i < 4; i++) {
			char got[512];
			/* the index first: the scan must not repair it beforehand */
			strcpy(got, find(&r, keys[i]));
			if (pass == 0)
				strcpy(want[i], truth(&r, keys[i]));
			if (strcmp(got, want[i]) != 0)
				fail_msg("killed before call %ld, run %d: %.*s holds \"%s\", index "
					 "says \"%s\"",
					 k, pass, (int)strcspn(keys[i], "\r"), keys[i], want[i],
					 got);
		}
		if (pass == 1 && r.ix.n_rebuilds != 0)
			fail_msg("killed before call %ld: not trusted after a clean run", k);
		run_close(&r);
	}
}

/* a and b hold 10.0.0.2 and 10.0.0.3, indexed and stamped. */
static void base_state(void)
{
	struct run r;

	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	run_open(&r);
	reserve(&r, "10.0.0.2", "a\r\neth0");
	reserve(&r, "10.0.0.3", "b\r\neth0");
	run_close(&r);
}

/* An ADD of c and a DEL of b in one run, as cmd.c does them. */
static int commit_job(void *arg)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	struct hl_index ix;
	struct ip_addr ip;
	char **names;
	size_t n;

	if (hl_store_open(&s, tmpl, "net", true, &err) < 0 || hl_index_open(&ix, &s, &err) < 0)
		return -1;
	if (hl_index_find(&ix, "c\r\neth0", 7, &names, &n, &err) < 0)
		return -1;
	hl_names_free(names, n);
	if (ip_addr_parse("10.0.0.4", &ip) < 0 ||
	    hl_store_reserve(&s, &ip, "c\r\neth0", 7, &err) != 1 ||
	    hl_index_add(&ix, "c\r\neth0", 7, "10.0.0.4", &err) < 0)
		return -1;
	if (hl_store_remove(&s, "10.0.0.3", &err) < 0 ||
	    hl_index_remove(&ix, "b\r\neth0", 7, "10.0.0.3", &err) < 0)
		return -1;
	if (hl_index_commit(&ix, &err) < 0)
		return -1;
	hl_index_close(&ix);
	hl_store_close(&s);
	return 0;
}

/* A run that finds the index stale and rebuilds it. */
static int rebuild_job(void *arg)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	struct hl_index ix;

	if (hl_store_open(&s, tmpl, "net", true, &err) < 0 || hl_index_open(&ix, &s, &err) < 0 ||
	    hl_index_commit(&ix, &err) < 0)
		return -1;
	hl_index_close(&ix);
	hl_store_close(&s);
	return 0;
}

static void test_killed_at_every_step(void **state)
{
	long k;
	int r;

	for (k = 1; (base_state(), r = kp_run(commit_job, NULL, k)) == 1; k++)
		assert_index_true(k);
	assert_int_equal(r, 0);
	assert_true(k > 5);
	assert_index_true(k);

	/* the same for a rebuild after a foreign change */
	for (k = 1;; k++) {
		base_state();
		write_raw("10.0.0.5", "ref\r\neth0");
		unlink_raw("10.0.0.2");
		if ((r = kp_run(rebuild_job, NULL, k)) != 1)
			break;
		assert_index_true(k);
	}
	assert_int_equal(r, 0);
	assert_true(k > 3);
	assert_index_true(k);
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
	    cmocka_unit_test_setup_teardown(test_clock_step_rebuilds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_power_cut_rebuilds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_boot_id_unreadable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_killed_at_every_step, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collisions_share_a_bucket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scan_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scale_lookup_is_one_bucket, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

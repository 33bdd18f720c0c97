/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local: the on-disk store, byte for byte as the reference writes it. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipam/host-local/ipstr.h"
#include "ipam/host-local/disk/store.h"
#include "util/text.h"
#include "killpoint.h"

static char tmpl[64];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	strcpy(tmpl, "/tmp/hl-store-XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	*state = tmpl;
	return 0;
}

static int teardown(void **state)
{
	nftw(tmpl, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static struct ip_addr A(const char *s) {
	struct ip_addr a;
	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

/* Whole content of dir/name ("" if missing is not allowed). */
static char *
slurp(const char *dir, const char *name, size_t *len)
{
	static char buf[4096];
	char path[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static mode_t mode_of(const char *dir, const char *name)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_layout_and_format(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	char dir[256], *key, *c;
	size_t len, keylen;
	struct ip_addr ip = A("10.1.2.3"), ip6 = A("fd00::a:0:0:1"), last;

	/* the data dir itself is made too (mkdir -p) */
	snprintf(dir, sizeof(dir), "%s/data/sub", tmpl);
	assert_int_equal(hl_store_open(&s, dir, "mynet", true, &err), 0);
	strcat(dir, "/mynet");
	assert_int_equal(mode_of(dir, "."), 0755);
	assert_int_equal(mode_of(dir, "lock"), 0750); /* as go-filemutex makes it */

	key = hl_owner_key("  ctr1 ", "eth0", &keylen);
	assert_string_equal(key, "ctr1\r\neth0");
	assert_int_equal(hl_store_reserve(&s, &ip, key, keylen, &err), 1);
	assert_int_equal(hl_store_reserve(&s, &ip, key, keylen, &err), 0); /* O_EXCL */
	assert_int_equal(hl_store_reserve(&s, &ip6, key, keylen, &err), 1);
	c = slurp(dir, "10.1.2.3", &len);
	assert_int_equal(len, 10);
	assert_memory_equal(c, "ctr1\r\neth0", 10);
	assert_int_equal(mode_of(dir, "10.1.2.3"), 0644);
	/* net.IP.String() of fd00::a:0:0:1 */
	c = slurp(dir, "fd00::a:0:0:1", &len);
	assert_int_equal(len, 10);
	free(key);

	assert_int_equal(hl_store_read_last(&s, 0, &last), -1);
	assert_int_equal(hl_store_write_last(&s, 0, &ip, &err), 0);
	assert_int_equal(hl_store_write_last(&s, 1, &ip6, &err), 0);
	c = slurp(dir, "last_reserved_ip.0", &len);
	assert_int_equal(len, 8);
	assert_memory_equal(c, "10.1.2.3", 8); /* no newline */
	assert_int_equal(mode_of(dir, "last_reserved_ip.0"), 0644);
	assert_int_equal(hl_store_read_last(&s, 1, &last), 0);
	assert_true(ip_addr_equal(&last, &ip6));
	/* shorter address: truncated, not left with a tail */
	ip = A("10.1.2.4");
	ip6 = A("fd00::1");
	assert_int_equal(hl_store_write_last(&s, 1, &ip6, &err), 0);
	c = slurp(dir, "last_reserved_ip.1", &len);
	assert_int_equal(len, 7);

	assert_int_equal(hl_store_read_owner(&s, "10.1.2.3", &key, &keylen, &err), 0);
	assert_string_equal(key, "ctr1\r\neth0");
	free(key);
	assert_int_equal(hl_store_read_owner(&s, "10.1.2.99", &key, &keylen, &err), 1);
	assert_int_equal(hl_store_remove(&s, "10.1.2.3", &err), 0);
	assert_int_equal(hl_store_remove(&s, "10.1.2.3", &err), 0); /* already gone: fine */
	assert_false(hl_store_exists(&s, "10.1.2.3"));
	assert_true(hl_store_exists(&s, "fd00::a:0:0:1"));
	hl_store_close(&s);
}

static void test_open_missing(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/nope", tmpl);
	assert_int_equal(hl_store_open(&s, dir, "net", false, &err), 1);
	assert_int_equal(s.dirfd, -1);
	/* a file in the way of the data dir */
	snprintf(dir, sizeof(dir), "%s/file", tmpl);
	close(open(dir, O_CREAT | O_WRONLY, 0644));
	assert_int_equal(hl_store_open(&s, dir, "net", false, &err), 1);
	assert_int_equal(hl_store_open(&s, dir, "net", true, &err), -1);
	assert_int_equal(err.code, CNI_ERR_SYSTEM);
	cni_error_clear(&err);
}

static void write_raw(const char *dir, const char *name, const char *data)
{
	char path[512];
	int fd;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

static void write_bytes(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	int fd;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

struct seen {
	char names[16][64];
	char keys[16][64];
	int n;
};

static int seen_cb(void *ctx, const char *name, const struct ip_addr *ip, const char *key,
		   size_t keylen, struct cni_error *err)
{
	struct seen *s = ctx;
	assert_true(s->n < 16);
	snprintf(s->names[s->n], 64, "%s", name);
	snprintf(s->keys[s->n], 64, "%s", key ? key : "(null)");
	s->n++;
	return 0;
}

static int find_seen(const struct seen *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return i;
	return -1;
}

static void test_scan_and_owners(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	struct seen seen = {0};
	char dir[256], path[512];
	int i;

	assert_int_equal(hl_store_open(&s, tmpl, "n", true, &err), 0);
	snprintf(dir, sizeof(dir), "%s/n", tmpl);
	write_raw(dir, "10.0.0.2", "a\r\neth0");
	write_raw(dir, "10.0.0.3", "legacy-id\n");	/* old format, trailing newline */
	write_raw(dir, "10.0.0.4", "");			/* torn: nobody's */
	write_raw(dir, "10.0.0.5", "  b\r\neth1 \r\n"); /* trimmed as TrimSpace */
	write_raw(dir, "last_reserved_ip.0", "10.0.0.5");
	write_raw(dir, "not-an-ip", "a\r\neth0");
	snprintf(path, sizeof(path), "%s/10.0.0.6", dir);
	assert_int_equal(mkdir(path, 0755), 0); /* a directory named like an address */
	snprintf(path, sizeof(path), "%s/10.0.0.7", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/10.0.0.8", dir);
	assert_int_equal(mkfifo(path, 0644), 0);

	assert_int_equal(hl_store_scan(&s, HL_SCAN_OWNER, seen_cb, &seen, &err), 0);
	assert_int_equal(seen.n, 4);
	assert_true((i = find_seen(&seen, "10.0.0.2")) >= 0);
	assert_string_equal(seen.keys[i], "a\r\neth0");
	assert_true((i = find_seen(&seen, "10.0.0.3")) >= 0);
	assert_string_equal(seen.keys[i], "legacy-id");
	assert_true((i = find_seen(&seen, "10.0.0.4")) >= 0);
	assert_string_equal(seen.keys[i], "");
	assert_true((i = find_seen(&seen, "10.0.0.5")) >= 0);
	assert_string_equal(seen.keys[i], "b\r\neth1");

	/* a FIFO is neither read (which would block) nor a reservation */
	{
		char *k;
		size_t kl;
		assert_int_equal(hl_store_read_owner(&s, "10.0.0.8", &k, &kl, &err), -1);
		cni_error_clear(&err);
	}
	hl_store_close(&s);
}

static void test_huge_file_is_nobodys(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	char dir[256], *big, *key;
	size_t keylen;

	assert_int_equal(hl_store_open(&s, tmpl, "n", true, &err), 0);
	snprintf(dir, sizeof(dir), "%s/n", tmpl);
	big = malloc(HL_OWNER_MAX + 10);
	memset(big, 'x', HL_OWNER_MAX + 9);
	big[HL_OWNER_MAX + 9] = '\0';
	write_raw(dir, "10.0.0.9", big);
	free(big);
	assert_int_equal(hl_store_read_owner(&s, "10.0.0.9", &key, &keylen, &err), 0);
	assert_int_equal(keylen, 0);
	free(key);
	hl_store_close(&s);
}

/* The longest container ID and ifname ADD accepts make a key that reads
 * back whole; one byte more is refused (code 4), because such a file would
 * read back as nobody's. */
static void test_owner_bound(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	struct ip_addr ip = A("10.0.0.7"), ip2 = A("10.0.0.8");
	char *id = malloc(HL_ID_MAX + 2), *key, *back;
	const char *ifname = "ifname-15-bytes";
	size_t keylen, backlen;

	assert_int_equal(strlen(ifname), HL_IFNAME_MAX);
	memset(id, 'a', HL_ID_MAX + 1);
	id[HL_ID_MAX + 1] = '\0';
	assert_int_equal(hl_owner_check(id, ifname, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	assert_string_equal(err.msg, "containerID is too long");
	cni_error_clear(&err);
	id[HL_ID_MAX] = '\0';
	assert_int_equal(hl_owner_check(id, ifname, &err), 0);
	assert_int_equal(hl_owner_check(id, NULL, &err), 0);
	assert_int_equal(hl_owner_check("c", "ifname-16-bytes!", &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	cni_error_clear(&err);

	/* the longest key is HL_OWNER_MAX bytes, and is its owner's */
	assert_int_equal(hl_store_open(&s, tmpl, "n", true, &err), 0);
	key = hl_owner_key(id, ifname, &keylen);
	assert_int_equal(keylen, HL_OWNER_MAX);
	assert_int_equal(hl_store_reserve(&s, &ip, key, keylen, &err), 1);
	assert_int_equal(hl_store_read_owner(&s, "10.0.0.7", &back, &backlen, &err), 0);
	assert_int_equal(backlen, keylen);
	assert_memory_equal(back, key, keylen);
	free(back);
	free(key);
	/* one byte more would not be: what the check keeps out */
	id[HL_ID_MAX] = 'a';
	key = hl_owner_key(id, ifname, &keylen);
	assert_int_equal(hl_store_reserve(&s, &ip2, key, keylen, &err), 1);
	assert_int_equal(hl_store_read_owner(&s, "10.0.0.8", &back, &backlen, &err), 0);
	assert_int_equal(backlen, 0);
	free(back);
	free(key);
	free(id);
	hl_store_close(&s);
}

static void test_lock_excludes(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	char path[512];
	int fd;

	assert_int_equal(hl_store_open(&s, tmpl, "n", true, &err), 0);
	snprintf(path, sizeof(path), "%s/n/lock", tmpl);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	/* held: another open file description cannot take it */
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	hl_store_close(&s);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
}

static void test_trim(void **state)
{
	char b[32];
	strcpy(b, " \t\r\nabc \v\f\n");
	assert_int_equal(text_trim_space(b, strlen(b)), 3);
	assert_string_equal(b, "abc");
	strcpy(b, "   ");
	assert_int_equal(text_trim_space(b, strlen(b)), 0);
	assert_string_equal(b, "");
}

/* One ADD's reservation, in a child that kp_run kills. */
struct reserve_job {
	const char *dir; /* the data dir */
	const char *ip, *key;
};

static int reserve_job(void *arg)
{
	struct reserve_job *j = arg;
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	struct ip_addr ip;

	if (ip_addr_parse(j->ip, &ip) < 0 || hl_store_open(&s, j->dir, "n", true, &err) < 0)
		return -1;
	if (hl_store_reserve(&s, &ip, j->key, strlen(j->key), &err) != 1)
		return -1;
	hl_store_close(&s);
	return 0;
}

/* What a killed writer may leave: no file, or the whole owner. */
static void assert_absent_or_whole(const char *dir, const char *name, const char *key, long k)
{
	char path[512];
	struct stat st;
	size_t len;
	char *c;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st) < 0 && errno == ENOENT)
		return;
	c = slurp(dir, name, &len);
	if (strcmp(c, key) != 0)
		fail_msg("killed before call %ld: %s holds \"%s\" (%zu bytes)", k, name, c, len);
}

/* Only the lock, last_reserved_ip.N and the reservations named. */
static int count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_reserve_killed_at_every_step(void **state)
{
	struct reserve_job j = {tmpl, "10.0.0.2", "ctr-1\r\neth0"};
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	struct ip_addr ip = A("10.0.0.2");
	char dir[256];
	long k;
	int r;

	snprintf(dir, sizeof(dir), "%s/n", tmpl);
	for (k = 1; (r = kp_run(reserve_job, &j, k)) == 1; k++) {
		assert_absent_or_whole(dir, "10.0.0.2", j.key, k);
		/* the next writer (under the lock) finds the store usable */
		assert_int_equal(hl_store_open(&s, tmpl, "n", true, &err), 0);
		r = hl_store_reserve(&s, &ip, j.key, strlen(j.key), &err);
		assert_true(r == 0 || r == 1);
		assert_int_equal(hl_store_remove(&s, "10.0.0.2", &err), 0);
		hl_store_close(&s);
		/* lock, and nothing a kill left behind but the temporary */
		assert_true(count_entries(dir) <= 2);
	}
	assert_int_equal(r, 0);
	assert_true(k > 2); /* the walk visited the steps */
	assert_absent_or_whole(dir, "10.0.0.2", j.key, k);
	assert_int_equal(count_entries(dir), 2); /* lock, 10.0.0.2 */
}

static void test_torn_files_are_reclaimed(void **state)
{
	static const struct {
		const char *name, *data;
		size_t len;
		bool torn;
	} files[] = {
	    {"10.0.0.2", "", 0, true},		       /* killed between create and write */
	    {"10.0.0.3", "\r\n \t", 4, true},	       /* white space: an empty ID */
	    {"10.0.0.4", "\0\0\0\0\0\0\0\0", 8, true}, /* data never written */
	    {"10.0.0.5", "ctr\0\r\neth0", 10, true},   /* no writer writes a NUL */
	    {"10.0.0.6", "ctr-9", 5, false},	       /* legacy: someone's */
	    {"10.0.0.7", "ctr-9\r\n", 7, false},       /* legacy, trailing white space */
	    {"10.0.0.8", "ctr-9\r\neth0", 11, false},
	};
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	char dir[256], path[512], *key;
	size_t keylen, len;
	struct ip_addr ip;

	assert_int_equal(hl_store_open(&s, tmpl, "n", true, &err), 0);
	snprintf(dir, sizeof(dir), "%s/n", tmpl);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		write_bytes(dir, files[i].name, files[i].data, files[i].len);
	/* a symlink, a directory and a huge file are nobody's, but not torn */
	snprintf(path, sizeof(path), "%s/10.0.0.9", dir);
	assert_int_equal(symlink("10.0.0.2", path), 0);
	snprintf(path, sizeof(path), "%s/10.0.0.10", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	key = malloc(HL_OWNER_MAX + 1);
	memset(key, ' ', HL_OWNER_MAX + 1);
	write_bytes(dir, "10.0.0.11", key, HL_OWNER_MAX + 1);
	free(key);

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(hl_store_is_torn(&s, files[i].name), files[i].torn);
		assert_int_equal(hl_store_read_owner(&s, files[i].name, &key, &keylen, &err), 0);
		assert_true(files[i].torn ? keylen == 0 : keylen > 0);
		free(key);
		ip = A(files[i].name);
		/* a torn file's address is taken over, anything else stays taken */
		assert_int_equal(hl_store_reserve(&s, &ip, "new\r\neth0", 9, &err), files[i].torn);
		key = slurp(dir, files[i].name, &len);
		if (files[i].torn)
			assert_string_equal(key, "new\r\neth0");
		else
			assert_memory_equal(key, files[i].data, files[i].len);
	}
	for (int i = 9; i <= 11; i++) {
		char name[24];
		snprintf(name, sizeof(name), "10.0.0.%d", i);
		assert_int_equal(hl_store_is_torn(&s, name), i == 11 ? 0 : -1);
		ip = A(name);
		assert_int_equal(hl_store_reserve(&s, &ip, "new\r\neth0", 9, &err), 0);
	}
	assert_int_equal(hl_store_is_torn(&s, "10.0.0.99"), 0); /* gone */
	/* no temporary left behind */
	snprintf(path, sizeof(path), "%s/" HL_STORE_TEMP, dir);
	assert_int_equal(access(path, F_OK), -1);
	hl_store_close(&s);
}

static void test_reclaim_killed_at_every_step(void **state)
{
	struct reserve_job j = {tmpl, "10.0.0.2", "ctr-1\r\neth0"};
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	struct ip_addr ip = A("10.0.0.2");
	char dir[256], path[512];
	struct stat st;
	long k;
	int r;

	snprintf(dir, sizeof(dir), "%s/n", tmpl);
	snprintf(path, sizeof(path), "%s/10.0.0.2", dir);
	assert_int_equal(hl_store_open(&s, tmpl, "n", true, &err), 0);
	hl_store_close(&s);
	for (k = 1;; k++) {
		write_raw(dir, "10.0.0.2", ""); /* a reference writer died here */
		if ((r = kp_run(reserve_job, &j, k)) != 1)
			break;
		/* torn still, gone, or ours: never anything else */
		if (lstat(path, &st) == 0 && st.st_size > 0)
			assert_absent_or_whole(dir, "10.0.0.2", j.key, k);
		assert_int_equal(hl_store_open(&s, tmpl, "n", true, &err), 0);
		assert_true(hl_store_reserve(&s, &ip, j.key, strlen(j.key), &err) >= 0);
		assert_absent_or_whole(dir, "10.0.0.2", j.key, k);
		assert_true(lstat(path, &st) == 0 && st.st_size > 0);
		hl_store_close(&s);
	}
	assert_int_equal(r, 0);
	assert_absent_or_whole(dir, "10.0.0.2", j.key, k);
	assert_int_equal(count_entries(dir), 2);
}

static void test_drop_temp(void **state)
{
	struct cni_error err = CNI_ERROR_INIT;
	struct hl_store s = HL_STORE_INIT;
	char dir[256], path[512];
	size_t len;

	assert_int_equal(hl_store_open(&s, tmpl, "n", true, &err), 0);
	snprintf(dir, sizeof(dir), "%s/n", tmpl);
	/* killed after its link(): the temporary is a second name of 10.0.0.2 */
	write_raw(dir, HL_STORE_TEMP, "old\r\neth0");
	snprintf(path, sizeof(path), "%s/" HL_STORE_TEMP, dir);
	{
		char p2[512];
		snprintf(p2, sizeof(p2), "%s/10.0.0.2", dir);
		assert_int_equal(link(path, p2), 0);
	}
	/* the next reservation never writes into it */
	{
		struct ip_addr ip = A("10.0.0.3");
		assert_int_equal(hl_store_reserve(&s, &ip, "b\r\neth0", 7, &err), 1);
	}
	assert_string_equal(slurp(dir, "10.0.0.2", &len), "old\r\neth0");
	assert_string_equal(slurp(dir, "10.0.0.3", &len), "b\r\neth0");
	assert_int_equal(access(path, F_OK), -1);
	write_raw(dir, HL_STORE_TEMP, "x");
	assert_int_equal(hl_store_drop_temp(&s, &err), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(hl_store_drop_temp(&s, &err), 0); /* none: fine */
	hl_store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_layout_and_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scan_and_owners, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_huge_file_is_nobodys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_owner_bound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_excludes, setup, teardown),
	    cmocka_unit_test(test_trim),
	    cmocka_unit_test_setup_teardown(test_reserve_killed_at_every_step, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_files_are_reclaimed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reclaim_killed_at_every_step, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drop_temp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

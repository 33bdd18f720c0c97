/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local: reservations die with their boot (issue 20). The commands
 * run in-process against a temporary dataDir; a "reboot" is a new boot id
 * in the file hl_store_boot_id_path points to. */
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
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "ipam/host-local/disk/index.h"
#include "ipam/host-local/disk/store.h"
#include "ipam/host-local/exhausted.h"
#include "ipam/host-local/hostlocal.h"
#include "killpoint.h"

#define BOOT_A "6f1c3d0e-8a61-4c1b-9a53-0c1e0a2b3c4d"
#define BOOT_B "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
#define BOOT_C "11111111-2222-4333-8444-555555555555"
/* 10.0.0.0/29: .2 to .6 (the gateway is .1): five addresses */
#define RANGE_SIZE 5

static char tmpl[64], dir[128], bootf[160];

static void set_boot(const char *id)
{
	FILE *f = fopen(bootf, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", id);
	fclose(f);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	strcpy(tmpl, "/tmp/hl-boot-XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/net", tmpl);
	snprintf(bootf, sizeof(bootf), "%s/boot_id", tmpl);
	set_boot(BOOT_A);
	hl_store_boot_id_path = bootf;
	return 0;
}

static int teardown(void **state)
{
	nftw(tmpl, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void conf_load(struct cni_conf *conf, const char *extra)
{
	struct cni_error err = CNI_ERROR_INIT;
	char *buf;
	int n = asprintf(&buf,
			 "{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"type\":\"host-local\",%s"
			 "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.0.0.0/29\","
			 "\"dataDir\":\"%s\"}}",
			 extra ? extra : "", tmpl);
	assert_true(n > 0);
	memset(conf, 0, sizeof(*conf));
	assert_int_equal(cni_conf_parse(buf, (size_t)n, conf, &err), 0);
}

static struct cni_error last_err = CNI_ERROR_INIT;

/* ADD: the address it got ("" on failure: last_err). */
static const char *add(const char *cid)
{
	static char out[IP_ADDR_STRLEN];
	struct cni_env env = {
	    .cmd = CNI_CMD_ADD, .container_id = cid, .ifname = "eth0", .netns = "/x"};
	struct cni_conf conf;
	struct cni_result *r = NULL;

	cni_error_clear(&last_err);
	conf_load(&conf, NULL);
	out[0] = '\0';
	if (hl_cmd_add(&env, &conf, &r, &last_err) == 0) {
		assert_int_equal(r->n_ips, 1);
		ip_addr_format(&r->ips[0].address.ip, out);
		cni_result_free(r);
	}
	cni_conf_free(&conf);
	return out;
}

static int cmd(int (*fn)(const struct cni_env *, const struct cni_conf *, struct cni_error *),
	       const char *cid, const char *extra)
{
	struct cni_env env = {.container_id = cid, .ifname = "eth0", .netns = "/x"};
	struct cni_conf conf;
	int r;

	cni_error_clear(&last_err);
	conf_load(&conf, extra);
	r = fn(&env, &conf, &last_err);
	cni_conf_free(&conf);
	return r;
}

#define del(cid) cmd(hl_cmd_del, cid, NULL)
#define check(cid) cmd(hl_cmd_check, cid, NULL)
#define status() cmd(hl_cmd_status, NULL, NULL)
/* GC keeping the attachments listed (JSON objects, comma-separated) */
#define gc(list) cmd(hl_cmd_gc, NULL, "\"cni.dev/valid-attachments\":[" list "],")

static bool exists(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* The boot tag of reservation name ("" when none). */
static const char *tag(const char *name)
{
	static char t[64];
	char path[256];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = getxattr(path, HL_BOOT_XATTR, t, sizeof(t) - 1);
	t[n > 0 ? n : 0] = '\0';
	return t;
}

static void set_tag(const char *name, const char *value)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(setxattr(path, HL_BOOT_XATTR, value, strlen(value), 0), 0);
}

/* A reservation as the reference writes it (no tag), with mtime `when`. */
static void write_ref(const char *name, const char *content, time_t when)
{
	char path[256];
	struct timespec ts[2] = {{when, 0}, {when, 0}};
	int fd;

	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
}

/* Reservation files in the network directory. */
static int count_reservations(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct ip_addr ip;
		n += ip_addr_parse(de->d_name, &ip) == 0;
	}
	closedir(d);
	return n;
}

/* Fill the range with containers prefix0..: every address once. */
static void fill(const char *prefix)
{
	char seen[RANGE_SIZE][IP_ADDR_STRLEN];

	for (int i = 0; i < RANGE_SIZE; i++) {
		char cid[32];
		snprintf(cid, sizeof(cid), "%s%d", prefix, i);
		snprintf(seen[i], sizeof(seen[i]), "%s", add(cid));
		assert_string_not_equal(seen[i], "");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
		assert_int_equal(check(cid), 0);
	}
	assert_string_equal(add("one-too-many"), "");
	assert_int_equal(last_err.code, CNI_ERR_IPAM);
}

static void test_earlier_boot_is_freed(void **state)
{
	fill("a");
	/* our reservations are born tagged with their boot */
	assert_string_equal(tag("10.0.0.2"), BOOT_A);
	assert_int_not_equal(status(), 0);

	set_boot(BOOT_B);
	/* STATUS: an earlier boot's reservation is as good as free */
	assert_int_equal(status(), 0);
	assert_int_not_equal(check("a0"), 0);
	fill("b");
	assert_string_equal(tag("10.0.0.2"), BOOT_B);
	/* a runtime that still DELs the dead: success, and nothing of the
	 * new owners of those addresses goes */
	for (int i = 0; i < RANGE_SIZE; i++) {
		char cid[16];
		snprintf(cid, sizeof(cid), "a%d", i);
		assert_int_equal(del(cid), 0);
		snprintf(cid, sizeof(cid), "b%d", i);
		assert_int_equal(check(cid), 0);
	}
	assert_int_equal(count_reservations(), RANGE_SIZE);
}

static void test_unknown_boot_is_kept_one_boot(void **state)
{
	time_t now = time(NULL);

	/* the reference's (or ours before boot tags): no tag; mtimes from a
	 * clock stepped forward (1970, as without an RTC) and backward */
	write_ref("10.0.0.2", "r1\r\neth0", 100);
	write_ref("10.0.0.3", "r2\r\neth0", now + 10 * 365 * 86400);
	write_ref("10.0.0.4", "r3", now);
	write_ref("10.0.0.5", "r4\r\neth0", now);
	set_tag("10.0.0.5", "not a boot id");

	/* first sight: whatever the clocks say, they may be live; tagged */
	assert_string_equal(add("a0"), "10.0.0.6");
	for (int i = 2; i <= 5; i++) {
		char name[32];
		snprintf(name, sizeof(name), "10.0.0.%d", i);
		assert_true(exists(name));
		assert_string_equal(tag(name), BOOT_A);
	}
	assert_int_equal(check("r1"), 0);

	/* seen in boot A, so provably from before boot B */
	set_boot(BOOT_B);
	fill("b");
}

static void test_reference_first_in_a_new_boot(void **state)
{
	time_t now = time(NULL);

	assert_string_equal(add("a0"), "10.0.0.2");
	assert_string_equal(add("a1"), "10.0.0.3");
	/* the reference reserves after our last call of boot A: never seen */
	write_ref("10.0.0.4", "ra\r\neth0", now);

	/* boot B: the reference runs first, around the stale files, with a
	 * clock not yet stepped (mtime in 1970, long "before" this boot) */
	set_boot(BOOT_B);
	write_ref("10.0.0.5", "rb\r\neth0", 1000);
	assert_string_equal(add("b0"), "10.0.0.6");
	assert_false(exists("10.0.0.2"));
	assert_false(exists("10.0.0.3"));
	assert_true(exists("10.0.0.4")); /* unknown boot: kept */
	assert_true(exists("10.0.0.5")); /* this boot's: kept */
	assert_int_equal(check("rb"), 0);
	assert_string_equal(add("b1"), "10.0.0.2");
	assert_string_equal(add("b2"), "10.0.0.3");
	assert_string_equal(add("b3"), "");
	/* the exhausted range says why */
	assert_non_null(strstr(last_err.msg, "no IP addresses available in range set: "
					     "10.0.0.1-10.0.0.6"));
	assert_non_null(last_err.details);
	assert_non_null(strstr(last_err.details, "5 reservations hold this range set; oldest: "
						 "10.0.0.5 (container rb eth0, "));
	assert_non_null(strstr(last_err.details, "earlier boot"));
	assert_non_null(strstr(last_err.details, "CNI GC"));

	/* boot C: all of it is from an earlier boot */
	set_boot(BOOT_C);
	fill("c");
}

static void test_gc_rules_within_a_boot(void **state)
{
	assert_string_equal(add("a0"), "10.0.0.2");
	set_boot(BOOT_B);
	assert_string_equal(add("b0"), "10.0.0.3");
	assert_string_equal(add("b1"), "10.0.0.4");
	/* a0 is listed, but its boot is over; b1 is not listed */
	assert_int_equal(gc("{\"containerID\":\"a0\",\"ifname\":\"eth0\"},"
			    "{\"containerID\":\"b0\",\"ifname\":\"eth0\"}"),
			 0);
	assert_false(exists("10.0.0.2"));
	assert_true(exists("10.0.0.3"));
	assert_false(exists("10.0.0.4"));
	assert_int_equal(check("b0"), 0);
	assert_int_not_equal(check("b1"), 0);
	assert_int_equal(del("b1"), 0);
}

static void test_no_boot_id_no_rule(void **state)
{
	hl_store_boot_id_path = "/nonexistent/boot_id";
	assert_string_equal(add("a0"), "10.0.0.2");
	assert_string_equal(tag("10.0.0.2"), "");
	hl_store_boot_id_path = bootf;
	set_boot(BOOT_B);
	/* untagged: an unknown boot, kept */
	assert_string_equal(add("b0"), "10.0.0.3");
	assert_true(exists("10.0.0.2"));
	assert_string_equal(tag("10.0.0.2"), BOOT_B);
}

static void test_format_age(void **state)
{
	char b[32];
	hl_format_age(-5, b, sizeof(b));
	assert_string_equal(b, "0s");
	hl_format_age(59, b, sizeof(b));
	assert_string_equal(b, "59s");
	hl_format_age(3599, b, sizeof(b));
	assert_string_equal(b, "59m59s");
	hl_format_age(3 * 3600 + 12 * 60 + 5, b, sizeof(b));
	assert_string_equal(b, "3h12m");
	hl_format_age(2 * 86400 + 3 * 3600, b, sizeof(b));
	assert_string_equal(b, "2d3h");
}

/* Power cuts. A kill before the k-th file system call of ADD, DEL or GC
 * leaves the page cache as a power cut that kept everything up to there
 * would leave the disk; "lose data" also empties every reservation file,
 * as a cut before the data was written back does (ext4: delayed
 * allocation; the metadata, the name and the inode's tag, are journaled).
 * The next boot must accept the store: the whole range usable again, each
 * address given once, the index agreeing with the files. */
enum op { OP_ADD, OP_DEL, OP_GC };

static int run_op(void *ctx)
{
	switch (*(enum op *)ctx) {
	case OP_ADD:
		return add("k")[0] ? 0 : -1;
	case OP_DEL:
		return del("a1");
	default:
		return gc("{\"containerID\":\"a0\",\"ifname\":\"eth0\"}");
	}
}

static void empty_reservations(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		struct ip_addr ip;
		char path[512];
		if (ip_addr_parse(de->d_name, &ip) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(truncate(path, 0), 0);
	}
	closedir(d);
}

static void power_cut_at_every_step(enum op op, bool lose_data)
{
	long k;

	for (k = 1;; k++) {
		int r;

		nftw(tmpl, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
		assert_int_equal(mkdir(tmpl, 0700), 0);
		set_boot(BOOT_A);
		/* boot A: two containers, and the reference's untagged file */
		assert_string_equal(add("a0"), "10.0.0.2");
		assert_string_equal(add("a1"), "10.0.0.3");
		write_ref("10.0.0.4", "r\r\neth0", time(NULL));
		r = kp_run(run_op, &op, k);
		assert_true(r >= 0);
		if (lose_data)
			empty_reservations();

		set_boot(BOOT_B);
		assert_int_not_equal(check("a0"), 0);
		assert_int_not_equal(check("k"), 0);
		/* 10.0.0.4 is the reference's: unknown (it stays one boot
		 * unless its own boot's scan tagged it, or it was emptied:
		 * torn, nobody's) unless the killed call saw it */
		{
			char got[RANGE_SIZE][IP_ADDR_STRLEN];
			int n = 0;
			for (int i = 0; i < RANGE_SIZE; i++) {
				char cid[16];
				snprintf(cid, sizeof(cid), "b%d", i);
				snprintf(got[n], sizeof(got[n]), "%s", add(cid));
				if (!got[n][0])
					break;
				for (int j = 0; j < n; j++)
					assert_string_not_equal(got[n], got[j]);
				assert_int_equal(check(cid), 0);
				n++;
			}
			assert_true(n >= RANGE_SIZE - 1);
			assert_int_equal(count_reservations(), RANGE_SIZE);
			for (int i = 0; i < n; i++) {
				char cid[16];
				snprintf(cid, sizeof(cid), "b%d", i);
				assert_int_equal(del(cid), 0);
				assert_int_not_equal(check(cid), 0);
			}
		}
		/* and a boot later, all of it is usable */
		set_boot(BOOT_C);
		fill("c");
		if (r == 0)
			break; /* the op ran to its end: every step was visited */
	}
	assert_true(k > 3);
}

static void test_power_cut_add(void **state)
{
	power_cut_at_every_step(OP_ADD, false);
	power_cut_at_every_step(OP_ADD, true);
}

static void test_power_cut_del(void **state)
{
	power_cut_at_every_step(OP_DEL, false);
	power_cut_at_every_step(OP_DEL, true);
}

static void test_power_cut_gc(void **state)
{
	power_cut_at_every_step(OP_GC, false);
	power_cut_at_every_step(OP_GC, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_earlier_boot_is_freed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_boot_is_kept_one_boot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reference_first_in_a_new_boot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gc_rules_within_a_boot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_boot_id_no_rule, setup, teardown),
	    cmocka_unit_test(test_format_age),
	    cmocka_unit_test_setup_teardown(test_power_cut_add, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_power_cut_del, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_power_cut_gc, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

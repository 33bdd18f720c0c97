/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bridge: the IPAM runner running our host-local in-process. This binary
 * carries our host-local's ELF note, so a CNI_PATH whose host-local is this
 * binary names "our host-local of this build": br_ipam_* then run
 * host-local's code here. The parse of the result can be made to fail,
 * which nothing else reaches once host-local's own ADD succeeded:
 * LDWRAP: cni_delegate_parse_result
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni/cni.h"
#include "ip/ipnet.h"
#include "ipam/host-local/hostlocal.h"
#include "plugins/bridge/ipam.h"
#include "util/elfnote.h"

CNI_C_ELF_NOTE(HL_NOTE_DESC);

static bool fail_parse;

int __real_cni_delegate_parse_result(const char *type, const char *out, const char *version,
				     struct cni_result **result, struct cni_error *err);
int __wrap_cni_delegate_parse_result(const char *type, const char *out, const char *version,
				     struct cni_result **result, struct cni_error *err);
int __wrap_cni_delegate_parse_result(const char *type, const char *out, const char *version,
				     struct cni_result **result, struct cni_error *err)
{
	if (fail_parse) {
		*result = NULL;
		return cni_error_set(err, CNI_ERR_DELEGATE, "plugin %s: injected failure", type);
	}
	return __real_cni_delegate_parse_result(type, out, version, result, err);
}

static char tmpl[64], bindir[128], netdir[160];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	char self[PATH_MAX], link[192];

	strcpy(tmpl, "/tmp/br-ipam-XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	snprintf(bindir, sizeof(bindir), "%s/bin", tmpl);
	snprintf(netdir, sizeof(netdir), "%s/ipam/n", tmpl);
	assert_int_equal(mkdir(bindir, 0755), 0);
	assert_non_null(realpath("/proc/self/exe", self));
	snprintf(link, sizeof(link), "%s/host-local", bindir);
	assert_int_equal(symlink(self, link), 0);
	return 0;
}

static int teardown(void **state)
{
	nftw(tmpl, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void load(struct cni_conf *conf)
{
	struct cni_error err = CNI_ERROR_INIT;
	char *buf;

	assert_true(asprintf(&buf,
			     "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"bridge\","
			     "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.9.0.0/24\","
			     "\"dataDir\":\"%s/ipam\"}}",
			     tmpl) > 0);
	assert_int_equal(cni_conf_parse(buf, strlen(buf), conf, &err), 0);
}

/* The reservation files in the network directory, joined. */
static const char *reservations(void)
{
	static char out[256];
	struct dirent *de;
	struct ip_addr ip;
	size_t len = 0;
	DIR *d = opendir(netdir);

	out[0] = '\0';
	if (!d)
		return out;
	while ((de = readdir(d)))
		if (ip_addr_parse(de->d_name, &ip) == 0)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
						len ? " " : "", de->d_name);
	closedir(d);
	return out;
}

static void test_add_undone_when_its_result_is_unusable(void **state)
{
	struct cni_env env = {.cmd = CNI_CMD_ADD,
			      .command = "ADD",
			      .container_id = "ctr-1",
			      .netns = "/var/run/netns/unused",
			      .ifname = "eth0",
			      .path = bindir};
	struct cni_error err = CNI_ERROR_INIT;
	struct cni_result *r = NULL;
	struct cni_conf conf = {0};

	load(&conf);
	/* host-local's ADD succeeds, then its result cannot be used */
	fail_parse = true;
	assert_int_equal(br_ipam_add("host-local", &env, &conf, &r, &err), -1);
	fail_parse = false;
	assert_null(r);
	assert_int_equal(err.code, CNI_ERR_DELEGATE);
	assert_non_null(strstr(err.msg, "injected"));
	cni_error_clear(&err);
	assert_string_equal(reservations(), "");

	/* and when it can: the reservation stays, DEL releases it */
	assert_int_equal(br_ipam_add("host-local", &env, &conf, &r, &err), 0);
	assert_non_null(r);
	assert_int_equal((int)r->n_ips, 1);
	{
		char a[IP_ADDR_STRLEN];
		/* round robin goes on after the released one, as the reference's */
		assert_string_equal(reservations(), ip_addr_format(&r->ips[0].address.ip, a));
	}
	cni_result_free(r);
	env.cmd = CNI_CMD_DEL;
	env.command = "DEL";
	assert_int_equal(br_ipam_cmd("host-local", CNI_CMD_DEL, &env, &conf, &err), 0);
	assert_string_equal(reservations(), "");
	cni_conf_free(&conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_add_undone_when_its_result_is_unusable, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "cni/version.h"

static void test_parse(void **state)
{
	int a = -1, b = -1, c = -1;
	assert_int_equal(cni_version_parse("1.1.0", &a, &b, &c), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 1);
	assert_int_equal(c, 0);
	assert_int_equal(cni_version_parse("0.3.1", &a, &b, &c), 0);
	assert_int_equal(a * 100 + b * 10 + c, 31);
	/* absent means 0.1.0 */
	assert_int_equal(cni_version_parse("", &a, &b, &c), 0);
	assert_int_equal(a * 100 + b * 10 + c, 10);
	assert_int_equal(cni_version_parse(NULL, &a, &b, &c), 0);
	assert_int_equal(a * 100 + b * 10 + c, 10);
	/* short forms parse like the reference */
	assert_int_equal(cni_version_parse("1.0", &a, &b, &c), 0);
	assert_int_equal(a * 100 + b * 10 + c, 100);
	assert_int_equal(cni_version_parse("2", &a, &b, &c), 0);
	assert_int_equal(a, 2);
}

static void test_parse_malformed(void **state)
{
	const char *bad[] = {"1.0.0.0", "a.b.c",  "1..0",   ".1",    "1.",	    "-1.0.0",
			     "1.0.0 ",	" 1.0.0", "v1.0.0", "1.0.x", "99999999.0.0"};
	int a, b, c;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cni_version_parse(bad[i], &a, &b, &c), -1);
}

static void test_cmp(void **state)
{
	assert_true(cni_version_cmp("0.4.0", "1.0.0") < 0);
	assert_true(cni_version_cmp("1.1.0", "1.0.0") > 0);
	assert_int_equal(cni_version_cmp("0.3.1", "0.3.1"), 0);
	assert_true(cni_version_cmp("0.3.0", "0.3.1") < 0);
	assert_true(cni_version_cmp("0.10.0", "0.9.0") > 0); /* numeric, not lexical */
	assert_int_equal(cni_version_cmp("", "0.1.0"), 0);
	assert_int_equal(cni_version_cmp("1.0", "1.0.0"), 0);
	/* malformed sorts first */
	assert_true(cni_version_cmp("garbage", "0.1.0") < 0);
	assert_true(cni_version_cmp("0.1.0", "garbage") > 0);
	assert_int_equal(cni_version_cmp("x", "y"), 0);
}

static void test_supported(void **state)
{
	const char *good[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", ""};
	assert_int_equal(cni_supported_versions_count, 7);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(cni_version_supported(good[i]));
	assert_false(cni_version_supported("1.0"));
	assert_false(cni_version_supported("0.5.0"));
	assert_false(cni_version_supported("2.0.0"));
	assert_false(cni_version_supported("1.1.0-rc1"));
	assert_string_equal(cni_supported_versions[cni_supported_versions_count - 1],
			    CNI_LATEST_VERSION);
}

static void test_check(void **state)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	assert_int_equal(cni_version_check("1.0.0", &err), 0);
	assert_false(cni_error_is_set(&err));
	assert_int_equal(cni_version_check("", &err), 0);

	assert_int_equal(cni_version_check("9.0.0", &err), -1);
	assert_int_equal(err.code, CNI_ERR_INCOMPATIBLE_VERSION);
	assert_string_equal(err.msg, "incompatible CNI versions");
	assert_string_equal(err.details,
			    "config is \"9.0.0\", plugin supports [\"0.1.0\" \"0.2.0\" \"0.3.0\" "
			    "\"0.3.1\" \"0.4.0\" \"1.0.0\" \"1.1.0\"]");

	assert_int_equal(cni_version_check("not-a-version", &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(err.msg, "not-a-version"));
}

static void test_info_json(void **state)
{
	cleanup_free char *s = cni_version_info_json("0.4.0");
	cleanup_free char *l = cni_version_info_json(NULL);
	assert_string_equal(s, "{\"cniVersion\":\"0.4.0\",\"supportedVersions\":[\"0.1.0\","
			       "\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}");
	assert_non_null(strstr(l, "\"cniVersion\":\"1.1.0\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse), cmocka_unit_test(test_parse_malformed),
	    cmocka_unit_test(test_cmp),	  cmocka_unit_test(test_supported),
	    cmocka_unit_test(test_check), cmocka_unit_test(test_info_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cni/cniargs.h"

static const char *const known[] = {"IP", "MAC", NULL};

static void test_empty(void **state)
{
	struct cni_args a = {(void *)1, 99};
	assert_int_equal(cni_args_parse(NULL, known, &a, NULL), 0);
	assert_int_equal(a.n, 0);
	assert_null(a.kv);
	assert_int_equal(cni_args_parse("", known, &a, NULL), 0);
	assert_int_equal(a.n, 0);
	assert_null(cni_args_get(&a, "IP"));
}

static void test_known(void **state)
{
	struct cni_args a;
	struct cni_error err = CNI_ERROR_INIT;
	assert_int_equal(cni_args_parse("IP=10.0.0.5;MAC=02:00:00:00:00:01", known, &a, &err), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(cni_args_get(&a, "IP"), "10.0.0.5");
	assert_string_equal(cni_args_get(&a, "MAC"), "02:00:00:00:00:01");
	assert_null(cni_args_get(&a, "ip")); /* case-sensitive */
	cni_args_free(&a);
	assert_int_equal(a.n, 0);
}

static void test_empty_value_and_last_wins(void **state)
{
	struct cni_args a;
	assert_int_equal(cni_args_parse("IP=;IP=10.0.0.7", known, &a, NULL), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(cni_args_get(&a, "IP"), "10.0.0.7");
	cni_args_free(&a);
	assert_int_equal(cni_args_parse("MAC=", known, &a, NULL), 0);
	assert_string_equal(cni_args_get(&a, "MAC"), "");
	cni_args_free(&a);
}

static void test_always_accepted(void **state)
{
	struct cni_args a;
	struct cni_error err = CNI_ERROR_INIT;
	assert_int_equal(cni_args_parse("K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;"
					"K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u;"
					"IgnoreUnknown=0",
					known, &a, &err),
			 0);
	assert_string_equal(cni_args_get(&a, "K8S_POD_NAME"), "web-0");
	cni_args_free(&a);
}

static void test_unknown(void **state)
{
	struct cni_args a = {0};
	struct cni_error err = CNI_ERROR_INIT;
	assert_int_equal(cni_args_parse("FOO=bar;IP=1.2.3.4;BAZ=1", known, &a, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	assert_string_equal(err.msg, "ARGS: unknown args [\"FOO=bar\" \"BAZ=1\"]");
	assert_int_equal(a.n, 0);
	cni_error_clear(&err);
}

static void test_ignore_unknown(void **state)
{
	const char *trues[] = {"1", "true", "True"};
	for (size_t i = 0; i < 3; i++) {
		struct cni_args a;
		char s[64];
		snprintf(s, sizeof(s), "FOO=bar;IgnoreUnknown=%s", trues[i]);
		assert_int_equal(cni_args_parse(s, known, &a, NULL), 0);
		assert_string_equal(cni_args_get(&a, "FOO"), "bar");
		cni_args_free(&a);
	}
	{
		struct cni_args a;
		struct cni_error err = CNI_ERROR_INIT;
		assert_int_equal(cni_args_parse("FOO=bar;IgnoreUnknown=false", known, &a, &err),
				 -1);
		assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
		assert_int_equal(cni_args_parse("IgnoreUnknown=yes", known, &a, &err), -1);
		assert_non_null(strstr(err.msg, "IgnoreUnknown=yes"));
		cni_error_clear(&err);
	}
}

static void test_null_known_accepts_all(void **state)
{
	struct cni_args a;
	assert_int_equal(cni_args_parse("ANY=thing;Other=x", NULL, &a, NULL), 0);
	assert_string_equal(cni_args_get(&a, "Other"), "x");
	cni_args_free(&a);
}

static void test_invalid_pairs(void **state)
{
	const char *bad[] = {"IP", "IP=1;", ";IP=1", "IP=1;;MAC=2", "IP=1=2", "=", "IP=1;MAC"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cni_args a = {0};
		struct cni_error err = CNI_ERROR_INIT;
		if (strcmp(bad[i], "=") == 0) {
			/* an empty key is a well-formed pair, but unknown */
			assert_int_equal(cni_args_parse(bad[i], known, &a, &err), -1);
			assert_non_null(strstr(err.msg, "unknown"));
		} else {
			assert_int_equal(cni_args_parse(bad[i], known, &a, &err), -1);
			assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
			assert_non_null(strstr(err.msg, "invalid pair"));
		}
		assert_int_equal(a.n, 0);
		cni_error_clear(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_known),
	    cmocka_unit_test(test_empty_value_and_last_wins),
	    cmocka_unit_test(test_always_accepted),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_ignore_unknown),
	    cmocka_unit_test(test_null_known_accepts_all),
	    cmocka_unit_test(test_invalid_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-512 against FIPS 180-4 examples and edge lengths (padding). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/sha512.h"

static void hex(const uint8_t *d, char *out)
{
	static const char h[] = "0123456789abcdef";
	for (int i = 0; i < SHA512_DIGEST_LEN; i++) {
		out[2 * i] = h[d[i] >> 4];
		out[2 * i + 1] = h[d[i] & 15];
	}
	out[SHA512_HEX_LEN] = '\0';
}

static void check(const void *msg, size_t n, const char *want)
{
	uint8_t d[SHA512_DIGEST_LEN];
	char got[SHA512_HEX_LEN + 1];
	sha512(msg, n, d);
	hex(d, got);
	assert_string_equal(got, want);
}

static void test_fips_vectors(void **state)
{
	check("", 0,
	      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	      "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
	check("abc", 3,
	      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	check(m896, strlen(m896),
	      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
	      "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

static void test_million_a_incremental(void **state)
{
	struct sha512_ctx c;
	uint8_t d[SHA512_DIGEST_LEN];
	char got[SHA512_HEX_LEN + 1], chunk[1001];

	memset(chunk, 'a', sizeof(chunk));
	sha512_init(&c);
	for (int i = 0; i < 1000; i++)
		sha512_update(&c, chunk, i % 2 ? 999 : 1001); /* odd splits */
	sha512_final(&c, d);
	hex(d, got);
	assert_string_equal(got,
			    "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
			    "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

/* 111/112 bytes: the length field just fits / spills into a second block. */
static void test_padding_edges(void **state)
{
	char x[128];
	memset(x, 'x', sizeof(x));
	check(x, 111,
	      "9a2a120825c2319867758ec277924f6faa254968bf752046dacdd948d8ad299b"
	      "10359fd04bfd7d3810b5fa1b16a294236138baff981cbb85248478053ac4d3dd");
	check(x, 112,
	      "a3722b515ef40c910f2419f6e0da8ca51d410114ce6272faae64045f9e9f630e"
	      "7fa8dd5a3243c9860b899d148c3da4bc0f9e07454542604d030bb55531fe0d5b");
	check(x, 128,
	      "e2e22f8422b54b06e35c3ea30a383d1de7a8fbc27992923074103117020d8dd7"
	      "024c3ecf7d6d1a15a6de5a75ff32fb486b9e8ced4c02ffe05822bf2cb734d0e0");
}

static void test_hex_helpers(void **state)
{
	char out[SHA512_HEX_LEN + 1];
	const char *parts[3] = {"my", NULL, "net"};

	/* the reference's chain hash: sha512("mynet" + "ctr-1")[:24] */
	assert_string_equal(sha512_hex2("mynet", "ctr-1", 24, out), "76edbb2e17c69aeb6041d986");
	assert_string_equal(sha512_hex(parts, 3, 16, out), "d23676b4f2d9fe04");
	assert_int_equal(strlen(sha512_hex2("", NULL, 500, out)), SHA512_HEX_LEN);
	assert_string_equal(sha512_hex2("", NULL, 0, out), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fips_vectors),
	    cmocka_unit_test(test_million_a_incremental),
	    cmocka_unit_test(test_padding_edges),
	    cmocka_unit_test(test_hex_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

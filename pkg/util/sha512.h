/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-512 (FIPS 180-4), for the reference plugins' chain and comment names. */
#ifndef CNI_SHA512_H
#define CNI_SHA512_H

#include <stddef.h>
#include <stdint.h>

#define SHA512_DIGEST_LEN 64
#define SHA512_HEX_LEN 128

struct sha512_ctx {
	uint64_t h[8];
	uint64_t len; /* bytes hashed so far (2^64 bytes is plenty here) */
	uint8_t buf[128];
	size_t fill;
};

void sha512_init(struct sha512_ctx *c);
void sha512_update(struct sha512_ctx *c, const void *data, size_t n);
void sha512_final(struct sha512_ctx *c, uint8_t out[SHA512_DIGEST_LEN]);

/* One-shot digest of data. */
void sha512(const void *data, size_t n, uint8_t out[SHA512_DIGEST_LEN]);
/* Lower-case hex of the digest of the concatenated strings parts[0..n),
 * truncated to hexlen (<= 128) characters; out needs hexlen + 1 bytes. */
char *sha512_hex(const char *const *parts, size_t n, size_t hexlen, char *out);
/* The same for a + b (b may be NULL). */
char *sha512_hex2(const char *a, const char *b, size_t hexlen, char *out);

#endif

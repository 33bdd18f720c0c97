/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local's owner index files (ipam/host-local/disk/index.c) with any
 * content, read through the real store and index in a private directory
 * that holds a fixed set of reservations. Byte 0 is a mode; the rest,
 * split at NUL bytes, gives the bucket files' contents (the buckets the
 * fixed owners live in first); with bit 0 of the mode set, the last part
 * replaces the stamp instead. The index must never give a wrong answer: every name a
 * lookup returns is a reservation holding exactly that owner; and once the
 * index was rebuilt in this process (a stamp it cannot trust, a bucket it
 * cannot parse, a bucket naming a file of another owner) every lookup is
 * complete. A bucket edited under a stamp that still holds may omit an
 * owner's file (index.h: what the index cannot see); it must not invent
 * one. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipam/host-local/disk/index.h"
#include "ipam/host-local/disk/store.h"
#include "util/cleanup.h"

#define NET "net"

static const struct {
	const char *key;
	const char *names[2];
} owners[] = {
    {"ctr-a\r\neth0", {"10.1.0.2", "fd00::2"}},
    {"ctr-b\r\neth0", {"10.1.0.3", NULL}},
    {"ctr-a", {"10.1.0.4", NULL}}, /* a legacy file: just the ID */
    {"ctr-c\r\nnet1", {"10.1.0.5", NULL}},
};
#define N_OWNERS (sizeof(owners) / sizeof(owners[0]))

static char top[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_tmpdir(top, "index");
	return 0;
}

/* Empty the network directory and its index directory. */
static void clear(int dirfd, bool top_level)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *de;

	FUZZ_ASSERT(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (top_level && !strcmp(de->d_name, HL_INDEX_DIR)) {
			int fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			FUZZ_ASSERT(fd >= 0);
			clear(fd, false);
			close(fd);
			continue;
		}
		unlinkat(dirfd, de->d_name, 0);
	}
	closedir(d);
}

/* The lookup of owner o, against the files. */
static void lookup(struct hl_index *ix, struct hl_store *st, size_t o)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	const char *key = owners[o].key;
	size_t keylen = strlen(key), want = 0;
	char **names = NULL;
	size_t n = 0;
	int rc = hl_index_find(ix, key, keylen, &names, &n, &err);

	fuzz_outcome(rc, &err);
	FUZZ_ASSERT(rc == 0);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *k = NULL;
		size_t klen;
		FUZZ_ASSERT(hl_store_read_owner(st, names[i], &k, &klen, &err) == 0);
		FUZZ_ASSERT(klen == keylen && memcmp(k, key, keylen) == 0);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(names[i], names[j]) != 0);
	}
	for (size_t j = 0; j < 2 && owners[o].names[j]; j++)
		want++;
	if (ix->rebuilt || ix->fd < 0)
		FUZZ_ASSERT(n == want);
	hl_names_free(names, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_hl_store struct hl_store st = HL_STORE_INIT;
	cleanup_close int ixfd = -1;
	struct hl_index ix;
	unsigned order[HL_INDEX_BUCKETS], n_order = 0;
	bool used[HL_INDEX_BUCKETS] = {false};
	const uint8_t *p = data + 1, *end = data + size;
	bool stamp;
	int rc;

	if (size < 1)
		return 0;
	stamp = data[0] & 1;
	FUZZ_ASSERT(hl_store_open(&st, top, NET, true, &err) == 0);
	clear(st.dirfd, true);
	for (size_t o = 0; o < N_OWNERS; o++)
		for (size_t j = 0; j < 2 && owners[o].names[j]; j++)
			fuzz_put(st.dirfd, owners[o].names[j], owners[o].key,
				 strlen(owners[o].key));
	/* a trusted index of them */
	FUZZ_ASSERT(hl_index_open(&ix, &st, &err) == 0);
	FUZZ_ASSERT(ix.fd >= 0 && ix.rebuilt);
	hl_index_close(&ix);

	/* the owners' buckets first, then the others */
	for (size_t o = 0; o < N_OWNERS; o++) {
		unsigned b = hl_index_bucket(owners[o].key, strlen(owners[o].key));
		if (!used[b]) {
			used[b] = true;
			order[n_order++] = b;
		}
	}
	for (unsigned b = 0; b < HL_INDEX_BUCKETS; b++)
		if (!used[b])
			order[n_order++] = b;
	ixfd = openat(st.dirfd, HL_INDEX_DIR, O_RDONLY | O_DIRECTORY);
	FUZZ_ASSERT(ixfd >= 0);
	for (unsigned i = 0; p < end && i < HL_INDEX_BUCKETS; i++) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);
		char name[8];
		if (stamp && !nul) {
			fuzz_put(ixfd, "stamp", p, len); /* the last part */
			break;
		}
		snprintf(name, sizeof(name), "b%02x", order[i]);
		fuzz_put(ixfd, name, p, len);
		p += len + (nul ? 1 : 0);
	}

	rc = hl_index_open(&ix, &st, &err);
	fuzz_outcome(rc, &err);
	FUZZ_ASSERT(rc == 0);
	for (size_t o = 0; o < N_OWNERS; o++)
		lookup(&ix, &st, o);
	/* a DEL of ctr-b: its file goes, the index is told, committed */
	FUZZ_ASSERT(hl_store_remove(&st, owners[1].names[0], &err) == 0);
	FUZZ_ASSERT(hl_index_remove(&ix, owners[1].key, strlen(owners[1].key), owners[1].names[0],
				    &err) == 0);
	FUZZ_ASSERT(hl_index_commit(&ix, &err) == 0);
	hl_index_close(&ix);
	/* and the next call must not see it */
	FUZZ_ASSERT(hl_index_open(&ix, &st, &err) == 0);
	{
		char **names = NULL;
		size_t n = 0;
		FUZZ_ASSERT(hl_index_find(&ix, owners[1].key, strlen(owners[1].key), &names, &n,
					  &err) == 0);
		FUZZ_ASSERT(n == 0);
		hl_names_free(names, n);
	}
	for (size_t o = 0; o < N_OWNERS; o++)
		if (o != 1)
			lookup(&ix, &st, o);
	hl_index_close(&ix);
	return 0;
}

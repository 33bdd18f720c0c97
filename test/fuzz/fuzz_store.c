/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local's reservation files as another writer (the reference, a
 * killed writer, a disk that lost data, a person) may leave them
 * (ipam/host-local/disk/store.c), read through the real store in a
 * private directory: the input's first line names a file (what readdir
 * gives the scan), the rest is the content of that file, of a reservation
 * and of last_reserved_ip.0. Then:
 *  - a name is a reservation only when it is an address, spelled as the
 *    reference spells it;
 *  - the owner read back is trimmed, NUL-free; torn means empty or NUL;
 *  - last_reserved_ip reads as an address that formats back to itself;
 *  - reserving the address succeeds exactly when the file there was torn
 *    (reclaimed), and then holds our owner, whole. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipam/host-local/disk/store.h"
#include "util/cleanup.h"
#include "util/text.h"

#define NET "net"
#define ADDR "10.1.0.5"
#define OWNER "ctr-fuzz\r\neth0"

static char top[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_tmpdir(top, "store");
	return 0;
}

/* Empty the network directory, but for its lock. */
static void clear(int dirfd)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *de;

	FUZZ_ASSERT(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "lock"))
			unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

static bool name_ok(const char *s)
{
	return *s && strlen(s) < 200 && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..") &&
	       strcmp(s, "lock");
}

struct seen {
	const char *name;
	bool name_seen;
};

static int scan_cb(void *ctx, const char *name, const struct ip_addr *ip, const char *key,
		   size_t keylen, struct cni_error *err)
{
	struct seen *s = ctx;
	char buf[IP_ADDR_STRLEN];
	struct ip_addr again;

	/* only addresses; the scan canonicalizes (::ffff:a.b.c.d is IPv4) */
	FUZZ_ASSERT(ip_addr_parse(name, &again) == 0);
	ip_addr_canonicalize(&again);
	FUZZ_ASSERT(ip_addr_equal(&again, ip));
	FUZZ_ASSERT(ip_addr_parse(ip_addr_format(ip, buf), &again) == 0);
	FUZZ_ASSERT(key && strlen(key) == keylen);
	if (s->name && strcmp(name, s->name) == 0)
		s->name_seen = true;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_hl_store struct hl_store st = HL_STORE_INIT;
	cleanup_free char *name = NULL, *key = NULL, *key2 = NULL;
	struct seen seen = {0};
	struct ip_addr ip, last;
	size_t keylen, key2len;
	int rc, torn;

	data = fuzz_split(data, &size, &name);
	FUZZ_ASSERT(hl_store_open(&st, top, NET, true, &err) == 0);
	clear(st.dirfd);
	if (name && name_ok(name)) {
		fuzz_put(st.dirfd, name, data, size);
		seen.name = name;
	}
	fuzz_put(st.dirfd, ADDR, data, size);
	fuzz_put(st.dirfd, "last_reserved_ip.0", data, size);

	rc = hl_store_scan(&st, HL_SCAN_OWNER, scan_cb, &seen, &err);
	fuzz_outcome(rc, &err);
	FUZZ_ASSERT(rc == 0);
	if (seen.name)
		FUZZ_ASSERT(seen.name_seen == (ip_addr_parse(seen.name, &ip) == 0));

	rc = hl_store_read_owner(&st, ADDR, &key, &keylen, &err);
	fuzz_outcome(rc, &err);
	FUZZ_ASSERT(rc == 0 && strlen(key) == keylen && keylen <= HL_OWNER_MAX);
	FUZZ_ASSERT(keylen == text_trim_space(key, keylen));
	torn = hl_store_is_torn(&st, ADDR);
	FUZZ_ASSERT(torn == 0 || torn == 1);
	if (torn)
		FUZZ_ASSERT(keylen == 0);

	if (hl_store_read_last(&st, 0, &last) == 0) {
		char buf[IP_ADDR_STRLEN];
		struct ip_addr again;
		FUZZ_ASSERT(ip_addr_parse(ip_addr_format(&last, buf), &again) == 0);
		FUZZ_ASSERT(ip_addr_equal(&again, &last));
	}

	FUZZ_ASSERT(ip_addr_parse(ADDR, &ip) == 0);
	rc = hl_store_reserve(&st, &ip, OWNER, strlen(OWNER), &err);
	fuzz_outcome(rc, &err);
	FUZZ_ASSERT(rc == torn);
	rc = hl_store_read_owner(&st, ADDR, &key2, &key2len, &err);
	FUZZ_ASSERT(rc == 0);
	if (torn)
		FUZZ_ASSERT(key2len == strlen(OWNER) && memcmp(key2, OWNER, key2len) == 0);
	else
		FUZZ_ASSERT(key2len == keylen && memcmp(key2, key, keylen) == 0);
	FUZZ_ASSERT(!hl_store_exists(&st, HL_STORE_TEMP));
	return 0;
}

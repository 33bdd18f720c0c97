/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Owner index: which reservation files belong to an owner key
 * ("<id>\r\n<ifname>", or a legacy "<id>"), without reading every file.
 *
 * The reference answers that question by reading every file in the
 * network directory, on every ADD, DEL and CHECK. We keep, in
 * <dataDir>/<network>/.cni-c-index/:
 *
 *   b00..b3f   64 buckets; an owner lives in bucket (FNV-1a-64(key) >> 58):
 *                "cni-c-index bucket 1\n" then "<hex(key)> <ip> <ip>...\n"
 *              Rewritten in place and never removed, so steady-state
 *              operations create and unlink no index files; at 1,000
 *              containers a bucket is ~16 lines.
 *   stamp      "cni-c-index 2 <boot id> <dir inode> <mtime sec> <mtime nsec>
 *              <ctime sec> <ctime nsec>\n" (fixed width): the boot, and the
 *              network directory's identity and times, when the buckets
 *              were last made to describe it exactly.
 *
 * A lookup reads one bucket, whatever the number of reservations.
 *
 * Trust rule. Every reservation change, ours or the reference's, creates
 * or removes a file in the network directory, which sets the directory's
 * mtime and ctime both to "now". When we finish a change we (under the
 * lock) write the buckets, then set the directory's mtime to M with
 * futimens, M two seconds before the coarse clock (ctime becomes "now"),
 * then write the stamp naming (this boot, inode, M, ctime C). A stamped
 * directory has mtime != ctime; any later change leaves them equal, so no
 * change can reproduce (M, C), whatever the clock does (a clock step can
 * bring back an mtime, on a 1-second file system easily, never the pair).
 * At the next operation the index is trusted only when the stamp names
 * this boot and the directory's current (inode, mtime, ctime); anything
 * else (the reference reserved or released, we were killed half way, a
 * reboot, the stamp is missing or torn, no boot id) means a rebuild from a
 * scan, or scanning.
 *
 * Write order. A power cut is always a new boot, so what reached the disk
 * in which order never matters: the stamp no longer matches and the index
 * is rebuilt (no fsync is needed; the reference does none either). Within
 * one boot the page cache is the truth and only program order counts:
 * buckets are rewritten only while the stamp does not match the directory
 * (it is emptied first when it still does), and the stamp is written last,
 * so a process killed at any point leaves a stamp that does not match
 * (test_hl_index.c kills one before each of its calls). Buckets are
 * rewritten in place rather than renamed over: a rename over a file makes
 * ext4 write the new one out at once, a disk write on every ADD and DEL.
 *
 * Nothing relies on the index for safety against double allocation: a
 * reservation is a link() that fails on an existing name. Lookups are also
 * verified: each file the index names is read and must still hold that
 * owner, else we rebuild. What the index cannot see is a change that
 * leaves the directory alone: a reservation file rewritten in place to name
 * another owner (found when the old owner's lookup reads it), or files
 * under .cni-c-index edited by hand; GC, which always scans, repairs that.
 *
 * The reference walks into our subdirectory and reads these files too;
 * their content (headers with spaces, hex keys, never "\r") can never
 * equal a container ID or "<id>\r\n<ifname>", so it neither matches nor
 * removes them, and its GetByID ignores names that are not addresses.
 *
 * When the index directory cannot be used, lookups fall back to scanning
 * (slow, correct).
 */
#ifndef HL_INDEX_H
#define HL_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cni/error.h"
#include "store.h"

#define HL_INDEX_DIR ".cni-c-index"

struct hl_owner {
	char *key;
	size_t keylen;
	char **names; /* reservation file names */
	size_t n;
};

#define HL_INDEX_BUCKETS 64

struct hl_bucket {
	unsigned id;
	struct hl_owner *owners;
	size_t n;
	bool dirty;
};

/* What the buckets were last made to describe exactly. */
struct hl_stamp {
	long long ino, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

struct hl_index {
	struct hl_store *store; /* borrowed; locked */
	int fd;			/* index directory; -1: scan mode */
	int stampfd;
	char boot_id[40];
	bool stamp_valid; /* read, well formed, and of this boot */
	struct hl_stamp stamp;
	size_t stamp_size;   /* bytes in the stamp file */
	struct hl_bucket *b; /* buckets read or changed by this process */
	size_t nb;
	bool rebuilt;	     /* once per process is enough */
	unsigned n_rebuilds; /* for tests */
};

/* Open (creating) the index of a locked store, and rebuild it when its
 * stamp does not match the directory. Only a failing rebuild scan is an
 * error; an unusable index directory means scan mode. */
int hl_index_open(struct hl_index *ix, struct hl_store *s, struct cni_error *err);
void hl_index_close(struct hl_index *ix);
static inline void hl_index_cleanup(struct hl_index *ix)
{
	hl_index_close(ix);
}
#define cleanup_hl_index __attribute__((cleanup(hl_index_cleanup)))

/* The reservation names held by exactly `key`, each checked against its
 * file (stale entries are dropped; a wrong owner triggers a rebuild).
 * *names: malloc'd array of malloc'd strings (free with hl_names_free). */
int hl_index_find(struct hl_index *ix, const char *key, size_t keylen, char ***names, size_t *n,
		  struct cni_error *err);
void hl_names_free(char **names, size_t n);

/* Record changes (in memory until commit). */
int hl_index_add(struct hl_index *ix, const char *key, size_t keylen, const char *name,
		 struct cni_error *err);
int hl_index_remove(struct hl_index *ix, const char *key, size_t keylen, const char *name,
		    struct cni_error *err);

/* Write changed buckets and re-stamp (a no-op when nothing changed). */
int hl_index_commit(struct hl_index *ix, struct cni_error *err);

/* Scan the store and rewrite the whole index. */
int hl_index_rebuild(struct hl_index *ix, struct cni_error *err);

uint64_t hl_index_hash(const char *key, size_t len);
/* The bucket (0..HL_INDEX_BUCKETS-1) an owner key lives in. */
unsigned hl_index_bucket(const char *key, size_t len);

#endif

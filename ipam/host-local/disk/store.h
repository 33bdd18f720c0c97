/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The on-disk store, byte-compatible with the reference's disk backend
 * (backend/disk/backend.go) so both can run against one directory:
 *
 *   <dataDir>/<network>/            0755
 *     lock                          flock'ed (exclusive) around every operation
 *     <ip>                          0644, "<containerID>\r\n<ifname>"; the name is
 *                                   net.IP.String() (see ipstr.h)
 *     last_reserved_ip.<set index>  0644, the address last reserved from that set
 *     .cni-c-reserve                a reservation being written (ours only)
 *
 * Older reference versions wrote just "<containerID>"; such files match any
 * interface of that container. Ownership is decided on the file content with
 * surrounding white space trimmed (Go's strings.TrimSpace), as the
 * reference does. Our index (index.h) lives in a subdirectory.
 *
 * Atomic reservations. We write the owner into .cni-c-reserve, then link()
 * it to the address name (EEXIST: taken) and unlink the temporary, so an
 * address file of ours never exists without its whole content, whenever
 * the process is killed. The reference creates the file, then writes it.
 *
 * Torn files. Every writer, the reference's and ours, holds the lock while
 * it creates and writes a reservation, so a reservation seen by the lock
 * holder has no writer left. It is torn when its trimmed content is empty
 * or holds a NUL byte: no writer ever wrote that (a container ID is never
 * empty, and the environment it comes from cannot carry a NUL), but a
 * reference writer killed between its create and its write, or a power cut
 * before the data reached the disk, leaves one. A torn file is nobody's;
 * an ADD whose allocation lands on one removes it and takes the address,
 * GC removes every one. A file over HL_OWNER_MAX bytes is nobody's too, but
 * not torn (someone wrote it: the reference, which has no bound; our ADD
 * refuses such an owner, see hl_owner_check): only GC removes it. A leftover temporary (a
 * writer killed before its link or its unlink) is replaced by the next ADD
 * and removed by DEL and GC; never written into (see store.c).
 *
 * Boot tags. A network attachment dies with the boot that made it. The
 * extended attribute HL_BOOT_XATTR ("user.cni-c.boot") of a reservation
 * file holds the boot id (/proc/sys/kernel/random/boot_id) of a boot in
 * which that very inode existed: we set it on the temporary before link()
 * (a reservation of ours is born tagged), and on any untagged reservation
 * (the reference's, or ours from before tags) the first time a scan of
 * ours sees it. No reservation reuses an inode (the reference creates with
 * O_EXCL, we link a fresh temporary, a reclaimed torn file is unlinked
 * first), and a tag goes with its inode. So a file tagged with another
 * boot's id existed in that earlier boot, and so did its reservation:
 * nobody's now. Every scan with HL_SCAN_OWNER (the index rebuild, which
 * the first call of each boot makes; GC; scan mode) removes such files
 * (the sweep) and tags the untagged ones with this boot. Names and
 * contents stay the reference's, which never reads attributes. Without a
 * boot id, or on a file system without user xattrs, nothing is tagged and
 * nothing is swept: the reference's behaviour. See README "On-disk store".
 */
#ifndef HL_STORE_H
#define HL_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "cni/error.h"
#include "ip/ipnet.h"

#define HL_DEFAULT_DATA_DIR "/var/lib/cni/networks"
/* Bigger reservation files are nobody's (we never match them); GC frees them. */
#define HL_OWNER_MAX 65536
/* The longest interface name (IFNAMSIZ - 1, as the skeleton checks) and
 * container ID an owner key is made of: "<id>\r\n<ifname>" then fits in
 * HL_OWNER_MAX, so every reservation ADD makes reads back as its owner's
 * (DEL finds it, GC keeps it). */
#define HL_IFNAME_MAX 15
#define HL_ID_MAX (HL_OWNER_MAX - 2 - HL_IFNAME_MAX)
#define HL_STORE_TEMP ".cni-c-reserve"

#define HL_BOOT_XATTR "user.cni-c.boot"
#define HL_BOOT_ID_LEN 36 /* a UUID: 8-4-4-4-12 hex digits */

struct hl_store {
	int dirfd;  /* <dataDir>/<network> */
	int lockfd; /* the flock'ed "lock" file; -1 when not locked */
	char *path; /* for messages */
	/* this boot's id; "" when it cannot be had (no tags, no sweep) */
	char boot_id[HL_BOOT_ID_LEN + 1];
	unsigned n_swept;  /* reservations of earlier boots removed (tests, messages) */
	bool sweep_failed; /* one could not be removed: the index must not be trusted */
};

#define HL_STORE_INIT                                                                              \
	{                                                                                          \
		.dirfd = -1, .lockfd = -1                                                          \
	}

/* Where this boot's id is read (tests point it elsewhere). The fault build
 * (make FAULT=1) also takes it from the environment, CNI_TEST_BOOT_ID=<uuid>,
 * so that a test can run host-local "in another boot"; the release build
 * has no such hook. */
extern const char *hl_store_boot_id_path;
/* This boot's id into out: 0, or -1 when it cannot be had. */
int hl_store_read_boot_id(char out[HL_BOOT_ID_LEN + 1]);

/* A reservation's boot, from its tag. */
enum hl_boot {
	HL_BOOT_THIS,	 /* tagged with this boot: made or seen in it */
	HL_BOOT_EARLIER, /* tagged with another boot: from an earlier one */
	HL_BOOT_NONE,	 /* untagged (or an unreadable tag): unknown */
	HL_BOOT_NOTAGS,	 /* no boot id, or the file system has no user xattrs */
};

/* Open <data_dir>/<name> and take the lock. With create, make the
 * directories (0755) as needed. Returns 0; 1 (nothing opened) when !create
 * and the directory does not exist; -1 and err otherwise. */
int hl_store_open(struct hl_store *s, const char *data_dir, const char *name, bool create,
		  struct cni_error *err);
void hl_store_close(struct hl_store *s);
static inline void hl_store_cleanup(struct hl_store *s)
{
	hl_store_close(s);
}
#define cleanup_hl_store __attribute__((cleanup(hl_store_cleanup)))

/* Can (id, ifname) own a reservation: within HL_ID_MAX and HL_IFNAME_MAX
 * bytes? 0, or -1 with code 4 (the reference's code for a bad containerID;
 * it has no length bound). ADD checks this before it writes anything. */
int hl_owner_check(const char *id, const char *ifname, struct cni_error *err);

/* The owner key a reservation holds: TrimSpace(id) "\r\n" ifname, or the
 * legacy TrimSpace(id) when ifname is NULL. malloc'd (NULL on ENOMEM). */
char *hl_owner_key(const char *id, const char *ifname, size_t *len);

/* Create the reservation file for ip (0644) holding key, atomically (see
 * above); a torn file in its place is reclaimed. 1 created, 0 the address
 * is taken, -1 error (nothing is left). */
int hl_store_reserve(struct hl_store *s, const struct ip_addr *ip, const char *key, size_t keylen,
		     struct cni_error *err);
/* Read the trimmed owner key of reservation `name` (malloc'd, NUL
 * terminated; "" for a torn file or one too big to be anyone's). 0; 1 when
 * the file is gone; -1 error. */
int hl_store_read_owner(struct hl_store *s, const char *name, char **key, size_t *keylen,
			struct cni_error *err);
/* Is reservation `name` torn (see above)? 1 yes, 0 no (or gone), -1 unreadable. */
int hl_store_is_torn(struct hl_store *s, const char *name);
/* Remove a temporary left by a killed writer. 0 or -1. */
int hl_store_drop_temp(struct hl_store *s, struct cni_error *err);
/* Remove reservation `name`; a missing file is fine. 0 or -1. */
int hl_store_remove(struct hl_store *s, const char *name, struct cni_error *err);

/* last_reserved_ip.<set>: write (as os.WriteFile: truncate in place), read
 * (0, or -1 when absent or unparsable). */
int hl_store_write_last(struct hl_store *s, size_t set, const struct ip_addr *ip,
			struct cni_error *err);
int hl_store_read_last(struct hl_store *s, size_t set, struct ip_addr *out);

/* Does reservation file `name` exist? (one fstatat) */
bool hl_store_exists(struct hl_store *s, const char *name);

/* The boot of reservation `name` (for a file that is gone: HL_BOOT_THIS). */
enum hl_boot hl_store_boot_of(struct hl_store *s, const char *name);
/* Is there no live reservation named `name` (none, or one from an earlier
 * boot, which the next ADD frees)? */
bool hl_store_is_free(struct hl_store *s, const char *name);

/* Every reservation: a regular file whose name parses as an address. With
 * HL_SCAN_OWNER the owner key is read (else key is NULL), and the boot rule
 * applied: a reservation from an earlier boot is removed and not reported
 * (s->n_swept counts them), an untagged one is tagged with this boot (both
 * best effort: a failure keeps the file, reported). A callback returning
 * < 0 stops the walk. */
#define HL_SCAN_OWNER 1u
typedef int (*hl_scan_fn)(void *ctx, const char *name, const struct ip_addr *ip, const char *key,
			  size_t keylen, struct cni_error *err);
int hl_store_scan(struct hl_store *s, unsigned flags, hl_scan_fn fn, void *ctx,
		  struct cni_error *err);

/* Can the directory take new files (not read-only, writable)? 0 or -1+err. */
int hl_store_check_writable(struct hl_store *s, struct cni_error *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fault.h"
#include "util/io.h"
#include "util/text.h"
#include "ipam/host-local/ipstr.h"
#include "util/lock.h"

#define LAST_IP_PREFIX "last_reserved_ip."
#define LOCK_NAME "lock"
/* The reference's lock library creates the lock file 0750; so do we. */
#define LOCK_MODE 0750

/* mkdir -p with mode 0755, as os.MkdirAll(dir, 0755). */
static int mkdir_p(const char *path, struct cni_error *err)
{
	cleanup_free char *p = strdup(path);
	size_t len;

	if (!p)
		return cni_error_oom(err);
	len = strlen(p);
	for (size_t i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (p[i - 1] == '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "mkdir %s", p);
		if (i < len)
			p[i] = '/';
	}
	return 0;
}

const char *hl_store_boot_id_path = "/proc/sys/kernel/random/boot_id";

static bool valid_boot_id(const char *b)
{
	for (int i = 0; i < HL_BOOT_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? b[i] != '-' : text_hex_digit(b[i]) < 0)
			return false;
	}
	return true;
}

int hl_store_read_boot_id(char out[HL_BOOT_ID_LEN + 1])
{
	cleanup_close int fd = -1;
	char buf[HL_BOOT_ID_LEN + 2];
	ssize_t n;

#ifdef CNI_FAULT_INJECTION
	/* test-only: run "in another boot" (see store.h) */
	const char *t = getenv("CNI_TEST_BOOT_ID");
	if (t && *t) {
		errno = EINVAL;
		if (strlen(t) != HL_BOOT_ID_LEN || !valid_boot_id(t))
			return -1;
		memcpy(out, t, HL_BOOT_ID_LEN + 1);
		return 0;
	}
#endif
	fd = open(hl_store_boot_id_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	errno = EINVAL;
	if ((n = read(fd, buf, sizeof(buf))) != HL_BOOT_ID_LEN + 1 || buf[HL_BOOT_ID_LEN] != '\n' ||
	    !valid_boot_id(buf))
		return -1;
	memcpy(out, buf, HL_BOOT_ID_LEN);
	out[HL_BOOT_ID_LEN] = '\0';
	return 0;
}

int hl_store_open(struct hl_store *s, const char *data_dir, const char *name, bool create,
		  struct cni_error *err)
{
	cleanup_free char *path = NULL;

	if (asprintf(&path, "%s/%s", data_dir, name) < 0)
		return cni_error_oom(err);
	s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0 && errno == ENOENT && create) {
		if (mkdir_p(path, err) < 0)
			return -1;
		s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (s->dirfd < 0) {
		if (!create && (errno == ENOENT || errno == ENOTDIR))
			return 1;
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "open %s", path);
	}
	s->lockfd = lock_open_exclusive(s->dirfd, LOCK_NAME, LOCK_MODE, err);
	if (s->lockfd < 0) {
		cni_error_wrap(err, "%s", path);
		hl_store_close(s);
		return -1;
	}
	s->path = steal_pointer(&path);
	if (hl_store_read_boot_id(s->boot_id) < 0) {
		fprintf(stderr, "host-local: %s: %s; reservations are not scoped to boots\n",
			hl_store_boot_id_path, strerror(errno));
		s->boot_id[0] = '\0';
	}
	s->n_swept = 0;
	s->sweep_failed = false;
	return 0;
}

void hl_store_close(struct hl_store *s)
{
	if (s->lockfd >= 0)
		close(s->lockfd); /* drops the lock */
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->path);
	s->lockfd = s->dirfd = -1;
	s->path = NULL;
}

int hl_owner_check(const char *id, const char *ifname, struct cni_error *err)
{
	if (strlen(id) > HL_ID_MAX) {
		cni_error_set(err, CNI_ERR_INVALID_ENV, "containerID is too long");
		cni_error_set_details(err, "at most %d bytes (host-local stores it in %d)",
				      HL_ID_MAX, HL_OWNER_MAX);
		return -1;
	}
	if (ifname && strlen(ifname) > HL_IFNAME_MAX) {
		cni_error_set(err, CNI_ERR_INVALID_ENV, "interface name is too long");
		cni_error_set_details(err, "at most %d bytes", HL_IFNAME_MAX);
		return -1;
	}
	return 0;
}

char *hl_owner_key(const char *id, const char *ifname, size_t *len)
{
	size_t idlen = strlen(id), iflen = ifname ? strlen(ifname) : 0;
	char *k = malloc(idlen + iflen + 3);

	if (!k)
		return NULL;
	memcpy(k, id, idlen + 1);
	idlen = text_trim_space(k, idlen);
	if (ifname) {
		memcpy(k + idlen, "\r\n", 2);
		memcpy(k + idlen + 2, ifname, iflen + 1);
		idlen += 2 + iflen;
	}
	if (len)
		*len = idlen;
	return k;
}

/* Open a store file for reading without following symlinks nor blocking on
 * a FIFO someone left there. -1 with errno. */
static int open_regular(int dirfd, const char *name)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* Read up to max bytes; *len = bytes read, *truncated when more remain. */
static int read_bounded(int fd, char *buf, size_t max, size_t *len, bool *truncated)
{
	size_t got = 0;
	char probe;

	while (got < max) {
		ssize_t n = read(fd, buf + got, max - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*len = got;
	*truncated = got == max && read(fd, &probe, 1) == 1;
	return 0;
}

/* The boot of the open reservation fd (see store.h). */
static enum hl_boot boot_of_fd(struct hl_store *s, int fd)
{
	char tag[HL_BOOT_ID_LEN + 1];
	ssize_t n;

	if (!s->boot_id[0])
		return HL_BOOT_NOTAGS;
	n = fgetxattr(fd, HL_BOOT_XATTR, tag, sizeof(tag));
	if (n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
		return HL_BOOT_NOTAGS;
	/* anything but a boot id (absent, too long, garbage) is no evidence */
	if (n != HL_BOOT_ID_LEN || !valid_boot_id(tag))
		return HL_BOOT_NONE;
	return memcmp(tag, s->boot_id, HL_BOOT_ID_LEN) == 0 ? HL_BOOT_THIS : HL_BOOT_EARLIER;
}

/* Tag fd with this boot. Best effort: an untagged file is kept (unknown). */
static void tag_fd(struct hl_store *s, int fd)
{
	if (s->boot_id[0] && !FAULT_ERRNO(STORE, "boot_tag", 0))
		(void)!fsetxattr(fd, HL_BOOT_XATTR, s->boot_id, HL_BOOT_ID_LEN, 0);
}

/* Read reservation `name`, trimmed as the reference reads it. 0 (key
 * malloc'd, *torn, *huge set); 1 when the file is gone; -1 error. With
 * boot, *boot is the file's (an untagged one is tagged first, with this
 * boot, and so reported as HL_BOOT_THIS). */
static int read_key(struct hl_store *s, const char *name, char **key, size_t *keylen, bool *torn,
		    bool *huge, enum hl_boot *boot, struct cni_error *err)
{
	cleanup_close int fd = open_regular(s->dirfd, name);
	cleanup_free char *buf = NULL;
	size_t len;

	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "open %s/%s", s->path, name);
	buf = malloc(HL_OWNER_MAX + 1);
	if (!buf)
		return cni_error_oom(err);
	if (read_bounded(fd, buf, HL_OWNER_MAX, &len, huge) < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "read %s/%s", s->path, name);
	if (boot && (*boot = boot_of_fd(s, fd)) == HL_BOOT_NONE) {
		tag_fd(s, fd);
		*boot = HL_BOOT_THIS;
	}
	len = text_trim_space(buf, len);
	*torn = !*huge && (len == 0 || memchr(buf, '\0', len));
	if (*huge || *torn)
		len = 0;
	/* shrink: most keys are ~70 bytes */
	*key = strndup(buf, len);
	if (!*key)
		return cni_error_oom(err);
	*keylen = len;
	return 0;
}

int hl_store_read_owner(struct hl_store *s, const char *name, char **key, size_t *keylen,
			struct cni_error *err)
{
	bool torn, huge;
	return read_key(s, name, key, keylen, &torn, &huge, NULL, err);
}

int hl_store_is_torn(struct hl_store *s, const char *name)
{
	cleanup_error struct cni_error ignored = CNI_ERROR_INIT;
	cleanup_free char *key = NULL;
	size_t keylen;
	bool torn, huge;
	int r = read_key(s, name, &key, &keylen, &torn, &huge, NULL, &ignored);

	return r < 0 ? -1 : r == 0 && torn;
}

/* The temporary a reservation is written to before it takes its name. One
 * name is enough: only the lock holder writes it. */
int hl_store_drop_temp(struct hl_store *s, struct cni_error *err)
{
	struct stat st;

	/* looked up first: unlinking even a missing name fails on a read-only
	 * file system, and DEL with nothing to do must succeed there */
	if (fstatat(s->dirfd, HL_STORE_TEMP, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return 0;
	/* Never reuse it: a writer killed after its link() left it as a second
	 * name of that reservation, so writing into it would rewrite that. */
	if (unlinkat(s->dirfd, HL_STORE_TEMP, 0) < 0 && errno != ENOENT)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "remove %s/%s", s->path,
					   HL_STORE_TEMP);
	return 0;
}

/* The temporary holding exactly key. */
static int write_temp(struct hl_store *s, const char *key, size_t keylen, struct cni_error *err)
{
	cleanup_close int fd = -1;
	int e;

	fd = openat(s->dirfd, HL_STORE_TEMP, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0644);
	if (fd < 0 && errno == EEXIST) {
		/* left by a killed writer */
		if (hl_store_drop_temp(s, err) < 0)
			return -1;
		fd = openat(s->dirfd, HL_STORE_TEMP,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "create %s/%s", s->path,
					   HL_STORE_TEMP);
	/* born tagged: the link below makes it a reservation of this boot */
	tag_fd(s, fd);
	if (FAULT_ERRNO(STORE, "reserve", 0) || io_write_all(fd, key, keylen) < 0 ||
	    close(steal_fd(&fd)) < 0) {
		e = errno;
		unlinkat(s->dirfd, HL_STORE_TEMP, 0);
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "write %s/%s", s->path,
					   HL_STORE_TEMP);
	}
	return 0;
}

int hl_store_reserve(struct hl_store *s, const struct ip_addr *ip, const char *key, size_t keylen,
		     struct cni_error *err)
{
	char name[IP_ADDR_STRLEN];
	bool reclaimed = false;
	int ret;

	ip_addr_format(ip, name);
	/* The content first, under a name nobody reads as a reservation; then
	 * the existence check and the claim in one step, link(): the address
	 * file never exists without its owner, whenever this process dies. */
	if (write_temp(s, key, keylen, err) < 0)
		return -1;
	for (;;) {
		if (linkat(s->dirfd, HL_STORE_TEMP, s->dirfd, name, 0) == 0) {
			ret = 1;
			break;
		}
		if (errno != EEXIST) {
			ret = cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "create %s/%s",
						  s->path, name);
			break;
		}
		/* Taken; unless torn, whose writer died (it held this lock). */
		ret = 0;
		if (reclaimed || hl_store_is_torn(s, name) != 1)
			break;
		if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT) {
			ret = cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "remove %s/%s",
						  s->path, name);
			break;
		}
		reclaimed = true;
	}
	/* best effort: the next writer removes what is left */
	unlinkat(s->dirfd, HL_STORE_TEMP, 0);
	return ret;
}

int hl_store_remove(struct hl_store *s, const char *name, struct cni_error *err)
{
	if ((FAULT_ERRNO(STORE, "remove", 0) || unlinkat(s->dirfd, name, 0) < 0) && errno != ENOENT)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "remove %s/%s", s->path,
					   name);
	return 0;
}

bool hl_store_exists(struct hl_store *s, const char *name)
{
	struct stat st;

	return fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

enum hl_boot hl_store_boot_of(struct hl_store *s, const char *name)
{
	cleanup_close int fd = open_regular(s->dirfd, name);

	return fd < 0 ? HL_BOOT_THIS : boot_of_fd(s, fd);
}

bool hl_store_is_free(struct hl_store *s, const char *name)
{
	return !hl_store_exists(s, name) || hl_store_boot_of(s, name) == HL_BOOT_EARLIER;
}

int hl_store_write_last(struct hl_store *s, size_t set, const struct ip_addr *ip,
			struct cni_error *err)
{
	char name[sizeof(LAST_IP_PREFIX) + 24], addr[IP_ADDR_STRLEN];
	cleanup_close int fd = -1;

	snprintf(name, sizeof(name), LAST_IP_PREFIX "%zu", set);
	/* Not O_TRUNC: truncating a file to zero and rewriting it makes ext4
	 * (auto_da_alloc) flush it on close, a disk wait on every ADD. The
	 * content is overwritten in place, then cut to its length. */
	fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "open %s/%s", s->path, name);
	ip_addr_format(ip, addr);
	if (FAULT_ERRNO(STORE, "last_reserved_ip", set) ||
	    io_write_all(fd, addr, strlen(addr)) < 0 || ftruncate(fd, (off_t)strlen(addr)) < 0 ||
	    close(steal_fd(&fd)) < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "write %s/%s", s->path,
					   name);
	return 0;
}

int hl_store_read_last(struct hl_store *s, size_t set, struct ip_addr *out)
{
	char name[sizeof(LAST_IP_PREFIX) + 24], buf[IP_ADDR_STRLEN + 1];
	cleanup_close int fd = -1;
	size_t len;
	bool big;

	snprintf(name, sizeof(name), LAST_IP_PREFIX "%zu", set);
	fd = open_regular(s->dirfd, name);
	if (fd < 0 || read_bounded(fd, buf, sizeof(buf) - 1, &len, &big) < 0 || big)
		return -1;
	buf[len] = '\0';
	/* net.ParseIP on the raw bytes: no trimming */
	if (ip_addr_parse(buf, out) < 0)
		return -1;
	ip_addr_canonicalize(out);
	return 0;
}

/* The sweep's step for one file of an earlier boot: 1 removed, 0 kept. */
static int sweep_one(struct hl_store *s, const char *name)
{
	if (FAULT_ERRNO(STORE, "sweep", 0) || unlinkat(s->dirfd, name, 0) < 0) {
		if (errno == ENOENT)
			return 1;
		fprintf(stderr, "host-local: %s/%s is from an earlier boot; removing it: %s\n",
			s->path, name, strerror(errno));
		s->sweep_failed = true;
		return 0;
	}
	s->n_swept++;
	return 1;
}

int hl_store_scan(struct hl_store *s, unsigned flags, hl_scan_fn fn, void *ctx,
		  struct cni_error *err)
{
	bool read_owner = flags & HL_SCAN_OWNER;
	unsigned swept = s->n_swept;

	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, e, "open %s", s->path);
	}
	while (ret >= 0) {
		cleanup_free char *key = NULL;
		struct ip_addr ip;
		size_t keylen = 0;
		struct stat st;

		errno = 0;
		if (!(de = readdir(d))) {
			if (errno)
				ret = cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "readdir %s",
							  s->path);
			break;
		}
		if (ip_addr_parse(de->d_name, &ip) < 0)
			continue; /* lock, last_reserved_ip.N, our index, ... */
		if (de->d_type != DT_REG) {
			if (de->d_type != DT_UNKNOWN)
				continue;
			if (fstatat(s->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
		}
		ip_addr_canonicalize(&ip);
		if (read_owner) {
			enum hl_boot boot;
			bool torn, huge;
			int r = read_key(s, de->d_name, &key, &keylen, &torn, &huge, &boot, err);
			if (r < 0) {
				ret = -1;
				break;
			}
			if (r > 0)
				continue; /* removed meanwhile (not by a locker) */
			if (boot == HL_BOOT_EARLIER && sweep_one(s, de->d_name))
				continue; /* nobody's: its boot is over */
		}
		ret = fn(ctx, de->d_name, &ip, key, keylen, err);
	}
	closedir(d);
	if (s->n_swept > swept)
		fprintf(stderr,
			"host-local: %s: released %u reservations made in an earlier boot\n",
			s->path, s->n_swept - swept);
	return ret < 0 ? -1 : 0;
}

int hl_store_check_writable(struct hl_store *s, struct cni_error *err)
{
	if (faccessat(s->dirfd, ".", W_OK | X_OK, AT_EACCESS) < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "%s is not writable",
					   s->path);
	return 0;
}

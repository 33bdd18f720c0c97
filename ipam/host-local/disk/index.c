/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fault.h"
#include "util/strv.h"
#include "util/text.h"

#define STAMP_NAME "stamp"
/* fixed width, so that it is rewritten in place with one pwrite */
#define STAMP_FMT "cni-c-index 2 %s %020lld %020lld %09lld %020lld %09lld\n"
#define BOOT_ID_LEN HL_BOOT_ID_LEN
#define BUCKET_HDR "cni-c-index bucket 1\n"
#define BUCKET_HDR_LEN (sizeof(BUCKET_HDR) - 1)
#define BUCKET_MAX (16 << 20)
#define BUCKET_NAME_LEN 4 /* "b" + 2 hex + NUL */

/* A growable byte buffer for building bucket files. */
struct buf {
	char *p;
	size_t len, cap;
};

static int buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;
		while (cap < b->len + len + 1)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

static int buf_add_hex(struct buf *b, const char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		char two[2] = {hex[(uint8_t)data[i] >> 4], hex[(uint8_t)data[i] & 15]};
		if (buf_add(b, two, 2) < 0)
			return -1;
	}
	return 0;
}

/* One bucket line: "<hex(key)> <name> <name>...\n" (nothing when n == 0). */
static int buf_add_owner(struct buf *b, const char *key, size_t keylen, char *const *names,
			 size_t n)
{
	if (n == 0)
		return 0;
	if (buf_add_hex(b, key, keylen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (buf_add(b, " ", 1) < 0 || buf_add(b, names[i], strlen(names[i])) < 0)
			return -1;
	return buf_add(b, "\n", 1);
}

uint64_t hl_index_hash(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)key[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

unsigned hl_index_bucket(const char *key, size_t len)
{
	return (unsigned)(hl_index_hash(key, len) >> 58);
}

static void bucket_name(unsigned id, char *out)
{
	snprintf(out, BUCKET_NAME_LEN, "b%02x", id & 0xff);
}

void hl_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void owner_free(struct hl_owner *o)
{
	free(o->key);
	hl_names_free(o->names, o->n);
}

static void bucket_free(struct hl_bucket *b)
{
	for (size_t j = 0; j < b->n; j++)
		owner_free(&b->owners[j]);
	free(b->owners);
	b->owners = NULL;
	b->n = 0;
}

static void cache_clear(struct hl_index *ix)
{
	for (size_t i = 0; i < ix->nb; i++)
		bucket_free(&ix->b[i]);
	free(ix->b);
	ix->b = NULL;
	ix->nb = 0;
}

/* Give up on the index for this process: every lookup scans. */
static void scan_mode(struct hl_index *ix, const char *why, int errnum)
{
	fprintf(stderr, "host-local: %s/%s: %s: %s; falling back to scanning\n", ix->store->path,
		HL_INDEX_DIR, why, strerror(errnum));
	cache_clear(ix);
	if (ix->stampfd >= 0) {
		/* best effort: nobody must trust what we leave behind */
		(void)!ftruncate(ix->stampfd, 0);
		close(ix->stampfd);
	}
	if (ix->fd >= 0)
		close(ix->fd);
	ix->fd = ix->stampfd = -1;
	ix->stamp_valid = false;
}

static void invalidate_stamp(struct hl_index *ix)
{
	if (ftruncate(ix->stampfd, 0) < 0) {
		scan_mode(ix, "truncate " STAMP_NAME, errno);
		return;
	}
	ix->stamp_valid = false;
	ix->stamp_size = 0;
}

static void read_stamp(struct hl_index *ix)
{
	char buf[192], boot[BOOT_ID_LEN + 1], nl = 0;
	ssize_t n = pread(ix->stampfd, buf, sizeof(buf) - 1, 0);
	struct hl_stamp *t = &ix->stamp;

	ix->stamp_valid = false;
	ix->stamp_size = n > 0 ? (size_t)n : 0;
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "cni-c-index 2 %36s %lld %lld %lld %lld %lld%c", boot, &t->ino,
		   &t->mtime_sec, &t->mtime_nsec, &t->ctime_sec, &t->ctime_nsec, &nl) == 7 &&
	    nl == '\n' && buf[n - 1] == '\n' && strcmp(boot, ix->boot_id) == 0)
		ix->stamp_valid = true;
}

static bool stamp_matches(const struct hl_index *ix, const struct stat *st)
{
	const struct hl_stamp *t = &ix->stamp;

	return ix->stamp_valid && (long long)st->st_ino == t->ino &&
	       (long long)st->st_mtim.tv_sec == t->mtime_sec &&
	       (long long)st->st_mtim.tv_nsec == t->mtime_nsec &&
	       (long long)st->st_ctim.tv_sec == t->ctime_sec &&
	       (long long)st->st_ctim.tv_nsec == t->ctime_nsec;
}

/* Pin the directory's mtime to a value no later change can produce, then
 * record (boot, inode, mtime, ctime) as described by the buckets, which
 * are complete by now (see index.h). Failures leave the stamp invalid:
 * the next run rebuilds. */
static void write_stamp(struct hl_index *ix)
{
	struct timespec now, ts[2];
	struct stat st;
	char buf[192];
	int len;

	/* an earlier boot's reservation is left: the next run must scan again */
	if (ix->store->sweep_failed || clock_gettime(CLOCK_REALTIME_COARSE, &now) < 0)
		goto fail;
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = now.tv_sec - 2;
	ts[1].tv_nsec = 0;
	/* A change in the directory sets its mtime and ctime to one time; the
	 * state we stamp has them apart, so no change (whatever the clock
	 * does) can reproduce it. A crash after the futimens leaves the old
	 * stamp, which names another state. */
	if (futimens(ix->store->dirfd, ts) < 0 || fstat(ix->store->dirfd, &st) < 0 ||
	    st.st_mtim.tv_sec != ts[1].tv_sec || st.st_mtim.tv_nsec != ts[1].tv_nsec ||
	    (st.st_ctim.tv_sec == st.st_mtim.tv_sec && st.st_ctim.tv_nsec == st.st_mtim.tv_nsec))
		goto fail;
	len = snprintf(buf, sizeof(buf), STAMP_FMT, ix->boot_id, (long long)st.st_ino,
		       (long long)st.st_mtim.tv_sec, (long long)st.st_mtim.tv_nsec,
		       (long long)st.st_ctim.tv_sec, (long long)st.st_ctim.tv_nsec);
	if (FAULT_ERRNO(STORE, "stamp", 0) || pwrite(ix->stampfd, buf, (size_t)len, 0) != len)
		goto fail;
	if (ix->stamp_size > (size_t)len && ftruncate(ix->stampfd, len) < 0)
		goto fail;
	ix->stamp_size = (size_t)len;
	ix->stamp_valid = true;
	ix->stamp = (struct hl_stamp){
	    .ino = (long long)st.st_ino,
	    .mtime_sec = (long long)st.st_mtim.tv_sec,
	    .mtime_nsec = (long long)st.st_mtim.tv_nsec,
	    .ctime_sec = (long long)st.st_ctim.tv_sec,
	    .ctime_nsec = (long long)st.st_ctim.tv_nsec,
	};
	return;
fail:
	invalidate_stamp(ix);
}

/* Create or rewrite in place (the stamp is invalid meanwhile). Overwriting
 * rather than O_TRUNC keeps the file's block: no free and reallocate. */
static int write_file(int dirfd, const char *name, const char *data, size_t len)
{
	cleanup_close int fd =
	    openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	off_t off = 0;

	if (fd < 0 || FAULT_ERRNO(STORE, "index", 0))
		return -1;
	while ((size_t)off < len) {
		ssize_t n = pwrite(fd, data + off, len - (size_t)off, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += n;
	}
	if (ftruncate(fd, off) < 0)
		return -1;
	return close(steal_fd(&fd));
}

/* Names come back to unlinkat: only plain addresses, never a path. */
static bool valid_name(const char *name)
{
	struct ip_addr ip;
	return ip_addr_parse(name, &ip) == 0;
}

static int parse_line(char *p, struct hl_owner *o)
{
	char *sp = strchr(p, ' '), *tok, *save = NULL;
	size_t keyhex = sp ? (size_t)(sp - p) : 0;

	memset(o, 0, sizeof(*o));
	if (!sp || keyhex == 0 || keyhex % 2)
		return -1;
	if (!(o->key = malloc(keyhex / 2 + 1)))
		return -1;
	for (size_t i = 0; i < keyhex; i += 2) {
		int hi = text_hex_digit(p[i]), lo = text_hex_digit(p[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		o->key[i / 2] = (char)(hi << 4 | lo);
	}
	o->keylen = keyhex / 2;
	o->key[o->keylen] = '\0';
	for (tok = strtok_r(sp + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!valid_name(tok) || strv_push(&o->names, &o->n, tok) < 0)
			return -1;
	}
	return o->n ? 0 : -1;
}

/* Parse a bucket file (text is modified). -1 when corrupt or on ENOMEM:
 * either way the caller rebuilds. */
static int bucket_parse(char *text, size_t len, struct hl_bucket *b)
{
	char *p = text, *end = text + len;

	if (len < BUCKET_HDR_LEN || memcmp(text, BUCKET_HDR, BUCKET_HDR_LEN) != 0)
		return -1;
	for (p += BUCKET_HDR_LEN; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		struct hl_owner o, *owners;

		if (!nl)
			return -1;
		*nl = '\0';
		if (parse_line(p, &o) < 0) {
			owner_free(&o);
			return -1;
		}
		if (!(owners = realloc(b->owners, (b->n + 1) * sizeof(*owners)))) {
			owner_free(&o);
			return -1;
		}
		b->owners = owners;
		b->owners[b->n++] = o;
		p = nl + 1;
	}
	return 0;
}

/* Read bucket id from disk into *b (empty when the file does not exist).
 * 0, or -1 when the file cannot be trusted. */
static int bucket_read(struct hl_index *ix, unsigned id, struct hl_bucket *b)
{
	char name[BUCKET_NAME_LEN];
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	size_t len = 0;

	memset(b, 0, sizeof(*b));
	b->id = id;
	bucket_name(id, name);
	fd = openat(ix->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > BUCKET_MAX)
		return -1;
	if (!(text = malloc((size_t)st.st_size + 1)))
		return -1;
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, text + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	if (bucket_parse(text, len, b) < 0) {
		bucket_free(b);
		return -1;
	}
	return 0;
}

/* The cached bucket, read when first needed; a corrupt one triggers one
 * rebuild. NULL: err set (ENOMEM, scan failure) or, without err, the
 * index went to scan mode. */
static struct hl_bucket *bucket_load(struct hl_index *ix, unsigned id, struct cni_error *err)
{
	struct hl_bucket nb, *b;

	for (size_t i = 0; i < ix->nb; i++)
		if (ix->b[i].id == id)
			return &ix->b[i];
	if (bucket_read(ix, id, &nb) < 0) {
		if (ix->rebuilt) {
			scan_mode(ix, "bucket unreadable after a rebuild", EIO);
			return NULL;
		}
		if (hl_index_rebuild(ix, err) < 0 || ix->fd < 0)
			return NULL;
		return bucket_load(ix, id, err);
	}
	if (!(b = realloc(ix->b, (ix->nb + 1) * sizeof(*b)))) {
		bucket_free(&nb);
		cni_error_oom(err);
		return NULL;
	}
	ix->b = b;
	ix->b[ix->nb] = nb;
	return &ix->b[ix->nb++];
}

static struct hl_owner *owner_find(struct hl_bucket *b, const char *key, size_t keylen)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->owners[i].keylen == keylen && memcmp(b->owners[i].key, key, keylen) == 0)
			return &b->owners[i];
	return NULL;
}

static void remove_name(struct hl_owner *o, size_t i)
{
	free(o->names[i]);
	memmove(&o->names[i], &o->names[i + 1], (o->n - i - 1) * sizeof(*o->names));
	o->n--;
}

struct scan_find {
	const char *key;
	size_t keylen;
	char ***names;
	size_t *n;
};

static int scan_find_cb(void *ctx, const char *name, const struct ip_addr *ip, const char *key,
			size_t keylen, struct cni_error *err)
{
	struct scan_find *f = ctx;

	if (keylen != f->keylen || memcmp(key, f->key, keylen) != 0)
		return 0;
	return strv_push(f->names, f->n, name) < 0 ? cni_error_oom(err) : 0;
}

static void names_reset(char ***names, size_t *n)
{
	hl_names_free(*names, *n);
	*names = NULL;
	*n = 0;
}

int hl_index_find(struct hl_index *ix, const char *key, size_t keylen, char ***names, size_t *n,
		  struct cni_error *err)
{
	struct hl_bucket *b;
	struct hl_owner *o;

	*names = NULL;
	*n = 0;
again:
	if (ix->fd < 0) {
		struct scan_find f = {key, keylen, names, n};
		if (hl_store_scan(ix->store, HL_SCAN_OWNER, scan_find_cb, &f, err) < 0)
			goto fail;
		return 0;
	}
	if (!(b = bucket_load(ix, hl_index_bucket(key, keylen), err))) {
		if (cni_error_is_set(err))
			goto fail;
		goto again; /* scan mode now */
	}
	if (!(o = owner_find(b, key, keylen)))
		return 0;
	for (size_t i = 0; i < o->n;) {
		cleanup_free char *k = NULL;
		size_t klen;
		int r = hl_store_read_owner(ix->store, o->names[i], &k, &klen, err);

		if (r < 0)
			goto fail;
		if (r > 0) { /* gone: forget it */
			remove_name(o, i);
			b->dirty = true;
			continue;
		}
		if (klen != keylen || memcmp(k, key, keylen) != 0) {
			if (ix->rebuilt) {
				i++; /* fresh index: someone bypassed the lock */
				continue;
			}
			/* the index is wrong about this file: trust none of it */
			names_reset(names, n);
			if (hl_index_rebuild(ix, err) < 0)
				return -1;
			goto again;
		}
		if (strv_push(names, n, o->names[i]) < 0) {
			cni_error_oom(err);
			goto fail;
		}
		i++;
	}
	return 0;
fail:
	names_reset(names, n);
	return -1;
}

int hl_index_add(struct hl_index *ix, const char *key, size_t keylen, const char *name,
		 struct cni_error *err)
{
	struct hl_bucket *b;
	struct hl_owner *o, *owners;

	if (ix->fd < 0)
		return 0;
	if (!(b = bucket_load(ix, hl_index_bucket(key, keylen), err)))
		return cni_error_is_set(err) ? -1 : 0;
	if (!(o = owner_find(b, key, keylen))) {
		if (!(owners = realloc(b->owners, (b->n + 1) * sizeof(*owners))))
			return cni_error_oom(err);
		b->owners = owners;
		o = &b->owners[b->n];
		memset(o, 0, sizeof(*o));
		if (!(o->key = malloc(keylen + 1)))
			return cni_error_oom(err);
		memcpy(o->key, key, keylen);
		o->key[keylen] = '\0';
		o->keylen = keylen;
		b->n++;
	}
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->names[i], name) == 0)
			return 0; /* a rebuild already saw it */
	if (strv_push(&o->names, &o->n, name) < 0)
		return cni_error_oom(err);
	b->dirty = true;
	return 0;
}

int hl_index_remove(struct hl_index *ix, const char *key, size_t keylen, const char *name,
		    struct cni_error *err)
{
	struct hl_bucket *b;
	struct hl_owner *o;

	if (ix->fd < 0)
		return 0;
	if (!(b = bucket_load(ix, hl_index_bucket(key, keylen), err)))
		return cni_error_is_set(err) ? -1 : 0;
	if (!(o = owner_find(b, key, keylen)))
		return 0;
	for (size_t i = 0; i < o->n; i++) {
		if (strcmp(o->names[i], name) == 0) {
			remove_name(o, i);
			b->dirty = true;
			break;
		}
	}
	return 0;
}

static int bucket_write(struct hl_index *ix, const struct hl_bucket *b)
{
	char name[BUCKET_NAME_LEN];
	struct buf out = {0};
	int ret;

	bucket_name(b->id, name);
	ret = buf_add(&out, BUCKET_HDR, BUCKET_HDR_LEN);
	for (size_t i = 0; i < b->n && ret == 0; i++)
		ret = buf_add_owner(&out, b->owners[i].key, b->owners[i].keylen, b->owners[i].names,
				    b->owners[i].n);
	if (ret == 0)
		ret = write_file(ix->fd, name, out.p, out.len);
	free(out.p);
	return ret;
}

int hl_index_commit(struct hl_index *ix, struct cni_error *err)
{
	struct stat st;
	bool dirty = false;

	if (ix->fd < 0)
		return 0;
	for (size_t i = 0; i < ix->nb; i++)
		dirty |= ix->b[i].dirty;
	if (fstat(ix->store->dirfd, &st) < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "stat %s", ix->store->path);
	if (stamp_matches(ix, &st)) {
		if (!dirty)
			return 0;
		/* buckets change under a stamp that still holds: void it first */
		invalidate_stamp(ix);
	}
	for (size_t i = 0; i < ix->nb && ix->fd >= 0; i++) {
		if (!ix->b[i].dirty)
			continue;
		if (bucket_write(ix, &ix->b[i]) < 0) {
			/* the reservations are fine; the next run rebuilds */
			scan_mode(ix, "write bucket", errno);
			return 0;
		}
		ix->b[i].dirty = false;
	}
	if (ix->fd >= 0)
		write_stamp(ix);
	return 0;
}

/* Rebuild: every reservation with an owner, sorted by (bucket, key, name). */
struct entry {
	unsigned id;
	char *key;
	size_t keylen;
	char *name;
};

struct entries {
	struct entry *e;
	size_t n, cap;
};

static void entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		free(es->e[i].key);
		free(es->e[i].name);
	}
	free(es->e);
}

static int collect_cb(void *ctx, const char *name, const struct ip_addr *ip, const char *key,
		      size_t keylen, struct cni_error *err)
{
	struct entries *es = ctx;
	struct entry *e;

	if (keylen == 0)
		return 0; /* torn or huge: nobody's (see store.h) */
	if (es->n == es->cap) {
		size_t cap = es->cap ? es->cap * 2 : 64;
		if (!(e = realloc(es->e, cap * sizeof(*e))))
			return cni_error_oom(err);
		es->e = e;
		es->cap = cap;
	}
	e = &es->e[es->n];
	e->id = hl_index_bucket(key, keylen);
	e->keylen = keylen;
	e->key = malloc(keylen + 1);
	e->name = strdup(name);
	if (!e->key || !e->name) {
		free(e->key);
		free(e->name);
		return cni_error_oom(err);
	}
	memcpy(e->key, key, keylen);
	e->key[keylen] = '\0';
	es->n++;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t l = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if ((c = memcmp(x->key, y->key, l)) != 0)
		return c;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool same_key(const struct entry *a, const struct entry *b)
{
	return a->keylen == b->keylen && memcmp(a->key, b->key, a->keylen) == 0;
}

/* Which bucket files exist (so that stale ones get emptied). */
static int existing_buckets(struct hl_index *ix, bool *exists)
{
	int fd = openat(ix->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		unsigned id;
		char c;
		if (sscanf(de->d_name, "b%2x%c", &id, &c) == 1 && id < HL_INDEX_BUCKETS)
			exists[id] = true;
	}
	closedir(d);
	return 0;
}

/* Write every bucket from sorted entries; empty the others that exist. */
static int write_buckets(struct hl_index *ix, const struct entries *es)
{
	bool exists[HL_INDEX_BUCKETS] = {false};
	struct buf out = {0};
	size_t i = 0;
	int ret = existing_buckets(ix, exists);

	for (unsigned id = 0; id < HL_INDEX_BUCKETS && ret == 0; id++) {
		char name[BUCKET_NAME_LEN];

		if (!exists[id] && (i == es->n || es->e[i].id != id))
			continue;
		out.len = 0;
		ret = buf_add(&out, BUCKET_HDR, BUCKET_HDR_LEN);
		while (ret == 0 && i < es->n && es->e[i].id == id) {
			size_t k = i;
			/* one line per owner */
			ret = buf_add_hex(&out, es->e[i].key, es->e[i].keylen);
			for (; ret == 0 && k < es->n && es->e[k].id == id &&
			       same_key(&es->e[k], &es->e[i]);
			     k++)
				if ((ret = buf_add(&out, " ", 1)) == 0)
					ret = buf_add(&out, es->e[k].name, strlen(es->e[k].name));
			if (ret == 0)
				ret = buf_add(&out, "\n", 1);
			i = k;
		}
		bucket_name(id, name);
		if (ret == 0)
			ret = write_file(ix->fd, name, out.p, out.len);
	}
	free(out.p);
	return ret;
}

int hl_index_rebuild(struct hl_index *ix, struct cni_error *err)
{
	struct entries es = {0};

	if (ix->fd < 0)
		return 0;
	ix->rebuilt = true;
	ix->n_rebuilds++;
	cache_clear(ix);
	invalidate_stamp(ix);
	if (ix->fd < 0)
		return 0;
	if (hl_store_scan(ix->store, HL_SCAN_OWNER, collect_cb, &es, err) < 0) {
		entries_free(&es);
		return -1;
	}
	if (es.n > 1)
		qsort(es.e, es.n, sizeof(*es.e), entry_cmp);
	if (write_buckets(ix, &es) < 0)
		scan_mode(ix, "rebuild", errno);
	else
		write_stamp(ix);
	entries_free(&es);
	return 0;
}

int hl_index_open(struct hl_index *ix, struct hl_store *s, struct cni_error *err)
{
	struct stat st;

	memset(ix, 0, sizeof(*ix));
	ix->store = s;
	ix->stampfd = -1;
	ix->fd = openat(s->dirfd, HL_INDEX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ix->fd < 0 && errno == ENOENT) {
		if (mkdirat(s->dirfd, HL_INDEX_DIR, 0755) < 0 && errno != EEXIST) {
			scan_mode(ix, "mkdir", errno);
			return 0;
		}
		ix->fd =
		    openat(s->dirfd, HL_INDEX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (ix->fd < 0) {
		scan_mode(ix, "open", errno);
		return 0;
	}
	ix->stampfd = openat(ix->fd, STAMP_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (ix->stampfd < 0) {
		scan_mode(ix, "open " STAMP_NAME, errno);
		return 0;
	}
	/* without it we could not tell the index outlived a power cut */
	if (!s->boot_id[0]) {
		scan_mode(ix, "no boot id", ENOENT);
		return 0;
	}
	memcpy(ix->boot_id, s->boot_id, sizeof(s->boot_id));
	read_stamp(ix);
	if (fstat(s->dirfd, &st) < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "stat %s", s->path);
	if (stamp_matches(ix, &st))
		return 0;
	return hl_index_rebuild(ix, err);
}

void hl_index_close(struct hl_index *ix)
{
	cache_clear(ix);
	if (ix->stampfd >= 0)
		close(ix->stampfd);
	if (ix->fd >= 0)
		close(ix->fd);
	ix->fd = ix->stampfd = -1;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ELF note lookup: one pread of the file's first page usually holds the
 * ELF header, the program headers and the notes (they come first in the
 * file); anything beyond it is read on demand, within tight bounds. */
#define _GNU_SOURCE
#include "elfnote.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define HEAD_BYTES 4096
#define PHNUM_MAX 64
#define NOTES_MAX 65536 /* one PT_NOTE segment */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_DATA ELFDATA2LSB
#else
#define NATIVE_DATA ELFDATA2MSB
#endif
#if __SIZEOF_POINTER__ == 8
#define NATIVE_CLASS ELFCLASS64
#else
#define NATIVE_CLASS ELFCLASS32
#endif

/* Bytes [off, off+len) of the file: from head when it holds them, else
 * pread into *buf (malloc'd, freed by the caller). NULL on any problem. */
static const unsigned char *file_range(int fd, const unsigned char *head, size_t head_len,
				       uint64_t off, uint64_t len, unsigned char **buf)
{
	ssize_t r;

	if (off <= head_len && len <= head_len - off)
		return head + off;
	if (len > NOTES_MAX || off > (uint64_t)INT64_MAX - len)
		return NULL;
	free(*buf);
	if (!(*buf = malloc(len ? len : 1)))
		return NULL;
	r = pread(fd, *buf, len, (off_t)off);
	return r >= 0 && (uint64_t)r == len ? *buf : NULL;
}

/* Walk the notes in [p, p+len), entries aligned to align (4 or 8). */
static bool notes_match(const unsigned char *p, size_t len, size_t align, const char *name,
			uint32_t type, const void *desc, size_t desc_len)
{
	size_t name_len = strlen(name) + 1, off = 0;

	while (len - off >= sizeof(ElfW(Nhdr))) {
		ElfW(Nhdr) nh;
		size_t name_off, desc_off, next;

		memcpy(&nh, p + off, sizeof(nh));
		name_off = off + sizeof(nh);
		if (nh.n_namesz > len - name_off)
			return false;
		desc_off = name_off + ((nh.n_namesz + align - 1) & ~(align - 1));
		if (desc_off > len || nh.n_descsz > len - desc_off)
			return false;
		next = desc_off + ((nh.n_descsz + align - 1) & ~(align - 1));
		if (nh.n_type == type && nh.n_namesz == name_len && nh.n_descsz == desc_len &&
		    memcmp(p + name_off, name, name_len) == 0 &&
		    memcmp(p + desc_off, desc, desc_len) == 0)
			return true;
		if (next <= off || next > len)
			return false;
		off = next;
	}
	return false;
}

bool elf_has_note(const char *path, const char *name, uint32_t type, const void *desc,
		  size_t desc_len)
{
	cleanup_close int fd = -1;
	cleanup_free unsigned char *buf = NULL;
	unsigned char head[HEAD_BYTES];
	ElfW(Phdr) ph[PHNUM_MAX];
	ElfW(Ehdr) eh;
	const unsigned char *p;
	ssize_t n;

	if (!path || !name || (!desc && desc_len))
		return false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return false;
	if ((n = pread(fd, head, sizeof(head), 0)) < (ssize_t)sizeof(eh))
		return false;
	memcpy(&eh, head, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != NATIVE_CLASS ||
	    eh.e_ident[EI_DATA] != NATIVE_DATA || eh.e_phentsize != sizeof(ElfW(Phdr)) ||
	    eh.e_phnum == 0 || eh.e_phnum > PHNUM_MAX)
		return false;
	if (!(p = file_range(fd, head, (size_t)n, eh.e_phoff, eh.e_phnum * sizeof(ElfW(Phdr)),
			     &buf)))
		return false;
	memcpy(ph, p, eh.e_phnum * sizeof(ElfW(Phdr)));
	for (size_t i = 0; i < eh.e_phnum; i++) {
		size_t align = ph[i].p_align == 8 ? 8 : 4;
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz == 0)
			continue;
		if (!(p = file_range(fd, head, (size_t)n, ph[i].p_offset, ph[i].p_filesz, &buf)))
			return false;
		if (notes_match(p, ph[i].p_filesz, align, name, type, desc, desc_len))
			return true;
	}
	return false;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An ELF note naming one of our binaries, and its reader: a plugin can
 * tell, in a few syscalls, whether the file it is about to exec is our own
 * build of some plugin (whose code it may then run in-process instead). */
#ifndef CNI_ELFNOTE_H
#define CNI_ELFNOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CNI_C_NOTE_NAME "cni-c"
#define CNI_C_NOTE_TYPE 1
#define CNI_C_NOTE_STR_(x) #x
#define CNI_C_NOTE_STR(x) CNI_C_NOTE_STR_(x)

/* At file scope: a note (name "cni-c", type 1, desc = the string literal
 * `what`, no NUL) in an allocated SHT_NOTE section, so the linker puts it
 * in a PT_NOTE segment. */
#define CNI_C_ELF_NOTE(what)                                                                       \
	__asm__(".pushsection .note.cni-c,\"a\",@note\n"                                           \
		".balign 4\n"                                                                      \
		".long 2f - 1f\n"                                                                  \
		".long 4f - 3f\n"                                                                  \
		".long " CNI_C_NOTE_STR(CNI_C_NOTE_TYPE) "\n"                                      \
							 "1: .asciz \"" CNI_C_NOTE_NAME "\"\n"     \
							 "2: .balign 4\n"                          \
							 "3: .ascii \"" what "\"\n"                \
							 "4: .balign 4\n"                          \
							 ".popsection\n")

/* Does the ELF file at path (native class and byte order) carry, in a
 * PT_NOTE segment, a note of this name and type whose desc is exactly
 * desc_len bytes equal to desc? Any problem reading or parsing it: false. */
bool elf_has_note(const char *path, const char *name, uint32_t type, const void *desc,
		  size_t desc_len);

/* Our note with exactly this desc (e.g. HL_NOTE_DESC). */
static inline bool cni_c_binary_is(const char *path, const char *what)
{
	return elf_has_note(path, CNI_C_NOTE_NAME, CNI_C_NOTE_TYPE, what, strlen(what));
}

#endif

/* Programs the shim cannot enter (see enterable.h). */
#include "config.h"
#include "enterable.h"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fp.h"

int fp_resolve_cmd(const char *cmd, char *out)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX];

	if (strchr(cmd, '/'))
		return realpath(cmd, out) ? 0 : -1;
	if (!path)
		path = "/bin:/usr/bin";
	for (;;) {
		const char *colon = strchr(path, ':');
		int n = colon ? (int)(colon - path) : (int)strlen(path);
		struct stat st;

		snprintf(cand, sizeof(cand), "%.*s%s%s", n, path, n ? "/" : "", cmd);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return realpath(cand, out) ? 0 : -1;
		if (!colon)
			return -1;
		path = colon + 1;
	}
}

/* An ELF file's header, both classes read into the wider fields. */
struct elf {
	int fd, is64;
	uint64_t phoff, shoff;
	unsigned phnum, phentsize, shnum, shentsize;
};

/* A section header, both classes. */
struct sect {
	uint32_t type, link;
	uint64_t offset, size, entsize;
};

/* 0 and @e filled in, or -1 when @fd is no ELF file of this machine's byte order. */
static int elf_open(int fd, struct elf *e)
{
	union {
		unsigned char id[EI_NIDENT];
		Elf64_Ehdr e64;
		Elf32_Ehdr e32;
	} h;
	ssize_t n = pread(fd, &h, sizeof(h), 0);

	if (n < (ssize_t)sizeof(h.e32) || memcmp(h.id, ELFMAG, SELFMAG) ||
	    h.id[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB))
		return -1;
	e->fd = fd;
	e->is64 = h.id[EI_CLASS] == ELFCLASS64;
	if (e->is64 && n == (ssize_t)sizeof(h.e64)) {
		e->phoff = h.e64.e_phoff, e->phnum = h.e64.e_phnum, e->phentsize = h.e64.e_phentsize;
		e->shoff = h.e64.e_shoff, e->shnum = h.e64.e_shnum, e->shentsize = h.e64.e_shentsize;
	} else if (h.id[EI_CLASS] == ELFCLASS32) {
		e->phoff = h.e32.e_phoff, e->phnum = h.e32.e_phnum, e->phentsize = h.e32.e_phentsize;
		e->shoff = h.e32.e_shoff, e->shnum = h.e32.e_shnum, e->shentsize = h.e32.e_shentsize;
	} else {
		return -1;
	}
	return 0;
}

/*
 * Whether the program asks for a program interpreter (PT_INTERP): 1 if it
 * does, 0 if not (statically linked, static-pie too: nothing loads the shim
 * into it), -1 if that cannot be read.
 */
static int has_interp(const struct elf *e)
{
	if (e->phentsize < sizeof(uint32_t))
		return -1;
	for (unsigned i = 0; i < e->phnum; i++) {
		uint32_t type;

		/* p_type comes first in both classes. */
		if (pread(e->fd, &type, sizeof(type),
			  (off_t)(e->phoff + (uint64_t)i * e->phentsize)) != (ssize_t)sizeof(type))
			return -1;
		if (type == PT_INTERP)
			return 1;
	}
	return 0;
}

static int sect_get(const struct elf *e, unsigned i, struct sect *s)
{
	union {
		Elf64_Shdr s64;
		Elf32_Shdr s32;
	} h;
	size_t want = e->is64 ? sizeof(h.s64) : sizeof(h.s32);

	if (i >= e->shnum || e->shentsize < want ||
	    pread(e->fd, &h, want, (off_t)(e->shoff + (uint64_t)i * e->shentsize)) != (ssize_t)want)
		return -1;
	if (e->is64)
		*s = (struct sect){ h.s64.sh_type, h.s64.sh_link, h.s64.sh_offset,
				    h.s64.sh_size, h.s64.sh_entsize };
	else
		*s = (struct sect){ h.s32.sh_type, h.s32.sh_link, h.s32.sh_offset,
				    h.s32.sh_size, h.s32.sh_entsize };
	return 0;
}

/* A section read whole (at most 16 MiB), NUL-terminated; NULL if it cannot be. */
static char *sect_read(const struct elf *e, const struct sect *s)
{
	char *buf;

	if (s->size > (16u << 20))
		return NULL;
	buf = malloc(s->size + 1);
	if (buf && pread(e->fd, buf, s->size, (off_t)s->offset) != (ssize_t)s->size) {
		free(buf);
		return NULL;
	}
	if (buf)
		buf[s->size] = '\0';
	return buf;
}

/* The sanitizers whose runtime replaces malloc and must be first in the process. */
static const struct {
	const char *lib;		/* the DT_NEEDED prefix of its shared runtime */
	const char *clang_lib;		/* clang's shared runtime */
	const char *init;		/* the symbol every instrumented program refers to */
	const char *name;
} sanitizers[] = {
	{ "libasan.so", "libclang_rt.asan", "__asan_init", "AddressSanitizer" },
	{ "libtsan.so", "libclang_rt.tsan", "__tsan_init", "ThreadSanitizer" },
	{ "libmsan.so", "libclang_rt.msan", "__msan_init", "MemorySanitizer" },
	{ "libhwasan.so", "libclang_rt.hwasan", "__hwasan_init", "HWAddressSanitizer" },
	{ "liblsan.so", "libclang_rt.lsan", "__lsan_init", "LeakSanitizer" },
};

static const char *sanitizer_of_name(const char *s, int is_symbol)
{
	for (unsigned k = 0; k < FP_ARRAY_SIZE(sanitizers); k++) {
		if (is_symbol ? !strcmp(s, sanitizers[k].init)
			      : !strncmp(s, sanitizers[k].lib, strlen(sanitizers[k].lib)) ||
				!strncmp(s, sanitizers[k].clang_lib, strlen(sanitizers[k].clang_lib)))
			return sanitizers[k].name;
	}
	return NULL;
}

/*
 * The sanitizer the program is built with: a shared runtime among its
 * DT_NEEDED (gcc's default), or its runtime's init symbol in .dynsym
 * (defined there by clang's static runtime, referred to by gcc's code).
 */
static const char *sanitizer(const struct elf *e)
{
	const char *found = NULL;

	for (unsigned i = 0; i < e->shnum && !found; i++) {
		struct sect s, str;
		char *data, *names;
		size_t esize;

		if (sect_get(e, i, &s) || (s.type != SHT_DYNAMIC && s.type != SHT_DYNSYM) ||
		    sect_get(e, s.link, &str))
			continue;
		esize = s.type == SHT_DYNAMIC ? (e->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn))
					      : (e->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym));
		data = sect_read(e, &s);
		names = sect_read(e, &str);
		for (size_t off = 0; data && names && off + esize <= s.size && !found; off += esize) {
			uint64_t name;
			int needed = 1;

			if (s.type == SHT_DYNSYM) {
				name = e->is64 ? ((Elf64_Sym *)(void *)(data + off))->st_name
					       : ((Elf32_Sym *)(void *)(data + off))->st_name;
			} else if (e->is64) {
				const Elf64_Dyn *d = (const void *)(data + off);

				needed = d->d_tag == DT_NEEDED, name = d->d_un.d_val;
			} else {
				const Elf32_Dyn *d = (const void *)(data + off);

				needed = d->d_tag == DT_NEEDED, name = d->d_un.d_val;
			}
			if (needed && name < str.size)
				found = sanitizer_of_name(names + name, s.type == SHT_DYNSYM);
		}
		free(data);
		free(names);
	}
	return found;
}

static int unenterable_at(const char *path, int depth, char *why, size_t size)
{
	char head[256], interp[PATH_MAX];
	const char *san;
	struct stat st;
	struct elf e;
	ssize_t n;
	int fd, rc = 0;

	if (depth > 4 || access(path, X_OK) != 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = pread(fd, head, sizeof(head) - 1, 0);
	if (n > 2 && head[0] == '#' && head[1] == '!') {
		char *p = head + 2, *end;

		head[n] = '\0';
		p += strspn(p, " \t");
		end = p + strcspn(p, " \t\n");
		snprintf(interp, sizeof(interp), "%.*s", (int)(end - p), p);
		close(fd);
		return *interp && unenterable_at(interp, depth + 1, why, size);
	}
	if (fstat(fd, &st) == 0 && elf_open(fd, &e) == 0) {
		if (st.st_mode & S_ISUID) {
			snprintf(why, size, "%s is set-user-ID, and the loader ignores LD_PRELOAD in such a program", path);
			rc = 1;
		} else if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP)) {
			snprintf(why, size, "%s is set-group-ID, and the loader ignores LD_PRELOAD in such a program", path);
			rc = 1;
		} else if (has_interp(&e) == 0) {
			snprintf(why, size, "%s is statically linked, so no shim can be preloaded into it", path);
			rc = 1;
		} else if ((san = sanitizer(&e))) {
			snprintf(why, size, "%s is built with %s, whose runtime replaces malloc "
				 "itself and must come first in the process, before any preloaded shim",
				 path, san);
			rc = 1;
		}
	}
	close(fd);
	return rc;
}

int fp_unenterable(const char *path, char *why, size_t size)
{
	return unenterable_at(path, 0, why, size);
}

/*
 * A run server's warming request (serveproto.h, FP_SERVE_WARM): the
 * baseline's frames, each an object's name as a report writes it (its
 * basename; the program's own from /proc/self/exe) and an offset from its
 * load bias, made addresses of this process and warmed in libunwind's
 * caches, which every run cloned from here then inherits.
 */
#include "config.h"
#include "servewarm.h"

#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unwind.h"

/* As a report names an object: its basename, cut as a frame record cuts it. */
#define NAME_MAX_LEN	63

struct resolve {
	const char *name;	/* wanted */
	size_t len;
	const char *exe;	/* basename of the program */
	uintptr_t offset, ip;	/* ip: 0 until found */
};

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static int same_name(const char *have, const char *want, size_t len)
{
	size_t n = strlen(have);

	if (n > NAME_MAX_LEN)
		n = NAME_MAX_LEN;
	return n == len && !memcmp(have, want, len);
}

static int find_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct resolve *r = data;
	const char *name = info->dlpi_name && *info->dlpi_name ? base_of(info->dlpi_name) : r->exe;
	uintptr_t ip = info->dlpi_addr + r->offset;

	(void)size;
	if (!name || !same_name(name, r->name, r->len))
		return 0;
	/* The return address lies in one of its executable segments (or just past one). */
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && ip > lo &&
		    ip <= lo + ph->p_memsz) {
			r->ip = ip;
			return 1;
		}
	}
	return 0;
}

void fp_serve_warm(const unsigned char *p, size_t len)
{
	char exe_path[4096];
	ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
	size_t cap = len / (1 + sizeof(uint64_t)) + 1, count = 0;
	uintptr_t *ips;

	exe_path[n > 0 ? n : 0] = '\0';
	ips = mmap(NULL, cap * sizeof(*ips), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ips == MAP_FAILED)
		return;
	/* Records: a length byte, the object's name, a native uint64_t offset. */
	for (size_t at = 0; at < len && count < cap;) {
		struct resolve r = { (const char *)p + at + 1, p[at], n > 0 ? base_of(exe_path) : NULL,
				     0, 0 };
		uint64_t offset;

		if (at + 1 + r.len + sizeof(offset) > len)
			break;
		memcpy(&offset, p + at + 1 + r.len, sizeof(offset));
		at += 1 + r.len + sizeof(offset);
		r.offset = (uintptr_t)offset;
		dl_iterate_phdr(find_object, &r);
		if (r.ip)
			ips[count++] = r.ip;
	}
	fp_unwind_warm_ips(ips, count);
	munmap(ips, cap * sizeof(*ips));
}

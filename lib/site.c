/* Site table: lock-free open addressing keyed by the caller's address. */
#include "config.h"
#include "site.h"

#include <dlfcn.h>
#include <string.h>

#include "prng.h"

#define MAX_PROBES	64

/* The last slot is the shared "other" site. */
static struct fp_site table[FP_SITES_MAX + 1];
#define OTHER (&table[FP_SITES_MAX])

static struct fp_site *other_site(void)
{
	atomic_store_explicit(&OTHER->caller, FP_SITE_OTHER, memory_order_relaxed);
	return OTHER;
}

struct fp_site *fp_site_get(const void *caller)
{
	uintptr_t key = (uintptr_t)caller;
	uintptr_t h = (uintptr_t)fp_mix64(key);

	if (key <= FP_SITE_OTHER)
		return other_site();
	for (unsigned i = 0; i < MAX_PROBES; i++) {
		struct fp_site *s = &table[(h + i) & (FP_SITES_MAX - 1)];
		uintptr_t cur = atomic_load_explicit(&s->caller, memory_order_acquire);

		if (cur == key)
			return s;
		if (cur == 0) {
			if (atomic_compare_exchange_strong_explicit(&s->caller, &cur, key,
								    memory_order_acq_rel,
								    memory_order_acquire))
				return s;
			if (cur == key)
				return s;
		}
	}
	return other_site();
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

void fp_site_frame(const void *addr, struct fp_frame *f)
{
	Dl_info info;

	f->object = "?";
	f->offset = (uintptr_t)addr;
	f->symbol = NULL;
	f->symbol_offset = 0;
	/* addr - 1: a return address may already lie past the caller's end. */
	if (!addr || !dladdr((const char *)addr - 1, &info))
		return;
	if (info.dli_fname && *info.dli_fname)
		f->object = basename_of(info.dli_fname);
	if (info.dli_fbase)
		f->offset = (uintptr_t)addr - (uintptr_t)info.dli_fbase;
	if (info.dli_sname && info.dli_saddr) {
		f->symbol = info.dli_sname;
		f->symbol_offset = (uintptr_t)addr - (uintptr_t)info.dli_saddr;
	}
}

/* FNV-1a over the basename, then the offset mixed in. */
static uint64_t frame_hash(uint64_t h, const struct fp_frame *f)
{
	for (const unsigned char *p = (const unsigned char *)f->object; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return fp_mix64(h ^ fp_mix64(f->offset));
}

uint64_t fp_site_id(struct fp_site *s)
{
	uint64_t id = atomic_load_explicit(&s->id, memory_order_relaxed);
	struct fp_frame f;

	if (id)
		return id;
	if (s->caller == FP_SITE_OTHER) {
		f.object = "(other)";
		f.offset = 0;
	} else {
		fp_site_frame((const void *)s->caller, &f);
	}
	id = frame_hash(0xcbf29ce484222325ULL, &f);
	if (!id)
		id = 1;
	atomic_store_explicit(&s->id, id, memory_order_relaxed);
	return id;
}

struct fp_site *fp_site_table(void)
{
	return table;
}

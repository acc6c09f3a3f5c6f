/* Site table: lock-free open addressing keyed by the caller's address. */
#include "config.h"
#include "site.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "prng.h"
#include "runtime.h"

#define MAX_PROBES	64

/* The last slot is the shared "other" site. */
static struct fp_site table[FP_SITES_MAX + 1];
#define OTHER (&table[FP_SITES_MAX])

static void settle_site(struct fp_site *s, uintptr_t key);

static struct fp_site *other_site(void)
{
	uintptr_t none = 0;

	if (atomic_compare_exchange_strong(&OTHER->caller, &none, FP_SITE_OTHER))
		settle_site(OTHER, FP_SITE_OTHER);
	return OTHER;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * Object and offset of code address @addr. Offsets are from the object's
 * load bias (link_map l_addr), which is what addr2line expects for both
 * PIE and non-PIE objects.
 */
static void locate(const void *addr, char *object, size_t size,
		   uintptr_t *offset)
{
	struct dl_find_object r;
	const char *name = "?";
	size_t n;

	*offset = (uintptr_t)addr;
	/* addr - 1: a return address may lie just past its caller's end. */
	if (_dl_find_object((char *)addr - 1, &r) == 0 && r.dlfo_link_map) {
		struct link_map *lm = r.dlfo_link_map;

		name = lm->l_name && *lm->l_name ? basename_of(lm->l_name) : fp_rt.exe;
		*offset = (uintptr_t)addr - (uintptr_t)lm->l_addr;
	}
	n = strlen(name);
	if (n >= size)
		n = size - 1;	/* long names are cut; the id hashes the cut name */
	memcpy(object, name, n);
	object[n] = '\0';
}

/* FNV-1a over the basename, then the offset mixed in. */
static uint64_t frame_hash(uint64_t h, const char *object, uintptr_t offset)
{
	for (const unsigned char *p = (const unsigned char *)object; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return fp_mix64(h ^ fp_mix64(offset));
}

static uint64_t site_hash(const char *object, uintptr_t offset)
{
	uint64_t id = frame_hash(0xcbf29ce484222325ULL, object, offset);

	return id ? id : 1;
}

/* Fill in a new site's location; only its creator writes these fields. */
static void settle_site(struct fp_site *s, uintptr_t key)
{
	if (key == FP_SITE_OTHER) {
		snprintf(s->object, sizeof(s->object), "(other)");
		s->offset = 0;
	} else {
		locate((const void *)key, s->object, sizeof(s->object), &s->offset);
	}
	atomic_store_explicit(&s->id, site_hash(s->object, s->offset),
			      memory_order_release);
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
								    memory_order_acquire)) {
				settle_site(s, key);
				return s;
			}
			if (cur == key)
				return s;
		}
	}
	return other_site();
}

uint64_t fp_site_id(struct fp_site *s)
{
	uint64_t id = atomic_load_explicit(&s->id, memory_order_acquire);
	char object[sizeof(s->object)];
	uintptr_t offset;

	if (id)
		return id;
	/* Its creator is still locating it: compute the same id here. */
	locate((const void *)s->caller, object, sizeof(object), &offset);
	return site_hash(object, offset);
}

void fp_site_describe(struct fp_site *s, struct fp_frame *f)
{
	Dl_info info;
	const void *addr = (const void *)s->caller;

	f->object = s->object;
	f->offset = s->offset;
	f->symbol = NULL;
	f->symbol_offset = 0;
	if (s->caller == FP_SITE_OTHER || !atomic_load(&s->id))
		return;
	if (dladdr((const char *)addr - 1, &info) && info.dli_fname &&
	    strcmp(basename_of(info.dli_fname), s->object) == 0 &&
	    info.dli_sname && info.dli_saddr) {
		f->symbol = info.dli_sname;
		f->symbol_offset = (uintptr_t)addr - (uintptr_t)info.dli_saddr;
	}
}

struct fp_site *fp_site_table(void)
{
	return table;
}

/*
 * The frame table: every code address seen in a site's stack, located
 * (object, offset) when first seen and named (function, demangled) when
 * needed. Lock-free open addressing over records in the shim's own arena;
 * a record is published by one CAS after it is complete.
 */
#include "config.h"
#include "frame.h"

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "je.h"
#include "prng.h"
#include "probe.h"
#include "settings.h"
#include "symtab.h"
#include "unwind.h"

/*
 * The C++ runtime's demangler, looked up when a mangled name is first met:
 * the shim does not link a C++ runtime, and a program with C++ frames has
 * one loaded (maybe by a dlopen after start-up).
 */
typedef char *demangler(const char *name, char *out, size_t *len, int *status);

static demangler *find_demangler(void)
{
	static demangler *_Atomic found;
	demangler *d = atomic_load_explicit(&found, memory_order_acquire);

	if (!d && (*(void **)&d = dlsym(RTLD_DEFAULT, "__cxa_demangle")))
		atomic_store_explicit(&found, d, memory_order_release);
	return d;
}

static fp_probe_slot_t frames[FP_PROBE_SLOTS];

uintptr_t fp_frame_shim_start, fp_frame_shim_end;

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void copy_name(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;	/* long names are cut; the id hashes the cut name */
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *own_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = fp_je_own_alloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/*
 * The full paths of the objects frames lie in, for the report's "objects"
 * (the tool resolves file:line offline from them). Appended, never removed.
 */
#define OBJECTS_MAX	512
static const char *_Atomic object_paths[OBJECTS_MAX];
static _Atomic unsigned nobjects;

static void note_object(const char *path)
{
	unsigned n = atomic_load_explicit(&nobjects, memory_order_acquire);
	const char *copy;

	for (unsigned i = 0; i < n && i < OBJECTS_MAX; i++) {
		const char *p = atomic_load_explicit(&object_paths[i], memory_order_acquire);

		if (p && strcmp(p, path) == 0)
			return;
	}
	copy = own_strdup(path);
	n = atomic_fetch_add_explicit(&nobjects, 1, memory_order_acq_rel);
	if (copy && n < OBJECTS_MAX)
		atomic_store_explicit(&object_paths[n], copy, memory_order_release);
}

const char *fp_frame_object(unsigned i)
{
	return i < OBJECTS_MAX && i < atomic_load(&nobjects) ?
	       atomic_load_explicit(&object_paths[i], memory_order_acquire) : NULL;
}

/*
 * Object and offset of code address @ip with glibc's lock-free
 * _dl_find_object(). Offsets are from the load bias (link_map l_addr),
 * which is what addr2line expects for PIE and non-PIE objects alike.
 */
static void locate(struct fp_frame_info *f)
{
	struct dl_find_object r;
	const char *name = "?";

	f->offset = (uintptr_t)f->ip;
	/* ip - 1: a return address may lie just past its caller's end. */
	if (_dl_find_object((char *)f->ip - 1, &r) == 0 && r.dlfo_link_map) {
		struct link_map *lm = r.dlfo_link_map;
		int main_program = !lm->l_name || !*lm->l_name;

		name = main_program ? fp_settings()->exe : basename_of(lm->l_name);
		f->offset = (uintptr_t)f->ip - (uintptr_t)lm->l_addr;
		note_object(main_program ? fp_settings()->exe_path : lm->l_name);
	}
	copy_name(f->object, sizeof(f->object), name);
}

struct fp_frame_info *fp_frame_get(const void *ip)
{
	uint64_t h = fp_mix64((uintptr_t)ip);

	for (unsigned i = 0; i < FP_PROBE_TRIES; i++) {
		fp_probe_slot_t *slot = &frames[fp_probe_slot(h, i)];
		uintptr_t v = atomic_load_explicit(slot, memory_order_acquire);
		struct fp_frame_info *f = fp_probe_ptr(v), *mine;

		if (f && fp_probe_may_be(v, h) && f->ip == ip)
			return f;
		if (f)
			continue;
		mine = fp_je_own_alloc(sizeof(*mine));
		if (!mine)
			return NULL;
		mine->ip = ip;
		locate(mine);
		if (!fp_probe_pack(mine, h)) {
			fp_je_own_free(mine);
			return NULL;
		}
		if (atomic_compare_exchange_strong_explicit(slot, &v, fp_probe_pack(mine, h),
							    memory_order_acq_rel,
							    memory_order_acquire))
			return mine;
		fp_je_own_free(mine);
		f = fp_probe_ptr(v);
		if (fp_probe_may_be(v, h) && f->ip == ip)
			return f;
	}
	return NULL;
}

/*
 * libunwind names a frame by reading /proc/self/maps and the object's
 * symbol tables, milliseconds a time: an object where it has found nothing
 * in its first tries (stripped, no .symtab) is not asked again.
 */
#define HOPELESS_AFTER	8
static struct {
	char object[64];
	unsigned misses, hits;
} tries[64];

static unsigned tries_slot(const char *object)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)object; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	for (unsigned i = 0; i < 64; i++) {
		unsigned k = (unsigned)(h + i) & 63;

		if (!tries[k].object[0] || strcmp(tries[k].object, object) == 0)
			return k;
	}
	return 64;
}

static int libunwind_may_name(const char *object)
{
	unsigned k = tries_slot(object);

	return k == 64 || !tries[k].object[0] || tries[k].hits ||
	       tries[k].misses < HOPELESS_AFTER;
}

/* Called with the frame's naming claimed; races only skew the counts. */
static void libunwind_named(const char *object, int found)
{
	unsigned k = tries_slot(object);

	if (k == 64)
		return;
	if (!tries[k].object[0])
		copy_name(tries[k].object, sizeof(tries[k].object), object);
	if (found)
		tries[k].hits++;
	else
		tries[k].misses++;
}

/*
 * The frame's function: the object's own symbol tables first (.symtab
 * names static functions too); then, for objects without a readable file
 * (the vDSO), dladdr1 with the symbol's size: dladdr alone names the
 * nearest exported symbol even for an address inside an internal
 * function; last libunwind (MiniDebugInfo, say).
 */
static void find_name(const struct fp_frame_info *f, struct fp_frame_names *out)
{
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	char name[1024];
	const char *symbol;
	uintptr_t off;
	int found;
	const void *at = (const char *)f->ip - 1;

	*out = (struct fp_frame_names){ 0 };
	found = fp_symtab_lookup(at, &symbol, &off);
	if (found == 0) {
		out->function = symbol;
		out->offset = off + 1;
	} else if (found == -1 && dladdr1(at, &info, (void **)&sym, RTLD_DL_SYMENT) && info.dli_fname &&
	    info.dli_sname && info.dli_saddr && sym &&
	    (uintptr_t)at - (uintptr_t)info.dli_saddr < sym->st_size &&
	    strcmp(basename_of(info.dli_fname), f->object) == 0) {
		out->function = own_strdup(info.dli_sname);
		out->offset = (uintptr_t)f->ip - (uintptr_t)info.dli_saddr;
	} else if (libunwind_may_name(f->object)) {
		found = fp_unwind_proc_name(at, name, sizeof(name), &off) == 0;
		libunwind_named(f->object, found);
		if (found) {
			out->function = own_strdup(name);
			out->offset = off + 1;
		}
	}
	if (out->function && out->function[0] == '_' && out->function[1] == 'Z') {
		int status = -1;
		demangler *demangle = find_demangler();
		char *d = demangle ? demangle(out->function, NULL, NULL, &status) : NULL;

		if (d && status == 0)
			out->demangled = own_strdup(d);
		free(d);
	}
}

/*
 * Naming is done outside any claim, so nobody ever waits for another
 * thread (which a fork or a signal may have stopped for good): two
 * threads naming one frame both look it up, and the first to publish wins.
 */
void fp_frame_name_into(struct fp_frame_info *f, struct fp_frame_names *mine)
{
	int state = 0;

	find_name(f, mine);
	if (!atomic_compare_exchange_strong(&f->named, &state, 2))
		return;
	f->function = mine->function;
	f->demangled = mine->demangled;
	f->function_offset = mine->offset;
	atomic_store_explicit(&f->named, 1, memory_order_release);
}

void fp_frame_name(struct fp_frame_info *f)
{
	struct fp_frame_names mine;

	if (!fp_frame_named(f))
		fp_frame_name_into(f, &mine);
}

int fp_frame_is_shim(const struct fp_frame_info *f)
{
	return fp_frame_in_shim((const char *)f->ip - 1);
}

void fp_frame_init(void)
{
	struct dl_find_object self;

	if (_dl_find_object((void *)fp_frame_init, &self) == 0) {
		fp_frame_shim_start = (uintptr_t)self.dlfo_map_start;
		fp_frame_shim_end = (uintptr_t)self.dlfo_map_end;
	}
}

/* Objects loaded before main(): never unloaded, so their frames can wait. */
#define STARTUP_OBJECTS_MAX	512
static const struct link_map *startup[STARTUP_OBJECTS_MAX];
static unsigned nstartup;

void fp_frame_note_startup(void)
{
	for (const struct link_map *lm = _r_debug.r_map;
	     lm && nstartup < STARTUP_OBJECTS_MAX; lm = lm->l_next)
		startup[nstartup++] = lm;
}

static int loaded_at_startup(const struct link_map *lm)
{
	for (unsigned i = 0; i < nstartup; i++)
		if (startup[i] == lm)
			return 1;
	return 0;
}

void fp_frame_name_unloadable(void)
{
	for (unsigned i = 0; i < FP_PROBE_SLOTS; i++) {
		struct fp_frame_info *f = fp_probe_ptr(atomic_load_explicit(&frames[i],
									     memory_order_acquire));
		struct dl_find_object r;

		if (!f || atomic_load_explicit(&f->named, memory_order_acquire) == 1)
			continue;
		if (_dl_find_object((char *)f->ip - 1, &r) == 0 && r.dlfo_link_map &&
		    !loaded_at_startup(r.dlfo_link_map))
			fp_frame_name(f);
	}
}

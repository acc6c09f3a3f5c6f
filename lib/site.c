/*
 * Site and frame tables: lock-free open addressing over pointers to
 * records in the shim's own arena. A record is published by one CAS after
 * it is complete, so readers never see half of one.
 */
#include "config.h"
#include "site.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "je.h"
#include "match.h"
#include "pool.h"
#include "prng.h"
#include "settings.h"
#include "symtab.h"
#include "unwind.h"

#define MAX_PROBES	128

/* libstdc++'s demangler; libstdc++ is in every process the shim is in. */
extern char *__cxa_demangle(const char *name, char *out, size_t *len, int *status);

static struct fp_site *_Atomic sites[FP_SITES_MAX];
static struct fp_frame_info *_Atomic frames[FP_FRAMES_MAX];
static struct fp_site other;		/* n = 0 */
unsigned fp_site_depth = 1;
static int name_early;

/* A frame's function, before it is published in the frame. */
struct names {
	const char *function;
	const char *demangled;
	uintptr_t offset;
};

/* The shim's own code: never one of the program's frames. */
static uintptr_t shim_start, shim_end;

/* The last site each thread found: hot loops allocate from one place. */
static __thread struct fp_site *last_site __attribute__((tls_model("initial-exec")));

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
 * Object and offset of code address @ip with glibc's lock-free
 * _dl_find_object(). Offsets are from the load bias (link_map l_addr),
 * which is what addr2line expects for PIE and non-PIE objects alike.
 */
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

const char *fp_site_object(unsigned i)
{
	return i < OBJECTS_MAX && i < atomic_load(&nobjects) ?
	       atomic_load_explicit(&object_paths[i], memory_order_acquire) : NULL;
}

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

static struct fp_frame_info *frame_get(const void *ip)
{
	uint64_t h = fp_mix64((uintptr_t)ip);

	for (unsigned i = 0; i < MAX_PROBES; i++) {
		struct fp_frame_info *_Atomic *slot = &frames[(h + i) & (FP_FRAMES_MAX - 1)];
		struct fp_frame_info *f = atomic_load_explicit(slot, memory_order_acquire);
		struct fp_frame_info *mine;

		if (f && f->ip == ip)
			return f;
		if (f)
			continue;
		mine = fp_je_own_alloc(sizeof(*mine));
		if (!mine)
			return NULL;
		mine->ip = ip;
		locate(mine);
		if (atomic_compare_exchange_strong_explicit(slot, &f, mine,
							    memory_order_acq_rel,
							    memory_order_acquire))
			return mine;
		fp_je_own_free(mine);
		if (f->ip == ip)
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

struct fp_frame_info *fp_site_frame(const void *ip)
{
	return frame_get(ip);
}

/*
 * The frame's function: the object's own symbol tables first (.symtab
 * names static functions too); then, for objects without a readable file
 * (the vDSO), dladdr1 with the symbol's size: dladdr alone names the
 * nearest exported symbol even for an address inside an internal
 * function; last libunwind (MiniDebugInfo, say).
 */
static void find_name(const struct fp_frame_info *f, struct names *out)
{
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	char name[1024];
	const char *symbol;
	uintptr_t off;
	int found;
	const void *at = (const char *)f->ip - 1;

	*out = (struct names){ 0 };
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
		char *d = __cxa_demangle(out->function, NULL, NULL, &status);

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
static void name_frame(struct fp_frame_info *f, struct names *mine)
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

void fp_site_name_frame(struct fp_frame_info *f)
{
	struct names mine;

	if (!fp_site_frame_named(f))
		name_frame(f, &mine);
}

/* FNV-1a over the basename, then the offset mixed in; chained per frame. */
static uint64_t frame_hash(uint64_t h, const char *object, uintptr_t offset)
{
	for (const unsigned char *p = (const unsigned char *)object; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return fp_mix64(h ^ fp_mix64(offset));
}

static uint64_t site_id(struct fp_frame_info *const *f, unsigned n)
{
	uint64_t id = 0xcbf29ce484222325ULL;

	if (!n)
		id = frame_hash(id, "(other)", 0);
	for (unsigned i = 0; i < n; i++)
		id = frame_hash(id, f[i]->object, f[i]->offset);
	return id ? id : 1;
}

/* FAILPOOL_SITES' verdict and the pool of a new site. */
static void classify(struct fp_site *s)
{
	struct fp_match_frame mf[FP_DEPTH_MAX];

	for (unsigned i = 0; i < s->n; i++) {
		struct fp_frame_info *f = s->frames[i];
		struct names mine = { 0 };

		if (name_early && !fp_site_frame_named(f))
			name_frame(f, &mine);
		mf[i].object = f->object;
		/* Another thread may be publishing the name this instant: use ours. */
		mf[i].function = fp_site_frame_named(f) ? f->function : mine.function;
		mf[i].demangled = fp_site_frame_named(f) ? f->demangled : mine.demangled;
	}
	s->matches = fp_rules_match(&fp_settings()->rules, mf, s->n, s->id);
	s->pool = fp_pool_for_stack(mf, s->n, s->id);
}

static int in_shim(const void *ip)
{
	return (uintptr_t)ip - shim_start < shim_end - shim_start;
}

int fp_site_frame_is_shim(const struct fp_frame_info *f)
{
	return in_shim((const char *)f->ip - 1);
}

void fp_site_init(unsigned frames_per_site, int name_when_seen)
{
	struct dl_find_object self;

	if (_dl_find_object((void *)fp_site_init, &self) == 0) {
		shim_start = (uintptr_t)self.dlfo_map_start;
		shim_end = (uintptr_t)self.dlfo_map_end;
	}
	fp_site_depth = frames_per_site ? frames_per_site : 1;
	name_early = name_when_seen;
	other.id = site_id(NULL, 0);
	other.matches = fp_rules_match(&fp_settings()->rules, NULL, 0, other.id);
}

static struct fp_site *create(const void **ips, unsigned n, uint64_t key)
{
	struct fp_site *s = fp_je_own_alloc(sizeof(*s) + n * sizeof(s->frames[0]));

	if (!s)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		s->frames[i] = frame_get(ips[i]);
		if (!s->frames[i]) {
			fp_je_own_free(s);
			return NULL;
		}
	}
	s->n = n;
	s->key = key;
	s->id = site_id(s->frames, n);
	classify(s);
	return s;
}

static int same_chain(const struct fp_site *s, uint64_t key, const void **ips,
		      unsigned n)
{
	if (s->key != key || s->n != n)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (s->frames[i]->ip != ips[i])
			return 0;
	return 1;
}

struct fp_site *fp_site_find(const void **ips, unsigned n)
{
	struct fp_site *last = last_site;
	const void *kept[FP_DEPTH_MAX];
	uint64_t key;

	/* Frames of the shim (a bad_alloc it throws, say) are not the program's. */
	for (unsigned i = 0; i < n; i++) {
		if (FP_UNLIKELY(in_shim((const char *)ips[i] - 1))) {
			unsigned m = 0;

			for (unsigned j = 0; j < n && m < FP_DEPTH_MAX; j++)
				if (!in_shim((const char *)ips[j] - 1))
					kept[m++] = ips[j];
			ips = kept;
			n = m;
			break;
		}
	}
	if (FP_UNLIKELY(n == 0))
		return &other;

	if (last && last->n == n) {
		unsigned i = 0;

		while (i < n && last->frames[i]->ip == ips[i])
			i++;
		if (i == n)
			return last;
	}
	key = fp_mix64((uintptr_t)ips[0]);
	for (unsigned i = 1; i < n; i++)
		key = fp_mix64(key ^ (uintptr_t)ips[i]);
	for (unsigned i = 0; i < MAX_PROBES; i++) {
		struct fp_site *_Atomic *slot = &sites[(key + i) & (FP_SITES_MAX - 1)];
		struct fp_site *s = atomic_load_explicit(slot, memory_order_acquire);
		struct fp_site *mine;

		if (s) {
			if (same_chain(s, key, ips, n))
				return last_site = s;
			continue;
		}
		{
			int saved = errno;	/* naming may open files that are not there */

			fp_guard_enter();
			mine = create(ips, n, key);
			fp_guard_leave();
			errno = saved;
		}
		if (!mine)
			return &other;
		if (atomic_compare_exchange_strong_explicit(slot, &s, mine,
							    memory_order_acq_rel,
							    memory_order_acquire))
			return last_site = mine;
		fp_je_own_free(mine);	/* frames stay: they are shared */
		if (same_chain(s, key, ips, n))
			return last_site = s;
	}
	return &other;
}

/* Objects loaded before main(): never unloaded, so their frames can wait. */
#define STARTUP_OBJECTS_MAX	512
static const struct link_map *startup[STARTUP_OBJECTS_MAX];
static unsigned nstartup;

void fp_site_note_startup(void)
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

void fp_site_name_unloadable(void)
{
	for (unsigned i = 0; i < FP_FRAMES_MAX; i++) {
		struct fp_frame_info *f = atomic_load_explicit(&frames[i], memory_order_acquire);
		struct dl_find_object r;

		if (!f || atomic_load_explicit(&f->named, memory_order_acquire) == 1)
			continue;
		if (_dl_find_object((char *)f->ip - 1, &r) == 0 && r.dlfo_link_map &&
		    !loaded_at_startup(r.dlfo_link_map))
			fp_site_name_frame(f);
	}
}

struct fp_site *fp_site_next(unsigned *cursor)
{
	while (*cursor < FP_SITES_MAX) {
		struct fp_site *s = atomic_load_explicit(&sites[(*cursor)++],
							 memory_order_acquire);

		if (s)
			return s;
	}
	if (*cursor == FP_SITES_MAX) {
		(*cursor)++;
		return &other;
	}
	return NULL;
}

struct fp_site *fp_site_unwind(const void *caller, const void *cfa)
{
	const void *ips[64];
	struct fp_site *site;
	/* A successful malloc leaves errno alone, whatever libunwind did. */
	int saved = errno;
	unsigned n;

	fp_guard_enter();
	n = fp_unwind_capture(caller, ips, fp_site_depth);
	fp_guard_leave();
	site = fp_site_find(ips, n);
	fp_chain_note(caller, cfa, site);
	errno = saved;
	return site;
}

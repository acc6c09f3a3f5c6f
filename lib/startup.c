/* Start-up allocations that are not the program's (see startup.h). */
#include "config.h"
#include "startup.h"

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "cxxstatic.h"
#include "guard.h"

#define MAPS_MAX	512

int fp_starting = 1;
static int loading = 1;		/* until the shim's constructor ran */
static int exe_pool_armed;	/* see cxxstatic.h */

static const struct link_map *foreign[MAPS_MAX];
static unsigned nforeign;
static const struct link_map *cxx_runtime;	/* libstdc++, whoever needs it */
static _Atomic int cxx_pool_seen;
static _Atomic uint64_t startup_calls, startup_bytes;

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static const char *strtab_of(const struct link_map *lm)
{
	return fp_dyn_ptr(lm, DT_STRTAB);
}

/* Does @lm answer to DT_NEEDED @name (its soname, or its file name)? */
static int answers_to(const struct link_map *lm, const char *name)
{
	const char *strtab = strtab_of(lm);

	if (lm->l_name && *lm->l_name && strcmp(base_of(lm->l_name), base_of(name)) == 0)
		return 1;
	for (const ElfW(Dyn) *d = lm->l_ld; strtab && d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_SONAME && strcmp(strtab + d->d_un.d_val, name) == 0)
			return 1;
	return 0;
}

/* Is @lm one of the objects named in LD_PRELOAD (other than the shim)? */
static int preloaded(const struct link_map *lm, const char *list)
{
	size_t len = strlen(lm->l_name);

	while (list && *list) {
		size_t n = strcspn(list, ": ");

		if (n && n == len && memcmp(list, lm->l_name, n) == 0)
			return 1;
		list += n;
		list += strspn(list, ": ");
	}
	return 0;
}

void fp_startup_init(void)
{
	const struct link_map *maps[MAPS_MAX];
	unsigned char mine[MAPS_MAX] = { 0 };
	unsigned n = 0, changed;
	const char *preload = getenv("LD_PRELOAD");
	struct dl_find_object self;
	const struct link_map *shim = NULL;

	if (_dl_find_object((void *)fp_startup_init, &self) == 0)
		shim = self.dlfo_link_map;
	for (const struct link_map *lm = _r_debug.r_map; lm && n < MAPS_MAX; lm = lm->l_next)
		maps[n++] = lm;
	for (unsigned i = 0; i < n; i++) {
		const char *name = maps[i]->l_name;

		/* The executable, the vDSO, and what the user preloaded besides us. */
		mine[i] = maps[i] != shim && (i == 0 || !name || !*name || name[0] != '/' ||
					      preloaded(maps[i], preload));
		if (name && strncmp(base_of(name), "libstdc++.so", 12) == 0)
			cxx_runtime = maps[i];
	}
	do {	/* what the program's objects need is the program's too */
		changed = 0;
		for (unsigned i = 0; i < n; i++) {
			const char *strtab = mine[i] ? strtab_of(maps[i]) : NULL;

			for (const ElfW(Dyn) *d = maps[i]->l_ld; strtab && d && d->d_tag != DT_NULL; d++) {
				if (d->d_tag != DT_NEEDED)
					continue;
				for (unsigned j = 0; j < n; j++)
					if (!mine[j] && maps[j] != shim &&
					    answers_to(maps[j], strtab + d->d_un.d_val))
						mine[j] = changed = 1;
			}
		}
	} while (changed);
	for (unsigned i = 0; i < n; i++)
		if (!mine[i])
			foreign[nforeign++] = maps[i];
}

void fp_startup_done(void)
{
	exe_pool_armed = fp_cxxstatic_arm();
	loading = 0;
	fp_starting = exe_pool_armed;	/* the allocation path asks until it is seen */
}

static int is_foreign(const struct link_map *lm)
{
	for (unsigned i = 0; i < nforeign; i++)
		if (foreign[i] == lm)
			return 1;
	return 0;
}

/*
 * The C++ runtime's unwinder (libgcc_s's), by the Itanium ABI's names and
 * values (<unwind.h> is shadowed here by lib/unwind.h). Not linked: the
 * shim would bring libgcc_s, and its constructor, into every C program.
 */
struct _Unwind_Context;
#define URC_NO_REASON		0
#define URC_END_OF_STACK	5
typedef int (*trace_fn)(struct _Unwind_Context *, void *);

static struct {
	int (*backtrace)(trace_fn step, void *arg);
	uintptr_t (*get_ip)(struct _Unwind_Context *ctx);
	int looked_up;
} cxx_unwinder;

/* The return addresses of the stack, up to the caller's caller. */
struct two_up {
	const void *caller, *above;
	unsigned frames;
	int found;
};

static int two_up_step(struct _Unwind_Context *ctx, void *arg)
{
	struct two_up *t = arg;
	const void *ip = (const void *)cxx_unwinder.get_ip(ctx);

	if (t->found) {
		t->above = ip;
		return URC_END_OF_STACK;
	}
	t->found = ip == t->caller;
	return ++t->frames < 64 ? URC_NO_REASON : URC_END_OF_STACK;
}

/*
 * The unwinder the C++ runtime itself binds to, looked up once, when
 * libstdc++ first allocates (it has loaded libgcc_s by then). libstdc++ is
 * one of the objects loaded at start-up, so its dependencies are in the
 * global scope, where its own references to _Unwind_* are resolved:
 * RTLD_DEFAULT finds the same functions, and allocates nothing when the
 * name is there (the guard covers a miss's message).
 * Context: inside malloc, while the loader initialises libstdc++.
 */
static int find_cxx_unwinder(void)
{
	if (!cxx_unwinder.looked_up) {
		fp_guard_enter();
		*(void **)&cxx_unwinder.backtrace = dlsym(RTLD_DEFAULT, "_Unwind_Backtrace");
		*(void **)&cxx_unwinder.get_ip = dlsym(RTLD_DEFAULT, "_Unwind_GetIP");
		fp_guard_leave();
		cxx_unwinder.looked_up = 1;
	}
	return cxx_unwinder.backtrace && cxx_unwinder.get_ip;
}

/*
 * libstdc++'s emergency pool is the malloc its own initialiser makes,
 * called by the loader itself: the caller's caller is in ld.so. Unwound
 * once, with the C++ runtime's own unwinder, so that a process that needs
 * no stacks never loads libunwind.
 */
static int is_cxx_pool(enum fp_call call, const void *caller)
{
	struct two_up t = { .caller = caller };
	struct dl_find_object r;

	if (call != FP_CALL_MALLOC || atomic_load(&cxx_pool_seen) || !find_cxx_unwinder())
		return 0;
	fp_guard_enter();
	cxx_unwinder.backtrace(two_up_step, &t);
	fp_guard_leave();
	if (!t.above || _dl_find_object((char *)t.above - 1, &r) || !r.dlfo_link_map ||
	    !r.dlfo_link_map->l_name ||
	    strncmp(base_of(r.dlfo_link_map->l_name), "ld-linux", 8) != 0)
		return 0;
	return !atomic_exchange(&cxx_pool_seen, 1);
}

static void count(uint64_t bytes)
{
	atomic_fetch_add_explicit(&startup_calls, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&startup_bytes, bytes, memory_order_relaxed);
}

int fp_startup_claims(enum fp_call call, const void *caller, uint64_t bytes)
{
	struct dl_find_object r;

	if (exe_pool_armed && call == FP_CALL_MALLOC && fp_cxxstatic_claims(caller)) {
		fp_starting = loading;
		count(bytes);
		return 1;
	}
	if (!loading || _dl_find_object((char *)caller - 1, &r) || !r.dlfo_link_map)
		return 0;
	if (!is_foreign(r.dlfo_link_map) &&
	    !(r.dlfo_link_map == cxx_runtime && is_cxx_pool(call, caller)))
		return 0;
	count(bytes);
	return 1;
}

void fp_startup_fork_child(void)
{
	atomic_store_explicit(&startup_calls, 0, memory_order_relaxed);
	atomic_store_explicit(&startup_bytes, 0, memory_order_relaxed);
}

void fp_startup_totals(uint64_t *calls, uint64_t *bytes)
{
	*calls = atomic_load_explicit(&startup_calls, memory_order_relaxed);
	*bytes = atomic_load_explicit(&startup_bytes, memory_order_relaxed);
}

/*
 * The C++ operators' failure paths (preload/new.c exports the operators):
 * the new-handler protocol and std::bad_alloc, exactly as libstdc++ does,
 * without linking a C++ runtime.
 *
 * The shim does not link the C++ runtime: loading libstdc++ into every C
 * program costs a third of its start-up. A program that calls operator new
 * has a C++ runtime loaded, and the few pieces of it the operators need
 * (the new-handler, the exception, its type) are looked up in the process
 * when an allocation has failed, never before. Nothrow forms return NULL
 * where the throwing ones throw (the C++ runtime's own nothrow operator
 * catches for us: see caught_call()). Built with -fexceptions: exceptions
 * pass through these functions.
 */
#include "config.h"
#include "cxxnew.h"

#include <dlfcn.h>
#include <link.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "guard.h"
#include "je.h"
#include "say.h"

typedef void (*new_handler)(void);

/*
 * The program's C++ runtime: libstdc++, or libc++ (its libc++abi a
 * dependency). Looked up in the global scope first, which allocates
 * nothing when the name is there (memory may be what is missing); a C
 * program's C++ plug-in may have loaded it RTLD_LOCAL, so then by name.
 */
static void *runtime_handle(void)
{
	static const char *const sonames[] = { "libstdc++.so.6", "libc++.so.1" };
	static void *_Atomic found;
	void *h = atomic_load_explicit(&found, memory_order_acquire);

	for (unsigned i = 0; !h && i < sizeof(sonames) / sizeof(sonames[0]); i++)
		if ((h = dlopen(sonames[i], RTLD_LAZY | RTLD_NOLOAD)))
			atomic_store_explicit(&found, h, memory_order_release);
	return h;
}

/*
 * Something of the runtime's, by name, once it has been found; @ours: a
 * name the shim defines too (RTLD_NEXT then, not RTLD_DEFAULT, which
 * would find the shim's). @scope: the caller's own runtime (caller_scope()),
 * looked up each time; NULL: the process's, kept in @cache.
 */
static void *runtime(void *_Atomic *cache, const char *name, int ours, void *scope)
{
	void *p = atomic_load_explicit(cache, memory_order_acquire);
	void *h;

	if (p && !scope)
		return p;
	/* A name not found allocates its dlerror() message: the shim's, not the program's. */
	fp_guard_enter();
	if (scope) {
		p = dlsym(scope, name);
	} else {
		p = dlsym(ours ? RTLD_NEXT : RTLD_DEFAULT, name);
		if (!p && (h = runtime_handle()))
			p = dlsym(h, name);
		if (p)
			atomic_store_explicit(cache, p, memory_order_release);
	}
	fp_guard_leave();
	return p;
}

static void *_Atomic throw_c;

/* dl_iterate_phdr(): count the C++ runtimes' ABI libraries loaded (two bits). */
static int count_runtime(struct dl_phdr_info *object, size_t size, void *found)
{
	const char *slash = strrchr(object->dlpi_name, '/');
	const char *base = slash ? slash + 1 : object->dlpi_name;

	if (!strcmp(base, "libstdc++.so.6"))
		*(int *)found |= 1;
	else if (!strcmp(base, "libc++abi.so.1"))
		*(int *)found |= 2;
	return 0;
}

/*
 * A process may hold two C++ runtimes (a C program's plug-ins, one built
 * against libstdc++, one against libc++, each loaded RTLD_LOCAL): each
 * plug-in's new-handler, std::bad_alloc and catching nothrow operator are
 * its own runtime's, while all their operators are the shim's. So when
 * both are loaded and the object at @caller reaches a runtime other than
 * the process's through its own dependencies, a handle on that object is
 * where the failed operator finds its runtime. So too when no runtime
 * library is loaded at all: a plug-in built with -static-libstdc++ carries
 * its runtime inside. NULL otherwise (the process's). Such a handle is
 * never closed, since the throw that uses it does not return: a plug-in
 * whose operator failed so stays loaded until exit. A process with one
 * runtime library never opens one.
 * Context: a failed operator new, never inside malloc.
 */
static FP_NOINLINE __attribute__((cold)) void *caller_scope(const void *caller)
{
	struct link_map *object;
	Dl_info info;
	int found = 0;
	void *h = NULL, *own;

	if (FP_LIKELY(dl_iterate_phdr(count_runtime, &found) || (found != 3 && found != 0)))
		return NULL;
	/* The executable's scope is the process's. dlopen() allocates: the shim's. */
	fp_guard_enter();
	if (dladdr1(caller, &info, (void **)&object, RTLD_DL_LINKMAP) && object &&
	    object->l_name[0])
		h = dlopen(object->l_name, RTLD_LAZY | RTLD_NOLOAD);
	fp_guard_leave();
	if (!h)
		return NULL;
	own = runtime(&throw_c, "__cxa_throw", 0, h);
	if (own && (!found || own != runtime(&throw_c, "__cxa_throw", 0, NULL)))
		return h;
	fp_guard_enter();
	dlclose(h);
	fp_guard_leave();
	return NULL;
}

/* std::get_new_handler(); NULL when no C++ runtime is loaded (none can be set). */
static new_handler current_handler(void *scope)
{
	static void *_Atomic get;
	new_handler (*fn)(void);

	*(void **)&fn = runtime(&get, "_ZSt15get_new_handlerv", 0, scope);
	return fn ? fn() : NULL;
}

/* throw std::bad_alloc(), built as the Itanium C++ ABI lays it out. */
static __attribute__((noreturn, always_inline)) inline void throw_bad_alloc(void *scope)
{
	static void *_Atomic alloc_c, *_Atomic vtable_c, *_Atomic type_c, *_Atomic dtor_c;
	void *(*allocate_exception)(size_t);
	void (*cxa_throw)(void *, void *, void (*)(void *));
	void (*dtor)(void *);
	void **vtable = runtime(&vtable_c, "_ZTVSt9bad_alloc", 0, scope);
	void *type = runtime(&type_c, "_ZTISt9bad_alloc", 0, scope);

	*(void **)&allocate_exception = runtime(&alloc_c, "__cxa_allocate_exception", 0, scope);
	*(void **)&cxa_throw = runtime(&throw_c, "__cxa_throw", 0, scope);
	*(void **)&dtor = runtime(&dtor_c, "_ZNSt9bad_allocD1Ev", 0, scope);
	if (allocate_exception && cxa_throw && vtable && type && dtor) {
		void **e = allocate_exception(sizeof(void *));

		/* std::bad_alloc is its vtable pointer: the vtable's address point. */
		*e = vtable + 2;
		cxa_throw(e, type, dtor);
	}
	fp_say_str("failpool: operator new failed and no C++ runtime is loaded to throw std::bad_alloc\n");
	abort();
}

/*
 * C cannot catch an exception, and a nothrow operator new must return NULL
 * where the throwing one throws: from its own std::bad_alloc, exactly as
 * libstdc++ allocates and throws one, and from a new-handler that throws.
 * So the throwing part runs inside the C++ runtime's own nothrow operator
 * new, which is try { return ::operator new(n); } catch (...) { return
 * nullptr; } (libstdc++ since GCC 9, libc++ alike): its ::operator new is
 * ours, which sees the request below and, instead of allocating, runs the
 * new-handler (returning &handler_ran when it returns) or throws. Nothing
 * is allocated and nothing counted on the way.
 */
__thread void (*fp_cxx_pending)(void) __attribute__((tls_model("initial-exec")));
static __thread void *pending_scope __attribute__((tls_model("initial-exec")));
static char handler_ran;
static const char nothrow_tag;

/* No new-handler: the nothrow form's std::bad_alloc, thrown to be caught. */
static void throw_instead(void)
{
	throw_bad_alloc(pending_scope);
}

/*
 * Whether the program replaced operator new(size_t) (preload/new.c's
 * settle() tells, before any nothrow form runs): the runtime's nothrow form would then
 * call the replacement, so caught_call() calls its aligned nothrow form,
 * whose operator new(size_t, align_val_t) is the shim's (or, replaced too,
 * every nothrow form is the runtime's and caught_call() never runs).
 */
_Atomic _Bool fp_cxx_new_replaced;

/*
 * Whether new-handler @h (NULL: none) returned; 0 when it, or the
 * bad_alloc, was thrown. @scope: as caller_scope().
 */
static int caught_call(new_handler h, void *scope)
{
	static void *_Atomic nothrow_c, *_Atomic aligned_nothrow_c;
	void *(*runtime_nothrow_new)(size_t, const void *) = NULL;
	void *(*runtime_aligned_nothrow_new)(size_t, size_t, const void *) = NULL;
	void *p;

	if (!atomic_load_explicit(&fp_cxx_new_replaced, memory_order_relaxed))
		*(void **)&runtime_nothrow_new = runtime(&nothrow_c, "_ZnwmRKSt9nothrow_t", 1, scope);
	else
		*(void **)&runtime_aligned_nothrow_new =
			runtime(&aligned_nothrow_c, "_ZnwmSt11align_val_tRKSt9nothrow_t", 1, scope);
	if (!runtime_nothrow_new && !runtime_aligned_nothrow_new) {
		if (h)
			h();	/* no runtime to catch for us: a throw goes on up */
		return h != NULL;
	}
	fp_cxx_pending = h ? h : throw_instead;
	pending_scope = scope;
	p = runtime_nothrow_new ? runtime_nothrow_new(FP_CXX_CAUGHT_CALL, &nothrow_tag) :
		runtime_aligned_nothrow_new(FP_CXX_CAUGHT_CALL, FP_JE_MIN_BLOCK, &nothrow_tag);
	if (fp_cxx_pending) {
		/* A runtime whose nothrow operator does not call ours. */
		fp_cxx_pending = NULL;
		if (p)
			fp_je.free(p);
		if (h)
			h();
		return h != NULL;
	}
	return p == &handler_ran;
}

void *fp_cxx_run_pending(void)
{
	new_handler h = fp_cxx_pending;

	fp_cxx_pending = NULL;
	h();
	return &handler_ran;
}

void *fp_cxx_new(size_t size, size_t align, enum fp_call call, const void *caller,
		 const void *cfa)
{
	if (FP_UNLIKELY(fp_cxx_pending) && size == FP_CXX_CAUGHT_CALL)
		return fp_cxx_run_pending();
	for (;;) {
		void *p = fp_alloc_new(size, align, call, caller, cfa);
		void *scope;
		new_handler h;

		if (p)
			return p;
		scope = caller_scope(caller);
		if (!(h = current_handler(scope)))
			throw_bad_alloc(scope);
		h();
	}
}

void *fp_cxx_new_nothrow(size_t size, size_t align, enum fp_call call, const void *caller,
			 const void *cfa)
{
	for (;;) {
		void *p = fp_alloc_new(size, align, call, caller, cfa);
		void *scope;

		if (p)
			return p;
		scope = caller_scope(caller);
		if (!caught_call(current_handler(scope), scope))
			return NULL;
	}
}

void *fp_cxx_new_refused(enum fp_call call, const void *caller)
{
	fp_alloc_new_refused(call);
	throw_bad_alloc(caller_scope(caller));
}

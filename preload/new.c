/*
 * Every C++ operator new and delete, in C under their Itanium ABI names.
 * A C program that loads C++ code would otherwise allocate behind the
 * shim's back through the C++ runtime's own operators.
 *
 * The shim does not link the C++ runtime: loading libstdc++ into every C
 * program costs a third of its start-up. A program that calls operator new
 * has a C++ runtime loaded, and the few pieces of it the operators need
 * (the new-handler, the exception, its type) are looked up in the process
 * when an allocation has failed, never before. Throwing forms run the
 * new-handler protocol and throw std::bad_alloc exactly as libstdc++ does;
 * nothrow forms return NULL where those throw (the C++ runtime's own nothrow
 * operator catches for us: see caught_call()).
 * These functions carry unwind tables (-fexceptions) so that exceptions
 * pass through them.
 */
#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "alloc.h"
#include "guard.h"
#include "say.h"

#define FP_EXPORT	__attribute__((visibility("default")))
/* The program's call site: return address, and the operator's CFA (chain.h). */
#define CALLER		__builtin_return_address(0), __builtin_dwarf_cfa()
#define CXX(name)	__asm__(#name)

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
 * would find the shim's). @caller: the code that called the operator;
 * the last place to look is its own object and what that loads, for a
 * plug-in built with -static-libstdc++ carries its runtime inside and may
 * have been loaded RTLD_LOCAL by a C program. What is found there is not
 * kept: that object may be unloaded.
 * Context: an operator new whose allocation has failed; takes the
 * loader's lock, so never from within malloc or a signal handler.
 */
static void *runtime(void *_Atomic *cache, const char *name, int ours, const void *caller)
{
	void *p = atomic_load_explicit(cache, memory_order_acquire);
	struct link_map *lm;
	Dl_info info;
	void *h;

	if (p)
		return p;
	/* A name not found allocates its dlerror() message: the shim's, not the program's. */
	fp_guard_enter();
	p = dlsym(ours ? RTLD_NEXT : RTLD_DEFAULT, name);
	if (!p && (h = runtime_handle()))
		p = dlsym(h, name);
	if (p)
		atomic_store_explicit(cache, p, memory_order_release);
	/* glibc: a link map is a handle, and dlsym() on it searches that object's dependencies. */
	else if (caller && dladdr1(caller, &info, (void **)&lm, RTLD_DL_LINKMAP) && lm)
		p = dlsym(lm, name);
	fp_guard_leave();
	return p;
}

/* std::get_new_handler() of @caller's runtime; NULL when there is none (none can be set). */
static new_handler current_handler(const void *caller)
{
	static void *_Atomic get;
	new_handler (*fn)(void);

	*(void **)&fn = runtime(&get, "_ZSt15get_new_handlerv", 0, caller);
	return fn ? fn() : NULL;
}

/* throw std::bad_alloc(), built as the Itanium C++ ABI lays it out. */
static __attribute__((noreturn, always_inline)) inline void throw_bad_alloc(const void *caller)
{
	static void *_Atomic alloc_c, *_Atomic throw_c, *_Atomic vtable_c,
		*_Atomic type_c, *_Atomic dtor_c;
	void *(*allocate_exception)(size_t);
	void (*cxa_throw)(void *, void *, void (*)(void *));
	void (*dtor)(void *);
	void **vtable = runtime(&vtable_c, "_ZTVSt9bad_alloc", 0, caller);
	void *type = runtime(&type_c, "_ZTISt9bad_alloc", 0, caller);

	*(void **)&allocate_exception = runtime(&alloc_c, "__cxa_allocate_exception", 0, caller);
	*(void **)&cxa_throw = runtime(&throw_c, "__cxa_throw", 0, caller);
	*(void **)&dtor = runtime(&dtor_c, "_ZNSt9bad_allocD1Ev", 0, caller);
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
static __thread new_handler pending __attribute__((tls_model("initial-exec")));
/* The program's call that failed: where throw_instead() finds the runtime. */
static __thread const void *pending_caller __attribute__((tls_model("initial-exec")));
static char handler_ran;
static const char nothrow_tag;
/* A size jemalloc's front refuses at once: the fast path falls through. */
#define CAUGHT_CALL	((size_t)-2)

/* No new-handler: the nothrow form's std::bad_alloc, thrown to be caught. */
static void throw_instead(void)
{
	throw_bad_alloc(pending_caller);
}

/* Whether new-handler @h (NULL: none) returned; 0 when it, or the bad_alloc, was thrown. */
static int caught_call(new_handler h, const void *caller)
{
	static void *_Atomic nothrow_c;
	void *(*runtime_nothrow_new)(size_t, const void *);
	void *p;

	*(void **)&runtime_nothrow_new = runtime(&nothrow_c, "_ZnwmRKSt9nothrow_t", 1, caller);
	if (!runtime_nothrow_new) {
		if (h)
			h();	/* no runtime to catch for us: a throw goes on up */
		return h != NULL;
	}
	pending_caller = caller;
	pending = h ? h : throw_instead;
	p = runtime_nothrow_new(CAUGHT_CALL, &nothrow_tag);
	if (pending) {
		/* A runtime whose nothrow operator does not call ours. */
		pending = NULL;
		if (p)
			fp_je.free(p);
		if (h)
			h();
		return h != NULL;
	}
	return p == &handler_ran;
}

/*
 * Whether the program has its own operator new(size_t) (only the
 * executable comes before the shim): the runtime's nothrow operator then
 * calls that one, never ours, so caught_call() cannot work, and without
 * the shim the program's nothrow new would run it anyway.
 */
static int program_new(void)
{
	static _Atomic int known;	/* 0: not looked up yet, 1: ours, 2: the program's */
	int k = atomic_load_explicit(&known, memory_order_relaxed);
	Dl_info theirs, ours;
	void *global;

	if (FP_LIKELY(k))
		return k == 2;
	/* Looked up once: what comes before the shim never changes. */
	fp_guard_enter();
	global = dlsym(RTLD_DEFAULT, "_Znwm");
	k = global && dladdr(global, &theirs) && dladdr((void *)runtime_handle, &ours) &&
	    theirs.dli_fbase != ours.dli_fbase ? 2 : 1;
	fp_guard_leave();
	atomic_store_explicit(&known, k, memory_order_relaxed);
	return k == 2;
}

/*
 * A nothrow form in a program with its own operator new: the runtime's
 * nothrow operator runs it, new-handler protocol included, and catches,
 * as it would without the shim (failpool fails what it allocates).
 */
static void *program_nothrow(size_t size, size_t align, const void *caller)
{
	static void *_Atomic plain_c, *_Atomic aligned_c;
	void *(*plain)(size_t, const void *);
	void *(*aligned)(size_t, size_t, const void *);

	if (align) {
		*(void **)&aligned = runtime(&aligned_c, "_ZnwmSt11align_val_tRKSt9nothrow_t", 1, caller);
		return aligned ? aligned(size, align, &nothrow_tag) : NULL;
	}
	*(void **)&plain = runtime(&plain_c, "_ZnwmRKSt9nothrow_t", 1, caller);
	return plain ? plain(size, &nothrow_tag) : NULL;
}

static void *run_pending(void)
{
	new_handler h = pending;

	pending = NULL;
	h();
	return &handler_ran;
}

static __attribute__((always_inline)) inline void *
allocate(size_t size, size_t align, enum fp_call call, const void *caller, const void *cfa)
{
	if (FP_LIKELY(fp_hooks.pass_alloc) && !align) {
		void *p = fp_je.malloc(size);

		if (p)
			return p;
	}
	if (FP_UNLIKELY(pending) && size == CAUGHT_CALL)
		return run_pending();
	for (;;) {
		void *p = fp_alloc_new(size, align, call, caller, cfa);
		new_handler h;

		if (p)
			return p;
		if (!(h = current_handler(caller)))
			throw_bad_alloc(caller);
		h();
	}
}

static __attribute__((always_inline)) inline void *
allocate_nothrow(size_t size, size_t align, enum fp_call call, const void *caller,
		 const void *cfa)
{
	if (FP_LIKELY(fp_hooks.pass_alloc) && !align) {
		void *p = fp_je.malloc(size);

		if (p)
			return p;
	}
	if (program_new())
		return program_nothrow(size, align, caller);
	for (;;) {
		void *p = fp_alloc_new(size, align, call, caller, cfa);

		if (p)
			return p;
		if (!caught_call(current_handler(caller), caller))
			return NULL;
	}
}

/*
 * The aligned forms: an alignment that is not a power of two (0 included)
 * fails at once, without the new-handler, as libstdc++'s new_opa.cc does.
 */
static inline int bad_alignment(size_t align, enum fp_call call)
{
	if (FP_LIKELY(align && !(align & (align - 1))))
		return 0;
	fp_alloc_new_refused(call);
	return 1;
}

static __attribute__((always_inline)) inline void *allocate_aligned(size_t size, size_t align, enum fp_call call,
			      const void *caller, const void *cfa)
{
	if (bad_alignment(align, call))
		throw_bad_alloc(caller);
	return allocate(size, align, call, caller, cfa);
}

static __attribute__((always_inline)) inline void *allocate_aligned_nothrow(size_t size, size_t align, enum fp_call call,
				      const void *caller, const void *cfa)
{
	if (bad_alignment(align, call))
		return NULL;
	return allocate_nothrow(size, align, call, caller, cfa);
}

/* operator new(size_t) and the rest, by their mangled names. */
FP_EXPORT void *fp_new(size_t size) CXX(_Znwm);
FP_EXPORT void *fp_new_array(size_t size) CXX(_Znam);
FP_EXPORT void *fp_new_nothrow(size_t size, const void *nt) CXX(_ZnwmRKSt9nothrow_t);
FP_EXPORT void *fp_new_array_nothrow(size_t size, const void *nt) CXX(_ZnamRKSt9nothrow_t);
FP_EXPORT void *fp_new_aligned(size_t size, size_t al) CXX(_ZnwmSt11align_val_t);
FP_EXPORT void *fp_new_array_aligned(size_t size, size_t al) CXX(_ZnamSt11align_val_t);
FP_EXPORT void *fp_new_aligned_nothrow(size_t size, size_t al, const void *nt)
	CXX(_ZnwmSt11align_val_tRKSt9nothrow_t);
FP_EXPORT void *fp_new_array_aligned_nothrow(size_t size, size_t al, const void *nt)
	CXX(_ZnamSt11align_val_tRKSt9nothrow_t);

void *fp_new(size_t size)
{
	return allocate(size, 0, FP_CALL_NEW, CALLER);
}

void *fp_new_array(size_t size)
{
	return allocate(size, 0, FP_CALL_NEW_ARRAY, CALLER);
}

void *fp_new_nothrow(size_t size, const void *nt)
{
	return allocate_nothrow(size, 0, FP_CALL_NEW, CALLER);
}

void *fp_new_array_nothrow(size_t size, const void *nt)
{
	return allocate_nothrow(size, 0, FP_CALL_NEW_ARRAY, CALLER);
}

void *fp_new_aligned(size_t size, size_t al)
{
	return allocate_aligned(size, al, FP_CALL_NEW, CALLER);
}

void *fp_new_array_aligned(size_t size, size_t al)
{
	return allocate_aligned(size, al, FP_CALL_NEW_ARRAY, CALLER);
}

void *fp_new_aligned_nothrow(size_t size, size_t al, const void *nt)
{
	return allocate_aligned_nothrow(size, al, FP_CALL_NEW, CALLER);
}

void *fp_new_array_aligned_nothrow(size_t size, size_t al, const void *nt)
{
	return allocate_aligned_nothrow(size, al, FP_CALL_NEW_ARRAY, CALLER);
}

/* Every operator delete: the size, alignment and nothrow arguments change nothing. */
#define DELETE(fn, mangled, call, ...) \
	FP_EXPORT void fn(void *p, ##__VA_ARGS__) CXX(mangled); \
	void fn(void *p, ##__VA_ARGS__) \
	{ \
		fp_alloc_delete(p, call, CALLER); \
	}

DELETE(fp_delete, _ZdlPv, FP_CALL_DELETE)
DELETE(fp_delete_array, _ZdaPv, FP_CALL_DELETE_ARRAY)
DELETE(fp_delete_sized, _ZdlPvm, FP_CALL_DELETE, size_t n)
DELETE(fp_delete_array_sized, _ZdaPvm, FP_CALL_DELETE_ARRAY, size_t n)
DELETE(fp_delete_nothrow, _ZdlPvRKSt9nothrow_t, FP_CALL_DELETE, const void *nt)
DELETE(fp_delete_array_nothrow, _ZdaPvRKSt9nothrow_t, FP_CALL_DELETE_ARRAY, const void *nt)
DELETE(fp_delete_aligned, _ZdlPvSt11align_val_t, FP_CALL_DELETE, size_t al)
DELETE(fp_delete_array_aligned, _ZdaPvSt11align_val_t, FP_CALL_DELETE_ARRAY, size_t al)
DELETE(fp_delete_sized_aligned, _ZdlPvmSt11align_val_t, FP_CALL_DELETE, size_t n, size_t al)
DELETE(fp_delete_array_sized_aligned, _ZdaPvmSt11align_val_t, FP_CALL_DELETE_ARRAY,
       size_t n, size_t al)
DELETE(fp_delete_aligned_nothrow, _ZdlPvSt11align_val_tRKSt9nothrow_t, FP_CALL_DELETE,
       size_t al, const void *nt)
DELETE(fp_delete_array_aligned_nothrow, _ZdaPvSt11align_val_tRKSt9nothrow_t,
       FP_CALL_DELETE_ARRAY, size_t al, const void *nt)

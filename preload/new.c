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
#include <string.h>

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
static __thread new_handler pending __attribute__((tls_model("initial-exec")));
static __thread void *pending_scope __attribute__((tls_model("initial-exec")));
static char handler_ran;
static const char nothrow_tag;
/* A size jemalloc's front refuses at once: the fast path falls through. */
#define CAUGHT_CALL	((size_t)-2)

/* No new-handler: the nothrow form's std::bad_alloc, thrown to be caught. */
static void throw_instead(void)
{
	throw_bad_alloc(pending_scope);
}

/*
 * Whether the program replaced operator new(size_t) (settle() below tells,
 * before any nothrow form runs): the runtime's nothrow form would then
 * call the replacement, so caught_call() calls its aligned nothrow form,
 * whose operator new(size_t, align_val_t) is the shim's (or, replaced too,
 * every nothrow form is the runtime's and caught_call() never runs).
 */
static _Atomic _Bool new_replaced;

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

	if (!atomic_load_explicit(&new_replaced, memory_order_relaxed))
		*(void **)&runtime_nothrow_new = runtime(&nothrow_c, "_ZnwmRKSt9nothrow_t", 1, scope);
	else
		*(void **)&runtime_aligned_nothrow_new =
			runtime(&aligned_nothrow_c, "_ZnwmSt11align_val_tRKSt9nothrow_t", 1, scope);
	if (!runtime_nothrow_new && !runtime_aligned_nothrow_new) {
		if (h)
			h();	/* no runtime to catch for us: a throw goes on up */
		return h != NULL;
	}
	pending = h ? h : throw_instead;
	pending_scope = scope;
	p = runtime_nothrow_new ? runtime_nothrow_new(CAUGHT_CALL, &nothrow_tag) :
		runtime_aligned_nothrow_new(CAUGHT_CALL, FP_JE_MIN_BLOCK, &nothrow_tag);
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

static __attribute__((always_inline)) inline void *
allocate_nothrow(size_t size, size_t align, enum fp_call call, const void *caller,
		 const void *cfa)
{
	if (FP_LIKELY(fp_hooks.pass_alloc) && !align) {
		void *p = fp_je.malloc(size);

		if (p)
			return p;
	}
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
		throw_bad_alloc(caller_scope(caller));
	return allocate(size, align, call, caller, cfa);
}

static __attribute__((always_inline)) inline void *allocate_aligned_nothrow(size_t size, size_t align, enum fp_call call,
				      const void *caller, const void *cfa)
{
	if (bad_alignment(align, call))
		return NULL;
	return allocate_nothrow(size, align, call, caller, cfa);
}

/*
 * Forms the program replaced. The default behaviour of every form but the
 * four roots (operator new(size_t) and new(size_t, align_val_t), and the
 * two deletes they pair with) is to call another form: new[] calls new, a
 * nothrow form its throwing one, a sized delete the unsized one; the C++
 * runtime's own forms do exactly that. A program may replace only a root
 * (a tracking allocator that puts a header before each block, say) and
 * every other form it uses must then reach its replacement, while the
 * program's calls bind to the shim's forms: a form whose chain reaches a
 * replacement forwards to the runtime's own form, which calls on up. The
 * names are looked up at the first call of any non-root form (never in a
 * C program, and never on the root forms' path): a definition found
 * before the shim's (the executable's, an earlier preloaded object's) is a
 * replacement.
 */
enum form {
	NEW, NEW_ARRAY, NEW_NOTHROW, NEW_ARRAY_NOTHROW,
	NEW_ALIGNED, NEW_ARRAY_ALIGNED, NEW_ALIGNED_NOTHROW, NEW_ARRAY_ALIGNED_NOTHROW,
	DELETE, DELETE_ARRAY, DELETE_SIZED, DELETE_ARRAY_SIZED,
	DELETE_NOTHROW, DELETE_ARRAY_NOTHROW,
	DELETE_ALIGNED, DELETE_ARRAY_ALIGNED, DELETE_SIZED_ALIGNED, DELETE_ARRAY_SIZED_ALIGNED,
	DELETE_ALIGNED_NOTHROW, DELETE_ARRAY_ALIGNED_NOTHROW,
	FORMS
};

/* Each form's name and the form it calls (a parent comes before its children). */
static const struct {
	const char *name;
	signed char calls;
} forms[FORMS] = {
	[NEW] = { "_Znwm", -1 },
	[NEW_ARRAY] = { "_Znam", NEW },
	[NEW_NOTHROW] = { "_ZnwmRKSt9nothrow_t", NEW },
	[NEW_ARRAY_NOTHROW] = { "_ZnamRKSt9nothrow_t", NEW_ARRAY },
	[NEW_ALIGNED] = { "_ZnwmSt11align_val_t", -1 },
	[NEW_ARRAY_ALIGNED] = { "_ZnamSt11align_val_t", NEW_ALIGNED },
	[NEW_ALIGNED_NOTHROW] = { "_ZnwmSt11align_val_tRKSt9nothrow_t", NEW_ALIGNED },
	[NEW_ARRAY_ALIGNED_NOTHROW] = { "_ZnamSt11align_val_tRKSt9nothrow_t", NEW_ARRAY_ALIGNED },
	[DELETE] = { "_ZdlPv", -1 },
	[DELETE_ARRAY] = { "_ZdaPv", DELETE },
	[DELETE_SIZED] = { "_ZdlPvm", DELETE },
	[DELETE_ARRAY_SIZED] = { "_ZdaPvm", DELETE_ARRAY },
	[DELETE_NOTHROW] = { "_ZdlPvRKSt9nothrow_t", DELETE },
	[DELETE_ARRAY_NOTHROW] = { "_ZdaPvRKSt9nothrow_t", DELETE_ARRAY },
	[DELETE_ALIGNED] = { "_ZdlPvSt11align_val_t", -1 },
	[DELETE_ARRAY_ALIGNED] = { "_ZdaPvSt11align_val_t", DELETE_ALIGNED },
	[DELETE_SIZED_ALIGNED] = { "_ZdlPvmSt11align_val_t", DELETE_ALIGNED },
	[DELETE_ARRAY_SIZED_ALIGNED] = { "_ZdaPvmSt11align_val_t", DELETE_ARRAY_ALIGNED },
	[DELETE_ALIGNED_NOTHROW] = { "_ZdlPvSt11align_val_tRKSt9nothrow_t", DELETE_ALIGNED },
	[DELETE_ARRAY_ALIGNED_NOTHROW] = { "_ZdaPvSt11align_val_tRKSt9nothrow_t",
					  DELETE_ARRAY_ALIGNED },
};

/* The runtime's form to run instead of the shim's; NULL: the shim's own. */
#define UNSETTLED	((void *)1)
static void *_Atomic forward[FORMS] = { [0 ... FORMS - 1] = UNSETTLED };

/*
 * Settles every form at once (two threads may both do it: same result),
 * and returns @f's.
 * Context: the program's first call of a non-root form; never inside malloc.
 */
static FP_NOINLINE void *settle(enum form f)
{
	_Bool leaves_shim[FORMS];
	Dl_info self, def;
	int have_self = dladdr((void *)forward, &self) != 0;

	for (int i = 0; i < FORMS; i++) {
		void *p = dlsym(RTLD_DEFAULT, forms[i].name);
		int up = forms[i].calls;
		void *to = NULL;

		if (up >= 0 && leaves_shim[up])
			to = dlsym(RTLD_NEXT, forms[i].name);
		leaves_shim[i] = to || (have_self && p && dladdr(p, &def) &&
					def.dli_fbase != self.dli_fbase);
		atomic_store_explicit(&forward[i], to, memory_order_relaxed);
	}
	atomic_store_explicit(&new_replaced, leaves_shim[NEW], memory_order_relaxed);
	return atomic_load_explicit(&forward[f], memory_order_relaxed);
}

/*
 * How a non-root form @fn (forms[@f]) begins: one load, and when the
 * runtime's form must run instead, or nothing is settled yet, a tail call
 * to fn##_other (out of line, so that the shim's own path saves nothing).
 * That settles the forms if need be and runs the runtime's form, or the
 * shim's own again through fn##_self (a local alias: the program's symbol
 * is the program's). Tail calls keep the program's return address and CFA,
 * which the shim's path takes as the call's site.
 */
#define NON_ROOT(fn, mangled, ret, f, params, ...) \
	static __typeof__(fn) fn##_self __attribute__((alias(#mangled))); \
	static FP_NOINLINE ret fn##_other params \
	{ \
		void *to = atomic_load_explicit(&forward[f], memory_order_relaxed); \
		if (to == UNSETTLED) \
			to = settle(f); \
		if (to) \
			return ((__typeof__(&fn))to)(__VA_ARGS__); \
		return fn##_self(__VA_ARGS__); \
	}
#define BEGIN_NON_ROOT(fn, f, ...) do { \
		if (FP_UNLIKELY(atomic_load_explicit(&forward[f], memory_order_relaxed))) \
			return fn##_other(__VA_ARGS__); \
	} while (0)

/* operator new(size_t) and the rest, by their mangled names. */
FP_EXPORT void *fp_new(size_t size) CXX(_Znwm);
FP_EXPORT void *fp_new_aligned(size_t size, size_t al) CXX(_ZnwmSt11align_val_t);

void *fp_new(size_t size)
{
	return allocate(size, 0, FP_CALL_NEW, CALLER);
}

void *fp_new_aligned(size_t size, size_t al)
{
	return allocate_aligned(size, al, FP_CALL_NEW, CALLER);
}

/* A non-root operator new: @body unless the runtime's form runs instead. */
#define OPERATOR_NEW(fn, mangled, f, params, body, ...) \
	FP_EXPORT void *fn params CXX(mangled); \
	NON_ROOT(fn, mangled, void *, f, params, __VA_ARGS__) \
	void *fn params \
	{ \
		BEGIN_NON_ROOT(fn, f, __VA_ARGS__); \
		return body; \
	}

OPERATOR_NEW(fp_new_array, _Znam, NEW_ARRAY, (size_t size),
	     allocate(size, 0, FP_CALL_NEW_ARRAY, CALLER), size)
OPERATOR_NEW(fp_new_nothrow, _ZnwmRKSt9nothrow_t, NEW_NOTHROW, (size_t size, const void *nt),
	     allocate_nothrow(size, 0, FP_CALL_NEW, CALLER), size, nt)
OPERATOR_NEW(fp_new_array_nothrow, _ZnamRKSt9nothrow_t, NEW_ARRAY_NOTHROW,
	     (size_t size, const void *nt),
	     allocate_nothrow(size, 0, FP_CALL_NEW_ARRAY, CALLER), size, nt)
OPERATOR_NEW(fp_new_array_aligned, _ZnamSt11align_val_t, NEW_ARRAY_ALIGNED,
	     (size_t size, size_t al),
	     allocate_aligned(size, al, FP_CALL_NEW_ARRAY, CALLER), size, al)
OPERATOR_NEW(fp_new_aligned_nothrow, _ZnwmSt11align_val_tRKSt9nothrow_t, NEW_ALIGNED_NOTHROW,
	     (size_t size, size_t al, const void *nt),
	     allocate_aligned_nothrow(size, al, FP_CALL_NEW, CALLER), size, al, nt)
OPERATOR_NEW(fp_new_array_aligned_nothrow, _ZnamSt11align_val_tRKSt9nothrow_t,
	     NEW_ARRAY_ALIGNED_NOTHROW, (size_t size, size_t al, const void *nt),
	     allocate_aligned_nothrow(size, al, FP_CALL_NEW_ARRAY, CALLER), size, al, nt)

/* Every operator delete: the size, alignment and nothrow arguments change nothing. */
FP_EXPORT void fp_delete(void *p) CXX(_ZdlPv);
FP_EXPORT void fp_delete_aligned(void *p, size_t al) CXX(_ZdlPvSt11align_val_t);

void fp_delete(void *p)
{
	fp_alloc_delete(p, FP_CALL_DELETE, CALLER);
}

void fp_delete_aligned(void *p, size_t al)
{
	fp_alloc_delete(p, FP_CALL_DELETE, CALLER);
}

/* A non-root operator delete: the shim's unless the runtime's form runs instead. */
#define OPERATOR_DELETE(fn, mangled, call, f, params, ...) \
	FP_EXPORT void fn params CXX(mangled); \
	NON_ROOT(fn, mangled, void, f, params, __VA_ARGS__) \
	void fn params \
	{ \
		BEGIN_NON_ROOT(fn, f, __VA_ARGS__); \
		fp_alloc_delete(p, call, CALLER); \
	}

OPERATOR_DELETE(fp_delete_array, _ZdaPv, FP_CALL_DELETE_ARRAY, DELETE_ARRAY, (void *p), p)
OPERATOR_DELETE(fp_delete_sized, _ZdlPvm, FP_CALL_DELETE, DELETE_SIZED, (void *p, size_t n), p, n)
OPERATOR_DELETE(fp_delete_array_sized, _ZdaPvm, FP_CALL_DELETE_ARRAY, DELETE_ARRAY_SIZED,
		(void *p, size_t n), p, n)
OPERATOR_DELETE(fp_delete_nothrow, _ZdlPvRKSt9nothrow_t, FP_CALL_DELETE, DELETE_NOTHROW,
		(void *p, const void *nt), p, nt)
OPERATOR_DELETE(fp_delete_array_nothrow, _ZdaPvRKSt9nothrow_t, FP_CALL_DELETE_ARRAY,
		DELETE_ARRAY_NOTHROW, (void *p, const void *nt), p, nt)
OPERATOR_DELETE(fp_delete_array_aligned, _ZdaPvSt11align_val_t, FP_CALL_DELETE_ARRAY,
		DELETE_ARRAY_ALIGNED, (void *p, size_t al), p, al)
OPERATOR_DELETE(fp_delete_sized_aligned, _ZdlPvmSt11align_val_t, FP_CALL_DELETE,
		DELETE_SIZED_ALIGNED, (void *p, size_t n, size_t al), p, n, al)
OPERATOR_DELETE(fp_delete_array_sized_aligned, _ZdaPvmSt11align_val_t, FP_CALL_DELETE_ARRAY,
		DELETE_ARRAY_SIZED_ALIGNED, (void *p, size_t n, size_t al), p, n, al)
OPERATOR_DELETE(fp_delete_aligned_nothrow, _ZdlPvSt11align_val_tRKSt9nothrow_t, FP_CALL_DELETE,
		DELETE_ALIGNED_NOTHROW, (void *p, size_t al, const void *nt), p, al, nt)
OPERATOR_DELETE(fp_delete_array_aligned_nothrow, _ZdaPvSt11align_val_tRKSt9nothrow_t,
		FP_CALL_DELETE_ARRAY, DELETE_ARRAY_ALIGNED_NOTHROW,
		(void *p, size_t al, const void *nt), p, al, nt)

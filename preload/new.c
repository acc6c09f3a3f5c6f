/*
 * Every C++ operator new and delete, in C under their Itanium ABI names: a
 * C program that loads C++ code would otherwise allocate behind the shim's
 * back through the C++ runtime's own operators. Each operator tries
 * jemalloc's fast path and otherwise tail-calls lib/cxxnew.c, which runs
 * the new-handler protocol and throws std::bad_alloc through the program's
 * own C++ runtime (the shim links none). Built with -fexceptions:
 * exceptions pass through these functions.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdatomic.h>

#include "alloc.h"
#include "cxxnew.h"

#define FP_EXPORT	__attribute__((visibility("default")))
/* The program's call site: return address, and the operator's CFA (chain.h). */
#define CALLER		__builtin_return_address(0), __builtin_dwarf_cfa()
#define CXX(name)	__asm__(#name)

static __attribute__((always_inline)) inline void *
allocate(size_t size, size_t align, enum fp_call call, const void *caller, const void *cfa)
{
	if (FP_LIKELY(fp_hooks.pass_alloc) && !align) {
		void *p = fp_je.malloc(size);

		if (p)
			return p;
	}
	return fp_cxx_new(size, align, call, caller, cfa);
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
	return fp_cxx_new_nothrow(size, align, call, caller, cfa);
}

/* The aligned forms: an alignment that is not a power of two fails at once. */
static inline int bad_alignment(size_t align)
{
	return FP_UNLIKELY(!align || (align & (align - 1)));
}

static __attribute__((always_inline)) inline void *
allocate_aligned(size_t size, size_t align, enum fp_call call, const void *caller,
		 const void *cfa)
{
	if (bad_alignment(align))
		return fp_cxx_new_refused(call, caller);
	return allocate(size, align, call, caller, cfa);
}

static __attribute__((always_inline)) inline void *
allocate_aligned_nothrow(size_t size, size_t align, enum fp_call call, const void *caller,
			 const void *cfa)
{
	if (bad_alignment(align)) {
		fp_alloc_new_refused(call);
		return NULL;
	}
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
	atomic_store_explicit(&fp_cxx_new_replaced, leaves_shim[NEW], memory_order_relaxed);
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

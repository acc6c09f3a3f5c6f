/*
 * Every C++ operator new and delete. Debian's libjemalloc exports its own,
 * so without these a C program that loads C++ code would allocate behind
 * the shim's back. Throwing forms run the new-handler protocol and throw
 * std::bad_alloc exactly as libstdc++ does; nothrow forms return nullptr.
 */
#include "config.h"

#include <cstddef>
#include <new>

extern "C" {
#include "alloc.h"
}

#define FP_EXPORT	__attribute__((visibility("default")))
/* The program's call site: return address, and the operator's CFA (chain.h). */
#define CALLER		__builtin_return_address(0), __builtin_dwarf_cfa()

namespace {

void *allocate(std::size_t size, std::size_t align, fp_call call,
	       const void *caller, const void *cfa)
{
	if (FP_LIKELY(fp_hooks.pass_alloc) && !align) {
		void *p = fp_je.malloc(size);

		if (p)
			return p;
	}
	for (;;) {
		void *p = fp_alloc_new(size, align, call, caller, cfa);

		if (p)
			return p;
		std::new_handler handler = std::get_new_handler();
		if (!handler)
			throw std::bad_alloc();
		handler();
	}
}

void *allocate_nothrow(std::size_t size, std::size_t align, fp_call call,
		       const void *caller, const void *cfa) noexcept
{
	try {
		return allocate(size, align, call, caller, cfa);
	} catch (...) {
		return nullptr;
	}
}

/*
 * The aligned forms: an alignment that is not a power of two (0 included)
 * fails at once, without the new-handler, as libstdc++'s new_opa.cc does.
 */
inline bool bad_alignment(std::size_t align, fp_call call) noexcept
{
	if (FP_LIKELY(align && !(align & (align - 1))))
		return false;
	fp_alloc_new_refused(call);
	return true;
}

void *allocate_aligned(std::size_t size, std::size_t align, fp_call call,
		       const void *caller, const void *cfa)
{
	if (bad_alignment(align, call))
		throw std::bad_alloc();
	return allocate(size, align, call, caller, cfa);
}

void *allocate_aligned_nothrow(std::size_t size, std::size_t align, fp_call call,
			       const void *caller, const void *cfa) noexcept
{
	if (bad_alignment(align, call))
		return nullptr;
	return allocate_nothrow(size, align, call, caller, cfa);
}

} // namespace

FP_EXPORT void *operator new(std::size_t size)
{
	return allocate(size, 0, FP_CALL_NEW, CALLER);
}

FP_EXPORT void *operator new[](std::size_t size)
{
	return allocate(size, 0, FP_CALL_NEW_ARRAY, CALLER);
}

FP_EXPORT void *operator new(std::size_t size, const std::nothrow_t &) noexcept
{
	return allocate_nothrow(size, 0, FP_CALL_NEW, CALLER);
}

FP_EXPORT void *operator new[](std::size_t size, const std::nothrow_t &) noexcept
{
	return allocate_nothrow(size, 0, FP_CALL_NEW_ARRAY, CALLER);
}

FP_EXPORT void *operator new(std::size_t size, std::align_val_t al)
{
	return allocate_aligned(size, static_cast<std::size_t>(al), FP_CALL_NEW, CALLER);
}

FP_EXPORT void *operator new[](std::size_t size, std::align_val_t al)
{
	return allocate_aligned(size, static_cast<std::size_t>(al), FP_CALL_NEW_ARRAY, CALLER);
}

FP_EXPORT void *operator new(std::size_t size, std::align_val_t al,
			     const std::nothrow_t &) noexcept
{
	return allocate_aligned_nothrow(size, static_cast<std::size_t>(al), FP_CALL_NEW, CALLER);
}

FP_EXPORT void *operator new[](std::size_t size, std::align_val_t al,
			       const std::nothrow_t &) noexcept
{
	return allocate_aligned_nothrow(size, static_cast<std::size_t>(al), FP_CALL_NEW_ARRAY, CALLER);
}

FP_EXPORT void operator delete(void *p) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE, CALLER);
}

FP_EXPORT void operator delete[](void *p) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE_ARRAY, CALLER);
}

FP_EXPORT void operator delete(void *p, std::size_t) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE, CALLER);
}

FP_EXPORT void operator delete[](void *p, std::size_t) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE_ARRAY, CALLER);
}

FP_EXPORT void operator delete(void *p, const std::nothrow_t &) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE, CALLER);
}

FP_EXPORT void operator delete[](void *p, const std::nothrow_t &) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE_ARRAY, CALLER);
}

FP_EXPORT void operator delete(void *p, std::align_val_t) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE, CALLER);
}

FP_EXPORT void operator delete[](void *p, std::align_val_t) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE_ARRAY, CALLER);
}

FP_EXPORT void operator delete(void *p, std::size_t, std::align_val_t) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE, CALLER);
}

FP_EXPORT void operator delete[](void *p, std::size_t, std::align_val_t) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE_ARRAY, CALLER);
}

FP_EXPORT void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE, CALLER);
}

FP_EXPORT void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept
{
	fp_alloc_delete(p, FP_CALL_DELETE_ARRAY, CALLER);
}

/*
 * The C++ operators' failure paths (lib/cxxnew.c): the new-handler
 * protocol, std::bad_alloc thrown through the program's own C++ runtime,
 * and the nothrow forms' NULL. preload/new.c tail-calls these from each
 * exported operator once jemalloc's fast path has not served the request,
 * so that a frame of the shim between the program and the runtime is one.
 */
#ifndef FP_CXXNEW_H
#define FP_CXXNEW_H

#include <stdatomic.h>
#include <stddef.h>

#include "calls.h"

/*
 * A request no allocation can answer (jemalloc's front refuses it at
 * once): the C++ runtime's nothrow operator calls the shim's operator new
 * with it while fp_cxx_pending is set, to run that new-handler (or throw)
 * where the runtime catches.
 */
#define FP_CXX_CAUGHT_CALL	((size_t)-2)
extern __thread void (*fp_cxx_pending)(void) __attribute__((tls_model("initial-exec")));

/* Whether the program replaced operator new(size_t) (preload/new.c tells). */
extern _Atomic _Bool fp_cxx_new_replaced;

/**
 * fp_cxx_new() - a throwing operator new past the fast path: the request
 * counted and served or failed, the new-handler run while one is set, else
 * std::bad_alloc thrown; or, for FP_CXX_CAUGHT_CALL with fp_cxx_pending set,
 * that handler run instead (fp_cxx_run_pending()).
 * Context: the program's operator new (never inside malloc).
 * Return: the block.
 */
void *fp_cxx_new(size_t size, size_t align, enum fp_call call, const void *caller,
		 const void *cfa);

/**
 * fp_cxx_new_nothrow() - fp_cxx_new() for a nothrow form: NULL where that
 * one throws, a throwing new-handler included.
 * Context: the program's operator new (never inside malloc).
 */
void *fp_cxx_new_nothrow(size_t size, size_t align, enum fp_call call, const void *caller,
			 const void *cfa);

/**
 * fp_cxx_new_refused() - an aligned operator new whose alignment is not a
 * power of two: counted (fp_alloc_new_refused()) and std::bad_alloc thrown
 * at once, without the new-handler, as libstdc++'s new_opa.cc does.
 * Context: the program's operator new.
 */
__attribute__((noreturn)) void *fp_cxx_new_refused(enum fp_call call, const void *caller);

/* Run the pending new-handler (fp_cxx_pending); its return says it returned. */
void *fp_cxx_run_pending(void);

#endif

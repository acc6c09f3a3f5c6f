/* The only door to libunwind: stack capture and procedure names. */
#ifndef FP_UNWIND_H
#define FP_UNWIND_H

#include <stddef.h>
#include <stdint.h>

/**
 * fp_unwind_capture() - the return addresses of the stack above the
 * interposed function, innermost first, starting at @caller (the return
 * address the entry point was called with). Frames of the shim itself are
 * dropped by finding @caller in the unwound chain. Call under the
 * reentrancy guard: libunwind may allocate.
 * @ips:   filled with up to @depth addresses
 * Return: how many were filled, at least 1 (@caller alone when the chain
 * does not contain it).
 */
unsigned fp_unwind_capture(const void *caller, const void **ips,
			   unsigned depth);

/**
 * fp_unwind_proc_name() - the name of the procedure holding @ip from the
 * object's symbol tables (.symtab included, so static functions of an
 * unstripped object are named). Slow (tens of microseconds): call once per
 * code address, under the reentrancy guard, never per allocation.
 * Return: 0 with @name and *@offset filled, or -1.
 */
int fp_unwind_proc_name(const void *ip, char *name, size_t size,
			uintptr_t *offset);

#endif

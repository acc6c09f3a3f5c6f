/* libunwind glue (local unwinding only). */
#include "config.h"
#include "unwind.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

int fp_unwind_proc_name(const void *ip, char *name, size_t size,
			uintptr_t *offset)
{
	unw_context_t context;
	unw_cursor_t cursor;
	unw_proc_info_t info;
	unw_word_t off = 0;

	if (unw_getcontext(&context) || unw_init_local(&cursor, &context))
		return -1;
	/* A local cursor named at any address: libunwind then looks @ip up. */
	if (unw_set_reg(&cursor, UNW_REG_IP, (unw_word_t)(uintptr_t)ip))
		return -1;
	if (unw_get_proc_name(&cursor, name, size, &off))
		return -1;
	/*
	 * In a stripped object the nearest preceding symbol is some other
	 * function: believe the name only when it starts where the unwind info
	 * says this function starts.
	 */
	if (unw_get_proc_info(&cursor, &info) == 0 && info.start_ip &&
	    (uintptr_t)ip - off != (uintptr_t)info.start_ip)
		return -1;
	*offset = (uintptr_t)off;
	return 0;
}

unsigned fp_unwind_walk(const void *caller, const void *cfa, const void **ips,
			const void *const **slots, unsigned depth)
{
	unw_context_t context;
	unw_cursor_t cursor;
	unw_word_t ip, sp;
	unsigned n = 0, skipped = 0;

	if (unw_getcontext(&context) || unw_init_local(&cursor, &context))
		return 0;
	/* Up through the shim's frames to the program's frame 0. */
	for (;;) {
		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) ||
		    unw_get_reg(&cursor, UNW_REG_SP, &sp))
			return 0;
		if ((const void *)ip == caller && (const void *)sp == cfa)
			break;
		if (++skipped > FP_UNWIND_SHIM_FRAMES || unw_step(&cursor) <= 0)
			return 0;
	}
	for (;;) {
		/* A call pushes the return address just below the caller's SP. */
		const void *const *slot = (const void *const *)sp - 1;
		int more;

		if (*slot != (const void *)ip)
			return 0;	/* a signal frame, say: not provable */
		ips[n] = (const void *)ip;
		slots[n] = slot;
		if (++n == depth)
			return n;
		more = unw_step(&cursor);
		if (more < 0)
			return 0;
		if (more == 0)
			return n;	/* the outermost frame */
		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) ||
		    unw_get_reg(&cursor, UNW_REG_SP, &sp))
			return 0;
	}
}

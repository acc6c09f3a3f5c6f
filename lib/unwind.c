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

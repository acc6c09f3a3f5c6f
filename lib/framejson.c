/*
 * The one frame formatter. No snprintf: the crash line is written from a
 * fatal-signal handler, where only hand-made digits are safe.
 */
#include "config.h"
#include "framejson.h"

#include <stdatomic.h>
#include <string.h>

#include "jsonw.h"
#include "site.h"

_Static_assert(sizeof(((struct fp_frame_info *)0)->object) <= 64,
	      "FP_FRAMEJSON_MAX counts 63 bytes of object name");

size_t fp_framejson_hex(char *buf, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 60;
	size_t n = 2;

	buf[0] = '0';
	buf[1] = 'x';
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		buf[n++] = hex[(v >> shift) & 15];
	return n;
}

const char *fp_framejson_name(struct fp_frame_info *f, int may_name, uintptr_t *off)
{
	if (may_name)
		fp_frame_name(f);
	/* Acquire: the names were stored before named became 1. */
	else if (atomic_load_explicit(&f->named, memory_order_acquire) != 1)
		return NULL;
	*off = f->function_offset;
	return f->demangled ? f->demangled : f->function;
}

void fp_framejson_write(struct fp_jsonw *w, struct fp_frame_info *f, int may_name)
{
	char hex[19];
	const char *name;
	uintptr_t off;

	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "object");
	fp_jsonw_strn(w, f->object, strnlen(f->object, sizeof(f->object)));
	fp_jsonw_key(w, "offset");
	fp_jsonw_strn(w, hex, fp_framejson_hex(hex, f->offset));
	fp_jsonw_key(w, "symbol");
	name = fp_framejson_name(f, may_name, &off);
	if (name) {
		fp_jsonw_str_begin(w);
		fp_jsonw_str_add(w, name, strnlen(name, FP_FRAMEJSON_NAME_MAX));
		fp_jsonw_str_add(w, "+", 1);
		fp_jsonw_str_add(w, hex, fp_framejson_hex(hex, off));
		fp_jsonw_str_end(w);
	} else {
		fp_jsonw_null(w);
	}
	fp_jsonw_obj_end(w);
}

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

static size_t put_lit(char *to, const char *lit, size_t n)
{
	memcpy(to, lit, n);
	return n;
}

/*
 * A frame not named whose object needs no escape, the common case in a
 * report (frames are named offline): its text made here in one piece,
 * what the general path below writes in eleven.
 */
static int write_plain(struct fp_jsonw *w, const struct fp_frame_info *f)
{
	char buf[sizeof(f->object) + 64];
	size_t object = strnlen(f->object, sizeof(f->object)), n = 0;

	if (fp_jsonw_plain_len(f->object, object) != object)
		return 0;
	n += put_lit(buf + n, "{\"object\":\"", 11);
	n += put_lit(buf + n, f->object, object);
	n += put_lit(buf + n, "\",\"offset\":\"", 12);
	n += fp_framejson_hex(buf + n, f->offset);
	n += put_lit(buf + n, "\",\"symbol\":null}", 16);
	fp_jsonw_value_raw(w, buf, n);
	return 1;
}

void fp_framejson_write(struct fp_jsonw *w, struct fp_frame_info *f, int may_name)
{
	char hex[19];
	const char *name;
	uintptr_t off;

	name = fp_framejson_name(f, may_name, &off);
	if (!name && write_plain(w, f))
		return;
	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "object");
	fp_jsonw_strn(w, f->object, strnlen(f->object, sizeof(f->object)));
	fp_jsonw_key(w, "offset");
	fp_jsonw_strn(w, hex, fp_framejson_hex(hex, f->offset));
	fp_jsonw_key(w, "symbol");
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

/*
 * One stack frame as JSON, {"object", "offset", "symbol"}: the report's
 * sites and crash record and every FAILPOOL_LOG line write frames with this
 * one formatter, so they cannot disagree.
 */
#ifndef FP_FRAMEJSON_H
#define FP_FRAMEJSON_H

#include <stddef.h>
#include <stdint.h>

struct fp_jsonw;
struct fp_frame_info;

/*
 * Bytes of a function name kept in "symbol" (demangled C++ names of deep
 * template code pass 2 KB); longer ones are cut there, still valid JSON.
 */
#define FP_FRAMEJSON_NAME_MAX	4096

/*
 * The most one frame object can take: every byte of the object's basename
 * (63) and of the name escaped as \u00XX (6 bytes), the keys, quotes and
 * 16 hex digits twice. A fixed buffer sized from it never overflows.
 */
#define FP_FRAMEJSON_MAX	(6 * (63 + FP_FRAMEJSON_NAME_MAX) + 128)

/**
 * fp_framejson_write() - @f as one JSON object: "object" (basename), "offset"
 * ("0x..." from the object's load bias) and "symbol" ("name+0xoff",
 * demangled when C++, or null when unknown).
 * @may_name: 1 to name the frame first if it is not named yet (locks and
 *            allocates: never from a signal handler); 0 to write the name
 *            only when the frame is already named, null otherwise.
 *
 * Context: with @may_name 0, async-signal-safe when @w's sink is (no lock,
 * no allocation, no stdio).
 */
void fp_framejson_write(struct fp_jsonw *w, struct fp_frame_info *f, int may_name);

/**
 * fp_framejson_name() - the name of @f and its offset from the function's
 * start, naming it first when @may_name (as above).
 * Context: any: allocation-free and lock-free (a log line inside malloc, the
 * report, a signal handler's crash line).
 * Return: the demangled or raw name, or NULL when unknown (or not named
 * yet and !@may_name).
 */
const char *fp_framejson_name(struct fp_frame_info *f, int may_name, uintptr_t *off);

/**
 * fp_framejson_hex() - "0x" and @v in lower-case hex, no padding, into
 * @buf (at least 19 bytes; not terminated).
 * Context: any: allocation-free and lock-free.
 * Return: the length.
 */
size_t fp_framejson_hex(char *buf, uint64_t v);

#endif

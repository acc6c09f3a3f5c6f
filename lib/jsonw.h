/*
 * A streaming JSON writer over write(2) with a fixed buffer: no malloc, no
 * stdio, so the report can be written from exit paths and signal handlers.
 * Commas and nesting are tracked; strings are escaped per RFC 8259 (bytes
 * that are not valid UTF-8 become \u00XX of the byte, so output is valid).
 */
#ifndef FP_JSONW_H
#define FP_JSONW_H

#include <stddef.h>
#include <stdint.h>

#define FP_JSONW_BUF	8192
#define FP_JSONW_DEPTH	32

struct fp_jsonw {
	int fd;
	int err;			/* first write error, -errno */
	unsigned depth;
	unsigned char first[FP_JSONW_DEPTH];	/* no element yet at depth */
	unsigned char after_key;
	size_t len;
	char buf[FP_JSONW_BUF];
};

void fp_jsonw_init(struct fp_jsonw *w, int fd);
void fp_jsonw_obj_begin(struct fp_jsonw *w);
void fp_jsonw_obj_end(struct fp_jsonw *w);
void fp_jsonw_arr_begin(struct fp_jsonw *w);
void fp_jsonw_arr_end(struct fp_jsonw *w);
void fp_jsonw_key(struct fp_jsonw *w, const char *key);
void fp_jsonw_str(struct fp_jsonw *w, const char *s);
void fp_jsonw_strn(struct fp_jsonw *w, const char *s, size_t n);
void fp_jsonw_u64(struct fp_jsonw *w, uint64_t v);
void fp_jsonw_i64(struct fp_jsonw *w, int64_t v);
/* Finite doubles in shortest round-trip-safe form ("%.17g"); NaN/inf: null. */
void fp_jsonw_double(struct fp_jsonw *w, double v);
void fp_jsonw_bool(struct fp_jsonw *w, int v);
void fp_jsonw_null(struct fp_jsonw *w);
/* A string of the form "%016llx" (site ids). */
void fp_jsonw_hex(struct fp_jsonw *w, uint64_t v);

/**
 * fp_jsonw_flush() - write out what is buffered.
 * Return: 0, or the first -errno met by any write so far.
 */
int fp_jsonw_flush(struct fp_jsonw *w);

#endif

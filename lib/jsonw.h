/*
 * A streaming JSON writer with no malloc of its own and no stdio, so the
 * report and the log can be written from exit paths and signal handlers.
 * Two sinks, one encoder: a file descriptor (a fixed buffer flushed with
 * write(2): the report) or memory (one whole text, to be written with a
 * single write(2) by the caller: a log line). Commas and nesting are
 * tracked; strings are escaped per RFC 8259, so output is valid UTF-8: a
 * byte that is not part of valid UTF-8 becomes the lone low surrogate
 * \udcXX of the byte, which tools/json.c reads back as that byte.
 */
#ifndef FP_JSONW_H
#define FP_JSONW_H

#include <stddef.h>
#include <stdint.h>

#define FP_JSONW_BUF	8192
#define FP_JSONW_DEPTH	32

/*
 * Where a memory sink that may grow gets more room: the caller's allocator
 * (the shim's own arena), since this writer is also used where malloc is
 * not allowed. alloc must return @size bytes or NULL.
 */
struct fp_jsonw_mem {
	void *(*alloc)(size_t size);
	void (*free)(void *ptr);
};

struct fp_jsonw {
	int fd;				/* the fd sink's */
	int err;			/* first write error, -errno */
	unsigned depth;
	unsigned char first[FP_JSONW_DEPTH];	/* no element yet at depth */
	unsigned char after_key;
	unsigned char to_mem;		/* the memory sink */
	char *buf;			/* fdbuf, or the memory sink's text */
	size_t len, cap;
	const struct fp_jsonw_mem *grow;	/* NULL: the memory sink is fixed */
	char *given;			/* the caller's buffer (never freed here) */
	char fdbuf[FP_JSONW_BUF];
};

/**
 * fp_jsonw_init() - the fd sink: output is buffered, then written to @fd.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_init(struct fp_jsonw *w, int fd);

/**
 * fp_jsonw_init_mem() - the memory sink: output accumulates in @buf
 * (@cap bytes; NULL: the writer's own FP_JSONW_BUF bytes) and stays there
 * until the caller takes it (w->buf, w->len). When it is full, @grow (if
 * not NULL) gives a larger buffer, the text is moved there and the old one
 * freed unless it was @buf; without @grow, or when @grow fails, the text
 * stops growing and w->err is -ENOSPC or -ENOMEM. With @grow NULL nothing
 * allocates: usable in a signal handler. Release with fp_jsonw_mem_free().
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_init_mem(struct fp_jsonw *w, char *buf, size_t cap,
		       const struct fp_jsonw_mem *grow);

/**
 * fp_jsonw_mem_free() - give back what the memory sink grew into.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_mem_free(struct fp_jsonw *w);

/**
 * fp_jsonw_raw() - @n bytes as they are, outside the JSON structure: a
 * line's "\n", or plain text built in the memory sink.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_raw(struct fp_jsonw *w, const char *s, size_t n);

/**
 * fp_jsonw_value_raw() - a value given as JSON text (@n bytes of @s, the
 * caller's to make valid), with the separator a value takes before it.
 * Context: as fp_jsonw_raw().
 */
void fp_jsonw_value_raw(struct fp_jsonw *w, const char *s, size_t n);

/**
 * fp_jsonw_plain_len() - how many of the first @n bytes of @s a JSON
 * string takes as they are (printable ASCII but '"' and '\\'): @n when
 * @s needs no escape.
 * Context: any (pure).
 */
size_t fp_jsonw_plain_len(const char *s, size_t n);

/**
 * fp_jsonw_obj_begin() - write a JSON object's "{".
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_obj_begin(struct fp_jsonw *w);

/**
 * fp_jsonw_obj_end() - write a JSON object's "}".
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_obj_end(struct fp_jsonw *w);

/**
 * fp_jsonw_arr_begin() - write a JSON array's "[".
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_arr_begin(struct fp_jsonw *w);

/**
 * fp_jsonw_arr_end() - write a JSON array's "]".
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_arr_end(struct fp_jsonw *w);

/**
 * fp_jsonw_key() - write a JSON key (and the comma before it).
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_key(struct fp_jsonw *w, const char *key);

/**
 * fp_jsonw_str() - write a JSON string, escaped.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_str(struct fp_jsonw *w, const char *s);

/**
 * fp_jsonw_strn() - write a JSON string of @n bytes, escaped.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_strn(struct fp_jsonw *w, const char *s, size_t n);

/**
 * fp_jsonw_str_begin() - one string value in pieces: fp_jsonw_str_begin, any
 * number of fp_jsonw_str_add, fp_jsonw_str_end (a name and its "+0x..." without
 * formatting them together first). Each piece is escaped on its own: a
 * UTF-8 sequence cut between two pieces comes out as \udcXX bytes, which
 * read back as the same bytes.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_str_begin(struct fp_jsonw *w);

/**
 * fp_jsonw_str_add() - write a JSON string's next bytes, escaped.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_str_add(struct fp_jsonw *w, const char *s, size_t n);

/**
 * fp_jsonw_str_end() - write a JSON string's closing quote.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_str_end(struct fp_jsonw *w);

/**
 * fp_jsonw_u64() - write a JSON unsigned number.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_u64(struct fp_jsonw *w, uint64_t v);

/**
 * fp_jsonw_i64() - write a JSON signed number.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_i64(struct fp_jsonw *w, int64_t v);

/**
 * fp_jsonw_double() - finite doubles in shortest round-trip-safe form
 * ("%.17g"); NaN/inf: null.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_double(struct fp_jsonw *w, double v);

/**
 * fp_jsonw_bool() - write a JSON true or false.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_bool(struct fp_jsonw *w, int v);

/**
 * fp_jsonw_null() - write a JSON null.
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_null(struct fp_jsonw *w);

/**
 * fp_jsonw_hex() - A string of the form "%016llx" (site ids).
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 */
void fp_jsonw_hex(struct fp_jsonw *w, uint64_t v);

/**
 * fp_jsonw_flush() - write out what is buffered (the memory sink keeps it).
 * Context: any: allocation-free into a fixed buffer (the report; a signal
 * handler's crash line), the shim's arena for an in-memory writer (a log line,
 * inside malloc).
 * Return: 0, or the first -errno met by any write (or growth) so far.
 */
int fp_jsonw_flush(struct fp_jsonw *w);

#endif

/* Streaming JSON to a file descriptor or to memory: usable from exit paths and signal handlers. */
#include "config.h"
#include "jsonw.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writeall.h"

static void init(struct fp_jsonw *w)
{
	w->err = 0;
	w->depth = 0;
	w->first[0] = 1;
	w->after_key = 0;
	w->len = 0;
}

void fp_jsonw_init(struct fp_jsonw *w, int fd)
{
	init(w);
	w->fd = fd;
	w->to_mem = 0;
	w->buf = w->fdbuf;
	w->cap = sizeof(w->fdbuf);
	w->grow = NULL;
	w->given = w->fdbuf;
}

void fp_jsonw_init_mem(struct fp_jsonw *w, char *buf, size_t cap,
		       const struct fp_jsonw_mem *grow)
{
	init(w);
	w->fd = -1;
	w->to_mem = 1;
	w->buf = buf ? buf : w->fdbuf;
	w->cap = buf ? cap : sizeof(w->fdbuf);
	w->grow = grow;
	w->given = w->buf;
}

void fp_jsonw_mem_free(struct fp_jsonw *w)
{
	if (w->to_mem && w->buf != w->given)
		w->grow->free(w->buf);
	w->buf = w->given;
	w->len = 0;
}

int fp_jsonw_flush(struct fp_jsonw *w)
{
	if (w->to_mem)
		return w->err;	/* the text stays for the caller to take */
	if (!w->err)
		w->err = fp_write_all(w->fd, w->buf, w->len);
	w->len = 0;
	return w->err;
}

/*
 * Room for @n more bytes in the memory sink: doubled, so a text of N bytes
 * costs O(log N) copies. Return: 0, or -ENOSPC/-ENOMEM (also kept in err).
 */
static int mem_room(struct fp_jsonw *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 64;
	char *p;

	if (w->err)
		return w->err;
	if (w->len + n <= w->cap)
		return 0;
	if (!w->grow)
		return w->err = -ENOSPC;
	while (cap < w->len + n)
		cap *= 2;
	p = w->grow->alloc(cap);
	if (!p)
		return w->err = -ENOMEM;
	memcpy(p, w->buf, w->len);
	if (w->buf != w->given)
		w->grow->free(w->buf);
	w->buf = p;
	w->cap = cap;
	return 0;
}

static void put_slow(struct fp_jsonw *w, const char *s, size_t n)
{
	if (w->to_mem) {
		if (mem_room(w, n) == 0) {
			memcpy(w->buf + w->len, s, n);
			w->len += n;
		}
		return;
	}
	while (n) {
		size_t room = w->cap - w->len;
		size_t take = n < room ? n : room;

		memcpy(w->buf + w->len, s, take);
		w->len += take;
		s += take;
		n -= take;
		if (w->len == w->cap)
			fp_jsonw_flush(w);
	}
}

/* Most pieces fit in the buffer as it is: a copy, no flush, no growth. */
static inline void put(struct fp_jsonw *w, const char *s, size_t n)
{
	if (__builtin_expect(!w->err && n < w->cap - w->len, 1)) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
		return;
	}
	put_slow(w, s, n);
}

void fp_jsonw_raw(struct fp_jsonw *w, const char *s, size_t n)
{
	put(w, s, n);
}

static void putc_(struct fp_jsonw *w, char c)
{
	put(w, &c, 1);
}

/* Separator before a value: a comma unless first at this depth or after a key. */
static void element(struct fp_jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!w->first[w->depth])
		putc_(w, ',');
	w->first[w->depth] = 0;
}

void fp_jsonw_value_raw(struct fp_jsonw *w, const char *s, size_t n)
{
	element(w);
	put(w, s, n);
}

static void open_(struct fp_jsonw *w, char c)
{
	element(w);
	putc_(w, c);
	if (w->depth + 1 < FP_JSONW_DEPTH)
		w->depth++;
	w->first[w->depth] = 1;
}

static void close_(struct fp_jsonw *w, char c)
{
	if (w->depth)
		w->depth--;
	putc_(w, c);
}

void fp_jsonw_obj_begin(struct fp_jsonw *w) { open_(w, '{'); }
void fp_jsonw_obj_end(struct fp_jsonw *w) { close_(w, '}'); }
void fp_jsonw_arr_begin(struct fp_jsonw *w) { open_(w, '['); }
void fp_jsonw_arr_end(struct fp_jsonw *w) { close_(w, ']'); }

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2; cp = s[0] & 0x1f; min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3; cp = s[0] & 0x0f; min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4; cp = s[0] & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Printable ASCII that JSON takes as it is: copied in runs. */
static inline int plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

size_t fp_jsonw_plain_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && plain((unsigned char)s[i]))
		i++;
	return i;
}

/* The bytes of a string value, escaped, without its quotes. */
static void escape(struct fp_jsonw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

		if (plain(c)) {
			size_t end = i + 1;

			while (end < n && plain(s[end]))
				end++;
			put(w, str + i, end - i);
			i = end;
			continue;
		}

		switch (c) {
		case '"':  put(w, "\\\"", 2); i++; continue;
		case '\\': put(w, "\\\\", 2); i++; continue;
		case '\n': put(w, "\\n", 2); i++; continue;
		case '\t': put(w, "\\t", 2); i++; continue;
		case '\r': put(w, "\\r", 2); i++; continue;
		case '\b': put(w, "\\b", 2); i++; continue;
		case '\f': put(w, "\\f", 2); i++; continue;
		default: break;
		}
		len = c < 0x20 || c == 0x7f ? 0 : utf8_len(s + i, n - i);
		if (len) {
			put(w, (const char *)s + i, len);
			i += len;
			continue;
		}
		/*
		 * A control byte is \u00XX. A byte that is not UTF-8 is the
		 * lone low surrogate \udcXX (Python's surrogateescape, PEP 383):
		 * \u00XX would read back as U+00XX, other bytes than the
		 * program had, and no UTF-8 text ever decodes to U+DC80..U+DCFF,
		 * so a reader can give the byte back exactly.
		 */
		if (c >= 0x80) {
			esc[2] = 'd';
			esc[3] = 'c';
		}
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		put(w, esc, 6);
		i++;
	}
}

static void string(struct fp_jsonw *w, const char *str, size_t n)
{
	putc_(w, '"');
	escape(w, str, n);
	putc_(w, '"');
}

void fp_jsonw_str_begin(struct fp_jsonw *w)
{
	element(w);
	putc_(w, '"');
}

void fp_jsonw_str_add(struct fp_jsonw *w, const char *s, size_t n)
{
	escape(w, s, n);
}

void fp_jsonw_str_end(struct fp_jsonw *w)
{
	putc_(w, '"');
}

void fp_jsonw_key(struct fp_jsonw *w, const char *key)
{
	element(w);
	string(w, key, strlen(key));
	putc_(w, ':');
	w->after_key = 1;
}

void fp_jsonw_str(struct fp_jsonw *w, const char *s)
{
	if (!s) {
		fp_jsonw_null(w);
		return;
	}
	fp_jsonw_strn(w, s, strlen(s));
}

void fp_jsonw_strn(struct fp_jsonw *w, const char *s, size_t n)
{
	element(w);
	string(w, s, n);
}

static void put_u64(struct fp_jsonw *w, uint64_t v)
{
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(w, buf + i, sizeof(buf) - (size_t)i);
}

void fp_jsonw_u64(struct fp_jsonw *w, uint64_t v)
{
	element(w);
	put_u64(w, v);
}

void fp_jsonw_i64(struct fp_jsonw *w, int64_t v)
{
	element(w);
	if (v < 0) {
		putc_(w, '-');
		put_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(w, (uint64_t)v);
	}
}

/*
 * printf writes the locale's radix character, and the program may have
 * chosen a locale with a comma ("0,05" is not JSON): whatever bytes stand
 * between the digits, JSON gets '.'. Return: the new length.
 */
static size_t c_radix(char *buf, size_t n)
{
	size_t out = 0;
	int dot = 0;

	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E') {
			buf[out++] = c;
		} else if (!dot) {
			buf[out++] = '.';
			dot = 1;
		}
	}
	buf[out] = '\0';
	return out;
}

void fp_jsonw_double(struct fp_jsonw *w, double v)
{
	char buf[40];
	int n;

	if (!isfinite(v)) {
		fp_jsonw_null(w);
		return;
	}
	element(w);
	/* Shortest of %.15g/%.17g that reads back exactly: 0.001, not 0.00100000000000000002. */
	n = snprintf(buf, sizeof(buf), "%.15g", v);
	if (n > 0 && strtod(buf, NULL) != v)
		n = snprintf(buf, sizeof(buf), "%.17g", v);
	if (n > 0)
		n = (int)c_radix(buf, (size_t)n);
	if (n > 0)
		put(w, buf, (size_t)n);
}

void fp_jsonw_bool(struct fp_jsonw *w, int v)
{
	element(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void fp_jsonw_null(struct fp_jsonw *w)
{
	element(w);
	put(w, "null", 4);
}

void fp_jsonw_hex(struct fp_jsonw *w, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char buf[18];

	buf[0] = '"';
	for (int i = 0; i < 16; i++)
		buf[1 + i] = hex[(v >> (60 - 4 * i)) & 15];
	buf[17] = '"';
	element(w);
	put(w, buf, sizeof(buf));
}

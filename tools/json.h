/*
 * A small JSON reader (RFC 8259) for failpool reports: parses a whole
 * document into a tree. The tool may malloc, so this is plain heap code.
 * Numbers are kept as the text that was written (a 64-bit seed does not
 * fit a double); accessors convert on demand.
 */
#ifndef FP_JSON_H
#define FP_JSON_H

#include <stddef.h>
#include <stdint.h>

enum fp_json_type {
	FP_JSON_NULL,
	FP_JSON_BOOL,
	FP_JSON_NUM,
	FP_JSON_STR,
	FP_JSON_ARR,
	FP_JSON_OBJ,
};

struct fp_json {
	enum fp_json_type type;
	char *key;			/* member name inside an object, else NULL */
	char *text;			/* STR: decoded UTF-8; NUM: as written */
	size_t len;			/* of text (a string may hold \u0000) */
	int boolean;			/* BOOL */
	struct fp_json **items;		/* ARR, OBJ: elements/members in order */
	size_t n;
	void *arena;			/* root only: where the whole tree lives */
};

/**
 * fp_json_parse() - parse one JSON document.
 * @s:       the text
 * @len:     its length
 * @err:     on failure, "line L column C: what is wrong"
 * @errsize: size of @err
 *
 * The whole tree (nodes, arrays, text) is carved from a few large chunks
 * owned by the root, so a report of thousands of sites costs a handful of
 * mallocs and fp_json_free() of the root releases it at once.
 *
 * Return: the root, to be released with fp_json_free(), or NULL.
 */
struct fp_json *fp_json_parse(const char *s, size_t len, char *err,
			      size_t errsize);

/*
 * Members passed over while parsing: the value of member @key (an array)
 * in an object where a string member @if_key came before it, when
 * @skip(@ctx, that string) says so. Its brackets are matched, nothing in
 * it is checked or kept: it reads as an empty array. A reader that knows
 * what it holds already (explore, a site's frames by the site's id) saves
 * most of a large report's parsing.
 */
struct fp_json_skip {
	const char *key;
	const char *if_key;
	int (*skip)(void *ctx, const char *value);
	void *ctx;
};

struct fp_json *fp_json_parse_skipping(const char *s, size_t len, const struct fp_json_skip *skip,
				       char *err, size_t errsize);

/**
 * fp_json_load() - read the file at @path and parse it.
 * Return: the root, or NULL with @err filled ("cannot open: ..." etc.).
 */
struct fp_json *fp_json_load(const char *path, char *err, size_t errsize);
struct fp_json *fp_json_load_skipping(const char *path, const struct fp_json_skip *skip, char *err,
				      size_t errsize);

/**
 * fp_json_free() - release a tree from fp_json_parse(); NULL is fine.
 * Only a root may be passed: inner nodes live in the root's arena.
 */
void fp_json_free(struct fp_json *j);

/**
 * fp_json_get() - the member @key of object @j (the last one if repeated).
 * Return: the member, or NULL when @j is not an object or has no such key.
 */
const struct fp_json *fp_json_get(const struct fp_json *j, const char *key);

/**
 * fp_json_path() - follow a dotted path: "totals.injected", "sites.0.id"
 * (a number indexes an array). An empty path is @j itself.
 * Return: the value, or NULL when any step is missing.
 */
const struct fp_json *fp_json_path(const struct fp_json *j, const char *path);

/**
 * fp_json_u64() - a number that is a non-negative integer, exactly.
 * Return: 0, or -EINVAL (not such a number, or NULL) / -ERANGE.
 */
int fp_json_u64(const struct fp_json *j, uint64_t *out);

/**
 * fp_json_double() - a number as a double.
 * Return: 0, or -EINVAL when @j is not a number (or NULL).
 */
int fp_json_double(const struct fp_json *j, double *out);

/**
 * fp_json_str() - the text of a string.
 * Return: the NUL-terminated text, or NULL when @j is not a string.
 */
const char *fp_json_str(const struct fp_json *j);

/**
 * fp_json_path_u64() - fp_json_u64(fp_json_path(@j, @path)), @dflt when
 * the value is missing or not a non-negative integer.
 * Return: the value or @dflt.
 */
uint64_t fp_json_path_u64(const struct fp_json *j, const char *path,
			  uint64_t dflt);

#endif

/* A recursive-descent JSON reader building a small tree (see json.h). */
#include "config.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH	256
#define CHUNK_MIN	(64 * 1024)

/* One block of the arena; blocks are chained newest first. */
struct chunk {
	struct chunk *next;
	size_t size, used;
	max_align_t data[];
};

/*
 * Children of the arrays and objects still open, innermost last: an
 * array's items are gathered here and copied into the arena, exactly
 * sized, when it closes, so no array is ever grown inside the arena.
 */
struct stack {
	struct fp_json **v;
	size_t n, cap;
};

struct parser {
	const char *start, *p, *end;
	char *err;
	size_t errsize;
	int failed;
	unsigned depth;
	struct chunk *arena;
	struct stack open;
	const struct fp_json_skip *skip;
};

static void fail(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct parser *ps, const char *fmt, ...)
{
	unsigned line = 1, col = 1;
	va_list ap;
	int n;

	if (ps->failed)
		return;
	ps->failed = 1;
	if (!ps->err || !ps->errsize)
		return;
	for (const char *q = ps->start; q < ps->p; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	n = snprintf(ps->err, ps->errsize, "line %u column %u: ", line, col);
	if (n < 0 || (size_t)n >= ps->errsize)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errsize - (size_t)n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static void free_chunks(struct chunk *c)
{
	while (c) {
		struct chunk *next = c->next;

		free(c);
		c = next;
	}
}

/* @size bytes from the arena, aligned for any node; NULL when out of memory. */
static void *arena_alloc(struct parser *ps, size_t size)
{
	struct chunk *c = ps->arena;
	size_t align = _Alignof(max_align_t);
	void *mem;

	size = (size + align - 1) & ~(align - 1);
	if (!c || c->size - c->used < size) {
		size_t csize = size > CHUNK_MIN ? size : CHUNK_MIN;

		c = malloc(sizeof(*c) + csize);
		if (!c) {
			fail(ps, "out of memory");
			return NULL;
		}
		c->size = csize;
		c->used = 0;
		c->next = ps->arena;
		ps->arena = c;
	}
	mem = (char *)c->data + c->used;
	c->used += size;
	return mem;
}

/* Give back the unused tail of the newest allocation @mem of @size bytes. */
static void arena_shrink(struct parser *ps, void *mem, size_t size)
{
	struct chunk *c = ps->arena;
	size_t align = _Alignof(max_align_t);

	size = (size + align - 1) & ~(align - 1);
	if ((char *)mem + size <= (char *)c->data + c->used)
		c->used = (size_t)((char *)mem - (char *)c->data) + size;
}

static struct fp_json *new_node(struct parser *ps, enum fp_json_type type)
{
	struct fp_json *j = arena_alloc(ps, sizeof(*j));

	if (j) {
		memset(j, 0, sizeof(*j));
		j->type = type;
	}
	return j;
}

static int push_item(struct parser *ps, struct fp_json *child)
{
	struct stack *st = &ps->open;

	if (st->n == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 256;
		struct fp_json **v = realloc(st->v, ncap * sizeof(*v));

		if (!v) {
			fail(ps, "out of memory");
			return -1;
		}
		st->v = v;
		st->cap = ncap;
	}
	st->v[st->n++] = child;
	return 0;
}

/* Move the items pushed since @base into @parent's own exact array. */
static int pop_items(struct parser *ps, struct fp_json *parent, size_t base)
{
	size_t n = ps->open.n - base;

	ps->open.n = base;
	if (!n)
		return 0;
	parent->items = arena_alloc(ps, n * sizeof(*parent->items));
	if (!parent->items)
		return -1;
	memcpy(parent->items, ps->open.v + base, n * sizeof(*parent->items));
	parent->n = n;
	return 0;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at ps->p (on the opening quote): decoded into a new buffer. */
static char *parse_string(struct parser *ps, size_t *lenp)
{
	const char *q = ps->p + 1;
	char *buf, *d;
	int plain = 1;

	/* Decoded text is never longer than the escaped text. */
	while (q < ps->end && *q != '"') {
		if (*q == '\\') {
			plain = 0;
			q++;
		} else if ((unsigned char)*q < 0x20) {
			plain = 0;
		}
		q++;
	}
	if (q >= ps->end) {
		fail(ps, "unterminated string");
		return NULL;
	}
	buf = arena_alloc(ps, (size_t)(q - ps->p) + 1);
	if (!buf)
		return NULL;
	/* Most strings (keys, names, hex numbers) hold nothing to decode or refuse: as they are. */
	if (plain) {
		*lenp = (size_t)(q - ps->p - 1);
		memcpy(buf, ps->p + 1, *lenp);
		buf[*lenp] = '\0';
		ps->p = q + 1;
		arena_shrink(ps, buf, *lenp + 1);
		return buf;
	}
	d = buf;
	ps->p++;
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;
		unsigned cp, lo;

		if (c < 0x20) {
			fail(ps, "control character in string");
			goto bad;
		}
		if (c != '\\') {
			*d++ = (char)c;
			ps->p++;
			continue;
		}
		ps->p++;
		switch (*ps->p) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '/': *d++ = '/'; break;
		case 'b': *d++ = '\b'; break;
		case 'f': *d++ = '\f'; break;
		case 'n': *d++ = '\n'; break;
		case 'r': *d++ = '\r'; break;
		case 't': *d++ = '\t'; break;
		case 'u':
			if (ps->end - ps->p < 5 || hex4(ps->p + 1, &cp)) {
				fail(ps, "bad \\u escape");
				goto bad;
			}
			ps->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 7 &&
			    ps->p[1] == '\\' && ps->p[2] == 'u' &&
			    !hex4(ps->p + 3, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				ps->p += 6;
			} else if (cp >= 0xdc80 && cp <= 0xdcff) {
				/*
				 * A lone low surrogate U+DC80..U+DCFF: the byte
				 * 0x80..0xff that was not UTF-8, as lib/jsonw.c
				 * (and Python's surrogateescape) write it.
				 */
				*d++ = (char)(cp & 0xff);
				break;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;	/* another lone surrogate */
			}
			d += put_utf8(d, cp);
			break;
		default:
			fail(ps, "bad escape '\\%c'", *ps->p);
			goto bad;
		}
		ps->p++;
	}
	ps->p++;
	*d = '\0';
	*lenp = (size_t)(d - buf);
	arena_shrink(ps, buf, *lenp + 1);
	return buf;
bad:
	return NULL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct parser *ps, struct fp_json *j)
{
	const char *b = ps->p, *p = ps->p, *e = ps->end;

	if (p < e && *p == '-')
		p++;
	if (p < e && *p == '0') {
		p++;
	} else if (p < e && is_digit(*p)) {
		while (p < e && is_digit(*p))
			p++;
	} else {
		fail(ps, "bad number");
		return -1;
	}
	if (p < e && *p == '.') {
		p++;
		if (p >= e || !is_digit(*p)) {
			ps->p = p;
			fail(ps, "bad number: no digit after '.'");
			return -1;
		}
		while (p < e && is_digit(*p))
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p >= e || !is_digit(*p)) {
			ps->p = p;
			fail(ps, "bad number: no digit in exponent");
			return -1;
		}
		while (p < e && is_digit(*p))
			p++;
	}
	j->len = (size_t)(p - b);
	j->text = arena_alloc(ps, j->len + 1);
	if (!j->text)
		return -1;
	memcpy(j->text, b, j->len);
	j->text[j->len] = '\0';
	ps->p = p;
	return 0;
}

static int literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
		fail(ps, "unexpected character '%c'", *ps->p);
		return -1;
	}
	ps->p += n;
	return 0;
}

static struct fp_json *parse_value(struct parser *ps);

/*
 * Past the array or object at ps->p, its brackets matched outside strings
 * and nothing else looked at; -1 (said) when the text ends first.
 */
static int pass_over(struct parser *ps)
{
	unsigned depth = 0;

	for (const char *q = ps->p; q < ps->end; q++) {
		if (*q == '"') {
			/* To the quote that ends it: one an odd run of backslashes precedes is inside. */
			for (const char *e = q + 1;; e = q + 1) {
				const char *b;

				q = memchr(e, '"', (size_t)(ps->end - e));
				if (!q)
					goto cut;
				for (b = q; b > e && b[-1] == '\\'; b--)
					;
				if ((q - b) % 2 == 0)
					break;
			}
			continue;
		}
		if (*q == '[' || *q == '{') {
			depth++;
		} else if (*q == ']' || *q == '}') {
			if (!--depth) {
				ps->p = q + 1;
				return 0;
			}
		}
	}
cut:
	ps->p = ps->end;
	fail(ps, "unexpected end of input");
	return -1;
}

/*
 * Whether the value of member @key, in the object whose members from
 * @base on are parsed so far, is one the caller wants passed over.
 */
static int to_pass_over(struct parser *ps, const char *key, size_t base)
{
	const struct fp_json_skip *sk = ps->skip;

	if (!sk || strcmp(key, sk->key) || ps->p >= ps->end || *ps->p != '[')
		return 0;
	for (size_t i = base; i < ps->open.n; i++) {
		const struct fp_json *m = ps->open.v[i];

		if (m->type == FP_JSON_STR && !strcmp(m->key, sk->if_key))
			return sk->skip(sk->ctx, m->text);
	}
	return 0;
}

static int parse_members(struct parser *ps, struct fp_json *j, int object)
{
	char close = object ? '}' : ']';
	size_t base = ps->open.n;

	if (++ps->depth > MAX_DEPTH) {
		fail(ps, "nested deeper than %d", MAX_DEPTH);
		return -1;
	}
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		struct fp_json *item;
		char *key = NULL;
		size_t klen;

		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"') {
				fail(ps, "expected a member name");
				return -1;
			}
			if (!(key = parse_string(ps, &klen)))
				return -1;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				fail(ps, "expected ':'");
				return -1;
			}
			ps->p++;
			skip_ws(ps);
		}
		if (object && to_pass_over(ps, key, base)) {
			/* An empty array stands for it: the caller knows it already. */
			if (pass_over(ps) || !(item = new_node(ps, FP_JSON_ARR)))
				return -1;
		} else if (!(item = parse_value(ps))) {
			return -1;
		}
		item->key = key;
		if (push_item(ps, item))
			return -1;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return pop_items(ps, j, base);
		}
		fail(ps, "expected ',' or '%c'", close);
		return -1;
	}
}

static struct fp_json *parse_value(struct parser *ps)
{
	struct fp_json *j;
	int rc = 0;

	skip_ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, "unexpected end of input");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
	case '[':
		if (!(j = new_node(ps, *ps->p == '{' ? FP_JSON_OBJ : FP_JSON_ARR)))
			return NULL;
		rc = parse_members(ps, j, j->type == FP_JSON_OBJ);
		break;
	case '"':
		if (!(j = new_node(ps, FP_JSON_STR)))
			return NULL;
		j->text = parse_string(ps, &j->len);
		rc = j->text ? 0 : -1;
		break;
	case 't':
	case 'f':
		if (!(j = new_node(ps, FP_JSON_BOOL)))
			return NULL;
		j->boolean = *ps->p == 't';
		rc = literal(ps, j->boolean ? "true" : "false");
		break;
	case 'n':
		if (!(j = new_node(ps, FP_JSON_NULL)))
			return NULL;
		rc = literal(ps, "null");
		break;
	default:
		if (*ps->p != '-' && !is_digit(*ps->p)) {
			fail(ps, "unexpected character '%c'", *ps->p);
			return NULL;
		}
		if (!(j = new_node(ps, FP_JSON_NUM)))
			return NULL;
		rc = parse_number(ps, j);
		break;
	}
	return rc ? NULL : j;
}

struct fp_json *fp_json_parse(const char *s, size_t len, char *err,
			      size_t errsize)
{
	return fp_json_parse_skipping(s, len, NULL, err, errsize);
}

struct fp_json *fp_json_parse_skipping(const char *s, size_t len, const struct fp_json_skip *skip,
				       char *err, size_t errsize)
{
	struct parser ps = {
		.start = s, .p = s, .end = s + len, .err = err, .errsize = errsize, .skip = skip,
	};
	struct fp_json *root;

	if (err && errsize)
		err[0] = '\0';
	root = parse_value(&ps);
	if (root) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			fail(&ps, "trailing characters after the document");
			root = NULL;
		}
	}
	free(ps.open.v);
	if (!root) {
		free_chunks(ps.arena);
		return NULL;
	}
	root->arena = ps.arena;
	return root;
}

struct fp_json *fp_json_load(const char *path, char *err, size_t errsize)
{
	return fp_json_load_skipping(path, NULL, err, errsize);
}

struct fp_json *fp_json_load_skipping(const char *path, const struct fp_json_skip *skip, char *err,
				      size_t errsize)
{
	struct fp_json *root = NULL;
	struct stat st;
	size_t len = 0;
	char *buf = NULL;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errsize, "cannot open: %s", strerror(errno));
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errsize, "out of memory");
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errsize, "cannot read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	root = fp_json_parse_skipping(buf, len, skip, err, errsize);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return root;
}

void fp_json_free(struct fp_json *j)
{
	if (j)
		free_chunks(j->arena);
}

const struct fp_json *fp_json_get(const struct fp_json *j, const char *key)
{
	if (!j || j->type != FP_JSON_OBJ)
		return NULL;
	for (size_t i = j->n; i-- > 0;) {
		const char *k = j->items[i]->key;

		/* The first byte tells most members apart without a call. */
		if (k[0] == key[0] && strcmp(k, key) == 0)
			return j->items[i];
	}
	return NULL;
}

const struct fp_json *fp_json_path(const struct fp_json *j, const char *path)
{
	char step[256];

	while (j && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(step))
			return NULL;
		memcpy(step, path, n);
		step[n] = '\0';
		if (j->type == FP_JSON_ARR) {
			char *end;
			unsigned long i;

			if (!is_digit(step[0]))
				return NULL;
			i = strtoul(step, &end, 10);
			if (*end || i >= j->n)
				return NULL;
			j = j->items[i];
		} else {
			j = fp_json_get(j, step);
		}
		path = dot ? dot + 1 : path + n;
	}
	return j;
}

int fp_json_u64(const struct fp_json *j, uint64_t *out)
{
	uint64_t v = 0;

	if (!j || j->type != FP_JSON_NUM)
		return -EINVAL;
	if (strspn(j->text, "0123456789") != j->len) {
		/* 1e3, 2.0: accept when the value is an exact integer. */
		double d = strtod(j->text, NULL);

		if (d >= 18446744073709551616.0)
			return -ERANGE;
		if (!(d >= 0) || d != (double)(uint64_t)d)
			return -EINVAL;
		*out = (uint64_t)d;
		return 0;
	}
	for (const char *p = j->text; *p; p++) {
		uint64_t digit = (uint64_t)(*p - '0');

		if (v > (UINT64_MAX - digit) / 10)
			return -ERANGE;
		v = v * 10 + digit;
	}
	*out = v;
	return 0;
}

int fp_json_double(const struct fp_json *j, double *out)
{
	if (!j || j->type != FP_JSON_NUM)
		return -EINVAL;
	*out = strtod(j->text, NULL);
	return 0;
}

const char *fp_json_str(const struct fp_json *j)
{
	return j && j->type == FP_JSON_STR ? j->text : NULL;
}

uint64_t fp_json_path_u64(const struct fp_json *j, const char *path,
			  uint64_t dflt)
{
	uint64_t v;

	return fp_json_u64(fp_json_path(j, path), &v) ? dflt : v;
}

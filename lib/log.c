/*
 * One JSON line per injected failure, written with a single write(2) at the
 * moment of injection, so the log survives whatever the failure does next.
 */
#include "config.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "report.h"
#include "runtime.h"

struct line {
	char buf[1024];
	size_t len;
};

static void add(struct line *l, const char *s, size_t n)
{
	if (l->len + n >= sizeof(l->buf) - 2)
		n = sizeof(l->buf) - 2 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void addf(struct line *l, const char *fmt, unsigned long long v)
{
	char num[64];
	int n = snprintf(num, sizeof(num), fmt, v);

	if (n > 0)
		add(l, num, (size_t)n);
}

/* A JSON string; names from symbol tables are printable, but be safe. */
static void add_json_str(struct line *l, const char *s)
{
	add(l, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			add(l, "\\", 1);
			add(l, s, 1);
		} else if (c < 0x20 || c >= 0x7f) {
			addf(l, "\\u%04llx", c);
		} else {
			add(l, s, 1);
		}
	}
	add(l, "\"", 1);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void add_frames_json(struct line *l, const char *key,
			    struct fp_frame_info *const *frames, unsigned n)
{
	char sym[512];

	add(l, ",\"", 2);
	add(l, key, strlen(key));
	add(l, "\":[", 3);
	for (unsigned i = 0; i < n; i++) {
		struct fp_frame_info *f = frames[i];

		add(l, i ? ",{\"object\":" : "{\"object\":", i ? 11 : 10);
		add_json_str(l, f->object);
		addf(l, ",\"offset\":\"0x%llx\",\"symbol\":", f->offset);
		if (fp_site_symbol(f, sym, sizeof(sym)) == 0)
			add_json_str(l, sym);
		else
			add(l, "null", 4);
		add(l, "}", 1);
	}
	add(l, "]", 1);
}

void fp_log_injection(uint64_t seq, enum fp_call call, uint64_t size,
		      struct fp_site *site)
{
	struct line l = { .len = 0 };
	char sym[512];

	if (fp_rt.log_fd >= 0) {
		addf(&l, "{\"seq\":%llu", seq);
		addf(&l, ",\"pid\":%llu", (unsigned long long)getpid());
		add(&l, ",\"call\":", 8);
		add_json_str(&l, fp_call_name(call));
		addf(&l, ",\"size\":%llu", size);
		addf(&l, ",\"site\":\"%016llx\"", site->id);
		add_frames_json(&l, "frames", site->frames, site->n);
		add(&l, "}\n", 2);
		write_all(fp_rt.log_fd, l.buf, l.len);
	}
	if (fp_rt.conf.verbose) {
		l.len = 0;
		addf(&l, "failpool: injected failure #%llu: ", seq);
		add(&l, fp_call_name(call), strlen(fp_call_name(call)));
		addf(&l, "(%llu)", size);
		addf(&l, " at site %016llx", site->id);
		for (unsigned i = 0; i < site->n && (i == 0 || fp_rt.conf.verbose > 1); i++) {
			struct fp_frame_info *f = site->frames[i];

			add(&l, i ? "\n    from " : " ", i ? 10 : 1);
			add(&l, f->object, strlen(f->object));
			addf(&l, "+0x%llx", f->offset);
			if (fp_site_symbol(f, sym, sizeof(sym)) == 0) {
				add(&l, " (", 2);
				add(&l, sym, strlen(sym));
				add(&l, ")", 1);
			}
		}
		add(&l, "\n", 1);
		write_all(STDERR_FILENO, l.buf, l.len);
	}
}

void fp_log_crash(const struct fp_ending *end)
{
	struct line l = { .len = 0 };
	const char *name = fp_signal_name(end->sig);

	if (fp_rt.log_fd < 0)
		return;
	addf(&l, "{\"crash\":{\"signal\":%llu", (unsigned long long)end->sig);
	add(&l, ",\"name\":", 8);
	add_json_str(&l, name ? name : "?");
	addf(&l, ",\"pid\":%llu", (unsigned long long)getpid());
	add(&l, ",\"kind\":", 8);
	add_json_str(&l, fp_crash_kind_name(end));
	addf(&l, ",\"last_injection_seq\":%llu", end->last_seq);
	add_frames_json(&l, "frames", end->frames, end->nframes);
	if (end->kind == FP_CRASH_DOUBLE_FREE) {
		add_frames_json(&l, "alloc_frames", end->alloc_frames, end->nalloc_frames);
		add_frames_json(&l, "first_free_frames", end->free_frames, end->nfree_frames);
	}
	add(&l, "}}\n", 3);
	write_all(fp_rt.log_fd, l.buf, l.len);
}

/*
 * The report. Written with the fixed-buffer JSON writer straight to a
 * temporary file in the target directory, then renamed: a reader sees the
 * old report or the whole new one, never half of one.
 */
#include "config.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "framejson.h"
#include "jsonw.h"
#include "log.h"
#include "policy.h"
#include "pool.h"
#include "parse.h"
#include "report-config.h"
#include "settings.h"
#include "safefile.h"
#include "series.h"
#include "site.h"
#include "startup.h"
#include "stats.h"
#include "thread.h"

#define TOP_SITES	10000	/* every site, short of pathological programs */

static struct fp_jsonw w;		/* one report per process at a time */
static int async;			/* from a signal handler: name nothing, lock nothing */
static char cmdline[1 << 18];
/* A fork child's report counts its own work: what the policy counted before the fork. */
static uint64_t eligible_inherited, injected_inherited;

static void key_u64_or_null(const char *key, uint64_t v, int present)
{
	fp_jsonw_key(&w, key);
	if (present)
		fp_jsonw_u64(&w, v);
	else
		fp_jsonw_null(&w);
}

static void key_str_or_null(const char *key, const char *v)
{
	fp_jsonw_key(&w, key);
	if (v && *v)
		fp_jsonw_str(&w, v);
	else
		fp_jsonw_null(&w);
}

static void write_argv(void)
{
	ssize_t len = 0, n;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	fp_jsonw_arr_begin(&w);
	if (fd >= 0) {
		while (len < (ssize_t)sizeof(cmdline) &&
		       (n = read(fd, cmdline + len, sizeof(cmdline) - (size_t)len)) > 0)
			len += n;
		close(fd);
	}
	for (ssize_t i = 0; i < len;) {
		size_t arg = strnlen(cmdline + i, (size_t)(len - i));

		fp_jsonw_strn(&w, cmdline + i, arg);
		i += (ssize_t)arg + 1;
	}
	fp_jsonw_arr_end(&w);
}

static void key_u64(const char *key, uint64_t v);

static void write_totals(void)
{
	uint64_t startup_calls, startup_bytes;
	struct fp_totals t;
	struct fp_policy *p = &fp_process_policy;

	fp_stats_sum(&t);
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "calls");
	fp_jsonw_obj_begin(&w);
	for (unsigned i = 0; i < FP_CALL_COUNT; i++) {
		fp_jsonw_key(&w, fp_call_name(i));
		fp_jsonw_u64(&w, t.calls[i]);
	}
	fp_jsonw_obj_end(&w);
	fp_jsonw_key(&w, "bytes_allocated");
	fp_jsonw_u64(&w, t.bytes);
	fp_jsonw_key(&w, "live_bytes");
	fp_jsonw_u64(&w, fp_policy_live(p, fp_thread_live_held()));
	fp_jsonw_key(&w, "peak_live_bytes");
	fp_jsonw_u64(&w, fp_policy_peak(p, fp_thread_live_held()));
	fp_jsonw_key(&w, "eligible");
	fp_jsonw_u64(&w, atomic_load(&p->eligible) - eligible_inherited + t.eligible);
	fp_jsonw_key(&w, "injected");
	fp_jsonw_u64(&w, atomic_load(&p->injected) - injected_inherited);
	fp_jsonw_key(&w, "real_failures");
	fp_jsonw_u64(&w, t.real_failures);
	fp_startup_totals(&startup_calls, &startup_bytes);
	fp_jsonw_key(&w, "startup");
	fp_jsonw_obj_begin(&w);
	key_u64("calls", startup_calls);
	key_u64("bytes", startup_bytes);
	fp_jsonw_obj_end(&w);
	fp_jsonw_obj_end(&w);
}

static void write_frame(struct fp_frame_info *f)
{
	/*
	 * Named only if named before (a func: rule, a dlclose, the log): the
	 * tool names the rest offline, from the objects list, so a process
	 * pays for no symbol table at exit, and a signal handler takes no lock.
	 */
	fp_framejson_write(&w, f, 0);
}

static void write_site(struct fp_site *s, uint64_t calls, uint64_t bytes)
{
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "id");
	fp_jsonw_hex(&w, s->id);
	fp_jsonw_key(&w, "frames");
	fp_jsonw_arr_begin(&w);
	for (unsigned i = 0; i < s->n; i++)
		write_frame(s->frames[i]);
	fp_jsonw_arr_end(&w);
	fp_jsonw_key(&w, "calls");
	fp_jsonw_u64(&w, calls);
	fp_jsonw_key(&w, "bytes");
	fp_jsonw_u64(&w, bytes);
	fp_jsonw_key(&w, "injected");
	fp_jsonw_u64(&w, atomic_load(&s->injected));
	fp_jsonw_key(&w, "pool");
	if (s->pool)
		fp_jsonw_str(&w, s->pool->name);
	else
		fp_jsonw_null(&w);
	fp_jsonw_obj_end(&w);
}

/* A site's figures for the report, summed once over the threads' tallies. */
struct ranked {
	struct fp_site *site;
	unsigned slot;			/* fp_site_next()'s: *cursor - 1 */
	uint64_t calls, bytes;
};

/*
 * The busiest TOP_SITES sites by calls (in practice all of them: explore
 * needs every site), then any other with a failure or a pool. One report
 * at a time: the scratch is static, indexed by the site's slot.
 */
static void write_sites(void)
{
	static struct ranked top[TOP_SITES];
	static unsigned char listed[FP_SITES_MAX + 1];
	struct fp_site *s;
	unsigned ntop = 0, cursor = 0;

	while ((s = fp_site_next(&cursor))) {
		struct ranked r = { .site = s, .slot = cursor - 1 };
		unsigned j;

		fp_stats_site_sum(s, &r.calls, &r.bytes);
		listed[cursor - 1] = 0;
		if (!r.calls)
			continue;
		if (ntop == TOP_SITES && r.calls <= top[ntop - 1].calls)
			continue;
		j = ntop < TOP_SITES ? ntop++ : ntop - 1;
		for (; j > 0 && top[j - 1].calls < r.calls; j--)
			top[j] = top[j - 1];
		top[j] = r;
	}
	fp_jsonw_arr_begin(&w);
	for (unsigned j = 0; j < ntop; j++) {
		listed[top[j].slot] = 1;
		write_site(top[j].site, top[j].calls, top[j].bytes);
	}
	cursor = 0;
	while ((s = fp_site_next(&cursor))) {
		uint64_t calls, bytes;

		if (listed[cursor - 1])
			continue;
		fp_stats_site_sum(s, &calls, &bytes);
		if (atomic_load(&s->injected) || (s->pool && calls))
			write_site(s, calls, bytes);
	}
	fp_jsonw_arr_end(&w);
}

static void key_u64(const char *key, uint64_t v)
{
	fp_jsonw_key(&w, key);
	fp_jsonw_u64(&w, v);
}

static void write_pools(void)
{
	fp_jsonw_arr_begin(&w);
	for (unsigned i = 0; i < fp_npools; i++) {
		struct fp_pool_figures p;

		/* A signal may have stopped a thread holding the lock: read as is. */
		fp_pool_snapshot(i, async, &p);
		fp_jsonw_obj_begin(&w);
		fp_jsonw_key(&w, "name");
		fp_jsonw_str(&w, p.name);
		key_u64("min", p.min);
		key_u64("size", p.size);
		key_u64("curr", p.curr);
		key_u64("low", p.low);
		key_u64("allocs", p.allocs);
		key_u64("hits", p.hits);
		key_u64("refills", p.refills);
		key_u64("waits", p.waits);
		key_u64("wait_ns_total", p.wait_ns_total);
		key_u64("wait_ns_max", p.wait_ns_max);
		key_u64("exhausted", p.exhausted);
		key_u64("oversize", p.oversize);
		fp_jsonw_obj_end(&w);
	}
	fp_jsonw_arr_end(&w);
}

static void write_injections(void)
{
	unsigned n;
	const struct fp_injection *in = fp_stats_injections(&n);

	fp_jsonw_arr_begin(&w);
	for (unsigned i = 0; i < n; i++) {
		uint64_t seq = atomic_load_explicit(&in[i].seq, memory_order_acquire);

		if (!seq)
			continue;
		fp_jsonw_obj_begin(&w);
		fp_jsonw_key(&w, "seq");
		fp_jsonw_u64(&w, seq);
		fp_jsonw_key(&w, "call");
		fp_jsonw_str(&w, fp_call_name(in[i].call));
		fp_jsonw_key(&w, "size");
		fp_jsonw_u64(&w, in[i].size);
		fp_jsonw_key(&w, "site");
		fp_jsonw_hex(&w, in[i].site->id);
		fp_jsonw_obj_end(&w);
	}
	fp_jsonw_arr_end(&w);
}

/* Where each object named by a frame lives: for file:line, offline. */
static void write_objects(void)
{
	const char *path;

	fp_jsonw_arr_begin(&w);
	for (unsigned i = 0; (path = fp_frame_object(i)); i++) {
		const char *slash = strrchr(path, '/');

		fp_jsonw_obj_begin(&w);
		fp_jsonw_key(&w, "name");
		fp_jsonw_str(&w, slash ? slash + 1 : path);
		fp_jsonw_key(&w, "path");
		fp_jsonw_str(&w, path);
		fp_jsonw_obj_end(&w);
	}
	fp_jsonw_arr_end(&w);
}

static void write_sample(const struct fp_series_sample *s)
{
	fp_jsonw_obj_begin(&w);
	key_u64("ms", s->ms);
	key_u64("live_bytes", s->live_bytes);
	key_u64("injected", s->injected);
	fp_jsonw_key(&w, "pools");
	fp_jsonw_obj_begin(&w);
	for (unsigned i = 0; i < fp_npools; i++)
		key_u64(fp_pools[i].name, s->pool_curr[i]);
	fp_jsonw_obj_end(&w);
	fp_jsonw_obj_end(&w);
}

/*
 * The run over time; its last sample is taken now, from the totals'
 * counters. From a signal handler the table may be half thinned by the
 * thread it stopped: a sample out of order is left out.
 */
static void write_series(void)
{
	struct fp_series_sample last;
	unsigned n = fp_series_final(&last);
	uint64_t next_ms = 0;

	fp_jsonw_arr_begin(&w);
	for (unsigned i = 0; i < n; i++) {
		struct fp_series_sample s;

		fp_series_get(i, &s);
		if (s.ms < next_ms || s.ms >= last.ms)
			continue;
		write_sample(&s);
		next_ms = s.ms + 1;
	}
	write_sample(&last);
	fp_jsonw_arr_end(&w);
}

static void write_exit(const struct fp_ending *end)
{
	fp_jsonw_key(&w, "complete");
	fp_jsonw_bool(&w, end->how != FP_END_SIGNAL);
	fp_jsonw_key(&w, "exit");
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "how");
	fp_jsonw_str(&w, end->how == FP_END_SIGNAL ? "signal" : "exit");
	fp_jsonw_key(&w, "code");
	if (end->how == FP_END_EXIT)
		fp_jsonw_i64(&w, end->code);
	else
		fp_jsonw_null(&w);	/* exec: the image did not exit; signal: none */
	fp_jsonw_key(&w, "signal");
	if (end->how == FP_END_SIGNAL)
		fp_jsonw_i64(&w, end->sig);
	else
		fp_jsonw_null(&w);
	fp_jsonw_obj_end(&w);
}

static void write_frames(const char *key, struct fp_frame_info *const *f, unsigned n)
{
	fp_jsonw_key(&w, key);
	fp_jsonw_arr_begin(&w);
	for (unsigned i = 0; i < n; i++)
		write_frame(f[i]);
	fp_jsonw_arr_end(&w);
}

static void write_crash(const struct fp_ending *end)
{
	if (end->how != FP_END_SIGNAL || !end->crash) {
		fp_jsonw_null(&w);
		return;
	}
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "signal");
	fp_jsonw_i64(&w, end->sig);
	key_str_or_null("name", fp_signal_name(end->sig));
	fp_jsonw_key(&w, "kind");
	fp_jsonw_str(&w, fp_crash_kind_name(end));
	key_u64_or_null("last_injection_seq", end->last_seq, end->last_seq != 0);
	write_frames("frames", end->frames, end->nframes);
	if (end->kind == FP_CRASH_DOUBLE_FREE) {
		write_frames("alloc_frames", end->alloc_frames, end->nalloc_frames);
		write_frames("first_free_frames", end->free_frames, end->nfree_frames);
	}
	fp_jsonw_obj_end(&w);
}

static void write_body(const struct fp_ending *end)
{
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "schema");
	fp_jsonw_str(&w, "failpool-report/1");
	fp_jsonw_key(&w, "version"); fp_jsonw_str(&w, PACKAGE_VERSION);
	fp_jsonw_key(&w, "pid");
	fp_jsonw_i64(&w, getpid());
	fp_jsonw_key(&w, "ppid");
	fp_jsonw_i64(&w, getppid());
	fp_jsonw_key(&w, "exe");
	fp_jsonw_str(&w, fp_settings()->exe);
	fp_jsonw_key(&w, "argv");
	write_argv();
	fp_jsonw_key(&w, "seed");
	fp_jsonw_u64(&w, fp_settings()->seed);
	fp_jsonw_key(&w, "config");
	fp_report_config(&w, &fp_settings()->conf, fp_settings()->seed);
	write_exit(end);
	fp_jsonw_key(&w, "totals");
	write_totals();
	fp_jsonw_key(&w, "sites");
	write_sites();
	fp_jsonw_key(&w, "pools");
	write_pools();
	fp_jsonw_key(&w, "injections");
	write_injections();
	fp_jsonw_key(&w, "crash");
	write_crash(end);
	fp_jsonw_key(&w, "objects");
	write_objects();
	fp_jsonw_key(&w, "series");
	write_series();
	fp_jsonw_obj_end(&w);
}

void fp_report_fork_child(void)
{
	eligible_inherited = atomic_load(&fp_process_policy.eligible);
	injected_inherited = atomic_load(&fp_process_policy.injected);
}

/* No snprintf, no strerror (it may translate: locks, malloc): safe in a signal handler. */
static void complain(const char *what, const char *path, int err)
{
	fp_log_complain("FAILPOOL_REPORT", what, path, err);
}

int fp_report_write_async(const struct fp_ending *end)
{
	int rc;

	async = 1;
	rc = fp_report_write(end);
	async = 0;
	return rc;
}

int fp_report_write(const struct fp_ending *end)
{
	char path[FP_CONF_PATH_MAX], tmp[FP_CONF_PATH_MAX + FP_SAFEFILE_SUFFIX_MAX];
	int fd, rc;

	if (fp_settings_expand(fp_settings()->conf.report, path, sizeof(path))) {
		complain("expand", fp_settings()->conf.report, ENAMETOOLONG);
		return -ENAMETOOLONG;
	}
	/* Unpredictable, exclusive, no link followed: nothing planted is written through. */
	fd = fp_safefile_create(path, tmp, sizeof(tmp), 0644);
	if (fd < 0) {
		complain("create a temporary file for", path, -fd);
		return fd;
	}
	fp_jsonw_init(&w, fd);
	write_body(end);
	rc = fp_jsonw_flush(&w);
	if (!rc && write(fd, "\n", 1) != 1)
		rc = -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	/* rename() replaces a symbolic link at @path; it never writes through one. */
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		complain("write", path, -rc);
		unlink(tmp);
	}
	return rc;
}

/*
 * One JSON line per injected failure, written with a single write(2) at the
 * moment of injection, so the log survives whatever the failure does next.
 * Lines are built whole in memory first: one write(2) of a whole line to a
 * file opened O_APPEND never interleaves with another's (the kernel appends
 * each write at once), and no length limit cuts a line of long C++ frames.
 */
#include "config.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "framejson.h"
#include "je.h"
#include "jsonw.h"
#include "parse.h"
#include "report.h"
#include "settings.h"
#include "say.h"
#include "writeall.h"

/*
 * The crash line has no allocator to grow into: a static buffer that holds
 * the longest possible one (the header, then FP_DEPTH_MAX frames of the
 * longest possible names, all escaped).
 */
#define CRASH_HEAD_MAX	256
#define CRASH_LINE_MAX	(CRASH_HEAD_MAX + 3 * FP_DEPTH_MAX * (FP_FRAMEJSON_MAX + 1))	/* frames, alloc_frames, first_free_frames */
_Static_assert(FP_CRASH_FRAMES <= FP_DEPTH_MAX, "the crash line's buffer holds FP_DEPTH_MAX frames");

static char crash_line[CRASH_LINE_MAX];
static struct fp_jsonw crash_w;

static char log_path[FP_CONF_PATH_MAX];	/* the open log's name, for complaints */
static _Atomic int complained;		/* about this log, once */
static _Atomic uint64_t log_dev, log_ino;	/* the open log's identity */

/* Where the shim's descriptors go: far above the ones a program gets next. */
#define FD_HIGH		1000

/*
 * Move @fd out of the range a program would get from its next open():
 * to FD_HIGH or above (a quarter below RLIMIT_NOFILE when that is lower),
 * close-on-exec. Return: the new descriptor, or @fd when it cannot move.
 * Context: inside malloc or a signal handler: system calls only.
 */
static int move_high(int fd)
{
	struct rlimit rl;
	long base = FD_HIGH;
	int high;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur < FD_HIGH + 24)
		base = (long)rl.rlim_cur * 3 / 4;
	if (fd >= base)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, (int)base);
	if (high < 0)
		return fd;
	close(fd);
	return high;
}

/**
 * note_identity() - @fd's device and inode, to know the log again after
 * the program closes descriptors
 * Context: inside malloc or a signal handler: system calls only.
 */
static void note_identity(int fd)
{
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0) {
		atomic_store(&log_dev, (uint64_t)st.st_dev);
		atomic_store(&log_ino, (uint64_t)st.st_ino);
	}
}

/*
 * Lines of injections grow in the shim's own arena, never the program's
 * heap, and never from its static reserve (sites need that when memory
 * runs out; a line that cannot be had is said on stderr instead).
 */
static const struct fp_jsonw_mem own_arena = { fp_je_own_try_alloc, fp_je_own_free };

/**
 * append() - @s after the @len bytes of @buf, cut at @size; the new length
 * Context: any, async-signal-safe (no allocation).
 */
static size_t append(char *buf, size_t len, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n > size - len)
		n = size - len;
	memcpy(buf + len, s, n);
	return len + n;
}

void fp_log_complain(const char *var, const char *what, const char *path, int err)
{
	char msg[FP_CONF_PATH_MAX + 256];
	const char *desc = strerrordesc_np(err);	/* strerror may translate: locks, malloc */
	size_t n = 0;

	n = append(msg, n, sizeof(msg) - 1, "failpool: ");
	n = append(msg, n, sizeof(msg) - 1, var);
	n = append(msg, n, sizeof(msg) - 1, ": cannot ");
	n = append(msg, n, sizeof(msg) - 1, what);
	n = append(msg, n, sizeof(msg) - 1, " '");
	n = append(msg, n, sizeof(msg) - 1, path);
	n = append(msg, n, sizeof(msg) - 1, "': ");
	n = append(msg, n, sizeof(msg) - 1, desc ? desc : "Unknown error");
	msg[n++] = '\n';
	fp_say(msg, n);
}

/**
 * complain_once() - once per log: a full disk would otherwise say so at
 * every injection.
 * Context: inside malloc (an injected failure, under the reentrancy guard;
 * an injection's line grows in the shim's own arena) or a signal handler
 * (the crash record: a fixed buffer, nothing named).
 */
static void complain_once(const char *what, int err)
{
	if (!atomic_exchange(&complained, 1))
		fp_log_complain("FAILPOOL_LOG", what, log_path, err);
}

int fp_log_fd = -1;

void fp_log_start(const char *tmpl)
{
	if (fp_log_fd >= 0)
		fp_log_close(fp_log_fd);
	fp_log_fd = fp_log_open(tmpl);
}

int fp_log_open(const char *tmpl)
{
	int fd;

	atomic_store(&complained, 0);
	if (!tmpl[0])
		return -1;
	if (fp_settings_expand(tmpl, log_path, sizeof(log_path))) {
		fp_log_complain("FAILPOOL_LOG", "expand", tmpl, ENAMETOOLONG);
		return -1;
	}
	/* A symbolic link at the last component is refused (ELOOP), never appended through. */
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		complain_once("open", errno);
		return fd;
	}
	fd = move_high(fd);
	note_identity(fd);
	return fd;
}

/**
 * is_log() - is @fd still the log this process opened?
 * Context: inside malloc or a signal handler: system calls only.
 */
static int is_log(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_dev == atomic_load(&log_dev) &&
	       (uint64_t)st.st_ino == atomic_load(&log_ino);
}

void fp_log_close(int fd)
{
	if (is_log(fd))
		close(fd);
}

/*
 * The log's descriptor, open again if the program closed it (a daemon
 * closing "every other" descriptor, closefrom()): never write into
 * whatever file now has its number.
 */
static int log_fd(void)
{
	int fd = __atomic_load_n(&fp_log_fd, __ATOMIC_ACQUIRE);
	int fresh;

	if (is_log(fd))
		return fd;
	fresh = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fresh < 0)
		return -1;
	fresh = move_high(fresh);
	note_identity(fresh);
	/* Another thread may have reopened it first: keep one. */
	if (!__atomic_compare_exchange_n(&fp_log_fd, &fd, fresh, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		close(fresh);
		return fd;
	}
	return fresh;
}

/**
 * log_text() - write @w's text to the log, or say once why it cannot be.
 * Context: inside malloc (an injected failure, under the reentrancy guard;
 * an injection's line grows in the shim's own arena) or a signal handler
 * (the crash record: a fixed buffer, nothing named).
 */
static void log_text(struct fp_jsonw *w)
{
	int fd = w->err ? -1 : log_fd();
	int rc = w->err ? w->err : fd < 0 ? -EBADF : fp_write_all(fd, w->buf, w->len);

	if (rc)
		complain_once("write", -rc);
}

/**
 * frames_json() - @n @frames as the array @key; names them only when
 * @may_name
 * Context: inside malloc (an injected failure, under the reentrancy guard;
 * an injection's line grows in the shim's own arena) or a signal handler
 * (the crash record: a fixed buffer, nothing named).
 * @may_name is 0 in a signal handler.
 */
static void frames_json(struct fp_jsonw *w, const char *key,
			struct fp_frame_info *const *frames, unsigned n, int may_name)
{
	fp_jsonw_key(w, key);
	fp_jsonw_arr_begin(w);
	for (unsigned i = 0; i < n; i++)
		fp_framejson_write(w, frames[i], may_name);
	fp_jsonw_arr_end(w);
}

/**
 * injection_json() - one log line for injected failure @seq
 * Context: inside malloc, under the reentrancy guard (the line grows in
 * the shim's own arena).
 */
static void injection_json(struct fp_jsonw *w, uint64_t seq, enum fp_call call,
			   uint64_t size, struct fp_site *site)
{
	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "seq");
	fp_jsonw_u64(w, seq);
	fp_jsonw_key(w, "pid");
	fp_jsonw_i64(w, getpid());
	fp_jsonw_key(w, "call");
	fp_jsonw_str(w, fp_call_name(call));
	fp_jsonw_key(w, "size");
	fp_jsonw_u64(w, size);
	fp_jsonw_key(w, "site");
	fp_jsonw_hex(w, site->id);
	frames_json(w, "frames", site->frames, site->n, 1);
	fp_jsonw_obj_end(w);
	fp_jsonw_raw(w, "\n", 1);
}

/**
 * text() - @s into @w, as is
 * Context: any; @w's own sink.
 */
static void text(struct fp_jsonw *w, const char *s)
{
	fp_jsonw_raw(w, s, strlen(s));
}

/**
 * injection_text() - FAILPOOL_VERBOSE: the innermost frame (1) or the
 * whole stack (2).
 * Context: inside malloc, under the reentrancy guard (FAILPOOL_VERBOSE's
 * line grows in the shim's own arena).
 */
static void injection_text(struct fp_jsonw *w, uint64_t seq, enum fp_call call,
			   uint64_t size, struct fp_site *site)
{
	char num[64], hex[19];

	snprintf(num, sizeof(num), "failpool: injected failure #%llu: ", (unsigned long long)seq);
	text(w, num);
	text(w, fp_call_name(call));
	snprintf(num, sizeof(num), "(%llu) at site %016llx", (unsigned long long)size,
		 (unsigned long long)site->id);
	text(w, num);
	for (unsigned i = 0; i < site->n && (i == 0 || fp_settings()->conf.verbose > 1); i++) {
		struct fp_frame_info *f = site->frames[i];
		uintptr_t off;
		const char *name = fp_framejson_name(f, 1, &off);

		text(w, i ? "\n    from " : " ");
		text(w, f->object);
		text(w, "+");
		fp_jsonw_raw(w, hex, fp_framejson_hex(hex, f->offset));
		if (name) {
			text(w, " (");
			text(w, name);
			text(w, "+");
			fp_jsonw_raw(w, hex, fp_framejson_hex(hex, off));
			text(w, ")");
		}
	}
	text(w, "\n");
}

void fp_log_injection(uint64_t seq, enum fp_call call, uint64_t size,
		      struct fp_site *site)
{
	/* 8 KB of writer: the shim's arena, not the program's thread stack. */
	struct fp_jsonw *w = fp_je_own_try_alloc(sizeof(*w));

	if (!w) {
		if (fp_log_fd >= 0)
			complain_once("write", ENOMEM);
		return;
	}
	if (fp_log_fd >= 0) {
		fp_jsonw_init_mem(w, NULL, 0, &own_arena);
		injection_json(w, seq, call, size, site);
		log_text(w);
		fp_jsonw_mem_free(w);
	}
	if (fp_settings()->conf.verbose) {
		fp_jsonw_init_mem(w, NULL, 0, &own_arena);
		injection_text(w, seq, call, size, site);
		if (!w->err)
			fp_say(w->buf, w->len);
		fp_jsonw_mem_free(w);
	}
	fp_je_own_free(w);
}

void fp_log_crash(const struct fp_ending *end)
{
	struct fp_jsonw *w = &crash_w;

	if (fp_log_fd < 0)
		return;
	fp_jsonw_init_mem(w, crash_line, sizeof(crash_line), NULL);
	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "crash");
	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "signal");
	fp_jsonw_i64(w, end->sig);
	fp_jsonw_key(w, "name");
	fp_jsonw_str(w, fp_signal_name(end->sig) ? fp_signal_name(end->sig) : "?");
	fp_jsonw_key(w, "pid");
	fp_jsonw_i64(w, getpid());
	fp_jsonw_key(w, "kind");
	fp_jsonw_str(w, fp_crash_kind_name(end));
	fp_jsonw_key(w, "last_injection_seq");
	fp_jsonw_u64(w, end->last_seq);
	/* Naming takes locks and memory: only frames named before the crash. */
	frames_json(w, "frames", (struct fp_frame_info *const *)end->frames, end->nframes, 0);
	if (end->kind == FP_CRASH_DOUBLE_FREE) {
		frames_json(w, "alloc_frames", (struct fp_frame_info *const *)end->alloc_frames,
			    end->nalloc_frames, 0);
		frames_json(w, "first_free_frames", (struct fp_frame_info *const *)end->free_frames,
			    end->nfree_frames, 0);
	}
	fp_jsonw_obj_end(w);
	fp_jsonw_obj_end(w);
	fp_jsonw_raw(w, "\n", 1);
	log_text(w);
}

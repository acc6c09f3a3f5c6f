/*
 * Last words without a signal raised (README, "The report" and "The
 * log"): the log's injection and crash lines built byte for byte, the
 * stderr line of FAILPOOL_VERBOSE, the report of a crash (complete false,
 * the crash record, frames not named before it have a null symbol), and
 * lib/crash.c's view of sigaction(2): a signal the shim holds reads as
 * the program's default.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash.h"
#include "ending.h"
#include "log.h"
#include "report.h"
#include "site.h"
#include "json.h"
#include "../tap.h"
#include "booted.h"

static char dir[] = "/tmp/fp-test-lastwords.XXXXXX";
static char report[64], logfile[64];

static void boot(void)
{
	snprintf(report, sizeof(report), "%s/r.json", dir);
	snprintf(logfile, sizeof(logfile), "%s/log", dir);
	setenv("FAILPOOL_REPORT", report, 1);
	setenv("FAILPOOL_LOG", logfile, 1);
	boot_with("FAILPOOL_NTH=1 FAILPOOL_DEPTH=1");
}

/* The log's line @n (0 first), without its newline, in @buf. */
static const char *log_line(unsigned n, char *buf, size_t size)
{
	FILE *f = fopen(logfile, "r");
	const char *got = NULL;

	while (f && fgets(buf, (int)size, f))
		if (n-- == 0) {
			buf[strcspn(buf, "\n")] = '\0';
			got = buf;
			break;
		}
	if (f)
		fclose(f);
	return got;
}

static void frame_json(char *out, size_t size, const struct fp_frame_info *f, const char *symbol)
{
	snprintf(out, size, "{\"object\":\"libc.so.6\",\"offset\":\"0x%llx\",\"symbol\":%s}",
		 (unsigned long long)f->offset, symbol);
}

static void lines(void)
{
	const void *a = SITE_A, *b = SITE_B;
	char line[1024], want[1024], fa[256], fb[256];
	struct fp_site *sa, *sb;
	struct fp_ending end = { .how = FP_END_SIGNAL, .sig = SIGSEGV, .crash = 1,
				 .last_seq = 1, .nframes = 2 };
	struct fp_json *j;
	char err[128];

	boot();
	ok(fp_alloc_malloc(64, SITE_A) == NULL, "NTH=1: malloc(64) from qsort fails");
	sa = fp_site_find(&a, 1);
	sb = fp_site_find(&b, 1);
	frame_json(fa, sizeof(fa), sa->frames[0], "\"qsort+0x1\"");
	snprintf(want, sizeof(want), "{\"seq\":1,\"pid\":%d,\"call\":\"malloc\",\"size\":64,"
		 "\"site\":\"%016llx\",\"frames\":[%s]}", (int)getpid(),
		 (unsigned long long)sa->id, fa);
	is_str(log_line(0, line, sizeof(line)), want, "the log's injection line, exactly");

	/* A crash in bsearch called from qsort: bsearch's frame was never named. */
	end.frames[0] = sb->frames[0];
	end.frames[1] = sa->frames[0];
	frame_json(fb, sizeof(fb), sb->frames[0], "null");
	fp_log_crash(&end);
	snprintf(want, sizeof(want), "{\"crash\":{\"signal\":%d,\"name\":\"SIGSEGV\",\"pid\":%d,"
		 "\"kind\":\"signal\",\"last_injection_seq\":1,\"frames\":[%s,%s]}}",
		 SIGSEGV, (int)getpid(), fb, fa);
	is_str(log_line(1, line, sizeof(line)), want, "the log's crash line, exactly");

	is_int(fp_report_write_async(&end), 0, "the report of a crash is written");
	j = fp_json_load(report, err, sizeof(err));
	ok(j != NULL, "... and parses");
	ok(!fp_json_path(j, "complete")->boolean, "report: complete is false");
	is_str(fp_json_str(fp_json_path(j, "exit.how")), "signal", "report: exit.how");
	ok(fp_json_path(j, "exit.code")->type == FP_JSON_NULL, "report: exit.code null");
	is_u64(fp_json_path_u64(j, "exit.signal", 0), SIGSEGV, "report: exit.signal");
	is_u64(fp_json_path_u64(j, "crash.signal", 0), SIGSEGV, "report: crash.signal");
	is_str(fp_json_str(fp_json_path(j, "crash.name")), "SIGSEGV", "report: crash.name");
	is_str(fp_json_str(fp_json_path(j, "crash.kind")), "signal", "report: crash.kind");
	is_u64(fp_json_path_u64(j, "crash.last_injection_seq", 0), 1,
	       "report: crash.last_injection_seq");
	is_u64(fp_json_path(j, "crash.frames")->n, 2, "report: 2 crash frames");
	ok(fp_json_path(j, "crash.frames.0.symbol")->type == FP_JSON_NULL,
	   "report: a frame not named before the crash has a null symbol");
	is_str(fp_json_str(fp_json_path(j, "crash.frames.1.symbol")), "qsort+0x1",
	       "report: one named before keeps its name");
	ok(!fp_json_path(j, "crash.alloc_frames"), "report: no alloc_frames for a signal");
	fp_json_free(j);

	end.kind = FP_CRASH_DOUBLE_FREE;
	end.nalloc_frames = 1;
	end.alloc_frames[0] = sa->frames[0];
	end.nfree_frames = 1;
	end.free_frames[0] = sb->frames[0];
	is_int(fp_report_write_async(&end), 0, "the report of a double free is written");
	j = fp_json_load(report, err, sizeof(err));
	is_str(fp_json_str(fp_json_path(j, "crash.kind")), "double-free", "report: crash.kind");
	is_u64(fp_json_path(j, "crash.alloc_frames")->n, 1, "report: 1 alloc frame");
	is_u64(fp_json_path(j, "crash.first_free_frames")->n, 1, "report: 1 first-free frame");
	fp_json_free(j);
	unlink(report);
	unlink(logfile);
}

/* FAILPOOL_VERBOSE=1: one line on stderr per injected failure, the innermost frame. */
static void verbose(void)
{
	const void *a = SITE_A;
	char err[64], line[512], want[512];
	struct fp_site *sa;
	FILE *f;

	snprintf(err, sizeof(err), "%s/stderr", dir);
	if (!freopen(err, "w", stderr))
		abort();
	boot_with("FAILPOOL_VERBOSE=1 FAILPOOL_NTH=1 FAILPOOL_DEPTH=1");
	ok(!fp_alloc_calloc(3, 7, SITE_A), "NTH=1: calloc(3, 7) from qsort fails");
	sa = fp_site_find(&a, 1);
	snprintf(want, sizeof(want), "failpool: injected failure #1: calloc(21) at site %016llx "
		 "libc.so.6+0x%llx (qsort+0x1)", (unsigned long long)sa->id,
		 (unsigned long long)sa->frames[0]->offset);
	f = fopen(err, "r");
	ok(f && fgets(line, sizeof(line), f), "a line on stderr");
	line[strcspn(line, "\n")] = '\0';
	is_str(line, want, "... exactly");
	ok(!fgets(line, sizeof(line), f), "... one line only");
	fclose(f);
	unlink(err);
}

/* The log's descriptor: high, close-on-exec, reopened rather than written through another file. */
static void log_descriptor(void)
{
	char other[64], link[80], err[64], line[512], msg[256];
	int fd, flags;
	FILE *f;

	snprintf(err, sizeof(err), "%s/stderr", dir);
	if (!freopen(err, "w", stderr))
		abort();
	boot();
	ok(fp_log_on() && fp_log_fd >= 1000, "the log's descriptor is at 1000 or above");
	flags = fcntl(fp_log_fd, F_GETFD);
	ok(flags >= 0 && (flags & FD_CLOEXEC), "... close-on-exec");
	snprintf(other, sizeof(other), "%s/other", dir);
	fd = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, fp_log_fd);		/* the program's own file now has the log's number */
	close(fd);
	ok(!fp_alloc_malloc(5, SITE_A), "NTH=1: malloc(5) fails");
	f = fopen(other, "r");
	ok(f && !fgets(line, sizeof(line), f), "the program's file got nothing");
	fclose(f);
	ok(log_line(0, line, sizeof(line)) && strncmp(line, "{\"seq\":1,", 9) == 0,
	   "the line went to the log, open again");
	snprintf(link, sizeof(link), "%s/link", dir);
	if (symlink(other, link))
		abort();
	is_int(fp_log_open(link), -1, "a symbolic link as the log: refused");
	f = fopen(err, "r");
	snprintf(msg, sizeof(msg), "failpool: FAILPOOL_LOG: cannot open '%s': %s\n", link,
		 strerrordesc_np(ELOOP));
	ok(f && fgets(line, sizeof(line), f), "... and said on stderr");
	is_str(line, msg, "... exactly");
	fclose(f);
	unlink(link);
	unlink(other);
	unlink(err);
	unlink(logfile);
}

static void handler(int sig)
{
}

static void dispositions(void)
{
	struct sigaction act, old, real;

	boot();
	sigaction(SIGSEGV, NULL, &real);
	ok(real.sa_flags & SA_SIGINFO, "the shim holds SIGSEGV (a report is asked for)");
	fp_crash_sigaction(SIGSEGV, NULL, &old);
	ok(old.sa_handler == SIG_DFL, "... the program reads SIG_DFL");
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	is_int(fp_crash_sigaction(SIGSEGV, &act, NULL), 0, "the program sets a handler");
	sigaction(SIGSEGV, NULL, &real);
	ok(real.sa_handler == handler, "... and has it: the shim let go");
	ok(fp_crash_signal(SIGUSR2, handler, SA_RESTART) == SIG_DFL,
	   "signal(SIGUSR2): the old handler was SIG_DFL");
	ok(fp_crash_signal(SIGUSR2, SIG_IGN, SA_RESTART) == handler,
	   "... then the handler set before");
	unlink(logfile);
}

int main(void)
{
	if (!mkdtemp(dir))
		abort();
	in_child("log and crash lines", lines);
	in_child("verbose", verbose);
	in_child("log descriptor", log_descriptor);
	in_child("dispositions", dispositions);
	rmdir(dir);
	return done_testing();
}

/* The JSON report (README, "The report";
 * doc/failpool-report.schema.json), written atomically at the end of a process image. */
#ifndef FP_REPORT_H
#define FP_REPORT_H

#include <stdint.h>

struct fp_frame_info;

#define FP_CRASH_FRAMES	64

/* How the process image ends, as the report's exit, complete and crash say. */
struct fp_ending {
	enum { FP_END_EXIT, FP_END_EXEC, FP_END_SIGNAL } how;
	int code;			/* FP_END_EXIT: the status the parent sees */
	int sig;			/* FP_END_SIGNAL */
	int crash;			/* FP_END_SIGNAL: fatal, with a crash record */
	/* FP_END_SIGNAL from a fatal signal: the crash record */
	uint64_t last_seq;		/* the last injected failure before it, 0: none */
	unsigned nframes;
	struct fp_frame_info *frames[FP_CRASH_FRAMES];
	/* What ended it: a plain signal, or a heap check's abort (FAILPOOL_CHECK) */
	enum { FP_CRASH_SIGNAL, FP_CRASH_DOUBLE_FREE, FP_CRASH_INVALID_FREE } kind;
	/* FP_CRASH_DOUBLE_FREE: where the block was allocated and first freed */
	unsigned nalloc_frames, nfree_frames;
	struct fp_frame_info *alloc_frames[FP_CRASH_FRAMES];
	struct fp_frame_info *free_frames[FP_CRASH_FRAMES];
};

/* The crash record's "kind" for @end. */
static inline const char *fp_crash_kind_name(const struct fp_ending *end)
{
	return end->kind == FP_CRASH_DOUBLE_FREE ? "double-free" :
	       end->kind == FP_CRASH_INVALID_FREE ? "invalid-free" : "signal";
}

/**
 * fp_report_write() - write the report of this process image, ending as
 * @end says (exit: complete; exec: complete, no status; signal: incomplete,
 * with the crash record). Uses write(2) and a fixed buffer only.
 * Return: 0, or a negative errno (a message is printed on stderr).
 */
int fp_report_write(const struct fp_ending *end);

/**
 * fp_report_write_async() - fp_report_write() from a signal handler: no
 * lock, no allocation, no frame named that was not named before (their
 * symbol is null; the tool names them offline).
 * Context: signal handler, under the reentrancy guard.
 */
int fp_report_write_async(const struct fp_ending *end);

#endif

/*
 * How a process image ends, as the report's exit, complete and crash say:
 * filled by the exit, exec and signal paths (lib/exit.c, lib/crash.c),
 * the heap check (lib/heapcheck.c) and read by the report and the log.
 */
#ifndef FP_ENDING_H
#define FP_ENDING_H

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

/**
 * fp_crash_kind_name() - the crash record's "kind" for @end.
 * Context: any, async-signal-safe.
 */
static inline const char *fp_crash_kind_name(const struct fp_ending *end)
{
	return end->kind == FP_CRASH_DOUBLE_FREE ? "double-free" :
	       end->kind == FP_CRASH_INVALID_FREE ? "invalid-free" : "signal";
}

#endif

/*
 * The report model: a failpool report (failpool-report/1, README "The
 * report", doc/failpool-report.schema.json) or a merged report
 * (failpool-merged/1, doc/failpool-merged.schema.json) parsed once into
 * typed structs, its values checked on the way in. Every tool reads
 * reports through this file only: no other file knows a report's keys.
 *
 * One shape serves both kinds: a model holds the processes it describes
 * (one for a report, one per report merged) and the totals, sites and
 * pools over all of them. A single report is a model with nprocs == 1.
 *
 * Strings point into the parsed document, which the model owns; they live
 * until fp_model_free(). Frames named offline (lines.h) point to names
 * kept for the life of the tool.
 *
 * The tool may malloc: none of this runs in the shim.
 */
#ifndef FP_MODEL_H
#define FP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "calls.h"
#include "json.h"

/* One stack frame: innermost first in every array. */
struct fp_model_frame {
	const char *object;		/* object base name; NULL when written as null */
	const char *offset;		/* as written: "0x4f2" */
	uint64_t off;			/* the same, parsed (0 when not hex) */
	const char *symbol;		/* "func+0xoff" or "func"; NULL: not named */
	int own_symbol;			/* 1: @symbol is the report's own */
	/* Named offline (lines.h), or read from a merged report: */
	int named;			/* 1 once the tool tried to name it */
	const char *file;		/* source file; NULL: unknown */
	unsigned line;			/* its line, when @file is known */
	const char *func;		/* the innermost function at file:line, or NULL */
	const char *inlined_into;	/* the function @func is inlined into, or NULL */
};

struct fp_model_frames {
	struct fp_model_frame *v;
	size_t n;
	int present;			/* 0: the key was absent */
	const struct fp_json *src;	/* private: the array read */
};

struct fp_model_site {
	uint64_t id;			/* written as 16 hex digits */
	struct fp_model_frames frames;
	uint64_t calls, bytes, injected;
	const char *pool;		/* NULL: none */
};

struct fp_model_pool {
	const char *name;
	uint64_t min, size, curr, low, allocs, hits, refills, waits;
	uint64_t wait_ns_total, wait_ns_max, exhausted, oversize;
	unsigned processes;		/* reports that have it (1 in a report) */
};

struct fp_model_injection {
	uint64_t seq;
	const char *call;		/* "malloc", "new[]", ...; NULL when absent */
	uint64_t size;
	int has_site;
	uint64_t site;
};

enum fp_model_crash_kind {
	FP_CRASH_SIGNAL,
	FP_CRASH_DOUBLE_FREE,
	FP_CRASH_INVALID_FREE,
	FP_CRASH_OTHER,			/* a kind this tool does not know */
};

struct fp_model_crash {
	uint64_t signal;		/* 0 when absent */
	const char *name;		/* "SIGSEGV", or NULL */
	const char *kind;		/* as written; NULL when absent */
	enum fp_model_crash_kind kindv;	/* absent: FP_CRASH_SIGNAL */
	int has_last_injection_seq;
	uint64_t last_injection_seq;
	struct fp_model_frames frames, alloc_frames, first_free_frames;
	const struct fp_json *src;	/* private: the object read */
};

struct fp_model_exit {
	int by_signal;			/* 1: "how": "signal" */
	const char *how;		/* as written */
	int has_code;			/* 0: "code": null (exec, signal) */
	int64_t code;
	int signal;			/* 0: null */
};

struct fp_model_object {
	const char *name, *path;	/* path NULL when absent or null */
};

struct fp_model_pool_level {
	const char *name;
	double curr;
};

/* A sample over time (the report's series, lib/series.c). */
struct fp_model_sample {
	double ms, live_bytes, injected;
	struct fp_model_pool_level *pools;
	size_t npools;
};

struct fp_model_totals {
	uint64_t calls[FP_CALL_COUNT];
	fp_callset calls_present;	/* the entry points the report lists */
	uint64_t bytes_allocated, live_bytes, peak_live_bytes;
	uint64_t eligible, injected, real_failures;
	uint64_t startup_calls, startup_bytes;
};

/* One process: a report, or one entry of a merged report's "processes". */
struct fp_model_proc {
	const char *report;		/* the file it was read from */
	const char *version;		/* NULL when absent */
	uint64_t pid, ppid;
	const char *exe;		/* NULL: written as null */
	const char *const *argv;
	size_t argc;
	int has_seed;
	uint64_t seed;
	const char *seed_text;		/* as written, NULL when absent */
	const struct fp_json *config;	/* the "config" object as written, or NULL */
	int complete;
	struct fp_model_exit exit;
	uint64_t injected;		/* totals.injected */
	struct fp_model_crash *crash;	/* NULL: none */
	/* Its report's own, kept through a merge; empty from a merged report: */
	const struct fp_model_injection *injections;
	size_t ninjections;
	const struct fp_model_sample *series;
	size_t nseries;
};

enum fp_model_kind {
	FP_MODEL_REPORT,		/* failpool-report/1 */
	FP_MODEL_MERGED,		/* failpool-merged/1, or fp_merge_models() (merge.h) */
};

struct fp_model {
	enum fp_model_kind kind;
	const char *path;		/* the file; for a merge, the first one */
	struct fp_model_proc *procs;	/* in the order read */
	size_t nprocs;
	int has_seed;			/* 0: none, or the processes differ */
	uint64_t seed;
	struct fp_model_totals totals;	/* summed; peak_live_bytes: the largest */
	struct fp_model_site *sites;	/* a report: as written; merged: by weight */
	size_t nsites;
	struct fp_model_pool *pools;	/* in order of first appearance */
	size_t npools;
	/* A report's own; empty in a merged model: */
	struct fp_model_injection *injections;
	size_t ninjections;
	struct fp_model_object *objects;
	size_t nobjects;
	struct fp_model_sample *series;
	size_t nseries;
	int has_series;			/* 0: the key was absent */

	/* Private: what fp_model_free() releases. */
	struct fp_json *doc;
	void **mem;
	size_t nmem, capmem;
	struct fp_model *parts;		/* a merge: the models merged */
	size_t nparts;
	size_t *site_index;		/* sites by id: index + 1, 0 empty */
	size_t site_cap, site_len;
};

/**
 * fp_model_load() - read the file at @path and parse it into @m: a
 * report, or a merged report.
 * @path:    the file
 * @m:       filled; release with fp_model_free() whatever is returned
 * @err:     on failure, what is wrong, naming the key: "not a failpool
 *           report (sites[2].frames[0] is not an object)", "line 15
 *           column 3: unterminated string", "cannot open: ..."; without
 *           the file name, which the caller prints first
 * @errsize: size of @err
 *
 * Return: 0, or -1 with @err filled.
 */
int fp_model_load(const char *path, struct fp_model *m, char *err, size_t errsize);

/* fp_model_load(), members passed over as @skip says (json.h): they read as empty arrays. */
int fp_model_load_skipping(const char *path, const struct fp_json_skip *skip, struct fp_model *m,
			   char *err, size_t errsize);

/**
 * fp_model_parse() - as fp_model_load(), from text in memory.
 * @name: recorded as the file name (procs[].report)
 * Return: 0, or -1 with @err filled.
 */
int fp_model_parse(const char *text, size_t len, const char *name, struct fp_model *m,
		   char *err, size_t errsize);

/**
 * fp_model_from_json() - build @m from an already parsed document.
 * @doc:  the root; @m takes it over and frees it (also on failure)
 * @name: recorded as the file name
 * Return: 0, or -1 with @err filled.
 */
int fp_model_from_json(struct fp_json *doc, const char *name, struct fp_model *m, char *err,
		       size_t errsize);

/**
 * fp_model_free() - release everything @m holds; a zeroed model is fine.
 */
void fp_model_free(struct fp_model *m);

/**
 * fp_model_site() - the site of @m with id @id, through an index (a
 * lookup costs the same however many sites there are).
 * Return: the site, or NULL.
 */
const struct fp_model_site *fp_model_site(const struct fp_model *m, uint64_t id);

/**
 * fp_model_crash_kind_name() - "signal", "double-free", "invalid-free".
 * Return: a static string; the written text for FP_CRASH_OTHER is in
 * crash->kind.
 */
const char *fp_model_crash_kind_name(enum fp_model_crash_kind kind);

/**
 * fp_model_frames_each() - call @fn on every frame array of @m: each
 * site's, then each crash's frames, alloc_frames and first_free_frames.
 * @max_sites: how many sites (from the first), (size_t)-1 for all
 */
void fp_model_frames_each(struct fp_model *m, size_t max_sites,
			  void (*fn)(struct fp_model_frames *f, void *arg), void *arg);

/* Private helpers shared with merge.c: @size bytes owned by @m, zeroed;
 * @p (from malloc) handed to @m to free. */
void *fp_model_alloc(struct fp_model *m, size_t size);
void fp_model_adopt(struct fp_model *m, void *p);
/* Private to merge.c: index site @i of @m, or all of them again (after a sort). */
void fp_model_index_add(struct fp_model *m, size_t i);
void fp_model_index_sites(struct fp_model *m);

#endif

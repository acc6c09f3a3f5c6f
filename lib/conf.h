/*
 * FAILPOOL_* settings: one validator shared by the shim (exit 125) and the
 * tool (exit 2), so the two can never disagree. Loading allocates nothing.
 */
#ifndef FP_CONF_H
#define FP_CONF_H

#include <stddef.h>
#include <stdint.h>
#include "calls.h"

#define FP_CONF_PATH_MAX	4096
#define FP_CONF_RULES_MAX	4096
#define FP_DEPTH_DEFAULT	8
#define FP_DEPTH_MAX		64

struct fp_conf {
	double rate;			/* FAILPOOL_RATE, 0 = off */
	uint64_t seed;			/* FAILPOOL_SEED, valid when seed_set */
	int seed_set;
	uint64_t every;			/* 0 = off */
	uint64_t after;
	uint64_t nth;			/* 0 = off */
	uint64_t burst;			/* FP_UNLIMITED = inf */
	uint64_t times;			/* FP_UNLIMITED = no cap */
	uint64_t limit;			/* valid when limit_set */
	int limit_set;
	fp_callset calls;		/* eligible entry points */
	unsigned depth;
	int enable;
	int toggle_signal;		/* 0 = none */
	int verbose;			/* 0, 1, 2 */
	enum { FP_CHECK_NONE, FP_CHECK_FREES } check;	/* FAILPOOL_CHECK */
	char sites[FP_CONF_RULES_MAX];	/* "" = all sites */
	char pools[FP_CONF_RULES_MAX];	/* "" = none */
	char report[FP_CONF_PATH_MAX];	/* "" = no report; unexpanded template */
	char log[FP_CONF_PATH_MAX];	/* "" = no log; unexpanded template */
	char exe[FP_CONF_PATH_MAX];	/* "" = every process */
};

#define FP_CONF_NAME_MAX	64
#define FP_CONF_MSG_MAX		256
/* fp_conf_format_error()'s longest line: every byte escaped as \xNN. */
#define FP_CONF_LINE_MAX	(4 * (FP_CONF_NAME_MAX + FP_CONF_MSG_MAX) + 16)

struct fp_conf_error {
	const char *var;		/* "FAILPOOL_RATE", or name */
	char name[FP_CONF_NAME_MAX];	/* an unknown variable's (cut), for var */
	char msg[FP_CONF_MSG_MAX];	/* "not a number in [0,1]: 'x'" */
};

/* What the tool does with a variable: the "use" column of lib/vars.def. */
enum fp_var_use {
	FP_VAR_REPEAT	= 1,	/* its flag may be repeated: values joined with ';' */
	FP_VAR_EXPLORE	= 2,	/* explore passes it on (else explore decides it) */
	FP_VAR_SOAK	= 4,	/* soak passes it on (else soak sets it itself) */
};

/* One row per variable of lib/vars.def, in its order. */
struct fp_conf_var {
	const char *name;		/* "FAILPOOL_RATE" */
	const char *key;		/* "rate": report's config key */
	const char *help;		/* one line for --help */
};
extern const struct fp_conf_var fp_conf_vars[];
extern const unsigned fp_conf_nvars;

/**
 * fp_conf_defaults() - fill @c with the defaults in the README's
 * "Variables" table (failpool(1), ENVIRONMENT).
 */
void fp_conf_defaults(struct fp_conf *c);

/**
 * fp_conf_load() - read and validate every FAILPOOL_* variable, each by
 * the loader its row of lib/vars.def names, in the table's order.
 * @c:   filled with defaults, then with each variable that is set
 * @get: getenv() or an equivalent lookup; NULL or "" means unset... except
 *       that an empty value of a numeric variable is an error
 * @err: on failure, which variable and what is wrong
 *
 * Return: 0, or -EINVAL with @err filled for the first bad variable.
 */
int fp_conf_load(struct fp_conf *c, char *(*get)(const char *name),
		 struct fp_conf_error *err);

/**
 * fp_conf_load_environ() - what the shim and the tool both check:
 * fp_conf_check_names() over environ, then fp_conf_load() with getenv().
 * Context: boot (before main, no allocation) and the tool.
 * Return: 0, or -EINVAL with @c at its defaults and @err filled.
 */
int fp_conf_load_environ(struct fp_conf *c, struct fp_conf_error *err);

/**
 * fp_conf_format_error() - "failpool: FAILPOOL_X: what is wrong\n", always
 * one line: control bytes of a quoted value come out escaped (\n, \x01), and
 * what does not fit in @buf is cut, never the final newline.
 * Return: the length written into @buf (always NUL-terminated).
 */
unsigned fp_conf_format_error(const struct fp_conf_error *err, char *buf,
			      unsigned size);

/**
 * fp_conf_injects() - whether any failure criterion is configured
 * (RATE > 0, EVERY, NTH or LIMIT).
 * Return: 1 or 0.
 */
int fp_conf_injects(const struct fp_conf *c);

#endif

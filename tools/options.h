/*
 * The tool's long flags for the FAILPOOL_* variables, derived from
 * lib/vars.def: --rate=R or --rate R sets FAILPOOL_RATE, and so on, in run,
 * explore and soak alike. Validation is lib/conf.c's, as in the shim.
 */
#ifndef FP_OPTIONS_H
#define FP_OPTIONS_H

#include <stdio.h>

#include "conf.h"

struct fp_opt {
	const char *flag;	/* "rate" for --rate */
	const char *var;	/* "FAILPOOL_RATE" */
	const char *metavar;	/* "R" in the help */
	unsigned use;		/* enum fp_var_use bits (lib/conf.h) */
	const char *help;	/* one line for --help */
};

/* One row per variable of lib/vars.def. */
enum {
	FP_NOPTS = 0
#define FP_VAR(NAME, key, load, flag, metavar, use, help) + 1
#include "vars.def"
#undef FP_VAR
};

extern const struct fp_opt fp_opts[FP_NOPTS];
extern const unsigned fp_nopts;

/* Values collected from the command line, one slot per table row. */
struct fp_optvals {
	char *val[FP_NOPTS];	/* NULL: not given */
};

/**
 * fp_opt_take() - match argv[*i] against the long option --@name taking a
 * value, as "--name=VALUE" or "--name VALUE" (the second form consumes
 * argv[*i + 1], which must not be "--").
 * @val: set to the value on a match
 *
 * Return: 1 matched (*i advanced past the value's argument when it was
 * separate), 0 not this option, -1 this option without a value (a
 * message has been printed on stderr).
 */
int fp_opt_take(const char *name, int argc, char **argv, int *i,
		const char **val);

/**
 * fp_opt_parse() - if argv[*i] is one of the table's flags, record its
 * value in @v (appending with ';' for a repeatable flag).
 *
 * Return: 1 consumed, 0 not a table flag, -1 error (message printed).
 */
int fp_opt_parse(struct fp_optvals *v, int argc, char **argv, int *i);

/**
 * fp_opts_setenv() - setenv() every recorded value in the tool's own
 * environment, to be inherited by the child and checked by
 * fp_opts_validate(); a relative --report or --log is made absolute from
 * the tool's working directory.
 * Return: 0, or -1 with a message printed.
 */
int fp_opts_setenv(const struct fp_optvals *v);

/**
 * fp_opts_validate() - check every FAILPOOL_* variable of the environment
 * with the shim's own validator, printing its message on failure.
 * @conf: filled with the settings
 *
 * Return: 0, or -1 after printing "failpool: --flag: ..." on stderr for a
 * value fp_opts_setenv() set from a flag (variables the message names are
 * written as their flags too), "failpool: FAILPOOL_X: ..." for one from
 * the environment.
 */
int fp_opts_validate(struct fp_conf *conf);

/**
 * fp_opt_source() - how to name variable @var in a message about its
 * value: "--report" when fp_opts_setenv() set it from that flag, else
 * @var itself.
 * Return: @buf.
 */
const char *fp_opt_source(const char *var, char *buf, size_t size);

/**
 * fp_opt_refused() - whether @arg is the flag of a variable that @tool
 * (FP_VAR_EXPLORE or FP_VAR_SOAK) sets itself, as --flag or --flag=VALUE.
 * Return: the flag's row, or NULL.
 */
const struct fp_opt *fp_opt_refused(const char *arg, unsigned tool);

/**
 * fp_opts_passed() - the FAILPOOL_* names @tool (FP_VAR_EXPLORE or
 * FP_VAR_SOAK) passes on from its environment to each run: the rows of
 * lib/vars.def with that bit, so a variable added there needs no second list.
 * Context: the tool; the list is built once and never freed.
 * Return: a NULL-terminated list of names.
 */
const char *const *fp_opts_passed(unsigned tool);

/**
 * fp_opts_help() - one line per flag whose row has every bit of @use
 * (0: all flags), with the variable it sets.
 */
void fp_opts_help(FILE *out, unsigned use);

/**
 * fp_optvals_free() - release the recorded values.
 */
void fp_optvals_free(struct fp_optvals *v);

#endif

/*
 * The one table mapping the tool's long flags to FAILPOOL_* variables,
 * shared by run (and later explore and soak): --rate=R or --rate R sets
 * FAILPOOL_RATE, and so on. Validation is lib/conf.c's, as in the shim.
 */
#ifndef FP_OPTIONS_H
#define FP_OPTIONS_H

#include <stdio.h>

struct fp_conf;

struct fp_opt {
	const char *flag;	/* "rate" for --rate */
	const char *var;	/* "FAILPOOL_RATE" */
	const char *metavar;	/* "R" in the help */
	int repeat;		/* repeatable: values joined with ';' */
};

extern const struct fp_opt fp_opts[];
extern const unsigned fp_nopts;

/* Values collected from the command line, one slot per table row. */
struct fp_optvals {
	char *val[32];		/* NULL: not given */
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
 * Return: 0, or -1 after printing "failpool: FAILPOOL_X: ..." on stderr.
 */
int fp_opts_validate(struct fp_conf *conf);

/**
 * fp_opts_keep() - what a run keeps of the tool's FAILPOOL_* variables:
 * every name of lib/conf.c's table but @except (which the tool sets
 * itself), so a variable added there is passed on without a second list.
 * @keep: filled with at most @size - 1 names and a NULL
 *
 * Return: @keep.
 */
const char *const *fp_opts_keep(const char **keep, unsigned size, const char *except);

/**
 * fp_opts_help() - one line per flag, with the variable it sets.
 */
void fp_opts_help(FILE *out);

/**
 * fp_optvals_free() - release the recorded values.
 */
void fp_optvals_free(struct fp_optvals *v);

#endif

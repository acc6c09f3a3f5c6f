/*
 * The tool's commands: one row each in failpool.c's table (tmux's cmd-*.c,
 * stress-ng's stressor_info_t). A command gets argv from its own name on.
 */
#ifndef FP_CMDS_H
#define FP_CMDS_H

/* Exit statuses of the tool itself (failpool(1), EXIT STATUS). */
#define FP_EXIT_OK		0
#define FP_EXIT_FINDING		1
#define FP_EXIT_USAGE		2

struct fp_cmd {
	const char *name;		/* "run" */
	int (*fn)(int argc, char **argv);
	const char *usage;		/* "[options] -- CMD [ARG...]" */
	const char *help;		/* one line for `failpool --help` */
};

/**
 * fp_usage_error() - "failpool: <@fmt with @arg>", then @usage and a pointer
 * to `failpool @cmd --help`, on stderr.
 * Return: FP_EXIT_USAGE.
 */
int fp_usage_error(const char *cmd, const char *usage, const char *fmt, const char *arg);

/**
 * fp_cmd_run() - `failpool run [options] -- CMD [ARG...]`.
 * @argc: arguments from "run" on
 * @argv: they
 *
 * Return: the tool's exit status: CMD's own, 128+N when a signal N killed
 * it, 125 on a usage or configuration error or a CMD the shim cannot
 * enter, 126/127 when CMD cannot run; 0 for --help, --version, --print-env.
 */
int fp_cmd_run(int argc, char **argv);

/**
 * fp_cmd_explore() - `failpool explore [options] -- CMD [ARG...]`.
 * Return: 0 no run of a --fail-on class, 1 one or more, 2 when it could
 * not explore (usage, a CMD that cannot run, a used --out).
 */
int fp_cmd_explore(int argc, char **argv);

/**
 * fp_cmd_report() - `failpool report [--format F] [-o FILE] REPORT.json...`.
 * Return: 0, or 2 for a usage error or a file that is not a whole report.
 */
int fp_cmd_report(int argc, char **argv);

/**
 * fp_cmd_soak() - `failpool soak [options]`.
 * Return: 0 survived, 1 a finding (a process that did not end well, a pool
 * that ran out), 2 a usage error or a soak that tested nothing.
 */
int fp_cmd_soak(int argc, char **argv);

#endif

/* failpool: the command-line front end of the preload shim. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "fp.h"
#include "shimpath.h"
#include "unshim.h"

static const struct fp_cmd cmds[] = {
	{ "run", fp_cmd_run, "[options] [--] CMD [ARG...]",
	  "run CMD under the shim and summarise its processes' reports" },
	{ "explore", fp_cmd_explore, "[options] [--] CMD [ARG...]",
	  "fail each allocation site in turn and class the outcomes" },
	{ "report", fp_cmd_report, "[--format text|json|html] [-o FILE] REPORT.json...",
	  "render reports, several merged, as text, JSON or HTML" },
	{ "soak", fp_cmd_soak, "[options]",
	  "run stress-ng stressors under the shim: did they survive?" },
};

int fp_usage_error(const char *cmd, const char *usage, const char *fmt, const char *arg)
{
	fputs("failpool: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%sTry 'failpool %s --help' for the options.\n", usage, cmd);
	return FP_EXIT_USAGE;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage:\n");
	for (unsigned i = 0; i < FP_ARRAY_SIZE(cmds); i++)
		fprintf(out, "  failpool %-7s %s\n", cmds[i].name, cmds[i].usage);
	fprintf(out, "  failpool help COMMAND\n"
		"  failpool --help | --version | --shim-path\n\nCommands:\n");
	for (unsigned i = 0; i < FP_ARRAY_SIZE(cmds); i++)
		fprintf(out, "  %-9s %s\n", cmds[i].name, cmds[i].help);
	fprintf(out, "\n`failpool help COMMAND` (or `failpool COMMAND --help`) shows a command's\n"
		"options; --shim-path prints the shim the tool preloads. See also failpool(1).\n");
}

static int version(void)
{
	printf("failpool %s\n", PACKAGE_VERSION);
	return FP_EXIT_OK;
}

/* The shim run and explore preload, for scripts (pkg-config gives the installed one). */
static int shim_path(void)
{
	char path[PATH_MAX];

	if (!fp_shim_path(path, sizeof(path))) {
		fprintf(stderr, "failpool: the shim's path is too long\n");
		return FP_EXIT_FINDING;
	}
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "failpool: no shim at %s: %s\n", path, strerror(errno));
		return FP_EXIT_FINDING;
	}
	printf("%s\n", path);
	return FP_EXIT_OK;
}

static const struct fp_cmd *find(const char *name)
{
	for (unsigned i = 0; i < FP_ARRAY_SIZE(cmds); i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct fp_cmd *cmd;
	const char *name;

	fp_unshim(argv);
	if (argc < 2) {
		usage(stderr);
		return FP_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "help") && argc > 2) {
		/* failpool help CMD: CMD's own --help. */
		char *help[] = { argv[2], "--help", NULL };

		cmd = find(argv[2]);
		if (!cmd) {
			fprintf(stderr, "failpool: unknown command '%s'\n", argv[2]);
			usage(stderr);
			return FP_EXIT_USAGE;
		}
		return cmd->fn(2, help);
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return FP_EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V"))
		return version();
	if (!strcmp(name, "--shim-path"))
		return shim_path();
	cmd = find(name);
	if (!cmd) {
		fprintf(stderr, "failpool: unknown command '%s'\n", name);
		usage(stderr);
		return FP_EXIT_USAGE;
	}
	/* Every command's first option may be --version. */
	if (argc > 2 && (!strcmp(argv[2], "--version") || !strcmp(argv[2], "-V")))
		return version();
	return cmd->fn(argc - 1, argv + 1);
}

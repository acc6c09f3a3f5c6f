/* failpool: the command-line front end of the preload shim. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "fp.h"

static const struct fp_cmd cmds[] = {
	{ "run", fp_cmd_run, "[options] [--] CMD [ARG...]",
	  "run CMD under the shim and summarise its report" },
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
	fprintf(out, "  failpool --help | --version\n\nCommands:\n");
	for (unsigned i = 0; i < FP_ARRAY_SIZE(cmds); i++)
		fprintf(out, "  %-9s %s\n", cmds[i].name, cmds[i].help);
	fprintf(out, "\n`failpool COMMAND --help` shows a command's options; "
		"see also failpool(1).\n");
}

int main(int argc, char **argv)
{
	const char *name;

	if (argc < 2) {
		usage(stderr);
		return FP_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return FP_EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("failpool %s\n", PACKAGE_VERSION);
		return FP_EXIT_OK;
	}
	for (unsigned i = 0; i < FP_ARRAY_SIZE(cmds); i++) {
		if (strcmp(name, cmds[i].name) != 0)
			continue;
		if (!cmds[i].fn) {
			fprintf(stderr, "failpool: '%s' is not in this build yet\n", name);
			return FP_EXIT_USAGE;
		}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "failpool: unknown command '%s'\n", name);
	usage(stderr);
	return FP_EXIT_USAGE;
}

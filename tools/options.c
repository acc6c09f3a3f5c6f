/* Flags <-> FAILPOOL_* variables (see options.h). */
#include "config.h"
#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fp.h"

const struct fp_opt fp_opts[] = {
	{ "rate",          "FAILPOOL_RATE",          "R",      0 },
	{ "seed",          "FAILPOOL_SEED",          "S",      0 },
	{ "every",         "FAILPOOL_EVERY",         "N",      0 },
	{ "after",         "FAILPOOL_AFTER",         "N",      0 },
	{ "nth",           "FAILPOOL_NTH",           "N",      0 },
	{ "burst",         "FAILPOOL_BURST",         "N|inf",  0 },
	{ "times",         "FAILPOOL_TIMES",         "N",      0 },
	{ "limit",         "FAILPOOL_LIMIT",         "SIZE",   0 },
	{ "calls",         "FAILPOOL_CALLS",         "LIST",   0 },
	{ "site",          "FAILPOOL_SITES",         "RULE",   1 },
	{ "pool",          "FAILPOOL_POOLS",         "POOL",   1 },
	{ "depth",         "FAILPOOL_DEPTH",         "N",      0 },
	{ "report",        "FAILPOOL_REPORT",        "PATH",   0 },
	{ "log",           "FAILPOOL_LOG",           "PATH",   0 },
	{ "exe",           "FAILPOOL_EXE",           "GLOB",   0 },
	{ "enable",        "FAILPOOL_ENABLE",        "0|1",    0 },
	{ "toggle-signal", "FAILPOOL_TOGGLE_SIGNAL", "SIG",    0 },
	{ "verbose",       "FAILPOOL_VERBOSE",       "0|1|2",  0 },
	{ "check",         "FAILPOOL_CHECK",         "none|frees", 0 },
};
const unsigned fp_nopts = FP_ARRAY_SIZE(fp_opts);

_Static_assert(FP_ARRAY_SIZE(fp_opts) <= FP_ARRAY_SIZE(((struct fp_optvals *)0)->val),
	       "struct fp_optvals too small for the option table");

int fp_opt_take(const char *name, int argc, char **argv, int *i,
		const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
		return 0;
	if (a[2 + n] == '=') {
		*val = a + 3 + n;
		return 1;
	}
	if (a[2 + n] != '\0')
		return 0;
	if (*i + 1 >= argc || strcmp(argv[*i + 1], "--") == 0) {
		fprintf(stderr, "failpool: option '--%s' needs a value\n", name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int fp_opt_parse(struct fp_optvals *v, int argc, char **argv, int *i)
{
	for (unsigned k = 0; k < fp_nopts; k++) {
		const char *val;
		char *s;
		int rc = fp_opt_take(fp_opts[k].flag, argc, argv, i, &val);

		if (rc <= 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		if (fp_opts[k].repeat && v->val[k]) {
			if (asprintf(&s, "%s;%s", v->val[k], val) < 0)
				s = NULL;
		} else {
			s = strdup(val);
		}
		if (!s) {
			fprintf(stderr, "failpool: out of memory\n");
			return -1;
		}
		free(v->val[k]);
		v->val[k] = s;
		return 1;
	}
	return 0;
}

/*
 * --report and --log name a place as seen from where failpool was started:
 * CMD may be a script that changes directory before the program that
 * writes. The directory becomes part of a template, so its '%' are doubled.
 */
static char *absolute_template(const char *var, const char *v)
{
	char cwd[PATH_MAX], *s, *p;

	if ((strcmp(var, "FAILPOOL_REPORT") && strcmp(var, "FAILPOOL_LOG")) ||
	    !*v || *v == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(v);
	s = malloc(2 * strlen(cwd) + strlen(v) + 2);
	if (!s)
		return NULL;
	p = s;
	for (const char *c = cwd; *c; c++) {
		if (*c == '%')
			*p++ = '%';
		*p++ = *c;
	}
	if (p[-1] != '/')
		*p++ = '/';
	strcpy(p, v);
	return s;
}

int fp_opts_setenv(const struct fp_optvals *v)
{
	for (unsigned k = 0; k < fp_nopts; k++) {
		char *val;
		int rc;

		if (!v->val[k])
			continue;
		val = absolute_template(fp_opts[k].var, v->val[k]);
		rc = val ? setenv(fp_opts[k].var, val, 1) : (errno = ENOMEM, -1);
		free(val);
		if (rc < 0) {
			fprintf(stderr, "failpool: %s: %s\n", fp_opts[k].var,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

int fp_opts_validate(struct fp_conf *conf)
{
	struct fp_conf_error err;
	char msg[FP_CONF_LINE_MAX];

	if (fp_conf_load_environ(conf, &err) == 0)
		return 0;
	fp_conf_format_error(&err, msg, sizeof(msg));
	fputs(msg, stderr);
	return -1;
}

const char *const *fp_opts_keep(const char **keep, unsigned size, const char *except)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fp_conf_nvars && n + 1 < size; i++)
		if (strcmp(fp_conf_vars[i].name, except))
			keep[n++] = fp_conf_vars[i].name;
	keep[n] = NULL;
	return keep;
}

static const char *var_help(const char *var)
{
	for (unsigned i = 0; i < fp_conf_nvars; i++)
		if (strcmp(fp_conf_vars[i].name, var) == 0)
			return fp_conf_vars[i].help;
	return "";
}

void fp_opts_help(FILE *out)
{
	for (unsigned k = 0; k < fp_nopts; k++) {
		char left[40];

		snprintf(left, sizeof(left), "--%s %s", fp_opts[k].flag,
			 fp_opts[k].metavar);
		fprintf(out, "  %-22s %s%s (%s)\n", left, var_help(fp_opts[k].var),
			fp_opts[k].repeat ? "; repeatable" : "", fp_opts[k].var);
	}
}

void fp_optvals_free(struct fp_optvals *v)
{
	for (unsigned k = 0; k < FP_ARRAY_SIZE(v->val); k++) {
		free(v->val[k]);
		v->val[k] = NULL;
	}
}

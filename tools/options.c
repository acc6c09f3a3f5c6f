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
#include "pathpat.h"

const struct fp_opt fp_opts[FP_NOPTS] = {
#define FP_VAR(NAME, key, load, flag, metavar, use, help) \
	{ flag, "FAILPOOL_" #NAME, metavar, use, help },
#include "vars.def"
#undef FP_VAR
};
const unsigned fp_nopts = FP_NOPTS;

/*
 * Which variables fp_opts_setenv() set from a flag: a bad value is then
 * named by the flag the user typed (--rate), not by the variable the tool
 * passed it through; one from the environment keeps its variable's name.
 */
static unsigned char from_flag[FP_NOPTS];

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
		if ((fp_opts[k].use & FP_VAR_REPEAT) && v->val[k]) {
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
	char cwd[PATH_MAX], dir[2 * PATH_MAX], *s;

	if ((strcmp(var, "FAILPOOL_REPORT") && strcmp(var, "FAILPOOL_LOG")) ||
	    !*v || *v == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(v);
	fp_pathpat_literal(cwd, dir, sizeof(dir));	/* fits: twice the size */
	if (asprintf(&s, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", v) < 0)
		return NULL;
	return s;
}

int fp_opts_setenv(const struct fp_optvals *v)
{
	for (unsigned k = 0; k < fp_nopts; k++) {
		char *val;
		int rc;

		if (!v->val[k])
			continue;
		from_flag[k] = 1;
		val = absolute_template(fp_opts[k].var, v->val[k]);
		rc = val ? setenv(fp_opts[k].var, val, 1) : (errno = ENOMEM, -1);
		free(val);
		if (rc < 0) {
			fprintf(stderr, "failpool: --%s: %s\n", fp_opts[k].flag,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The row of variable @var, or NULL. */
static const struct fp_opt *row_of(const char *var, size_t len)
{
	for (unsigned k = 0; k < fp_nopts; k++)
		if (strlen(fp_opts[k].var) == len && !strncmp(fp_opts[k].var, var, len))
			return &fp_opts[k];
	return NULL;
}

const char *fp_opt_source(const char *var, char *buf, size_t size)
{
	const struct fp_opt *o = row_of(var, strlen(var));

	if (o && from_flag[o - fp_opts])
		snprintf(buf, size, "--%s", o->flag);
	else
		snprintf(buf, size, "%s", var);
	return buf;
}

/*
 * @msg with each FAILPOOL_<NAME> of the table written as its flag, for a
 * user who set things with flags ("--burst: needs --nth ..."); cut at @size.
 */
static void flags_for_vars(const char *msg, char *out, size_t size)
{
	size_t n = 0;

	while (*msg && n + 1 < size) {
		size_t len = strspn(msg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
		const struct fp_opt *o = !strncmp(msg, "FAILPOOL_", 9) ? row_of(msg, len) : NULL;

		if (o) {
			n += (size_t)snprintf(out + n, size - n, "--%s", o->flag);
			n = n < size ? n : size - 1;
			msg += len;
		} else {
			/* A whole word at a time: no match inside one such as XFAILPOOL_NTH. */
			len += !len;
			len = len < size - 1 - n ? len : size - 1 - n;
			memcpy(out + n, msg, len);
			n += len;
			msg += len;
		}
	}
	out[n] = '\0';
}

int fp_opts_validate(struct fp_conf *conf)
{
	struct fp_conf_error err;
	char msg[FP_CONF_LINE_MAX], flag[FP_CONF_NAME_MAX];

	if (fp_conf_load_environ(conf, &err) == 0)
		return 0;
	if (strcmp(fp_opt_source(err.var, flag, sizeof(flag)), err.var)) {
		/* A value the user gave as a flag: named as typed, and so are the others it needs. */
		flags_for_vars(err.msg, msg, sizeof(err.msg));
		memcpy(err.msg, msg, sizeof(err.msg));
		err.var = flag;
	}
	fp_conf_format_error(&err, msg, sizeof(msg));
	fputs(msg, stderr);
	return -1;
}

const struct fp_opt *fp_opt_refused(const char *arg, unsigned tool)
{
	size_t n = strcspn(arg, "=");

	if (strncmp(arg, "--", 2))
		return NULL;
	for (unsigned k = 0; k < fp_nopts; k++)
		if (strlen(fp_opts[k].flag) == n - 2 && !strncmp(fp_opts[k].flag, arg + 2, n - 2))
			return fp_opts[k].use & tool ? NULL : &fp_opts[k];
	return NULL;
}

const char *const *fp_opts_passed(unsigned tool)
{
	/* Indexed by @tool, a single bit; [FP_NOPTS] is the NULL end. */
	static const char *lists[FP_VAR_SOAK + 1][FP_NOPTS + 1];
	static unsigned char built[FP_VAR_SOAK + 1];
	const char **list = lists[tool <= FP_VAR_SOAK ? tool : 0];
	unsigned n = 0;

	if (tool > FP_VAR_SOAK || built[tool])
		return list;
	for (unsigned k = 0; k < fp_nopts; k++)
		if (fp_opts[k].use & tool)
			list[n++] = fp_opts[k].var;
	built[tool] = 1;
	return list;
}

void fp_opts_help(FILE *out, unsigned use)
{
	for (unsigned k = 0; k < fp_nopts; k++) {
		char left[40];

		if ((fp_opts[k].use & use) != use)
			continue;
		snprintf(left, sizeof(left), "--%s %s", fp_opts[k].flag,
			 fp_opts[k].metavar);
		fprintf(out, "  %-22s %s%s (%s)\n", left, fp_opts[k].help,
			fp_opts[k].use & FP_VAR_REPEAT ? "; repeatable" : "", fp_opts[k].var);
	}
}

void fp_optvals_free(struct fp_optvals *v)
{
	for (unsigned k = 0; k < FP_NOPTS; k++) {
		free(v->val[k]);
		v->val[k] = NULL;
	}
}

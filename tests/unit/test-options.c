/*
 * tools/options.c: the tool's FAILPOOL_* flags (failpool(1), OPTIONS OF
 * RUN): --x=V and --x V, repeatable flags joined with ';', errors, the
 * environment they set, what explore and soak pass on, and --help.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "fp.h"
#include "options.h"
#include "../tap.h"

#define ARGV(...) ((char *[]){ "failpool", __VA_ARGS__, NULL })
#define ARGC(argv) ((int)(sizeof(argv) / sizeof(char *)) - 1)

static char errbuf[1024];

/* Run @call with stderr in errbuf (what a failing call printed). */
#define CAPTURE(call) ({							\
	FILE *tmp_ = tmpfile();						\
	int saved_ = dup(STDERR_FILENO), rc_;				\
	size_t n_;							\
									\
	fflush(stderr);							\
	dup2(fileno(tmp_), STDERR_FILENO);				\
	rc_ = (call);							\
	fflush(stderr);							\
	dup2(saved_, STDERR_FILENO);					\
	close(saved_);							\
	rewind(tmp_);							\
	n_ = fread(errbuf, 1, sizeof(errbuf) - 1, tmp_);		\
	errbuf[n_] = '\0';						\
	fclose(tmp_);							\
	rc_;								\
})

/* Every FAILPOOL_* but FAILPOOL_LIB out of the environment. */
static void clear_env(void)
{
	for (unsigned k = 0; k < fp_nopts; k++)
		unsetenv(fp_opts[k].var);
}

static void test_take(void)
{
	char **argv = ARGV("--rate=0.5", "--rate", "0.25", "--ratex", "--rat", "-rate", "--rate=",
			   "--rate", "--", "--rate");
	int argc = ARGC(ARGV("--rate=0.5", "--rate", "0.25", "--ratex", "--rat", "-rate", "--rate=",
			     "--rate", "--", "--rate"));
	const char *val = NULL;
	int i = 1;

	is_int(fp_opt_take("rate", argc, argv, &i, &val), 1, "--rate=0.5 matches");
	is_str(val, "0.5", "... its value");
	is_int(i, 1, "... in the same argument");
	i = 2;
	is_int(fp_opt_take("rate", argc, argv, &i, &val), 1, "--rate 0.25 matches");
	is_str(val, "0.25", "... its value");
	is_int(i, 3, "... the value's argument consumed");
	i = 4;
	is_int(fp_opt_take("rate", argc, argv, &i, &val), 0, "--ratex is another option");
	i = 5;
	is_int(fp_opt_take("rate", argc, argv, &i, &val), 0, "--rat is not an abbreviation");
	i = 6;
	is_int(fp_opt_take("rate", argc, argv, &i, &val), 0, "-rate (one dash) is not it");
	i = 7;
	is_int(fp_opt_take("rate", argc, argv, &i, &val), 1, "--rate= matches");
	is_str(val, "", "... with an empty value (the validator decides)");
	i = 8;
	is_int(CAPTURE(fp_opt_take("rate", argc, argv, &i, &val)), -1, "--rate before -- has no value");
	is_str(errbuf, "failpool: option '--rate' needs a value\n", "... and says so");
	is_int(i, 8, "... nothing consumed");
	i = 10;
	is_int(CAPTURE(fp_opt_take("rate", argc, argv, &i, &val)), -1, "--rate last has no value");
	is_str(errbuf, "failpool: option '--rate' needs a value\n", "... and says so");
}

static unsigned row(const char *var)
{
	for (unsigned k = 0; k < fp_nopts; k++)
		if (!strcmp(fp_opts[k].var, var))
			return k;
	return ~0u;
}

static void test_parse(void)
{
	char **argv = ARGV("--site", "func:a", "--rate=0.1", "--site=lib:b*", "--rate", "0.2",
			   "--pool=p:site=func:x,min=1,size=8", "--toggle-signal=USR1", "--bogus",
			   "prog", "--depth");
	int argc = 12, i;
	struct fp_optvals v = { { 0 } };

	i = 1;
	is_int(fp_opt_parse(&v, argc, argv, &i), 1, "--site func:a");
	is_int(i, 2, "... two arguments");
	for (i = 3; i <= 8; i++)
		is_int(fp_opt_parse(&v, argc, argv, &i), 1, "%s taken", argv[i]);
	is_int(i, 9, "six more options, one with a separate value");
	is_str(v.val[row("FAILPOOL_SITES")], "func:a;lib:b*", "repeatable --site: joined with ';'");
	is_str(v.val[row("FAILPOOL_RATE")], "0.2", "--rate given twice: the last wins");
	is_str(v.val[row("FAILPOOL_POOLS")], "p:site=func:x,min=1,size=8", "--pool once");
	is_str(v.val[row("FAILPOOL_TOGGLE_SIGNAL")], "USR1", "--toggle-signal (dash in the flag)");
	ok(!v.val[row("FAILPOOL_SEED")], "--seed not given: NULL");
	is_int(fp_opt_parse(&v, argc, argv, &i), 0, "--bogus is not a table flag");
	i = 10;
	is_int(fp_opt_parse(&v, argc, argv, &i), 0, "nor is the command");
	i = 11;
	is_int(CAPTURE(fp_opt_parse(&v, argc, argv, &i)), -1, "--depth without a value");
	is_str(errbuf, "failpool: option '--depth' needs a value\n", "... says so");
	fp_optvals_free(&v);
	ok(!v.val[row("FAILPOOL_SITES")] && !v.val[row("FAILPOOL_RATE")], "freed and reset");
}

static void test_setenv(void)
{
	char dir[] = "/tmp/fp-opt%XXXXXX", cwd[PATH_MAX], want[PATH_MAX + 64];
	char **argv = ARGV("--report", "r.%p.json", "--log=/abs/l.log", "--seed", "5");
	struct fp_optvals v = { { 0 } };
	struct fp_conf conf;

	clear_env();
	for (int i = 1; i < 6; i++)
		fp_opt_parse(&v, 6, argv, &i);
	if (!mkdtemp(dir) || !getcwd(cwd, sizeof(cwd)) || chdir(dir)) {
		ok(0, "cannot make a directory with a '%%' in its name");
		return;
	}
	is_int(fp_opts_setenv(&v), 0, "setenv");
	snprintf(want, sizeof(want), "%.*s%%%s/r.%%p.json", (int)(strchr(dir, '%') - dir), dir,
		 strchr(dir, '%'));
	is_str(getenv("FAILPOOL_REPORT"), want, "a relative --report made absolute, its '%%' doubled");
	is_str(getenv("FAILPOOL_LOG"), "/abs/l.log", "an absolute --log as given");
	is_str(getenv("FAILPOOL_SEED"), "5", "--seed");
	ok(!getenv("FAILPOOL_RATE"), "nothing else set");
	is_int(fp_opts_validate(&conf), 0, "valid");
	ok(conf.seed_set && conf.seed == 5 && !strcmp(conf.report, want), "... the settings loaded");
	setenv("FAILPOOL_DEPTH", "65", 1);
	is_int(CAPTURE(fp_opts_validate(&conf)), -1, "FAILPOOL_DEPTH=65 is refused");
	is_str(errbuf, "failpool: FAILPOOL_DEPTH: not an integer in 1..64: '65'\n",
	       "... with the shim's own message");
	setenv("FAILPOOL_DEPHT", "8", 1);
	is_int(CAPTURE(fp_opts_validate(&conf)), -1, "a misspelt variable is refused");
	is_str(errbuf, "failpool: FAILPOOL_DEPHT: unknown variable (did you mean FAILPOOL_DEPTH?)\n",
	       "... with the suggestion");
	unsetenv("FAILPOOL_DEPHT");
	clear_env();
	fp_optvals_free(&v);
	if (chdir(cwd) || rmdir(dir))
		diag("cannot remove %s", dir);
}

static void test_table(void)
{
	static const char *const explore[] = {
		"FAILPOOL_CALLS", "FAILPOOL_POOLS", "FAILPOOL_DEPTH", "FAILPOOL_EXE", "FAILPOOL_CHECK", NULL
	};
	const char *const *list;
	unsigned n;

	is_int(fp_nopts, fp_conf_nvars, "one flag per variable");
	for (unsigned k = 0; k < fp_nopts; k++)
		ok(!strcmp(fp_opts[k].var, fp_conf_vars[k].name) && fp_opts[k].flag[0] &&
		   fp_opts[k].metavar[0] && !strcmp(fp_opts[k].help, fp_conf_vars[k].help),
		   "--%s: %s, in the table's order", fp_opts[k].flag, fp_opts[k].var);

	list = fp_opts_passed(FP_VAR_EXPLORE);
	for (n = 0; list[n] && explore[n]; n++)
		is_str(list[n], explore[n], "explore passes on %s", explore[n]);
	ok(!list[n] && !explore[n], "... and nothing else");
	ok(fp_opts_passed(FP_VAR_EXPLORE) == list, "... the same list each time");
	list = fp_opts_passed(FP_VAR_SOAK);
	for (n = 0; list[n]; n++)
		if (!strcmp(list[n], "FAILPOOL_REPORT"))
			break;
	ok(!list[n] && n == fp_nopts - 1, "soak passes on every variable but FAILPOOL_REPORT (%u)", n);

	ok(!fp_opt_refused("--calls=malloc", FP_VAR_EXPLORE), "explore takes --calls=...");
	ok(!fp_opt_refused("--pool", FP_VAR_EXPLORE), "explore takes --pool");
	is_str(fp_opt_refused("--rate=0.1", FP_VAR_EXPLORE)->var, "FAILPOOL_RATE", "explore refuses --rate=");
	is_str(fp_opt_refused("--site", FP_VAR_EXPLORE)->var, "FAILPOOL_SITES", "explore refuses --site");
	is_str(fp_opt_refused("--report", FP_VAR_SOAK)->var, "FAILPOOL_REPORT", "soak refuses --report");
	ok(!fp_opt_refused("--log=x", FP_VAR_SOAK), "soak takes --log");
	ok(!fp_opt_refused("--reportx", FP_VAR_SOAK) && !fp_opt_refused("--mode=nth", FP_VAR_EXPLORE) &&
	   !fp_opt_refused("report", FP_VAR_SOAK) && !fp_opt_refused("-", FP_VAR_SOAK),
	   "not table flags: not refused");
}

static void test_help(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	unsigned lines = 0;

	fp_opts_help(f, FP_VAR_EXPLORE);
	fclose(f);
	for (char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	is_int(lines, 5, "explore's help: the five flags it passes on");
	ok(!strncmp(text, "  --calls LIST           comma list of entry points that may fail "
			  "(new = operator new) (FAILPOOL_CALLS)\n", 96), "... --calls first, exactly");
	ok(strstr(text, "\n  --pool POOL            mempool reserves for chosen sites; repeatable "
			"(FAILPOOL_POOLS)\n") != NULL, "... --pool, repeatable");
	free(text);
	f = open_memstream(&text, &size);
	fp_opts_help(f, 0);
	fclose(f);
	lines = 0;
	for (char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	is_int(lines, fp_nopts, "run's help: every flag");
	free(text);
}

int main(void)
{
	test_take();
	test_parse();
	test_setenv();
	test_table();
	test_help();
	return done_testing();
}

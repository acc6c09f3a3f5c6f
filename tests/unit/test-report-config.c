/*
 * lib/report-config.c: the report's "config" object has one key per row of
 * lib/vars.def, in its order, with the exact values of the README's "The
 * report" section.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fp.h"
#include "jsonw.h"
#include "report-config.h"
#include "../tap.h"
#include "../../tools/json.h"

static char text[1 << 16];

/* @c as the report writes it, NUL-terminated in text. */
static const char *config_of(const struct fp_conf *c, uint64_t seed)
{
	struct fp_jsonw w;

	fp_jsonw_init_mem(&w, text, sizeof(text) - 1, NULL);
	fp_report_config(&w, c, seed);
	text[w.len] = '\0';
	return w.err ? NULL : text;
}

static void every_row_once_in_order(const struct fp_conf *c, const char *what)
{
	char err[128];
	const char *s = config_of(c, 1);
	struct fp_json *j = s ? fp_json_parse(s, strlen(s), err, sizeof(err)) : NULL;

	if (!ok(j && j->type == FP_JSON_OBJ, "%s: an object", what)) {
		fp_json_free(j);
		return;
	}
	is_u64(j->n, fp_conf_nvars, "%s: one key per row of lib/vars.def", what);
	for (unsigned i = 0; i < fp_conf_nvars && i < j->n; i++)
		is_str(j->items[i]->key, fp_conf_vars[i].key, "%s: key %u is %s's", what, i,
		       fp_conf_vars[i].name);
	fp_json_free(j);
}

int main(void)
{
	struct fp_conf c;

	fp_conf_defaults(&c);
	every_row_once_in_order(&c, "defaults");
	is_str(config_of(&c, 42),
	       "{\"rate\":0,\"seed\":42,\"every\":null,\"after\":0,\"nth\":null,\"burst\":1,"
	       "\"times\":null,\"limit\":null,\"calls\":[\"malloc\",\"calloc\",\"realloc\","
	       "\"reallocarray\",\"free\",\"posix_memalign\",\"aligned_alloc\",\"memalign\","
	       "\"valloc\",\"pvalloc\",\"malloc_usable_size\",\"new\",\"new[]\",\"delete\","
	       "\"delete[]\"],\"sites\":null,\"pools\":null,\"depth\":8,\"report\":null,"
	       "\"log\":null,\"exe\":null,\"enable\":1,\"toggle_signal\":null,\"verbose\":0,"
	       "\"check\":\"none\"}",
	       "defaults: exact object");

	c.rate = 0.25;
	c.every = 3;
	c.after = 5;
	c.nth = 7;
	c.burst = FP_UNLIMITED;
	c.times = 9;
	c.limit = 4096;
	c.limit_set = 1;
	c.calls = FP_CALLBIT(FP_CALL_MALLOC) | FP_CALLBIT(FP_CALL_NEW);
	strcpy(c.sites, "main.c:*");
	strcpy(c.pools, "a:4");
	c.depth = 3;
	strcpy(c.report, "r-%p.json");
	strcpy(c.log, "l.jsonl");
	strcpy(c.exe, "prog*");
	c.enable = 0;
	c.toggle_signal = SIGUSR2;
	c.verbose = 2;
	c.check = FP_CHECK_FREES;
	every_row_once_in_order(&c, "every variable set");
	is_str(config_of(&c, 18446744073709551615ull),
	       "{\"rate\":0.25,\"seed\":18446744073709551615,\"every\":3,\"after\":5,\"nth\":7,"
	       "\"burst\":\"inf\",\"times\":9,\"limit\":4096,\"calls\":[\"malloc\",\"new\"],"
	       "\"sites\":\"main.c:*\",\"pools\":\"a:4\",\"depth\":3,\"report\":\"r-%p.json\","
	       "\"log\":\"l.jsonl\",\"exe\":\"prog*\",\"enable\":0,\"toggle_signal\":\"SIGUSR2\","
	       "\"verbose\":2,\"check\":\"frees\"}",
	       "every variable set: exact object");
	return done_testing();
}

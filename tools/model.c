/* The report model's life: load, check, free (see model.h; values are read in model-read.c). */
#include "config.h"
#include "model-read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_REPORT	"failpool-report/1"
#define SCHEMA_MERGED	"failpool-merged/1"

static void oom(void)
{
	fputs("failpool: out of memory\n", stderr);
	exit(2);
}

void fp_model_adopt(struct fp_model *m, void *p)
{
	if (!p)
		return;
	if (m->nmem == m->capmem) {
		size_t cap = m->capmem ? m->capmem * 2 : 32;
		void **mem = realloc(m->mem, cap * sizeof(*mem));

		if (!mem)
			oom();
		m->mem = mem;
		m->capmem = cap;
	}
	m->mem[m->nmem++] = p;
}

void *fp_model_alloc(struct fp_model *m, size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		oom();
	fp_model_adopt(m, p);
	return p;
}

const char *fp_model_crash_kind_name(enum fp_model_crash_kind kind)
{
	switch (kind) {
	case FP_CRASH_SIGNAL:
		return "signal";
	case FP_CRASH_DOUBLE_FREE:
		return "double-free";
	case FP_CRASH_INVALID_FREE:
		return "invalid-free";
	case FP_CRASH_OTHER:
		break;
	}
	return "?";
}

int fp_model_from_json(struct fp_json *doc, const char *name, struct fp_model *m, char *err,
		       size_t errsize)
{
	/* The keys without which a file is no report at all, before any type. */
	static const char *const whole[] = { "pid", "exe", "complete", "exit", "totals",
					      "sites", "pools", "injections" };
	char why[256];
	struct fp_model_rd r = { m, why, sizeof(why), 0 };
	const char *schema;

	memset(m, 0, sizeof(*m));
	m->doc = doc;
	m->path = name;
	if (!doc || doc->type != FP_JSON_OBJ) {
		snprintf(err, errsize, "not a failpool report (not a JSON object)");
		return -1;
	}
	schema = fp_json_str(fp_json_get(doc, "schema"));
	if (schema && !strcmp(schema, SCHEMA_MERGED)) {
		fp_model_read_merged(&r, doc);
	} else if (!schema || strcmp(schema, SCHEMA_REPORT)) {
		snprintf(err, errsize, "not a failpool report (no \"schema\": \"" SCHEMA_REPORT "\")");
		return -1;
	} else {
		for (unsigned i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
			if (!fp_json_get(doc, whole[i])) {
				snprintf(err, errsize, "not a whole failpool report (%s is missing)",
					 whole[i]);
				return -1;
			}
		fp_model_read_report(&r, doc);
	}
	if (r.failed) {
		snprintf(err, errsize, "not a failpool report (%s)", why);
		return -1;
	}
	fp_model_index_sites(m);
	return 0;
}

int fp_model_parse(const char *text, size_t len, const char *name, struct fp_model *m, char *err,
		   size_t errsize)
{
	struct fp_json *doc = fp_json_parse(text, len, err, errsize);

	if (!doc) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return fp_model_from_json(doc, name, m, err, errsize);
}

int fp_model_load(const char *path, struct fp_model *m, char *err, size_t errsize)
{
	return fp_model_load_skipping(path, NULL, m, err, errsize);
}

int fp_model_load_skipping(const char *path, const struct fp_json_skip *skip, struct fp_model *m,
			   char *err, size_t errsize)
{
	struct fp_json *doc = fp_json_load_skipping(path, skip, err, errsize);

	if (!doc) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return fp_model_from_json(doc, path, m, err, errsize);
}

void fp_model_free(struct fp_model *m)
{
	for (size_t i = 0; i < m->nparts; i++)
		fp_model_free(&m->parts[i]);
	free(m->parts);
	for (size_t i = 0; i < m->nmem; i++)
		free(m->mem[i]);
	free(m->mem);
	free(m->site_index);
	fp_json_free(m->doc);
	memset(m, 0, sizeof(*m));
}

/* Where @id is, or would go, in @m's index of sites (open addressing). */
static size_t slot_of(const struct fp_model *m, uint64_t id)
{
	size_t i = (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 17) & (m->site_cap - 1);

	while (m->site_index[i] && m->sites[m->site_index[i] - 1].id != id)
		i = (i + 1) & (m->site_cap - 1);
	return i;
}

void fp_model_index_add(struct fp_model *m, size_t i)
{
	size_t k;

	if (2 * (m->site_len + 1) > m->site_cap) {
		size_t *old = m->site_index, oldcap = m->site_cap;

		m->site_cap = m->site_cap ? m->site_cap * 2 : 256;
		m->site_index = calloc(m->site_cap, sizeof(*m->site_index));
		if (!m->site_index)
			oom();
		for (size_t j = 0; j < oldcap; j++)
			if (old[j])
				m->site_index[slot_of(m, m->sites[old[j] - 1].id)] = old[j];
		free(old);
	}
	k = slot_of(m, m->sites[i].id);
	if (!m->site_index[k]) {	/* a repeated id: the first one stays */
		m->site_index[k] = i + 1;
		m->site_len++;
	}
}

void fp_model_index_sites(struct fp_model *m)
{
	free(m->site_index);
	m->site_index = NULL;
	m->site_cap = m->site_len = 0;
	for (size_t i = 0; i < m->nsites; i++)
		fp_model_index_add(m, i);
}

const struct fp_model_site *fp_model_site(const struct fp_model *m, uint64_t id)
{
	size_t k;

	if (!m->site_cap)
		return NULL;
	k = slot_of(m, id);
	return m->site_index[k] ? &m->sites[m->site_index[k] - 1] : NULL;
}

void fp_model_frames_each(struct fp_model *m, size_t max_sites,
			  void (*fn)(struct fp_model_frames *f, void *arg), void *arg)
{
	for (size_t i = 0; i < m->nsites && i < max_sites; i++)
		fn(&m->sites[i].frames, arg);
	for (size_t p = 0; p < m->nprocs; p++) {
		struct fp_model_crash *c = m->procs[p].crash;

		if (!c)
			continue;
		fn(&c->frames, arg);
		fn(&c->alloc_frames, arg);
		fn(&c->first_free_frames, arg);
	}
}

/*
 * struct fp_merged's fields from before the model (see merge.h), filled
 * from it for the renderers that still read them. Delete with them.
 */
#include "config.h"
#include "merge.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void *table(struct fp_model *m, size_t n, size_t size)
{
	return fp_model_alloc(m, n * size);
}

int fp_merge_load(char *const *paths, size_t n, struct fp_merged *m)
{
	struct fp_model *mo = &m->model;
	const struct fp_model_totals *t = &mo->totals;

	memset(m, 0, sizeof(*m));
	if (fp_merge_files(paths, n, mo))
		return -1;
	m->ndocs = mo->nprocs;
	m->procs = table(mo, mo->nprocs, sizeof(*m->procs));
	for (size_t i = 0; i < mo->nprocs; i++) {
		const struct fp_model_proc *p = &mo->procs[i];

		m->procs[i] = (struct fp_mproc){
			.path = p->report, .pid = p->pid, .ppid = p->ppid, .exe = p->exe,
			.complete = p->complete, .signal = p->exit.signal,
			.has_code = p->exit.has_code, .code = p->exit.code,
			.crash = p->crash ? p->crash->src : NULL, .injected = p->injected,
		};
	}
	memcpy(m->calls, t->calls, sizeof(m->calls));
	m->bytes = t->bytes_allocated;
	m->live = t->live_bytes;
	m->peak = t->peak_live_bytes;
	m->eligible = t->eligible;
	m->injected = t->injected;
	m->real_failures = t->real_failures;
	if (mo->has_seed) {
		snprintf(m->seed_text, sizeof(m->seed_text), "%" PRIu64, mo->seed);
		m->seed = m->seed_text;
	}
	m->nsites = mo->nsites;
	m->sites = table(mo, mo->nsites, sizeof(*m->sites));
	for (size_t i = 0; i < mo->nsites; i++) {
		const struct fp_model_site *s = &mo->sites[i];

		m->sites[i] = (struct fp_msite){ .id = s->id, .frames = s->frames.src,
						 .calls = s->calls, .bytes = s->bytes,
						 .injected = s->injected, .pool = s->pool };
	}
	m->pools = mo->pools;
	m->npools = mo->npools;
	return 0;
}

void fp_merge_free(struct fp_merged *m)
{
	fp_model_free(&m->model);
	memset(m, 0, sizeof(*m));
}

/*
 * explore's run servers (tools/runserver.h): one per job, started after
 * the baseline and trusted only when a served baseline agrees with the
 * exec'd one. A served run that ends by a signal is made again the
 * ordinary way, and that run is the one read: a crash can depend on the
 * address layout, and every crash found, like its reproducer, is an exec'd
 * run's. A hang is not made again: it would cost the timeout twice.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "explore-out.h"
#include "model.h"
#include "options.h"
#include "runserver.h"
#include "serveproto.h"

static struct fp_runserver servers[FP_EXPLORE_JOBS_MAX];
static unsigned nservers;

void fp_xserve_spawn(const struct fp_explore *x)
{
	unsigned n = 0;

	while (n < x->jobs && !fp_runserver_spawn(&servers[n], x->cmd, x->preload,
						  fp_opts_passed(FP_VAR_EXPLORE)))
		n++;
	nservers = n;
	if (n < x->jobs)
		fp_xserve_close();	/* all or none: every job alike */
}

unsigned fp_xserve_ready(const struct fp_explore *x)
{
	for (unsigned i = 0; i < nservers; i++)
		if (fp_runserver_ready(&servers[i], x->timeout_ns)) {
			fp_xserve_close();
			fputs("failpool: every run is exec'd: the program cannot be served (before the "
			      "shim's constructor, something allocated, opened a file, changed the "
			      "environment or started a thread)\n", stderr);
			break;
		}
	return nservers;
}

struct fp_runserver *fp_xserve_slot(unsigned slot)
{
	return slot < nservers && servers[slot].ready ? &servers[slot] : NULL;
}

void fp_xserve_close(void)
{
	for (unsigned i = 0; i < nservers; i++)
		fp_runserver_stop(&servers[i]);
	nservers = 0;
}

struct warm_frame {
	const char *object;
	uint64_t off;
};

static int by_frame(const void *a, const void *b)
{
	const struct warm_frame *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return strcmp(x->object, y->object);
}

/*
 * The frames of the sites known (the baseline's), each once, as warming
 * records (serveproto.h): main() and the C runtime's frames are in every
 * site's stack, and a large program's records would fill a request many
 * times over.
 */
void fp_xserve_warm(const struct fp_xstate *s)
{
	struct warm_frame *all = NULL;
	size_t n = 0, cap = 0, len = 0;
	unsigned char *body;

	for (size_t i = 0; i < s->nsites; i++) {
		const struct fp_model_frames *f = s->sites[i].frames;

		for (size_t k = 0; f && k < f->n; k++) {
			const char *object = f->v[k].object;

			if (!object || !*object || strlen(object) > 255 || !f->v[k].off)
				continue;
			if (n == cap) {
				struct warm_frame *more = realloc(all, (cap = cap ? cap * 2 : 256) * sizeof(*all));

				if (!more)
					goto done;
				all = more;
			}
			all[n++] = (struct warm_frame){ object, f->v[k].off };
		}
	}
	if (!n || !(body = malloc(FP_SERVE_REQ_MAX)))
		goto done;
	qsort(all, n, sizeof(*all), by_frame);
	for (size_t i = 0; i < n; i++) {
		size_t name = strlen(all[i].object);

		if (i && !by_frame(&all[i - 1], &all[i]))
			continue;
		if (len + 1 + name + sizeof(uint64_t) > FP_SERVE_REQ_MAX - sizeof(uint32_t))
			break;
		body[len++] = (unsigned char)name;
		memcpy(body + len, all[i].object, name);
		len += name;
		memcpy(body + len, &all[i].off, sizeof(uint64_t));
		len += sizeof(uint64_t);
	}
	for (unsigned i = 0; len && i < nservers; i++)
		fp_runserver_warm(&servers[i], body, len);
	free(body);
done:
	free(all);
}

/*
 * How the reports in @dir of run @pid differ from the first baseline's,
 * each read once: FP_XDIFF_ELIGIBLE when @pid's own report is missing or
 * counts other eligible allocations, FP_XDIFF_SITES when the reports
 * together show other sites than those known (the baseline's).
 */
static unsigned reports_differ(const struct fp_xstate *s, const char *dir, pid_t pid)
{
	unsigned char *seen = calloc(s->nsites + 1, 1);
	size_t distinct = 0;
	int same = seen != NULL;
	int64_t eligible = -1;
	char own[32];
	DIR *d = opendir(dir);
	struct dirent *e;

	snprintf(own, sizeof(own), "%d.json", (int)pid);
	while (d && (e = readdir(d))) {
		char path[PATH_MAX + 300], err[256];
		size_t n = strlen(e->d_name);
		struct fp_model m;

		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!fp_model_load(path, &m, err, sizeof(err)) && m.kind == FP_MODEL_REPORT) {
			if (!strcmp(e->d_name, own))
				eligible = (int64_t)m.totals.eligible;
			for (size_t i = 0; same && i < m.nsites; i++) {
				const struct fp_xsite *site = fp_xsite_find(s, m.sites[i].id);

				if (!site)
					same = 0;
				else if (!seen[site - s->sites]++)
					distinct++;
			}
		}
		fp_model_free(&m);
	}
	if (d)
		closedir(d);
	free(seen);
	return (eligible != (int64_t)s->base_eligible ? FP_XDIFF_ELIGIBLE : 0) |
	       (same && distinct == s->nsites ? 0 : FP_XDIFF_SITES);
}

unsigned fp_xserve_differs(const struct fp_xstate *s, const char *dir, const struct fp_run *p)
{
	unsigned d = 0;

	if (p->timed_out || !WIFEXITED(p->status) || WEXITSTATUS(p->status) != s->base_code)
		d |= FP_XDIFF_STATUS;
	d |= reports_differ(s, dir, p->pid);
	if (!fp_xsame_output(s, dir))
		d |= FP_XDIFF_OUTPUT;
	return d;
}

int fp_xserve_suspect(const struct fp_run *p)
{
	return p->served && !p->timed_out && !WIFEXITED(p->status);
}

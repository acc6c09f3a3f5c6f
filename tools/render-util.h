/*
 * What the text and HTML renderers both say, said once: a process's
 * command line, a report's settings, a site's label, the verdict of a run.
 */
#ifndef FP_RENDER_UTIL_H
#define FP_RENDER_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/**
 * fp_render_cmdline() - @p's argv as a shell would read it back: words
 * quoted where they need it, the empty words stress-ng pads its renamed
 * workers' argv with left out.
 * Return: @buf ("?" when the report kept no argv); cut at @size.
 */
const char *fp_render_cmdline(const struct fp_model_proc *p, char *buf, size_t size);

/**
 * fp_render_settings() - the settings a report was written with, from its
 * "config" object, as "name value" pairs joined by ", ": those that are
 * set (null means off), lists joined by ',' (every entry point: "all").
 * @base: NULL, or another process: then only the settings that differ
 *        from its own ("off" for one that is not set)
 * Return: @buf.
 */
const char *fp_render_settings(const struct fp_model_proc *p, const struct fp_model_proc *base,
			       char *buf, size_t size);

/**
 * fp_render_first_named() - the innermost frame of @f that names a
 * function (the allocator's own frames are not in a site's stack): the
 * frame people recognise a site by.
 * Return: the frame, the innermost when none is named, NULL when empty.
 */
const struct fp_model_frame *fp_render_first_named(const struct fp_model_frames *f);

/**
 * fp_render_site_label() - a label that tells sites apart: the innermost
 * frame, its function and file:line, or object+offset, then the first
 * named frame when the innermost has no name, then @callers frames that
 * called it (for sites that would otherwise read alike), and the id:
 * "parse_config (app.c:41) #00000000000000aa",
 * "sort+0x13339 < ... < main (sort.c:12) #a60af9e796566939",
 * "xmalloc+0xe (bash) < expand_word+0x5d (bash) #00000000000000bb".
 * Return: @buf.
 */
const char *fp_render_site_label(const struct fp_model_site *s, unsigned callers, char *buf,
				 size_t size);

/**
 * fp_render_site_callers() - how many callers fp_render_site_label() can
 * add to @s's label: its frames after the last one the label shows.
 */
unsigned fp_render_site_callers(const struct fp_model_site *s);

/**
 * fp_render_site_labels() - a label for each site of @m (by index in
 * m->sites), as fp_render_site_label() writes it, with as many of its
 * callers added as it takes for no two labels to read alike but for the
 * id (as far as the sites' frames differ).
 * Return: m->nsites malloc'd labels, or NULL when out of memory.
 */
char **fp_render_site_labels(const struct fp_model *m);

/* Free what fp_render_site_labels() returned (@n: m->nsites). */
void fp_render_site_labels_free(char **labels, size_t n);

/**
 * fp_render_crash_site() - the site of the injected failure @p's crash
 * came after, from the injections its report kept (a merged report
 * keeps none).
 * Return: 0 with @site set, or -1 (no crash, no injection before it, or
 * not among those kept).
 */
int fp_render_crash_site(const struct fp_model_proc *p, uint64_t *site);

/**
 * fp_render_verdict() - one sentence on how the run went, for a reader
 * who looks no further: "survived: every process exited with status 0,
 * 11 failures injected", or "crashed: app (pid 1001) killed by signal 11
 * (SIGSEGV) after injected failure #2 at site 00000000000000aa".
 * @bad: set to 1 when a process crashed or exited with an error
 * Return: @buf.
 */
const char *fp_render_verdict(const struct fp_model *m, char *buf, size_t size, int *bad);

#endif

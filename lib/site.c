/*
 * The site table: one record per distinct stack (its raw return addresses),
 * lock-free open addressing over records in the shim's own arena. A record
 * is published by one CAS after it is complete (frames located, rules and
 * pools applied), so readers never see half of one.
 */
#include "config.h"
#include "site.h"

#include <errno.h>

#include "classify.h"
#include "conf.h"
#include "frame.h"
#include "guard.h"
#include "je.h"
#include "prng.h"
#include "probe.h"
#include "unwind.h"

static fp_probe_slot_t sites[FP_PROBE_SLOTS];
/* The same sites in the order they were made: the report walks only these. */
static struct fp_site *_Atomic made[FP_SITES_MAX];
static _Atomic unsigned nmade;
static struct fp_site other;		/* n = 0 */
unsigned fp_site_depth = 1;

/* The last site each thread found: hot loops allocate from one place. */
static __thread struct fp_site *last_site __attribute__((tls_model("initial-exec")));

/**
 * frame_hash() - FNV-1a over the basename, then the offset mixed in;
 * chained per frame.
 * Context: any (pure).
 */
static uint64_t frame_hash(uint64_t h, const char *object, uintptr_t offset)
{
	for (const unsigned char *p = (const unsigned char *)object; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return fp_mix64(h ^ fp_mix64(offset));
}

/**
 * site_id() - the id of the stack of @n located frames @f (a fixed id for
 * "(other)" when @n is 0)
 * Context: inside malloc, under the reentrancy guard; boot (the "(other)"
 * site). Pure.
 */
static uint64_t site_id(struct fp_frame_info *const *f, unsigned n)
{
	uint64_t id = 0xcbf29ce484222325ULL;

	if (!n)
		id = frame_hash(id, "(other)", 0);
	for (unsigned i = 0; i < n; i++)
		id = frame_hash(id, f[i]->object, f[i]->offset);
	return id ? id : 1;
}

void fp_site_init(unsigned frames_per_site, int name_when_seen)
{
	fp_frame_init();
	fp_classify_init(name_when_seen);
	fp_site_depth = frames_per_site ? frames_per_site : 1;
	other.id = site_id(NULL, 0);
	fp_classify_other(&other);
}

/**
 * create() - a new site record for @n return addresses @ips: frames
 * located, classified by the configuration
 * Context: inside malloc, under the reentrancy guard (allocates from the
 * shim's own arena); not yet published, so no other thread sees it.
 */
static struct fp_site *create(const void **ips, unsigned n, uint64_t key)
{
	struct fp_site *s = fp_je_own_alloc(sizeof(*s) + n * sizeof(s->frames[0]));

	if (!s)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		s->frames[i] = fp_frame_get(ips[i]);
		if (!s->frames[i]) {
			fp_je_own_free(s);
			return NULL;
		}
	}
	s->n = n;
	s->key = key;
	s->id = site_id(s->frames, n);
	fp_classify(s);
	return s;
}

/**
 * note_made() - a slot of its own in made[]: the table never holds more
 * than FP_SITES_MAX.
 * Context: inside malloc, lock-free.
 */
static void note_made(struct fp_site *s)
{
	unsigned i = atomic_fetch_add_explicit(&nmade, 1, memory_order_relaxed);

	if (i < FP_SITES_MAX)
		atomic_store_explicit(&made[i], s, memory_order_release);
}

/**
 * same_chain() - is @s the record of exactly these @n return addresses?
 * Context: inside malloc, lock-free (a published record never changes).
 */
static int same_chain(const struct fp_site *s, uint64_t key, const void **ips,
		      unsigned n)
{
	if (s->key != key || s->n != n)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (s->frames[i]->ip != ips[i])
			return 0;
	return 1;
}

struct fp_site *fp_site_find(const void **ips, unsigned n)
{
	struct fp_site *last = last_site;
	const void *kept[FP_DEPTH_MAX];
	uint64_t key;

	/* Frames of the shim (a bad_alloc it throws, say) are not the program's. */
	for (unsigned i = 0; i < n; i++) {
		if (FP_UNLIKELY(fp_frame_in_shim((const char *)ips[i] - 1))) {
			unsigned m = 0;

			for (unsigned j = 0; j < n && m < FP_DEPTH_MAX; j++)
				if (!fp_frame_in_shim((const char *)ips[j] - 1))
					kept[m++] = ips[j];
			ips = kept;
			n = m;
			break;
		}
	}
	if (FP_UNLIKELY(n == 0))
		return &other;

	if (last && last->n == n) {
		unsigned i = 0;

		while (i < n && last->frames[i]->ip == ips[i])
			i++;
		if (i == n)
			return last;
	}
	key = fp_mix64((uintptr_t)ips[0]);
	for (unsigned i = 1; i < n; i++)
		key = fp_mix64(key ^ (uintptr_t)ips[i]);
	for (unsigned i = 0; i < FP_PROBE_TRIES; i++) {
		fp_probe_slot_t *slot = &sites[fp_probe_slot(key, i)];
		uintptr_t v = atomic_load_explicit(slot, memory_order_acquire);
		struct fp_site *s = fp_probe_ptr(v), *mine;

		if (s) {
			if (fp_probe_may_be(v, key) && same_chain(s, key, ips, n))
				return last_site = s;
			continue;
		}
		{
			int saved = errno;	/* naming may open files that are not there */

			fp_guard_enter();
			mine = create(ips, n, key);
			fp_guard_leave();
			errno = saved;
		}
		if (!mine)
			return &other;
		if (!fp_probe_pack(mine, key)) {
			fp_je_own_free(mine);
			return &other;
		}
		if (atomic_compare_exchange_strong_explicit(slot, &v, fp_probe_pack(mine, key),
							    memory_order_acq_rel,
							    memory_order_acquire)) {
			note_made(mine);
			return last_site = mine;
		}
		fp_je_own_free(mine);	/* frames stay: they are shared */
		s = fp_probe_ptr(v);
		if (fp_probe_may_be(v, key) && same_chain(s, key, ips, n))
			return last_site = s;
	}
	return &other;
}

struct fp_site *fp_site_next(unsigned *cursor)
{
	unsigned n = atomic_load_explicit(&nmade, memory_order_acquire);

	if (n > FP_SITES_MAX)
		n = FP_SITES_MAX;
	/* A slot claimed but not yet filled (a thread stopped between the two) is skipped. */
	while (*cursor < n) {
		struct fp_site *s = atomic_load_explicit(&made[(*cursor)++],
							 memory_order_acquire);

		if (s)
			return s;
	}
	if (*cursor <= FP_SITES_MAX) {
		*cursor = FP_SITES_MAX + 1;
		return &other;
	}
	return NULL;
}

struct fp_site *fp_site_unwind(const void *caller, const void *cfa)
{
	const void *ips[64];
	struct fp_site *site;
	/* A successful malloc leaves errno alone, whatever libunwind did. */
	int saved = errno;
	unsigned n;

	fp_guard_enter();
	n = fp_unwind_capture(caller, ips, fp_site_depth);
	fp_guard_leave();
	site = fp_site_find(ips, n);
	fp_chain_note(caller, cfa, site);
	errno = saved;
	return site;
}

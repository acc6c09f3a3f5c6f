/* What FAILPOOL_SITES and FAILPOOL_POOLS make of a site (classify.h). */
#include "config.h"
#include "classify.h"

#include "frame.h"
#include "match.h"
#include "pool.h"
#include "settings.h"

static int name_early;

void fp_classify_init(int name_when_seen)
{
	name_early = name_when_seen;
}

void fp_classify(struct fp_site *s)
{
	struct fp_match_frame mf[FP_DEPTH_MAX];

	for (unsigned i = 0; i < s->n; i++) {
		struct fp_frame_info *f = s->frames[i];
		struct fp_frame_names mine = { 0 };

		if (name_early && !fp_frame_named(f))
			fp_frame_name_into(f, &mine);
		mf[i].object = f->object;
		/* Another thread may be publishing the name this instant: use ours. */
		mf[i].function = fp_frame_named(f) ? f->function : mine.function;
		mf[i].demangled = fp_frame_named(f) ? f->demangled : mine.demangled;
	}
	s->matches = fp_rules_match(&fp_settings()->rules, mf, s->n, s->id);
	s->pool = fp_pool_for_stack(mf, s->n, s->id);
}

void fp_classify_other(struct fp_site *other)
{
	other->matches = fp_rules_match(&fp_settings()->rules, NULL, 0, other->id);
}

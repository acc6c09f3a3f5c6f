/*
 * What the configuration makes of a new site (lib/classify.c): whether
 * FAILPOOL_SITES makes it eligible, and which FAILPOOL_POOLS pool serves it.
 */
#ifndef FP_CLASSIFY_H
#define FP_CLASSIFY_H

#include "site.h"

/**
 * fp_classify_init() - whether frames must be named when first seen (some
 * rule or pool matches func: names).
 * Context: boot, under the reentrancy guard.
 */
void fp_classify_init(int name_when_seen);

/**
 * fp_classify() - set @s->matches and @s->pool from its frames and id,
 * naming frames first when rules need names.
 * Context: inside malloc, under the reentrancy guard (site creation).
 */
void fp_classify(struct fp_site *s);

/**
 * fp_classify_other() - the rules' verdict on the shared "other" site.
 * Context: boot.
 */
void fp_classify_other(struct fp_site *other);

#endif

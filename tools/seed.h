/* One seed for a whole run or soak (tools/seed.c). */
#ifndef FP_TOOL_SEED_H
#define FP_TOOL_SEED_H

#include "conf.h"

/**
 * fp_seed_export() - unless @conf has a seed (--seed, or FAILPOOL_SEED in
 * the environment), draw one and set FAILPOOL_SEED to it, so that every
 * process of the tree runs with the seed the summary prints: a forked child
 * derives its stream from it and its fork order, an exec'd program starts
 * from it again (README, "`failpool run`").
 * Return: 0, or -1 after printing why on stderr.
 */
int fp_seed_export(const struct fp_conf *conf);

#endif

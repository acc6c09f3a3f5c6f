/*
 * The report's "config" object (README, "The report";
 * doc/failpool-report.schema.json): one key per row of lib/vars.def, in its
 * order, so a new variable cannot be left out of the report.
 */
#ifndef FP_REPORT_CONFIG_H
#define FP_REPORT_CONFIG_H

#include <stdint.h>

#include "conf.h"
#include "jsonw.h"

/**
 * fp_report_config() - write @c as the report's "config" object into @w:
 * each variable's key (the "key" column of lib/vars.def) and its value as
 * the process runs with it ("every": null when off, "burst": "inf", ...).
 * @seed: the seed in use, FAILPOOL_SEED's or the one chosen at start-up
 * Context: any, signal handlers included (no allocation, no locks; @w's
 * own buffer only).
 */
void fp_report_config(struct fp_jsonw *w, const struct fp_conf *c, uint64_t seed);

#endif

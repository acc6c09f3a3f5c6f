/*
 * The shape of a failpool report (README, "The
 * report"): every value the tool reads has the type the shim writes, so
 * the renderers never meet an object where a number belongs.
 */
#ifndef FP_REPORTCHECK_H
#define FP_REPORTCHECK_H

#include <stddef.h>

#include "json.h"

/**
 * fp_report_check() - check the types of a parsed report's values.
 * @j:    the document's root
 * @why:  on failure, what is wrong and where ("sites[2].frames[0] is not an
 *        object")
 * @size: size of @why
 * Return: 0, or -1 with @why filled.
 */
int fp_report_check(const struct fp_json *j, char *why, size_t size);

#endif

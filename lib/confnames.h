/*
 * Unknown FAILPOOL_* variables and the known name closest to a typo.
 */
#ifndef FP_CONFNAMES_H
#define FP_CONFNAMES_H

#include <stddef.h>

struct fp_conf_error;

/**
 * fp_conf_check_names() - every variable of @env whose name starts with
 * FAILPOOL_ must be one of fp_conf_vars, or FAILPOOL_LIB (the tool's): a
 * misspelt name would otherwise be ignored without a word.
 * @env: an environ-like array, NULL-terminated
 * @err: on failure, the unknown name (cut to FP_CONF_NAME_MAX) and
 *       "unknown variable (did you mean FAILPOOL_X?)" when one is close
 *
 * Context: boot (before main, no allocation) and the tool.
 * Return: 0, or -EINVAL for the first unknown name.
 */
int fp_conf_check_names(char *const *env, struct fp_conf_error *err);

/**
 * fp_conf_suggest() - the known name closest to @name (its first @n bytes),
 * when few enough edits away to be what was meant.
 * Return: a name of fp_conf_vars or FAILPOOL_LIB, or NULL.
 */
const char *fp_conf_suggest(const char *name, size_t n);

#endif

/*
 * Whether the shim can enter the program a command runs: `failpool run`
 * refuses (status 125, one sentence) what the loader would run untouched
 * or what would not run at all with the shim preloaded.
 */
#ifndef FP_ENTERABLE_H
#define FP_ENTERABLE_H

#include <stddef.h>

/**
 * fp_resolve_cmd() - where execvp() finds @cmd, made canonical.
 * @out: receives the path (PATH_MAX bytes)
 *
 * Return: 0, or -1 when it is not found.
 */
int fp_resolve_cmd(const char *cmd, char *out);

/**
 * fp_unenterable() - why the shim cannot enter the program at @path (after
 * its "#!" interpreters, up to 4 deep, as the kernel follows them):
 * statically linked, set-user-ID or set-group-ID, or built with a sanitizer
 * runtime that replaces malloc itself (ASan, TSan, MSan, HWASan, LSan).
 * @why:  receives one sentence, without its full stop
 *
 * Return: 1 with @why set, or 0 when it can or when that cannot be told
 * (exec decides).
 */
int fp_unenterable(const char *path, char *why, size_t size);

#endif

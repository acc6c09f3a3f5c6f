/* The tool never runs under its own shim (tools/unshim.c). */
#ifndef FP_UNSHIM_H
#define FP_UNSHIM_H

/**
 * fp_unshim() - when the shim is loaded in the tool itself (a user who
 * exported LD_PRELOAD for the "by hand" recipe), exec the tool again with
 * the shim's entries taken out of LD_PRELOAD, the rest of the environment
 * as it is: the tool's own allocations must not fail, and the programs it
 * runs get the shim from the tool anyway. Does nothing when the shim is not
 * loaded, or when LD_PRELOAD does not name it (nothing to take out: it came
 * from elsewhere, and another exec would change nothing).
 * @argv: main()'s
 *
 * Allocates nothing (the shim may be failing every allocation): LD_PRELOAD
 * is rewritten in place in the environment. The exec is the raw system
 * call, so the shim writes no report for the tool's first image.
 * Context: the start of main(), before anything else.
 * Return: only when no exec was needed or it failed.
 */
void fp_unshim(char **argv);

/**
 * fp_unshim_preload() - @value, an LD_PRELOAD list (entries separated by
 * ':' or ' '), without the entries naming the shim (basename starting with
 * "libfailpool.so"), rewritten in place with ':' between the rest.
 * Return: 1 when an entry was taken out, else 0 (@value unchanged).
 */
int fp_unshim_preload(char *value);

#endif

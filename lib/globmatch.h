/*
 * Shell-style globs matched byte by byte, as fnmatch(3) with no flags does
 * in the C locale: '*', '?', '[...]' with ranges and '!' or '^', '\' to
 * quote. Not fnmatch itself: in a multibyte locale it converts to wide
 * characters, which loads glibc's conversion functions under
 * __libc_setlocale_lock; called from inside malloc while setlocale holds
 * that lock, it broke the lock (a hang in bash under a pool rule).
 * Allocates nothing, takes no lock.
 */
#ifndef FP_GLOBMATCH_H
#define FP_GLOBMATCH_H

/**
 * fp_glob_match() - does @s match @pattern?
 * Context: inside malloc (site classification): locale-free, allocation-free.
 * Return: 1 or 0.
 */
int fp_glob_match(const char *pattern, const char *s);

#endif

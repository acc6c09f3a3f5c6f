/*
 * Files written into directories others may write to (the report, the
 * tool's outputs): a fresh temporary file with an unpredictable name,
 * created exclusively and never through a symbolic link, then renamed into
 * place (rename(2) replaces a link at the final name, it does not follow it).
 */
#ifndef FP_SAFEFILE_H
#define FP_SAFEFILE_H

#include <stddef.h>

/* "PATH" + ".tmp." + 16 hex digits + NUL */
#define FP_SAFEFILE_SUFFIX_MAX	(sizeof(".tmp.") - 1 + 16 + 1)

/**
 * fp_safefile_create() - create a new file beside @path, named
 * "@path.tmp.<16 random hex digits>" (getrandom(2)), with
 * O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC and @mode (less the umask);
 * another name is tried when one exists, a few times.
 * @tmp: receives the temporary file's name
 * @size: bytes at @tmp; strlen(@path) + FP_SAFEFILE_SUFFIX_MAX is enough
 *
 * Context: any, signal handlers included: no allocation, no lock, no stdio.
 * Return: the open descriptor, or a negative errno.
 */
int fp_safefile_create(const char *path, char *tmp, size_t size, unsigned mode);

#endif

/*
 * The one loop that writes a whole buffer to a descriptor.
 */
#ifndef FP_WRITEALL_H
#define FP_WRITEALL_H

#include <stddef.h>

/**
 * fp_write_all() - write the @n bytes at @p to @fd, retrying after EINTR
 * and after a short write (a signal, a full pipe), so that a line is
 * finished rather than cut.
 * Context: any, signal handlers included: write(2) only, no allocation,
 * no locks; errno is changed only on failure.
 * Return: 0, or -errno (-EIO when write(2) wrote nothing without an error).
 */
int fp_write_all(int fd, const void *p, size_t n);

#endif

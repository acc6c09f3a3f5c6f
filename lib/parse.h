/*
 * Allocation-free parsers for configuration values. Each returns 0 on
 * success or -EINVAL (malformed) / -ERANGE (out of range); *out is only
 * written on success. No leading or trailing junk is accepted.
 */
#ifndef FP_PARSE_H
#define FP_PARSE_H

#include <stdint.h>

/**
 * fp_parse_u64() - decimal, or hexadecimal with 0x, unsigned 64-bit.
 * Return: 0, -EINVAL, or -ERANGE on overflow.
 */
int fp_parse_u64(const char *s, uint64_t *out);

/**
 * fp_parse_size() - byte count with optional suffix K, M, G or T
 * (x1024, either case, optionally followed by "B" or "iB").
 * Return: 0, -EINVAL, or -ERANGE on overflow.
 */
int fp_parse_size(const char *s, uint64_t *out);

/**
 * fp_parse_real() - non-negative decimal real ("0.01", ".5", "1e-3").
 * Return: 0, -EINVAL.
 */
int fp_parse_real(const char *s, double *out);

/**
 * fp_parse_duration() - "0", "forever", or a number with unit ns, us, ms,
 * s, m, h (no unit: seconds) into nanoseconds; "forever" gives UINT64_MAX.
 * Return: 0, -EINVAL, or -ERANGE on overflow.
 */
int fp_parse_duration(const char *s, uint64_t *ns);

/**
 * fp_parse_signal() - a signal by number ("10") or name ("SIGUSR1", "USR1",
 * any case), also "RTMIN+N".
 * Return: 0, -EINVAL for an unknown name or a number outside 1..NSIG-1.
 */
int fp_parse_signal(const char *s, int *sig);

/**
 * fp_signal_name() - the name ("SIGUSR1", "SIGRTMIN+3") of a signal number.
 * Context: any, signal handlers included (static strings).
 * Return: a static string, or NULL when the number has no name here.
 */
const char *fp_signal_name(int sig);

#endif

/* The JSON report of SPEC §6: a temporary file renamed into place. */
#ifndef FP_REPORT_H
#define FP_REPORT_H

/**
 * fp_report_write() - write the report of this process, which exits with
 * status @code. Allocation-free; call under the reentrancy guard.
 * Return: 0, or -errno (also told on stderr).
 */
int fp_report_write(int code);

#endif

/* The JSON report (README, "The report";
 * doc/failpool-report.schema.json), written atomically at the end of a process image. */
#ifndef FP_REPORT_H
#define FP_REPORT_H

#include "ending.h"

/**
 * fp_report_write() - write the report of this process image, ending as
 * @end says (exit: complete; exec: complete, no status; signal: incomplete,
 * with the crash record). Uses write(2) and a fixed buffer only.
 * Context: exit, _exit or exec, under the reentrancy guard, the counting
 * threads frozen; never a signal handler (fp_report_write_async()).
 * Return: 0, or a negative errno (a message is printed on stderr).
 */
int fp_report_write(const struct fp_ending *end);

/**
 * fp_report_write_async() - fp_report_write() from a signal handler: no
 * lock, no allocation, no frame named that was not named before (their
 * symbol is null; the tool names them offline).
 * Context: signal handler, under the reentrancy guard.
 */
int fp_report_write_async(const struct fp_ending *end);

/**
 * fp_report_fork_child() - in a child after fork(): its report counts only
 * its own eligible allocations and failures, while the policy's numbering
 * goes on from the parent's (README, "What fails, exactly").
 * Context: a fork child's handler, before the child allocates.
 */
void fp_report_fork_child(void);

#endif

/* fork(2) in a shim process (lib/fork.c). */
#ifndef FP_FORK_H
#define FP_FORK_H

/**
 * fp_fork_register() - register the fork handlers: stdio's list lock in
 * every configuration; with @counting, also the pools' locks and the freeze
 * of the counting threads, and the child's own identity. Prepare handlers
 * run in the reverse order of registration: stdio's first.
 * Context: the constructor.
 */
void fp_fork_register(int counting);

#endif

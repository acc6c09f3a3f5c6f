/*
 * The processes of a report, or of several merged, as the tree they ran as:
 * the order `failpool report`'s text and `failpool run`'s summary list them
 * in, whatever order the files were given in.
 */
#ifndef FP_PROCTREE_H
#define FP_PROCTREE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/**
 * fp_proctree_replaced() - whether @p is the report of an image that exec
 * replaced (a %e pattern keeps each image's): it ended neither with a
 * status nor by a signal, and its report is whole.
 * Return: 1 or 0.
 */
int fp_proctree_replaced(const struct fp_model_proc *p);

/**
 * fp_proctree_order() - @m's processes in tree order: each process before
 * its children, children by pid (their start order, pids not having
 * wrapped), the images one pid went through by exec kept together (those
 * exec replaced first, in the order given, then the last), their children
 * under the last image. The process with pid @root comes first; then each
 * process whose parent wrote no report, as a tree of its own, by pid.
 * @root:  the pid to start with (run's CMD), or 0
 * @order: m->nprocs indices into m->procs
 * @depth: m->nprocs depths, 0 for a tree's root; may be NULL
 *
 * Return: 0, or -1 when out of memory (@order then holds the order given).
 */
int fp_proctree_order(const struct fp_model *m, uint64_t root, size_t *order, unsigned *depth);

#endif

/*
 * Start-up allocations that are not the program's. The shim brings in
 * objects the program would not have (jemalloc, libunwind, and with them
 * libstdc++, libgcc_s, liblzma in a C program), and the loader initialises
 * them before the shim's constructor. What those objects allocate while
 * the process starts, and in every program the C++ runtime's emergency
 * exception pool (allocated so that bad_alloc can still be thrown when
 * memory runs out), is never eligible, numbered, injected or shown as a
 * site: it is counted apart, as the report's totals.startup. Everything
 * else, constructors of the program's own libraries included, is the
 * program's from the first allocation.
 */
#ifndef FP_STARTUP_H
#define FP_STARTUP_H

#include <stdatomic.h>
#include <stdint.h>

#include "calls.h"
#include "fp.h"

/* 1 from the first call until the shim's constructor has run. */
extern int fp_starting;

/**
 * fp_startup_init() - find the objects that only the shim brought in: those
 * that neither the executable nor another preloaded object needs, directly
 * or through their own dependencies.
 * Context: first call (inside malloc, before constructors), under the
 * reentrancy guard; no allocation.
 */
void fp_startup_init(void);

/**
 * fp_startup_done() - the process has started (the shim's constructor ran).
 * Context: the constructor.
 */
void fp_startup_done(void);

/**
 * fp_startup_claims() - whether the allocation by entry point @call, whose
 * return address is @caller, is a start-up allocation that is not the
 * program's; if so it is counted (@bytes) in totals.startup.
 * Context: allocation path while fp_starting, outside the guard.
 * Return: 1 or 0.
 */
int fp_startup_claims(enum fp_call call, const void *caller, uint64_t bytes);

/**
 * fp_startup_totals() - start-up allocations that were not the program's.
 * Context: report writing, signal handlers included.
 */
void fp_startup_totals(uint64_t *calls, uint64_t *bytes);

/**
 * fp_startup_fork_child() - in a child after fork(): the start-up
 * allocations were the parent's; the child's report counts none.
 * Context: a fork child's handler.
 */
void fp_startup_fork_child(void);

#endif

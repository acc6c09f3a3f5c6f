/*
 * The emergency exception pool of a C++ runtime linked into the executable
 * (-static-libstdc++): a start-up allocation that is not the program's
 * (startup.h), made after the shim's constructor, from the executable's
 * own initialisers.
 */
#ifndef FP_CXXSTATIC_H
#define FP_CXXSTATIC_H

/**
 * fp_cxxstatic_arm() - if the executable carries a C++ runtime of its own,
 * find where its emergency pool is allocated from (by the initialiser's
 * name in the executable's .symtab; a stripped executable's is not found).
 * Context: the shim's constructor (reads the executable's file).
 * Return: 1 when armed: fp_cxxstatic_claims() must see the allocations.
 */
int fp_cxxstatic_arm(void);

/**
 * fp_cxxstatic_claims() - whether the malloc returning to @caller is that
 * pool's; true once at most.
 * Context: allocation path, any thread; lock-free.
 */
int fp_cxxstatic_claims(const void *caller);

struct link_map;

/**
 * fp_dyn_ptr() - the address that dynamic tag @tag of @lm gives (DT_STRTAB,
 * DT_SYMTAB...): the loader relocates them in place, except the vDSO's.
 * Context: any; reads the loader's structures only.
 * Return: the address, or NULL when @lm has no such entry.
 */
const void *fp_dyn_ptr(const struct link_map *lm, long tag);

#endif

/*
 * Function names from an object's own ELF symbol tables (.symtab, else
 * .dynsym), read from its file once and kept as a sorted index: naming a
 * frame is a binary search, where dladdr scans every dynamic symbol and
 * libunwind rereads /proc/self/maps and the file for each address.
 */
#ifndef FP_SYMTAB_H
#define FP_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

/**
 * fp_symtab_lookup() - the function containing code address @ip.
 * @name:   set to the symbol's name (valid for the life of the process)
 * @offset: set to @ip minus the function's start
 * Context: under the reentrancy guard, inside malloc (frame naming); never a
 * signal handler (reads files).
 * Return: 0; -1 when the object's file could not be read (or has no
 * function symbols); -2 when its tables have no function covering @ip (so
 * its dynamic symbols do not either). Call under the reentrancy guard: the first lookup in an object
 * reads its file.
 */
int fp_symtab_lookup(const void *ip, const char **name, uintptr_t *offset);

struct link_map;

/**
 * fp_symtab_find() - where function @name of object @map is.
 * @start: set to its offset from the object's load bias
 * @size:  set to its size in bytes
 * Context: as fp_symtab_lookup() (the constructor, for the executable).
 * Return: 0; -1 when the object's tables have no function of that name.
 */
int fp_symtab_find(const struct link_map *map, const char *name, uintptr_t *start, uintptr_t *size);

#endif

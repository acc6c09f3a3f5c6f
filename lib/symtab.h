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
 * fp_symtab_find() - where the first function of @names (@count of them,
 * all starting with the same character) found in object @map's .symtab is,
 * read straight from its file (no index is built: a big executable's would
 * cost far more than one pass).
 * @start: set to its offset from the object's load bias
 * @size:  set to its size in bytes
 * Context: the constructor, for the executable (reads a file).
 * Return: the index in @names of the one found; -1 when none is (or the
 * object has no .symtab).
 */
int fp_symtab_find(const struct link_map *map, const char *const *names, size_t count,
		   uintptr_t *start, uintptr_t *size);

#endif

/*
 * Function symbols of an ELF object file, read from its .symtab and
 * .dynsym (and, when it has no .symtab, from its separate debug file found
 * by build-id under /usr/lib/debug/.build-id/): how the tool names a frame
 * offline when binutils' addr2line is not installed (lines.c). Names are as the object spells them (C++ names
 * stay mangled: demangling is addr2line's).
 */
#ifndef FP_ELFSYM_H
#define FP_ELFSYM_H

#include <stdint.h>

struct fp_elfsym;

/**
 * fp_elfsym_open() - read the function symbols of the ELF file at @path
 * (32- or 64-bit, in this machine's byte order).
 * Return: the table, to be released with fp_elfsym_close(), or NULL when
 * the file cannot be read or is not such an ELF file.
 */
struct fp_elfsym *fp_elfsym_open(const char *path);

/**
 * fp_elfsym_lookup() - the function whose code holds @addr, an address as
 * the object's program headers lay it out (a report frame's offset from
 * the load bias).
 * @start: set to the function's first address
 *
 * Return: its name, valid until fp_elfsym_close(), or NULL when no symbol
 * covers @addr.
 */
const char *fp_elfsym_lookup(const struct fp_elfsym *e, uint64_t addr, uint64_t *start);

/**
 * fp_elfsym_close() - release @e; NULL is fine.
 */
void fp_elfsym_close(struct fp_elfsym *e);

#endif

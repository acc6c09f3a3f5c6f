/*
 * The frame table (lib/frame.c): one record per code address seen in a
 * site's stack, located (object basename, offset from its load bias) on
 * first sight, so that ids survive ASLR and frames survive dlclose, and
 * named (function, demangled C++ name) when rules, the log or the report
 * need it.
 */
#ifndef FP_FRAME_H
#define FP_FRAME_H

#include <stdatomic.h>
#include <stdint.h>

#include "fp.h"


/* One code address, located when first seen (survives dlclose). */
struct fp_frame_info {
	const void *ip;
	uintptr_t offset;		/* from the object's load bias */
	char object[64];		/* basename, "?" when unknown */
	_Atomic int named;		/* function/demangled are final */
	const char *function;		/* NULL when unknown */
	const char *demangled;		/* NULL unless a C++ name */
	uintptr_t function_offset;
};

/* A frame's function, before it is published in the frame. */
struct fp_frame_names {
	const char *function;
	const char *demangled;
	uintptr_t offset;
};

/**
 * fp_frame_init() - note where the shim's own code lies.
 * Context: boot, under the reentrancy guard, maybe inside the first malloc.
 */
void fp_frame_init(void);

/**
 * fp_frame_get() - the record of code address @ip (a return address:
 * located and named as @ip - 1), created on first sight (lock-free; memory
 * from the shim's arena).
 * Context: inside malloc, under the reentrancy guard; a fatal-signal handler
 * (the crash record) once fp_je_own_emergency() has run.
 * Return: the record, or NULL when no memory is left for it.
 */
struct fp_frame_info *fp_frame_get(const void *ip);

/**
 * fp_frame_name() - make sure @f has its function name (the object's
 * symbol tables, dladdr, then libunwind's procedure name, demangled when
 * C++). Idempotent; never waits for another thread.
 * Context: under the reentrancy guard; never in a signal handler.
 */
void fp_frame_name(struct fp_frame_info *f);

/**
 * fp_frame_named() - whether @f's function names are final.
 * Context: any, signal handlers included.
 */
static inline int fp_frame_named(struct fp_frame_info *f)
{
	return atomic_load_explicit(&f->named, memory_order_acquire) == 1;
}

/**
 * fp_frame_is_shim() - whether @f lies in the shim's own code, which
 * is never shown as one of the program's frames.
 * Context: any, signal handlers included.
 */
int fp_frame_is_shim(const struct fp_frame_info *f);

/**
 * fp_frame_note_startup() - remember the objects loaded before main() (call
 * from the constructor): only later ones can be unloaded.
 * Context: the constructor.
 */
void fp_frame_note_startup(void);

/**
 * fp_frame_name_unloadable() - name now every frame in an object that a
 * dlclose() may unload, while its symbols can still be read.
 * Context: dlclose(), under the reentrancy guard.
 */
void fp_frame_name_unloadable(void);

/**
 * fp_frame_object() - the full path of the @i-th object a frame was found
 * in (the report's "objects").
 * Context: report writing, signal handlers included (lock-free).
 * Return: the path, or NULL past the last.
 */
const char *fp_frame_object(unsigned i);

/**
 * fp_frame_name_into() - name @f into @mine, then publish it in @f unless
 * another thread did first (@mine then holds this thread's names, which
 * a classifier may use at once).
 * Context: inside malloc, under the reentrancy guard; never in a signal
 * handler.
 */
void fp_frame_name_into(struct fp_frame_info *f, struct fp_frame_names *mine);

/* The shim's own code (fp_frame_init()): never one of the program's frames. */
extern uintptr_t fp_frame_shim_start FP_HIDDEN, fp_frame_shim_end FP_HIDDEN;

/**
 * fp_frame_in_shim() - whether code address @ip lies in the shim itself.
 * Inline: the site lookup asks it of every frame of every call.
 * Context: any, signal handlers included.
 */
static inline int fp_frame_in_shim(const void *ip)
{
	return (uintptr_t)ip - fp_frame_shim_start < fp_frame_shim_end - fp_frame_shim_start;
}

#endif

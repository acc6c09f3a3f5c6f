/*
 * Warming libunwind's caches for code addresses this thread has not run
 * yet. A run server (lib/serve.c) is stopped before main(), so its
 * caches know none of the program's frames, and every run cloned from it
 * would look each one up again in the DWARF unwind tables (thousands of
 * instructions and two sigprocmask calls a frame). explore knows the
 * baseline's frames: the server warms them once, and every run inherits
 * the entries.
 *
 * libunwind 1.6 fills its trace cache only while tracing the stack it
 * runs on, so each address is warmed by tracing a made-up stack: a
 * trampoline calls unw_backtrace() on a private stack whose return
 * address is the frame to warm. A cache entry describes the unwind rules
 * at its address (where the CFA is, where the return address and the
 * frame pointer were saved), not the values met on the way, so the entry
 * made here is the one the run would have made. Every word the made-up
 * frames read is a pointer into that stack, so whatever the rules say,
 * each read stays in memory mapped here.
 */
#include "config.h"
#include "unwind.h"

#include <string.h>
#include <sys/mman.h>

#include "fp.h"

#if defined(__x86_64__)

/*
 * fp_unwind_warm_tramp(sp, bp, backtrace, buf): on stack @sp (whose top
 * word is the address to warm) and with @bp as its frame pointer, call
 * @backtrace(@buf, 3): its own frame, the trampoline's, then the frame
 * at the address to warm. At that call the trampoline's unwind rules say
 * what the made-up stack holds: the CFA is rsp + 8, the return address
 * the top word of @sp, rbp unchanged.
 */
void fp_unwind_warm_tramp(void *sp, void *bp, int (*backtrace)(void **, int), void **buf);
__asm__(
	".text\n"
	".p2align 4\n"
	".type fp_unwind_warm_tramp, @function\n"
	"fp_unwind_warm_tramp:\n"
	".cfi_startproc\n"
	"	push %rbp\n"
	".cfi_adjust_cfa_offset 8\n"
	".cfi_rel_offset %rbp, 0\n"
	"	push %rbx\n"
	".cfi_adjust_cfa_offset 8\n"
	".cfi_rel_offset %rbx, 0\n"
	"	mov %rsp, %rbx\n"
	".cfi_def_cfa_register %rbx\n"
	"	mov %rsi, %rbp\n"
	"	mov %rdi, %rsp\n"
	"	mov %rcx, %rdi\n"
	"	mov $3, %esi\n"
	".cfi_remember_state\n"
	".cfi_def_cfa %rsp, 8\n"
	".cfi_same_value %rbp\n"
	"	call *%rdx\n"
	".cfi_restore_state\n"
	"	mov %rbx, %rsp\n"
	"	pop %rbx\n"
	".cfi_adjust_cfa_offset -8\n"
	"	pop %rbp\n"
	".cfi_adjust_cfa_offset -8\n"
	"	ret\n"
	".cfi_endproc\n"
	".size fp_unwind_warm_tramp, .-fp_unwind_warm_tramp\n");

/*
 * The made-up stack: the lower half is where unw_backtrace() itself runs
 * (libunwind's DWARF parsing wants tens of KiB), the upper half the
 * frames it traces, every word of it the address of its middle.
 */
#define WARM_STACK	(512 * 1024)

size_t fp_unwind_warm_ips(const uintptr_t *ips, size_t n)
{
	int (*backtrace)(void **, int) =
		atomic_load_explicit(&fp_unwind_backtrace, memory_order_acquire);
	uintptr_t *stack, *top, middle;
	size_t warmed = 0;
	void *buf[3];

	if (!backtrace || !n)
		return 0;
	stack = mmap(NULL, WARM_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return 0;
	top = stack + WARM_STACK / 2 / sizeof(*stack);
	middle = (uintptr_t)(stack + WARM_STACK * 3 / 4 / sizeof(*stack));
	for (uintptr_t *w = top; w < stack + WARM_STACK / sizeof(*stack); w++)
		*w = middle;
	fp_unwind_quiet_begin();
	for (size_t i = 0; i < n; i++) {
		/*
		 * Only a return address with unwind rules: without them
		 * libunwind guesses from the values it reads, and a guess
		 * made from these would not be the run's.
		 */
		if (ips[i] < 4096 || !fp_unwind_has_rules(ips[i] - 1))
			continue;
		*top = ips[i];
		fp_unwind_warm_tramp(top, (void *)middle, backtrace, buf);
		warmed++;
	}
	fp_unwind_quiet_end();
	/* Its pages are proved readable in this thread's ring: not once unmapped. */
	fp_unwind_forget_pages();
	munmap(stack, WARM_STACK);
	return warmed;
}

#else

size_t fp_unwind_warm_ips(const uintptr_t *ips, size_t n)
{
	(void)ips;
	(void)n;
	return 0;
}

#endif

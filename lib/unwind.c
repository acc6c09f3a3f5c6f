/*
 * libunwind glue (local unwinding only), loaded privately.
 *
 * libunwind exports unversioned _Unwind_* functions. Linked into the shim
 * (a DT_NEEDED), it would enter the global symbol scope ahead of libgcc_s
 * in a program that does not link libgcc_s itself, and libgcc_s's and
 * libstdc++'s personality routines would bind to it while glibc's
 * pthread_cancel unwinds with libgcc_s: a thread cancelled in stdio would
 * leave the FILE locked, and C++ destructors would not run on cancellation.
 * So the shim does not link it: it opens it RTLD_LOCAL, reaches the few
 * functions it uses through dlsym, and no object of the program ever binds
 * to it.
 *
 * libunwind also opens a pipe when it initialises, to validate addresses,
 * and keeps it for the life of the process: the two lowest free
 * descriptors, the ones the program would get next (and the program may
 * close them under it). The shim closes that pipe at once and gives
 * libunwind an access_mem that validates with process_vm_readv(2) (mincore(2)
 * where that is refused), so libunwind holds no descriptor at all.
 */
#include "config.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "fp.h"

#define FP_UNWIND_SONAME	"libunwind.so.8"

/* With UNW_LOCAL_ONLY the public names are macros for _ULx86_64_* and the like. */
#define NAME_(x)	#x
#define NAME(x)		NAME_(x)

int (*_Atomic fp_unwind_backtrace)(void **buffer, int size);

static struct {
	__typeof__(unw_tdep_getcontext) *getcontext;
	__typeof__(unw_init_local) *init_local;
	__typeof__(unw_init_local2) *init_local2;
	__typeof__(unw_step) *step;
	__typeof__(unw_get_reg) *get_reg;
	__typeof__(unw_set_reg) *set_reg;
	__typeof__(unw_get_proc_name) *get_proc_name;
	__typeof__(unw_get_proc_info) *get_proc_info;
	__typeof__(unw_get_accessors) *get_accessors;
	unw_addr_space_t *local_addr_space;
} u;
static _Atomic int loaded;

/* libunwind's code, [lo, hi): whose sigprocmask() calls these are. */
static uintptr_t unw_lo, unw_hi;
__thread unsigned fp_unwind_quiet __attribute__((tls_model("initial-exec")));
__thread int fp_unwind_quiet_blocked __attribute__((tls_model("initial-exec")));
static __thread sigset_t quiet_saved __attribute__((tls_model("initial-exec")));

/* Pages already proved readable, per thread (libunwind keeps four too). */
#define GOOD_PAGES	8
static __thread uintptr_t good[GOOD_PAGES] __attribute__((tls_model("initial-exec")));
static __thread unsigned victim __attribute__((tls_model("initial-exec")));
static _Atomic int no_vm_readv;
__thread unsigned long fp_unwind_slow_reads __attribute__((tls_model("initial-exec")));

/**
 * known_good() - is @page among this thread's pages proved readable?
 * Context: inside malloc, under the guard, or in a signal handler
 * (thread-local only).
 */
static int known_good(uintptr_t page)
{
	for (unsigned i = 0; i < GOOD_PAGES; i++)
		if (good[i] == page)
			return 1;
	return 0;
}

/**
 * remember() - @page proved readable, in this thread's small ring
 * Context: inside malloc, under the guard, or in a signal handler
 * (thread-local only).
 */
static void remember(uintptr_t page)
{
	good[victim] = page;
	victim = (victim + 1) % GOOD_PAGES;
}

/*
 * Reads a word of this process's memory, or says it cannot be read,
 * without a descriptor: process_vm_readv(2) on ourselves fails with EFAULT
 * where a plain load would fault. Where that is refused (seccomp), mincore(2)
 * tells mapped from unmapped, as libunwind's own validation does first.
 * Context: inside malloc, under the guard, or in a signal handler.
 */
static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val,
		      int write, void *arg)
{
	uintptr_t page = (uintptr_t)addr & ~(uintptr_t)4095;
	uintptr_t last = ((uintptr_t)addr + sizeof(*val) - 1) & ~(uintptr_t)4095;

	(void)as;
	(void)arg;
	if (write) {
		*(unw_word_t *)addr = *val;
		return 0;
	}
	fp_unwind_slow_reads++;
	if (!page)
		return -UNW_EINVAL;
	if (!known_good(page) || (last != page && !known_good(last))) {
		int saved = errno;

		if (!atomic_load_explicit(&no_vm_readv, memory_order_relaxed)) {
			struct iovec mine = { val, sizeof(*val) };
			struct iovec there = { (void *)addr, sizeof(*val) };
			ssize_t n = process_vm_readv(getpid(), &mine, 1, &there, 1, 0);

			if (n == (ssize_t)sizeof(*val)) {
				errno = saved;
				remember(page);
				remember(last);
				return 0;
			}
			if (n >= 0 || errno == EFAULT) {
				errno = saved;
				return -UNW_EINVAL;
			}
			atomic_store_explicit(&no_vm_readv, 1, memory_order_relaxed);
		}
		{
			unsigned char vec[2];

			if (mincore((void *)page, last - page + 4096, vec)) {
				errno = saved;
				return -UNW_EINVAL;
			}
		}
		errno = saved;
		remember(page);
		remember(last);
	}
	*val = *(const unw_word_t *)addr;
	return 0;
}

/**
 * lowest_free() - the two lowest descriptors not open now.
 * Context: boot (inside the first malloc, maybe before constructors, under
 * the reentrancy guard): system calls only.
 */
static void lowest_free(int fds[2])
{
	unsigned n = 0;

	fds[0] = fds[1] = -1;
	for (int fd = 0; fd < 4096 && n < 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			fds[n++] = fd;
}

/**
 * is_new_pipe() - did libunwind's initialisation just open @fds as its
 * pipe?
 * Context: boot (inside the first malloc, maybe before constructors, under
 * the reentrancy guard): system calls only.
 */
static int is_new_pipe(const int fds[2])
{
	struct stat a, b;

	if (fds[0] < 0 || fds[1] < 0)
		return 0;
	if (fstat(fds[0], &a) || fstat(fds[1], &b))
		return 0;
	return S_ISFIFO(a.st_mode) && S_ISFIFO(b.st_mode) && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev && (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) &&
	       (fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
}

/* libunwind's TLS module, and glibc's (the x86-64 ABI's) door to a module's block. */
static size_t tls_modid;
struct tls_index {
	unsigned long module, offset;
};
extern void *__tls_get_addr(struct tls_index *ti);

/*
 * Have the loader allocate libunwind's TLS block for this thread, without
 * unwinding: unw_backtrace() would also map its 256 KiB trace cache, which
 * a thread that never unwinds (report-only at FAILPOOL_DEPTH=1, a thread
 * that never allocates) has no use for.
 */
static void touch_tls(void)
{
	struct tls_index ti = { tls_modid, 0 };

	if (tls_modid)
		(void)__tls_get_addr(&ti);
}

struct text_of {
	uintptr_t addr, lo, hi;
};

static int find_text(struct dl_phdr_info *info, size_t size, void *data)
{
	struct text_of *t = data;
	uintptr_t lo = UINTPTR_MAX, hi = 0;

	(void)size;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (info->dlpi_addr + ph->p_vaddr < lo)
			lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (t->addr < lo || t->addr >= hi)
		return 0;
	t->lo = lo;
	t->hi = hi;
	return 1;
}

void fp_unwind_quiet_restore(void)
{
	fp_unwind_quiet_blocked = 0;
	pthread_sigmask(SIG_SETMASK, &quiet_saved, NULL);
}

int fp_unwind_sigprocmask(int how, const sigset_t *set, sigset_t *old, const void *from)
{
	int rc;

	if (FP_UNLIKELY(fp_unwind_quiet) && (uintptr_t)from - unw_lo < unw_hi - unw_lo) {
		if (!fp_unwind_quiet_blocked) {
			sigset_t all;

			sigfillset(&all);
			if (pthread_sigmask(SIG_SETMASK, &all, &quiet_saved) == 0)
				fp_unwind_quiet_blocked = 1;
		}
		if (fp_unwind_quiet_blocked) {
			if (old)
				*old = quiet_saved;
			return 0;
		}
	}
	/* glibc's sigprocmask(), exactly. */
	rc = pthread_sigmask(how, set, old);
	if (rc == 0)
		return 0;
	errno = rc;
	return -1;
}

#define RESOLVE(h, field, sym) \
	(*(void **)&u.field = dlsym((h), NAME(sym))) != NULL

int fp_unwind_load(void)
{
	unw_accessors_t *acc;
	int before[2];
	void *h, *bt;

	if (atomic_load(&loaded))
		return 0;
	h = dlopen(FP_UNWIND_SONAME, RTLD_LOCAL | RTLD_NOW);
	if (!h)
		return -ENOENT;
	if (!(RESOLVE(h, getcontext, unw_tdep_getcontext) &&
	      RESOLVE(h, init_local, unw_init_local) &&
	      RESOLVE(h, init_local2, unw_init_local2) &&
	      RESOLVE(h, step, unw_step) &&
	      RESOLVE(h, get_reg, unw_get_reg) &&
	      RESOLVE(h, set_reg, unw_set_reg) &&
	      RESOLVE(h, get_proc_name, unw_get_proc_name) &&
	      RESOLVE(h, get_proc_info, unw_get_proc_info) &&
	      RESOLVE(h, get_accessors, unw_get_accessors) &&
	      RESOLVE(h, local_addr_space, unw_local_addr_space)) ||
	    !(bt = dlsym(h, "unw_backtrace"))) {
		dlclose(h);
		return -ENOENT;
	}
	{
		struct text_of t = { (uintptr_t)bt, 0, 0 };

		if (dl_iterate_phdr(find_text, &t)) {
			unw_lo = t.lo;
			unw_hi = t.hi;
		}
	}
	/* libunwind initialises here, once: its pipe takes the lowest free pair. */
	lowest_free(before);
	fp_unwind_quiet_begin();
	acc = u.get_accessors(*u.local_addr_space);
	fp_unwind_quiet_end();
	if (is_new_pipe(before)) {
		close(before[0]);
		close(before[1]);
	}
	acc->access_mem = access_mem;
	if (dlinfo(h, RTLD_DI_TLS_MODID, &tls_modid))
		tls_modid = 0;
	atomic_store(&loaded, 1);
	/*
	 * libunwind's thread-local state is dynamic TLS now: the loader
	 * allocates it at a thread's first unwinding. For this thread, here
	 * at boot, rather than at the program's first counted allocation.
	 */
	touch_tls();
	atomic_store_explicit(&fp_unwind_backtrace, (int (*)(void **, int))bt,
			      memory_order_release);
	return 0;
}

void fp_unwind_warm(void)
{
	int (*backtrace)(void **, int) =
		atomic_load_explicit(&fp_unwind_backtrace, memory_order_acquire);
	void *chain[4];

	if (backtrace) {
		fp_unwind_quiet_begin();
		(void)backtrace(chain, 4);
		fp_unwind_quiet_end();
	}
}

void fp_unwind_thread_start(void)
{
	if (atomic_load_explicit(&loaded, memory_order_acquire))
		touch_tls();
}

int fp_unwind_has_rules(uintptr_t ip)
{
	unw_context_t context;
	unw_cursor_t cursor;
	unw_proc_info_t info;

	if (!atomic_load_explicit(&loaded, memory_order_acquire))
		return 0;
	if (u.getcontext(&context) || u.init_local(&cursor, &context) ||
	    u.set_reg(&cursor, UNW_REG_IP, (unw_word_t)ip))
		return 0;
	/* Where it finds none, libunwind makes up a one-byte procedure at @ip. */
	return u.get_proc_info(&cursor, &info) == 0 &&
	       !(info.start_ip == (unw_word_t)ip && info.end_ip == (unw_word_t)ip + 1);
}

void fp_unwind_forget_pages(void)
{
	memset(good, 0, sizeof(good));
	victim = 0;
}

int fp_unwind_proc_name(const void *ip, char *name, size_t size,
			uintptr_t *offset)
{
	unw_context_t context;
	unw_cursor_t cursor;
	unw_proc_info_t info;
	unw_word_t off = 0;

	if (!atomic_load_explicit(&loaded, memory_order_acquire))
		return -1;
	if (u.getcontext(&context) || u.init_local(&cursor, &context))
		return -1;
	/* A local cursor named at any address: libunwind then looks @ip up. */
	if (u.set_reg(&cursor, UNW_REG_IP, (unw_word_t)(uintptr_t)ip))
		return -1;
	if (u.get_proc_name(&cursor, name, size, &off))
		return -1;
	/*
	 * In a stripped object the nearest preceding symbol is some other
	 * function: believe the name only when it starts where the unwind info
	 * says this function starts.
	 */
	if (u.get_proc_info(&cursor, &info) == 0 && info.start_ip &&
	    (uintptr_t)ip - off != (uintptr_t)info.start_ip)
		return -1;
	*offset = (uintptr_t)off;
	return 0;
}

static unsigned walk(const void *caller, const void *cfa, const void **ips,
		     const void *const **slots, unsigned depth)
{
	unw_context_t context;
	unw_cursor_t cursor;
	unw_word_t ip, sp;
	unsigned n = 0, skipped = 0;

	if (!atomic_load_explicit(&loaded, memory_order_acquire))
		return 0;
	if (u.getcontext(&context) || u.init_local(&cursor, &context))
		return 0;
	/* Up through the shim's frames to the program's frame 0. */
	for (;;) {
		if (u.get_reg(&cursor, UNW_REG_IP, &ip) ||
		    u.get_reg(&cursor, UNW_REG_SP, &sp))
			return 0;
		if ((const void *)ip == caller && (const void *)sp == cfa)
			break;
		if (++skipped > FP_UNWIND_SHIM_FRAMES || u.step(&cursor) <= 0)
			return 0;
	}
	for (;;) {
		/* A call pushes the return address just below the caller's SP. */
		const void *const *slot = (const void *const *)sp - 1;
		int more;

		if (*slot != (const void *)ip)
			return 0;	/* a signal frame, say: not provable */
		ips[n] = (const void *)ip;
		slots[n] = slot;
		if (++n == depth)
			return n;
		more = u.step(&cursor);
		if (more < 0)
			return 0;
		if (more == 0)
			return n;	/* the outermost frame */
		if (u.get_reg(&cursor, UNW_REG_IP, &ip) ||
		    u.get_reg(&cursor, UNW_REG_SP, &sp))
			return 0;
	}
}

unsigned fp_unwind_walk(const void *caller, const void *cfa, const void **ips,
			const void *const **slots, unsigned depth)
{
	unsigned n;

	fp_unwind_quiet_begin();
	n = walk(caller, cfa, ips, slots, depth);
	fp_unwind_quiet_end();
	return n;
}

unsigned fp_unwind_signal(void *uc, const void **ips, unsigned max)
{
	unw_cursor_t cursor;
	unw_word_t ip;
	unsigned n = 0;

	if (!max)
		return 0;
	if (!atomic_load_explicit(&loaded, memory_order_acquire)) {
#ifdef REG_RIP
		/* Frame 0 at least: the interrupted instruction. */
		const ucontext_t *ctx = uc;

		ips[0] = (const void *)(uintptr_t)ctx->uc_mcontext.gregs[REG_RIP];
		return ips[0] != NULL;
#else
		return 0;
#endif
	}
	if (u.init_local2(&cursor, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME))
		return 0;
	do {
		if (u.get_reg(&cursor, UNW_REG_IP, &ip) || !ip)
			break;
		ips[n++] = (const void *)ip;
	} while (n < max && u.step(&cursor) > 0);
	return n;
}

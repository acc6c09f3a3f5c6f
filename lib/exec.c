/* Reports before exec (see exec.h). */
#include "config.h"
#include "exec.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <unistd.h>

#include "fp.h"
#include "guard.h"
#include "report.h"
#include "exit.h"

/* glibc's own function @name, after the shim in lookup order. */
static void *real(void *_Atomic *cache, const char *name)
{
	void *f = atomic_load_explicit(cache, memory_order_acquire);

	if (!f) {
		fp_guard_enter();	/* dlsym may allocate */
		f = dlsym(RTLD_NEXT, name);
		fp_guard_leave();
		if (!f)
			fp_bug("an exec function is missing after the shim");
		atomic_store_explicit(cache, f, memory_order_release);
	}
	return f;
}

static void before(void)
{
	struct fp_ending end = { .how = FP_END_EXEC };

	fp_exit_report(&end);
}

static int after(void)
{
	int err = errno;

	fp_exit_exec_failed();
	errno = err;
	return -1;
}

#define EXEC_CACHE(name) static void *_Atomic name##_fn

int fp_exec_execve(const char *path, char *const argv[], char *const envp[])
{
	EXEC_CACHE(execve);
	int (*f)(const char *, char *const[], char *const[]) = real(&execve_fn, "execve");

	before();
	f(path, argv, envp);
	return after();
}

int fp_exec_execv(const char *path, char *const argv[])
{
	EXEC_CACHE(execv);
	int (*f)(const char *, char *const[]) = real(&execv_fn, "execv");

	before();
	f(path, argv);
	return after();
}

int fp_exec_execvp(const char *file, char *const argv[])
{
	EXEC_CACHE(execvp);
	int (*f)(const char *, char *const[]) = real(&execvp_fn, "execvp");

	before();
	f(file, argv);
	return after();
}

int fp_exec_execvpe(const char *file, char *const argv[], char *const envp[])
{
	EXEC_CACHE(execvpe);
	int (*f)(const char *, char *const[], char *const[]) = real(&execvpe_fn, "execvpe");

	before();
	f(file, argv, envp);
	return after();
}

int fp_exec_fexecve(int fd, char *const argv[], char *const envp[])
{
	EXEC_CACHE(fexecve);
	int (*f)(int, char *const[], char *const[]) = real(&fexecve_fn, "fexecve");

	before();
	f(fd, argv, envp);
	return after();
}

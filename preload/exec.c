/*
 * The exec family, exported so that the report of the old image is written
 * before it is replaced (lib/exec.c). The l-forms gather their arguments
 * and go through the v-forms, as glibc's do.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include "exec.h"
#include "fp.h"

FP_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return fp_exec_execve(path, argv, envp);
}

FP_EXPORT int execv(const char *path, char *const argv[])
{
	return fp_exec_execv(path, argv);
}

FP_EXPORT int execvp(const char *file, char *const argv[])
{
	return fp_exec_execvp(file, argv);
}

FP_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return fp_exec_execvpe(file, argv, envp);
}

FP_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	return fp_exec_fexecve(fd, argv, envp);
}

/* Count the arguments after @arg0 up to the NULL. */
static size_t count_args(va_list ap)
{
	size_t n = 1;

	while (va_arg(ap, char *))
		n++;
	return n;
}

enum l_form { L, LP, LE };

/* The l-forms: argv gathered on the stack, as glibc does, then the v-form. */
static int exec_l(enum l_form form, const char *path, const char *arg0, va_list ap)
{
	va_list count;
	size_t n;

	va_copy(count, ap);
	n = count_args(count);
	va_end(count);
	if (n >= INT_MAX) {	/* as glibc: the rest must fit on the stack */
		errno = E2BIG;
		return -1;
	}
	{
		char *argv[n + 1];

		argv[0] = (char *)arg0;
		for (size_t i = 1; i <= n; i++)	/* argv[n]: the NULL */
			argv[i] = va_arg(ap, char *);
		switch (form) {
		case LP:
			return fp_exec_execvp(path, argv);
		case LE:
			return fp_exec_execve(path, argv, va_arg(ap, char *const *));
		default:
			return fp_exec_execv(path, argv);
		}
	}
}

FP_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, arg);
	rc = exec_l(L, path, arg, ap);
	va_end(ap);
	return rc;
}

FP_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, arg);
	rc = exec_l(LP, file, arg, ap);
	va_end(ap);
	return rc;
}

FP_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, arg);
	rc = exec_l(LE, path, arg, ap);
	va_end(ap);
	return rc;
}

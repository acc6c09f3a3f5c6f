/*
 * A library whose constructor, run before the shim's own, does what
 * CTORLIB says, allocating nothing (tests/progs/ctorlib.c):
 *   unsetenv  removes LD_PRELOAD, as a library that keeps a preload from
 *             the program's children does
 *   open      opens the file CTORLIB_FILE (close-on-exec) for the program
 *             to read later
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

int ctorlib_fd = -1;

__attribute__((constructor)) static void ctorlib_init(void)
{
	const char *what = getenv("CTORLIB");

	if (!what)
		return;
	if (!strcmp(what, "unsetenv"))
		unsetenv("LD_PRELOAD");
	else if (!strcmp(what, "open") && getenv("CTORLIB_FILE"))
		ctorlib_fd = open(getenv("CTORLIB_FILE"), O_RDONLY | O_CLOEXEC);
}

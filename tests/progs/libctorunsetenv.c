/*
 * A library whose constructor keeps the preload from the program's
 * children, as some do: it removes LD_PRELOAD before the shim's own
 * constructor runs, and allocates nothing (tests/progs/ctorunsetenv.c).
 */
#include <stdlib.h>

int ctorunsetenv_linked;

__attribute__((constructor)) static void keep_preload_from_children(void)
{
	unsetenv("LD_PRELOAD");
}

/*
 * A library whose constructor uses malloc's result unchecked. The loader
 * runs it before the shim's own constructor: with its allocation failed,
 * the crash must still leave a crash record.
 */
#include <stdlib.h>
#include <string.h>

char *ctorcrash_greeting;

__attribute__((constructor, noinline)) static void set_up_greeting(void)
{
	ctorcrash_greeting = malloc(32);
	strcpy(ctorcrash_greeting, "hello");	/* the bug: no check */
}

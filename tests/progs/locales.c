/*
 * locales: setlocale for every category in turn, as bash does at start-up.
 * Under a rule that globs (lib:, func:) the shim matches new sites inside
 * malloc while setlocale holds glibc's __libc_setlocale_lock; fnmatch in a
 * UTF-8 locale loaded conversion functions under that lock and broke it
 * (the next setlocale hung). Prints "done".
 */
#include <locale.h>
#include <stdio.h>
int main(void) {
	setlocale(LC_ALL, "");
	setlocale(LC_CTYPE, "");
	setlocale(LC_COLLATE, "");
	setlocale(LC_MESSAGES, "");
	setlocale(LC_NUMERIC, "");
	setlocale(LC_TIME, "");
	puts("done");
	return 0;
}

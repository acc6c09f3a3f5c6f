/* ctorcrash: prints the greeting libctorcrash's constructor made. */
#include <stdio.h>

extern char *ctorcrash_greeting;

int main(void)
{
	puts(ctorcrash_greeting);
	return 0;
}

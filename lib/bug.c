/* fp_bug(): impossible states end the process at once (fp.h). */
#include "config.h"
#include "fp.h"

#include <stdlib.h>

#include "say.h"

void fp_bug(const char *what)
{
	fp_say_str("failpool: BUG: ");
	fp_say_str(what);
	fp_say_str("\n");
	abort();
}

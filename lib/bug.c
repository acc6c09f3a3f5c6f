/* fp_bug(): impossible states end the process at once (fp.h). */
#include "config.h"
#include "fp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(const char *msg)
{
	size_t len = strlen(msg);

	while (len) {
		ssize_t n = write(STDERR_FILENO, msg, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		msg += n;
		len -= (size_t)n;
	}
}

void fp_bug(const char *what)
{
	say("failpool: BUG: ");
	say(what);
	say("\n");
	abort();
}

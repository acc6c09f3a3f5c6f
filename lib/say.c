/*
 * Diagnostics on stderr, only to the stream the program started with: a
 * program that closed fd 2 and opened a data file there must not find
 * failpool's messages in its data.
 */
#include "config.h"
#include "say.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writeall.h"

static _Atomic int noted;		/* fp_say_init() ran */
static int secure;			/* AT_SECURE: say nothing */
static int open_at_boot;		/* fd 2 was open at boot */
static dev_t err_dev;
static ino_t err_ino;

void fp_say_init(void)
{
	struct stat st;

	if (atomic_load_explicit(&noted, memory_order_acquire))
		return;
	secure = getauxval(AT_SECURE) != 0;
	if (fstat(STDERR_FILENO, &st) == 0) {
		err_dev = st.st_dev;
		err_ino = st.st_ino;
		open_at_boot = 1;
	}
	atomic_store_explicit(&noted, 1, memory_order_release);
}

int fp_say_secure(void)
{
	fp_say_init();
	return secure;
}

/* fd 2 is the stream it was at boot (fstat is async-signal-safe). */
static int still_stderr(void)
{
	struct stat st;

	return open_at_boot && fstat(STDERR_FILENO, &st) == 0 &&
	       st.st_dev == err_dev && st.st_ino == err_ino;
}

void fp_say(const char *msg, size_t len)
{
	int saved = errno;	/* a diagnostic never changes what the program sees */

	fp_say_init();
	if (secure || !still_stderr())
		goto out;
	fp_write_all(STDERR_FILENO, msg, len);
out:
	errno = saved;
}

void fp_say_str(const char *msg)
{
	fp_say(msg, strlen(msg));
}

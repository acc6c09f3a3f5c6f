/*
 * The tool under its own shim: a user who exported LD_PRELOAD (README,
 * "Using it", by hand) and then runs failpool would have the tool's own
 * allocations fail, and a tool that cannot read a report says wrong things
 * (0 sites known, so nothing crashed). It execs itself without the shim.
 */
#include "config.h"
#include "unshim.h"

#include <link.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SHIM_NAME	"libfailpool.so"

extern char **environ;

static int names_shim(const char *path, size_t len)
{
	const char *base = path;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			base = path + i + 1;
	len -= (size_t)(base - path);
	return len >= strlen(SHIM_NAME) && !strncmp(base, SHIM_NAME, strlen(SHIM_NAME));
}

int fp_unshim_preload(char *value)
{
	char *out = value;
	const char *in = value;
	int removed = 0;

	while (*in) {
		size_t len = strcspn(in, ": ");

		if (len && names_shim(in, len)) {
			removed = 1;
		} else if (len) {
			if (out != value)
				*out++ = ':';
			memmove(out, in, len);
			out += len;
		}
		in += len;
		in += strspn(in, ": ");
	}
	if (removed)
		*out = '\0';
	return removed;
}

static int is_shim(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	return info->dlpi_name && names_shim(info->dlpi_name, strlen(info->dlpi_name));
}

void fp_unshim(char **argv)
{
	static const char key[] = "LD_PRELOAD=";
	char **slot = NULL;

	if (!dl_iterate_phdr(is_shim, NULL))
		return;
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, key, sizeof(key) - 1))
			slot = e;
	if (!slot || !fp_unshim_preload(*slot + sizeof(key) - 1))
		return;
	if (!(*slot)[sizeof(key) - 1]) {
		/* Nothing else was preloaded: no LD_PRELOAD at all, as without the shim. */
		do
			slot[0] = slot[1];
		while (*++slot);
	}
	syscall(SYS_execve, "/proc/self/exe", argv, environ);
}

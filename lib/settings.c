/* The process settings (settings.h) and the report and log path templates. */
#include "config.h"
#include "settings.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pathpat.h"

struct fp_settings fp_settings_store;
_Atomic int fp_state = FP_STATE_NEW;
int fp_passthrough;
_Atomic int fp_enabled = 1;

/* Relative report and log paths stay where they were asked for after chdir(). */
static char boot_cwd[FP_CONF_PATH_MAX];

int fp_settings_expand(const char *tmpl, char *out, unsigned size)
{
	unsigned n = 0;

	if (tmpl[0] != '/' && boot_cwd[0]) {
		n = (unsigned)strlen(boot_cwd);
		if (n + 2 >= size)
			return -ENAMETOOLONG;
		memcpy(out, boot_cwd, n);
		if (out[n - 1] != '/')
			out[n++] = '/';
	}

	return fp_pathpat_expand(tmpl, (unsigned long)getpid(), fp_settings_store.exe, 0,
				 out + n, size - n);
}

void fp_settings_set_cwd(void)
{
	const struct fp_conf *c = &fp_settings_store.conf;

	/* getcwd() into a buffer is a plain system call: no allocation. */
	if (((c->report[0] && c->report[0] != '/') || (c->log[0] && c->log[0] != '/')) &&
	    !getcwd(boot_cwd, sizeof(boot_cwd)))
		boot_cwd[0] = '\0';
}

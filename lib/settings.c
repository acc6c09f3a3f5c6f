/* The process settings (settings.h) and the report and log path templates. */
#include "config.h"
#include "settings.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

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

	for (const char *p = tmpl; *p; p++) {
		char num[24];
		const char *ins = num;
		unsigned len;

		if (p[0] != '%' || !p[1]) {
			num[0] = *p;
			num[1] = '\0';
		} else if (*++p == 'p') {
			unsigned long v = (unsigned long)getpid();
			int i = sizeof(num) - 1;

			num[i] = '\0';
			do {
				num[--i] = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			ins = num + i;
		} else if (*p == 'e') {
			ins = fp_settings_store.exe;
		} else {
			num[0] = *p;	/* "%%", and anything conf.c let through */
			num[1] = '\0';
		}
		len = (unsigned)strlen(ins);
		if (n + len >= size)
			return -ENAMETOOLONG;
		memcpy(out + n, ins, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

void fp_settings_set_cwd(void)
{
	const struct fp_conf *c = &fp_settings_store.conf;

	/* getcwd() into a buffer is a plain system call: no allocation. */
	if (((c->report[0] && c->report[0] != '/') || (c->log[0] && c->log[0] != '/')) &&
	    !getcwd(boot_cwd, sizeof(boot_cwd)))
		boot_cwd[0] = '\0';
}

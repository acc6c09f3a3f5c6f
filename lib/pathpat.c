/* %p/%e/%% templates (see pathpat.h). */
#include "config.h"
#include "pathpat.h"

#include <errno.h>
#include <string.h>

/* @v's decimal digits, written backwards from @end; returns the first. */
static char *decimal(unsigned long v, char *end)
{
	*--end = '\0';
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

int fp_pathpat_literal(const char *s, char *out, size_t size)
{
	size_t n = 0;

	if (!size)
		return -ENAMETOOLONG;
	for (; *s; s++) {
		size_t len = *s == '%' ? 2 : 1;

		if (n + len >= size) {
			out[n] = '\0';
			return -ENAMETOOLONG;
		}
		out[n++] = *s;
		if (len == 2)
			out[n++] = '%';
	}
	out[n] = '\0';
	return 0;
}

int fp_pathpat_expand(const char *tmpl, unsigned long pid, const char *exe,
		      unsigned flags, char *out, size_t size)
{
	size_t n = 0;

	if (!size)
		return -ENAMETOOLONG;
	for (const char *p = tmpl; *p; p++) {
		char num[24], one[3] = { 0 };
		const char *ins = one;
		size_t len;

		if (p[0] == '%' && p[1] == 'p') {
			ins = (flags & FP_PATHPAT_ANYPID) ? "*" : decimal(pid, num + sizeof(num));
			p++;
		} else if (p[0] == '%' && p[1] == 'e') {
			ins = exe;
			p++;
		} else {
			if (p[0] == '%' && p[1])
				p++;	/* "%%", and anything conf.c let through */
			if ((flags & FP_PATHPAT_GLOB) && strchr("*?[\\", *p)) {
				one[0] = '\\';
				one[1] = *p;
			} else {
				one[0] = *p;
			}
		}
		len = strlen(ins);
		if (n + len >= size) {
			out[n] = '\0';
			return -ENAMETOOLONG;
		}
		memcpy(out + n, ins, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

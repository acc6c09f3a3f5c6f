/*
 * Output files in directories others may write to: no planted symbolic link
 * is followed, no predictable temporary name is used.
 */
#include "config.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int fp_outfile_open(struct fp_outfile *o, const char *path, unsigned mode)
{
	struct stat st;
	int fd;

	o->path = path;
	o->tmp[0] = '\0';
	o->direct = 0;
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return -errno;
			o->direct = 1;
			return fd;
		}
	}
	return fp_safefile_create(path, o->tmp, sizeof(o->tmp), mode);
}

int fp_outfile_close(struct fp_outfile *o, int fd, int ok)
{
	int rc = 0;

	if (fd >= 0 && close(fd) && ok)
		rc = -errno;
	if (o->direct)
		return rc;
	if (ok && !rc && rename(o->tmp, o->path))
		rc = -errno;
	if (!ok || rc)
		unlink(o->tmp);
	return rc;
}

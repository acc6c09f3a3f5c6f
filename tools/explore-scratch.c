/*
 * The scratch directory of an exploration (README, "`failpool explore`",
 * the output directory): every run after the baselines is made there, and
 * only the runs worth keeping move to --out/runs/NNNN once read: the
 * findings' (silent, aborted, crashed, hung) and those that revealed
 * sites. A file system slow to create inodes after many deletions (ext4)
 * paid four of them a run for the files of every run, most of which no
 * one reads: a survived run printed the baseline's output, a handled one
 * ended with the status summary.json records, as the program decided.
 *
 * The scratch directory is /dev/shm's (a tmpfs: memory, nothing to sync)
 * when it has room, else inside --out, on its file system: a kept run is
 * renamed there, not copied. It is removed at the end, whatever the end,
 * and only the files explore and the shim write there are removed.
 */
#include "config.h"
#include "explore-out.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cmds.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define SHM_ROOT	"/dev/shm"
#define SHM_ROOM	(1ull << 30)	/* below this, runs could fill the machine's memory */

/* The scratch directory and the process that made it: an exit() removes it, a child's does not. */
static char scratch[PATH_MAX];
static pid_t owner;

/* Whether @path is on a tmpfs, and (@room) with at least that much free for us. */
static int on_tmpfs(const char *path, unsigned long long room)
{
	struct statfs fs;
	struct statvfs vfs;

	if (statfs(path, &fs) || fs.f_type != TMPFS_MAGIC)
		return 0;
	return !room || (!statvfs(path, &vfs) && (unsigned long long)vfs.f_bavail * vfs.f_frsize >= room);
}

/* Whether @name is a file explore (stdout, stderr) or the shim (a report, or one cut short) writes. */
static int ours(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "stdout") || !strcmp(name, "stderr") ||
	       (n > 5 && !strcmp(name + n - 5, ".json")) || strstr(name, ".json.tmp.");
}

/* Remove the files explore and the shim wrote in the run directory @dir, then it; -1 if it stays. */
static int remove_run(int at, const char *dir)
{
	int fd = openat(at, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)))
		if (ours(e->d_name))
			unlinkat(fd, e->d_name, 0);
	closedir(d);
	return unlinkat(at, dir, AT_REMOVEDIR);
}

/* Every run directory left in the scratch directory, then it. Context: atexit. */
static void remove_scratch(void)
{
	DIR *d;
	struct dirent *e;

	if (!scratch[0] || getpid() != owner)
		return;
	if ((d = opendir(scratch))) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				remove_run(dirfd(d), e->d_name);
		closedir(d);
	}
	if (rmdir(scratch))
		fprintf(stderr, "failpool: cannot remove the scratch directory %s: %s\n", scratch,
			strerror(errno));
	scratch[0] = '\0';
}

/* mkdtemp() of @fmt's directory into scratch; 0 or -1. */
static int make_in(const char *fmt, const char *dir)
{
	if ((size_t)snprintf(scratch, sizeof(scratch), fmt, dir) < sizeof(scratch) && mkdtemp(scratch))
		return 0;
	scratch[0] = '\0';
	return -1;
}

int fp_xscratch_make(struct fp_xstate *s)
{
	const char *out = s->x->out;
	struct stat a, b;

	/* An --out on a tmpfs is as fast, and a kept run is renamed there, not copied. */
	if ((on_tmpfs(out, 0) || !on_tmpfs(SHM_ROOT, SHM_ROOM) ||
	     make_in("%s/failpool-explore.XXXXXX", SHM_ROOT)) && make_in("%s/runs/scratch.XXXXXX", out)) {
		fprintf(stderr, "failpool: cannot make a scratch directory in %s/runs: %s\n", out,
			strerror(errno));
		return -1;
	}
	owner = getpid();
	atexit(remove_scratch);
	s->scratch = scratch;
	s->scratch_here = !stat(scratch, &a) && !stat(out, &b) && a.st_dev == b.st_dev;
	return 0;
}

void fp_xscratch_remove(struct fp_xstate *s)
{
	remove_scratch();
	s->scratch = NULL;
}

/*
 * Move the regular file @name from directory @from to @to, by copying it
 * (anything else is left); 0 or -1. Context: explore's loop, one call per
 * file of a kept run, so no more system calls than it takes.
 */
static int move_file(int from, int to, const char *name)
{
	int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), out = -1, rc = -1;
	char buf[65536];
	struct stat st;
	ssize_t n = 0;

	if (in < 0 || fstat(in, &st) || !S_ISREG(st.st_mode)) {
		rc = in < 0 && errno != ELOOP ? -1 : 0;
		goto done;
	}
	out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0777);
	if (out < 0)
		goto done;
	for (off_t left = st.st_size; left > 0 && (n = sendfile(out, in, NULL, (size_t)left)) > 0;)
		left -= n;
	/* A file system sendfile() cannot write to: the plain way, from where it stopped. */
	if (n < 0 && (errno == EINVAL || errno == ENOSYS))
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n) {
				n = -1;
				break;
			}
	rc = n < 0 ? -1 : unlinkat(from, name, 0);
done:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out))
		rc = -1;
	return rc;
}

/* Move the files of run directory @src into the new directory @dst on another file system; 0 or -1. */
static int move_run(const char *src, const char *dst)
{
	int from = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), to = -1, rc = -1;
	DIR *d = from >= 0 ? fdopendir(from) : NULL;
	struct dirent *e;

	if (!d || mkdir(dst, 0755) || (to = open(dst, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		goto done;
	rc = 0;
	while (!rc && (e = readdir(d)))
		if (e->d_type != DT_DIR)
			rc = move_file(from, to, e->d_name);
done:
	if (d)
		closedir(d);
	else if (from >= 0)
		close(from);
	if (to >= 0)
		close(to);
	return rc || rmdir(src) ? -1 : 0;
}

/* Run @r's directory to @kept: renamed on the same file system, else moved file by file. */
static int keep(const struct fp_xstate *s, const struct fp_xrun *r, const char *kept)
{
	int rc = s->scratch_here ? rename(r->dir, kept) : move_run(r->dir, kept);

	if (rc && (errno == EEXIST || errno == ENOTEMPTY)) {
		/* One a SIGKILLed exploration kept but never recorded: this run is the one made again. */
		remove_run(AT_FDCWD, kept);
		rc = s->scratch_here ? rename(r->dir, kept) : move_run(r->dir, kept);
	}
	return rc;
}

void fp_xscratch_settle(struct fp_xstate *s, struct fp_xrun *r)
{
	size_t n = s->scratch ? strlen(s->scratch) : 0;
	char *kept = NULL;

	if (!n || strncmp(r->dir, s->scratch, n) || r->dir[n] != '/')
		return;		/* made in --out: a baseline, or read back */
	if ((r->cls == FP_X_SURVIVED || r->cls == FP_X_HANDLED) && !r->revealed) {
		remove_run(AT_FDCWD, r->dir);
		return;
	}
	/* --resume and --merge read its reports again: the sites it revealed, its crash. */
	if (asprintf(&kept, "%s/runs/%04u", s->x->out, r->index) < 0)
		exit(FP_EXIT_USAGE);
	if (keep(s, r, kept)) {
		fprintf(stderr, "failpool: cannot keep run %u in %s: %s\n", r->index, kept, strerror(errno));
		remove_run(AT_FDCWD, kept);	/* a copy cut short */
		free(kept);
		return;
	}
	free(r->dir);
	r->dir = kept;
}

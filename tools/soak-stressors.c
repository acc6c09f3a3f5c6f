/*
 * stress-ng's stressors for soak (see soak.h): which exist is stress-ng's
 * to say (`stress-ng --stressors`, which differs between versions and
 * builds), and which one a process ran is in the name stress-ng gives it.
 */
#include "config.h"
#include "soak.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The output of `@stress --stressors`, or NULL (said on stderr). */
static char *ask_stress_ng(const char *stress)
{
	char *text = NULL;
	size_t len = 0;
	int fds[2], st;
	pid_t pid;

	if (pipe(fds))
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp(stress, stress, "--stressors", (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(fds[1]);
	for (ssize_t got = 1; pid > 0 && (got > 0 || (got < 0 && errno == EINTR));) {
		char *t = realloc(text, len + 4097);

		if (!t)
			break;
		text = t;
		got = read(fds[0], text + len, 4096);
		if (got > 0)
			len += (size_t)got;
	}
	close(fds[0]);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (pid < 0 || !text || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
			fprintf(stderr, "failpool: cannot run %s (not found; see --stress-ng)\n", stress);
		else
			fprintf(stderr, "failpool: %s --stressors did not list its stressors\n", stress);
		free(text);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

/* Whether @name is one of the blank-separated words of @list. */
static int has_word(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += len)
		if ((p == list || strchr(" \t\n", p[-1])) && (!p[len] || strchr(" \t\n", p[len])))
			return 1;
	return 0;
}

int fp_soak_stressors_check(const char *stress, char *const *cmd, size_t n)
{
	char *list = ask_stress_ng(stress);
	int rc = 0;

	if (!list)
		return -1;
	for (size_t i = 1; i + 1 < n && !rc; i += 2)
		if (!has_word(list, cmd[i] + 2)) {
			fprintf(stderr, "failpool: --stressor: %s has no stressor '%s' "
				"(`%s --stressors` lists them)\n", stress, cmd[i] + 2, stress);
			rc = -1;
		}
	free(list);
	return rc;
}

const char *fp_soak_stressor_of(const char *argv0, char *buf, size_t size)
{
	static const char prefix[] = "stress-ng-";

	if (argv0 && !strncmp(argv0, prefix, sizeof(prefix) - 1) && argv0[sizeof(prefix) - 1])
		snprintf(buf, size, "%.*s", (int)strcspn(argv0 + sizeof(prefix) - 1, " "),
			 argv0 + sizeof(prefix) - 1);
	else
		snprintf(buf, size, "stress-ng");
	return buf;
}

void fp_soak_name_processes(struct fp_model *m)
{
	char name[64], *label;

	for (size_t i = 0; i < m->nprocs; i++) {
		struct fp_model_proc *p = &m->procs[i];
		const char *exe = p->exe ? p->exe : "stress-ng";
		size_t size;

		if (!strcmp(fp_soak_stressor_of(p->argc ? p->argv[0] : NULL, name, sizeof(name)),
			    "stress-ng"))
			continue;	/* stress-ng itself, or a process it did not rename */
		size = strlen(exe) + strlen(name) + 4;
		label = fp_model_alloc(m, size);
		snprintf(label, size, "%s (%s)", exe, name);
		p->exe = label;
	}
}

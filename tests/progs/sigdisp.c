/*
 * Signal dispositions a program inherits, under the shim's last-words
 * handlers (lib/crash.c):
 *   sigdisp view             SIGHUP's and SIGTERM's dispositions, as the
 *                            kernel has them (/proc/self/status) and as
 *                            sigaction() tells the program:
 *                            "HUP kernel=ignored program=ignored TERM ..."
 *   sigdisp hup              raises SIGHUP, then prints "alive"
 *   sigdisp pend-exec CMD... blocks and ignores SIGHUP, raises it (kept
 *                            pending, blocked), then execs CMD
 *   sigdisp catch            sets a SIGHUP handler, unblocks SIGHUP, prints
 *                            "caught" if the pending SIGHUP reached it,
 *                            else "lost"
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_hup(int sig)
{
	caught = sig;
}

/* The kernel's word for @sig from /proc/self/status: ignored, caught or default. */
static const char *kernel_view(int sig)
{
	char line[256];
	unsigned long long ign = 0, cgt = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return "unknown";
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "SigIgn: %llx", &ign);
		sscanf(line, "SigCgt: %llx", &cgt);
	}
	fclose(f);
	if (ign >> (sig - 1) & 1)
		return "ignored";
	return cgt >> (sig - 1) & 1 ? "caught" : "default";
}

static const char *program_view(int sig)
{
	struct sigaction old;

	if (sigaction(sig, NULL, &old))
		return "error";
	if (old.sa_handler == SIG_IGN)
		return "ignored";
	return old.sa_handler == SIG_DFL ? "default" : "caught";
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "view") == 0) {
		printf("HUP kernel=%s program=%s TERM kernel=%s program=%s\n",
		       kernel_view(SIGHUP), program_view(SIGHUP),
		       kernel_view(SIGTERM), program_view(SIGTERM));
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "hup") == 0) {
		raise(SIGHUP);
		puts("alive");
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "pend-exec") == 0) {
		sigset_t hup;

		sigemptyset(&hup);
		sigaddset(&hup, SIGHUP);
		sigprocmask(SIG_BLOCK, &hup, NULL);
		signal(SIGHUP, SIG_IGN);
		raise(SIGHUP);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		return 127;
	}
	if (argc == 2 && strcmp(argv[1], "catch") == 0) {
		sigset_t hup;

		signal(SIGHUP, on_hup);
		sigemptyset(&hup);
		sigaddset(&hup, SIGHUP);
		sigprocmask(SIG_UNBLOCK, &hup, NULL);
		puts(caught ? "caught" : "lost");
		return 0;
	}
	fprintf(stderr, "usage: sigdisp view | hup | pend-exec CMD... | catch\n");
	return 2;
}

/*
 * exits: end the process in a chosen way after a few allocations.
 *
 *   exits return CODE        return CODE from main
 *   exits exit CODE          exit(CODE)
 *   exits _exit CODE         _exit(CODE): no atexit handlers, no stdio flush
 *   exits _Exit CODE         _Exit(CODE)
 *   exits thread-exit CODE   exit(CODE) from a second thread
 *   exits thread-_exit CODE  _exit(CODE) from a second thread
 *   exits quick_exit CODE    quick_exit(CODE), whose at_quick_exit handler
 *                            makes one more malloc (kept)
 *
 * Before it ends it makes 10 mallocs of 100 bytes (5 freed, 5 left live)
 * and writes "exits HOW CODE" to stdout with write(2).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *(*volatile v_malloc)(size_t) = malloc;
static void (*volatile v_free)(void *) = free;
static void *volatile keep[5];

static const char *how;
static int code;

static void finish(void)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "exits %s %d\n", how, code);

	for (int i = 0; i < 10; i++) {
		void *p = v_malloc(100);

		if (i % 2)
			v_free(p);
		else
			keep[i / 2] = p;
	}
	if (write(1, line, (size_t)n) != n)
		code = 99;
	if (!strcmp(how, "exit") || !strcmp(how, "thread-exit"))
		exit(code);
	if (!strcmp(how, "_exit") || !strcmp(how, "thread-_exit"))
		_exit(code);
	if (!strcmp(how, "_Exit"))
		_Exit(code);
	if (!strcmp(how, "quick_exit"))
		quick_exit(code);
}

static void quick_handler(void)
{
	keep[0] = v_malloc(100);
}

static void *thread(void *arg)
{
	(void)arg;
	finish();
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const hows[] = {
		"return", "exit", "_exit", "_Exit", "thread-exit", "thread-_exit",
		"quick_exit",
	};
	unsigned i;

	if (argc != 3)
		goto usage;
	how = argv[1];
	code = atoi(argv[2]);
	for (i = 0; i < sizeof(hows) / sizeof(hows[0]); i++)
		if (!strcmp(how, hows[i]))
			break;
	if (i == sizeof(hows) / sizeof(hows[0]))
		goto usage;
	if (!strcmp(how, "quick_exit"))
		at_quick_exit(quick_handler);
	if (!strncmp(how, "thread-", 7)) {
		pthread_t t;

		if (pthread_create(&t, NULL, thread, NULL))
			return 98;
		pthread_join(t, NULL);
		return 97;	/* not reached */
	}
	finish();
	return code;
usage:
	fprintf(stderr, "usage: exits return|exit|_exit|_Exit|thread-exit|thread-_exit CODE\n");
	return 2;
}

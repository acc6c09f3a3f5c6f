/*
 * cancel: thread cancellation in a C program that does not link libgcc_s
 * (glibc loads it when a thread is first cancelled and unwinds with it).
 *
 *   cancel stdio      a thread writing to stderr with fputs/fprintf is
 *                     cancelled (20 times); prints "stderr: unlocked" when its
 *                     lock was released by the cancellation's cleanup every
 *                     time, "stderr: locked" when not
 *   cancel plugin LIB a thread running code of the C++ library LIB (dlopened;
 *                     default .libs/libcancelcxx.so beside this program), with
 *                     a local object, is cancelled; the object's destructor
 *                     prints "destructor ran"; then "joined"
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *writer(void *arg)
{
	(void)arg;
	for (;;) {
		fputs("failpool cancel probe: a line to stderr\n", stderr);
		fprintf(stderr, "failpool cancel probe: %d\n", 42);
	}
	return NULL;
}

static int stdio_case(void)
{
	/* Where the cancellation lands varies: try it a few times. */
	for (int round = 0; round < 20; round++) {
		pthread_t t;

		pthread_create(&t, NULL, writer, NULL);
		usleep(10 * 1000);
		pthread_cancel(t);
		pthread_join(t, NULL);
		if (ftrylockfile(stderr) != 0) {
			printf("stderr: locked\n");
			return 0;
		}
		funlockfile(stderr);
	}
	printf("stderr: unlocked\n");
	return 0;
}

static void *(*plugin_run)(void *);

static int plugin_case(const char *lib)
{
	char path[PATH_MAX];
	pthread_t t;
	void *h;

	if (!lib) {
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
		char *slash;

		if (n <= 0)
			return 2;
		path[n] = '\0';
		slash = strrchr(path, '/');
		strcpy(slash + 1, ".libs/libcancelcxx.so");
		lib = path;
	}
	h = dlopen(lib, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "cancel: %s\n", dlerror());
		return 2;
	}
	*(void **)&plugin_run = dlsym(h, "plugin_run");
	if (!plugin_run)
		return 2;
	pthread_create(&t, NULL, plugin_run, NULL);
	usleep(100 * 1000);
	pthread_cancel(t);
	pthread_join(t, NULL);
	printf("joined\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "stdio") == 0)
		return stdio_case();
	if (argc > 1 && strcmp(argv[1], "plugin") == 0)
		return plugin_case(argc > 2 ? argv[2] : NULL);
	fprintf(stderr, "usage: cancel stdio | cancel plugin [LIB]\n");
	return 2;
}

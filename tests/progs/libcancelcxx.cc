// A C++ library dlopened by a C program (tests/progs/cancel.c): a thread
// running plugin_run() is cancelled while a local object is alive; its
// destructor must run as the cancellation unwinds.
#include <pthread.h>
#include <unistd.h>

namespace {
struct Noisy {
	~Noisy()
	{
		static const char msg[] = "destructor ran\n";
		(void)!write(1, msg, sizeof(msg) - 1);
	}
};
}

extern "C" __attribute__((visibility("default"))) void *plugin_run(void *)
{
	Noisy n;

	for (;;) {
		pthread_testcancel();
		usleep(1000);
	}
	return nullptr;
}

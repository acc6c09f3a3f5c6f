/*
 * cxxreview: the new-handler protocol of the nothrow forms, case by case,
 * and operator new in threads.
 *
 *   cxxreview throwing-handler  nothrow new[]; the handler throws
 *                               std::bad_alloc: nullptr, 1 handler call
 *   cxxreview int-handler       the handler throws an int: nullptr too
 *                               (libstdc++ catches anything there)
 *   cxxreview alloc-handler     the handler uninstalls itself, then
 *                               allocates with new; prints whether that
 *                               new threw and the nothrow form's result
 *   cxxreview threads N         N threads, each 200 times new and nothrow
 *                               new, no handler: prints how many were
 *                               caught as bad_alloc and how many nullptr
 *   cxxreview threads-handler N the same with a handler that counts and
 *                               returns: every form ends up allocating;
 *                               prints the handler calls
 *   cxxreview replaced uninstall   (cxxreplaced only: the program has its
 *   cxxreview replaced retry        own operator new(size_t)) nothrow new[]
 *                               with a handler that uninstalls itself on
 *                               its 3rd call, or one that just counts
 *
 * Only stdio, no iostream: no operator new call outside the cases.
 */
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <pthread.h>

#ifdef CXXREVIEW_REPLACED
/* A replacement as the standard allows, with the new-handler protocol of libstdc++'s own. */
void *operator new(std::size_t n)
{
	void *p;

	if (!n)
		n = 1;
	while (!(p = std::malloc(n))) {
		std::new_handler h = std::get_new_handler();

		if (!h)
			throw std::bad_alloc();
		h();
	}
	return p;
}

void operator delete(void *p) noexcept
{
	std::free(p);
}

void operator delete(void *p, std::size_t) noexcept
{
	std::free(p);
}
#endif

namespace {

char outbuf[1 << 12];
void *volatile sink;
std::atomic<int> handler_calls;
int handler_limit;
const char *inner = "none";

void counting_handler()
{
	if (++handler_calls >= handler_limit && handler_limit)
		std::set_new_handler(nullptr);
}

void throwing_handler()
{
	handler_calls++;
	throw std::bad_alloc();
}

void int_handler()
{
	handler_calls++;
	throw 42;
}

void allocating_handler()
{
	handler_calls++;
	std::set_new_handler(nullptr);
	try {
		char *p = new char[64];

		sink = p;
		delete[] p;
		inner = "ok";
	} catch (const std::bad_alloc &) {
		inner = "bad_alloc";
	}
}

void nothrow_case(const char *name)
{
	char *p = new (std::nothrow) char[100];

	sink = p;
	std::printf("%s: %s after %d handler calls\n", name, p ? "ok" : "null", handler_calls.load());
	delete[] p;
}

std::atomic<int> caught, nulls;

void *worker(void *)
{
	for (int i = 0; i < 200; i++) {
		try {
			int *p = new int(i);

			sink = p;
			delete p;
		} catch (const std::bad_alloc &) {
			caught++;
		}
		char *q = new (std::nothrow) char[32 + i];

		if (!q)
			nulls++;
		sink = q;
		delete[] q;
	}
	return nullptr;
}

int threads(int n)
{
	pthread_t t[16];

	if (n < 1 || n > 16)
		return 2;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], nullptr, worker, nullptr))
			return 3;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], nullptr);
	std::printf("caught %d null %d handler %d\n", caught.load(), nulls.load(), handler_calls.load());
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	std::setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (!std::strcmp(mode, "throwing-handler")) {
		std::set_new_handler(throwing_handler);
		nothrow_case("nothrow new[], handler throws bad_alloc");
	} else if (!std::strcmp(mode, "int-handler")) {
		std::set_new_handler(int_handler);
		nothrow_case("nothrow new[], handler throws int");
	} else if (!std::strcmp(mode, "alloc-handler")) {
		std::set_new_handler(allocating_handler);
		nothrow_case("nothrow new[], handler allocates");
		std::printf("the handler's new: %s\n", inner);
	} else if (!std::strcmp(mode, "threads") && argc == 3) {
		return threads(std::atoi(argv[2]));
	} else if (!std::strcmp(mode, "threads-handler") && argc == 3) {
		std::set_new_handler(counting_handler);
		return threads(std::atoi(argv[2]));
	} else if (!std::strcmp(mode, "replaced") && argc == 3) {
		handler_limit = !std::strcmp(argv[2], "uninstall") ? 3 : 0;
		std::set_new_handler(counting_handler);
		nothrow_case("replaced operator new, nothrow new[]");
	} else {
		std::fprintf(stderr, "usage: see the comment at the top of cxxreview.cc\n");
		return 2;
	}
	return 0;
}

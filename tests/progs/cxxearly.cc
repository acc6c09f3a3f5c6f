/*
 * A C++ program whose own initialiser calls malloc itself, before any
 * new: built with -static-libstdc++, that malloc and its runtime's
 * emergency pool are both made straight from the executable's
 * initialisers. Prints "early: ok|null", then what one new in main gave:
 * "new: ok" or "new: caught bad_alloc".
 */
#include <cstdio>
#include <cstdlib>
#include <new>

static void *early = std::malloc(4096);

int main()
{
	std::printf("early: %s\n", early ? "ok" : "null");
	try {
		char *volatile p = new char[100];

		std::printf("new: ok\n");
		delete[] p;
	} catch (const std::bad_alloc &) {
		std::printf("new: caught bad_alloc\n");
	}
	std::free(early);
	return 0;
}

/*
 * libcxxalloc: a C++ library that only a C program (dlcxx) loads, with
 * dlopen. Its operator new references are bound when it is loaded: under
 * the shim they must reach the shim's operator new, not the one that
 * Debian's libjemalloc exports, nor libstdc++'s.
 */
#include <cstddef>
#include <new>

#define CXXALLOC_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
void *volatile sink;
}

/* new char[@n], then delete[]. Return: 1 allocated, 0 std::bad_alloc. */
CXXALLOC_EXPORT int cxxalloc_new_array(std::size_t n)
{
	try {
		char *p = new char[n];
		p[0] = 1;
		sink = p;
		delete[] p;
		return 1;
	} catch (const std::bad_alloc &) {
		return 0;
	}
}

/* new of one object of @n bytes via ::operator new. Same return. */
CXXALLOC_EXPORT int cxxalloc_new(std::size_t n)
{
	try {
		void *p = ::operator new(n);
		sink = p;
		::operator delete(p);
		return 1;
	} catch (const std::bad_alloc &) {
		return 0;
	}
}

/* nothrow new. Return: 1 allocated, 0 nullptr. */
CXXALLOC_EXPORT int cxxalloc_new_nothrow(std::size_t n)
{
	char *p = new (std::nothrow) char[n];

	sink = p;
	delete[] p;
	return p != nullptr;
}

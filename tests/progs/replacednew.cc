/*
 * A program that replaces only operator new(size_t) (and its delete), then
 * makes aligned nothrow allocations, which never call it: they must follow
 * the new-handler protocol as the C++ runtime's do. argv[1]: the handler,
 * "throws" (an exception of the program's own: the nothrow form returns
 * nullptr), "once" (uninstalls itself and returns: the form tries again),
 * or "none". Prints the result, the handler's calls and how many times the
 * replacement ran (never: no form here calls it).
 * It replaces new[] and delete[] too, with a header before each block:
 * "arrays" uses the forms that must reach those (nothrow new[], sized
 * delete[]) and prints how many blocks they handed out and took back.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

static long news, calls;

void *operator new(std::size_t n)
{
	void *p = std::malloc(n);

	news++;
	if (!p)
		throw std::bad_alloc();
	return p;
}

void operator delete(void *p) noexcept
{
	std::free(p);
}

static long array_news, array_deletes;

void *operator new[](std::size_t n)
{
	long *p = (long *)std::malloc(n + 16);

	if (!p)
		throw std::bad_alloc();
	p[0] = 0x77;
	array_news++;
	return p + 2;
}

void operator delete[](void *q) noexcept
{
	long *p = (long *)q - 2;

	if (!q)
		return;
	if (p[0] != 0x77) {
		std::fprintf(stderr, "replaced delete[]: %p is not a block of ours\n", q);
		std::abort();
	}
	p[0] = 0;
	array_deletes++;
	std::free(p);
}

struct Counted {
	~Counted() { }
	int x;
};

static void arrays()
{
	for (int i = 0; i < 4; i++) {
		int *a = new int[3];			/* new[], delete[] */
		delete[] a;
		Counted *c = new Counted[2];		/* new[], sized delete[] */
		delete[] c;
		char *n = new (std::nothrow) char[9];	/* nothrow new[] */
		delete[] n;
	}
	std::printf("new[]=%ld delete[]=%ld\n", array_news, array_deletes);
}

struct Custom {};

static void throws()
{
	calls++;
	throw Custom();
}

static void once()
{
	calls++;
	std::set_new_handler(nullptr);
}

struct alignas(64) Wide { char c[64]; };

int main(int argc, char **argv)
{
	if (argc > 1 && !std::strcmp(argv[1], "arrays")) {
		arrays();
		return 0;
	}
	if (argc > 1 && !std::strcmp(argv[1], "throws"))
		std::set_new_handler(throws);
	else if (argc > 1 && !std::strcmp(argv[1], "once"))
		std::set_new_handler(once);
	try {
		Wide *w = new (std::nothrow) Wide;
		Wide *v = new (std::nothrow) Wide[2];

		std::printf("new: %s, new[]: %s, handler calls=%ld, replacement calls=%ld\n",
			    w ? "ptr" : "null", v ? "ptr" : "null", calls, news);
		delete w;
		delete[] v;
	} catch (Custom &) {
		std::printf("the handler's exception left a nothrow operator new\n");
	}
	return 0;
}

/*
 * deletetwice: C++ frees for FAILPOOL_CHECK=frees.
 * usage: deletetwice twice|array|sized|clean
 */
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

/*
 * Each function keeps its own frame (no tail call) and its own body (a
 * distinct store: the compiler may not fold two identical functions).
 */
static volatile int trail;
#define KEEP_FRAME()	(trail = __LINE__)

struct Node {
	long value[4];
};

__attribute__((noinline)) static Node *make_node()
{
	return new Node();
}

__attribute__((noinline)) static void drop(Node *n)
{
	delete n;
	KEEP_FRAME();
}

__attribute__((noinline)) static void drop_again(Node *n)
{
	delete n;
	KEEP_FRAME();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "clean";

	if (!std::strcmp(mode, "twice")) {
		Node *n = make_node();

		drop(n);
		drop_again(n);
	} else if (!std::strcmp(mode, "array")) {
		/* volatile: new/delete pairs may otherwise be elided. */
		int *volatile a = new int[10];

		delete[] a;
		delete[] a;
	} else if (!std::strcmp(mode, "sized")) {
		/* -fsized-deallocation: operator delete(void *, size_t). */
		Node *n = make_node();

		::operator delete(n, sizeof(*n));
		::operator delete(n, sizeof(*n));
	} else if (!std::strcmp(mode, "clean")) {
		std::vector<std::string> v;

		for (int i = 0; i < 1000; i++)
			v.push_back(std::string(40, 'a' + i % 26));
		auto u = std::make_unique<Node>();
		std::shared_ptr<Node> s = std::make_shared<Node>();
		delete make_node();
		delete[] new char[100];
	} else {
		std::fprintf(stderr, "deletetwice: unknown mode '%s'\n", mode);
		return 2;
	}
	std::puts("survived");
	return 0;
}

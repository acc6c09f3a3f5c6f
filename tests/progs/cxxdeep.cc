/*
 * cxxdeep: allocations from deep stacks of long C++ template frames, for
 * the FAILPOOL_LOG format tests (a log line must stay one whole JSON object
 * however long the demangled names and however deep the stack).
 *
 *   cxxdeep map N       N rounds: a recursion 80 deep through
 *                       Deep<std::map<std::string, std::vector<std::string>>>
 *                       member templates, each level inserting into the map;
 *                       prints "done N caught C" (C: std::bad_alloc caught)
 *   cxxdeep threads T N T threads, each doing "map N"; prints "done"
 *   cxxdeep crash       one round of "map" (an injected failure there
 *                       names the frames), then the same recursion, 80
 *                       deep, and a write through a null pointer at the
 *                       bottom: a crash with 64 frames of long names
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <pthread.h>
#include <string>
#include <vector>

namespace {

typedef std::map<std::string, std::vector<std::string>> Table;

int *volatile nowhere;

/*
 * Every level is its own instantiation (the int parameter), so every frame
 * has a different long demangled name that names the map type twice.
 */
template <int L, typename Key, typename Value> struct Deep {
	__attribute__((noinline)) static int fill(std::map<Key, Value> &t, int crash)
	{
		int r;

		t[std::string(40, char('a' + L % 26)) + std::to_string(L)].push_back(
			std::string(100, 'v'));
		r = Deep<L - 1, Key, Value>::fill(t, crash);
		asm volatile("" ::: "memory");	/* no tail call: the frame stays */
		return r + 1;
	}
};

template <typename Key, typename Value> struct Deep<0, Key, Value> {
	__attribute__((noinline)) static int fill(std::map<Key, Value> &t, int crash)
	{
		if (crash)
			*nowhere = 1;
		t.emplace(std::string(50, 'z'), Value(3, std::string(64, 'w')));
		return 0;
	}
};

/* Return: how many rounds ended in std::bad_alloc. */
int rounds(int n)
{
	int caught = 0;

	for (int i = 0; i < n; i++) {
		try {
			Table t;

			Deep<80, std::string, std::vector<std::string>>::fill(t, 0);
		} catch (const std::bad_alloc &) {
			caught++;
		}
	}
	return caught;
}

void *thread_main(void *arg)
{
	rounds(*static_cast<int *>(arg));
	return nullptr;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc == 3 && std::strcmp(argv[1], "map") == 0) {
		int n = std::atoi(argv[2]);
		int caught = rounds(n);

		std::printf("done %d caught %d\n", n, caught);
		return 0;
	}
	if (argc == 4 && std::strcmp(argv[1], "threads") == 0) {
		int t = std::atoi(argv[2]), n = std::atoi(argv[3]);
		std::vector<pthread_t> tids(t);

		for (int i = 0; i < t; i++)
			if (pthread_create(&tids[i], nullptr, thread_main, &n))
				return 1;
		for (int i = 0; i < t; i++)
			pthread_join(tids[i], nullptr);
		std::printf("done\n");
		return 0;
	}
	if (argc == 2 && std::strcmp(argv[1], "crash") == 0) {
		Table t;

		rounds(1);
		return Deep<80, std::string, std::vector<std::string>>::fill(t, 1);
	}
	std::fprintf(stderr, "usage: cxxdeep map N | threads T N | crash\n");
	return 2;
}

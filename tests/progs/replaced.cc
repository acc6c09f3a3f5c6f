/*
 * A program that replaces only the two root forms of operator new and
 * delete (plain and aligned), putting a header before each block as
 * memory-tracking programs do. Every other form it uses must reach these
 * (the standard's default behaviour of new[], the nothrow forms and the
 * sized deletes), with the shim as without it. Prints how many blocks the
 * replacements handed out and took back, and the bytes still out.
 */
#include <cstdio>
#include <cstdlib>
#include <new>

static const long MAGIC = 0x5eed;
static long news, deletes, live;

static void *take(std::size_t n, std::size_t align)
{
	std::size_t head = align > 16 ? align : 16;
	char *p = (char *)std::aligned_alloc(head, (n + head + head - 1) / head * head);

	if (!p)
		throw std::bad_alloc();
	p += head;
	((long *)p)[-2] = MAGIC;
	((long *)p)[-1] = (long)n;
	news++;
	live += (long)n;
	return p;
}

static void give_back(void *q, std::size_t align)
{
	if (!q)
		return;
	long *h = (long *)q - 2;
	if (h[0] != MAGIC) {
		std::fprintf(stderr, "replaced delete: %p is not a block of ours\n", q);
		std::abort();
	}
	h[0] = 0;
	deletes++;
	live -= h[1];
	std::free((char *)q - (align > 16 ? align : 16));
}

void *operator new(std::size_t n) { return take(n, 0); }
void *operator new(std::size_t n, std::align_val_t al) { return take(n, (std::size_t)al); }
void operator delete(void *q) noexcept { give_back(q, 0); }
void operator delete(void *q, std::align_val_t al) noexcept { give_back(q, (std::size_t)al); }

struct alignas(64) Wide { char c[64]; };
struct Node { Node *next; int v; };

int main()
{
	for (int i = 0; i < 3; i++) {
		Node *a = new Node{nullptr, i};		/* new, sized delete */
		delete a;
		int *b = new int[5];			/* new[], delete[] */
		delete[] b;
		Node *c = new (std::nothrow) Node{};	/* nothrow new */
		delete c;
		char *d = new (std::nothrow) char[40];	/* nothrow new[] */
		delete[] d;
		Node *e = new Node[2];			/* new[], sized delete[] */
		delete[] e;
		void *f = ::operator new(24);		/* nothrow delete */
		::operator delete(f, std::nothrow);
		Wide *g = new Wide;			/* aligned new, sized aligned delete */
		delete g;
		Wide *h = new Wide[3];			/* aligned new[], aligned delete[] */
		delete[] h;
		Wide *k = new (std::nothrow) Wide;	/* aligned nothrow new */
		delete k;
		Wide *m = new (std::nothrow) Wide[2];	/* aligned nothrow new[] */
		delete[] m;
	}
	std::printf("new=%ld delete=%ld live=%ld\n", news, deletes, live);
	return 0;
}

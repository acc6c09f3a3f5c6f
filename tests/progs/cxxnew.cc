/*
 * cxxnew: C++ operator new/new[] in every form, with and without failures.
 *
 *   cxxnew all              one line per form:
 *                             new, new[], nothrow new, nothrow new[],
 *                             aligned new, aligned new[], aligned nothrow new,
 *                             aligned nothrow new[]
 *                           "FORM: ok" (with "align=ok" for aligned forms),
 *                           "FORM: caught bad_alloc" or "FORM: null"
 *   cxxnew handler N        a new-handler that uninstalls itself on its Nth
 *                           call; a failing `new` must call it N times
 *                           before std::bad_alloc is thrown
 *   cxxnew handler-retry    a new-handler that just counts; prints how many
 *                           times it ran before `new` succeeded
 *   cxxnew nothrow-handler  nothrow new with a handler that uninstalls itself
 *                           at once: libstdc++ runs the handler, then nullptr
 *   cxxnew alignments       the aligned forms with alignments that are and
 *                           are not powers of two (0 too), a handler that
 *                           uninstalls itself on its 3rd call: one line per
 *                           case with the outcome and the handler calls;
 *                           the same bare and under the shim
 *
 * Only stdio, no iostream: the program makes no operator new call of its
 * own outside the cases.
 */
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>

namespace {

char outbuf[1 << 16];
void *volatile sink;		// keeps new/delete pairs from being elided
int handler_calls;
int handler_limit;

struct alignas(64) A64 {
	char c[64];
};
struct alignas(4096) A4096 {
	char c[100];
};

void counting_handler()
{
	handler_calls++;
	if (handler_limit && handler_calls >= handler_limit)
		std::set_new_handler(nullptr);
}

const char *aligned_ok(const void *p, std::size_t a)
{
	return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0 ? "align=ok" : "align=BAD";
}

// Each case returns "" (or the alignment verdict), or nullptr for a null
// result of a nothrow form; it checks before it deletes.
template <typename F>
void throwing(const char *form, F f)
{
	try {
		const char *r = f();
		std::printf("%s: ok%s%s\n", form, *r ? " " : "", r);
	} catch (const std::bad_alloc &) {
		std::printf("%s: caught bad_alloc\n", form);
	}
}

template <typename F>
void nothrowing(const char *form, F f)
{
	const char *r = f();

	if (!r)
		std::printf("%s: null\n", form);
	else
		std::printf("%s: ok%s%s\n", form, *r ? " " : "", r);
}

void all()
{
	throwing("new", [] {
		int *p = new int(42);
		sink = p;
		delete p;		// sized delete
		return "";
	});
	throwing("new[]", [] {
		char *p = new char[1000];
		std::memset(p, 1, 1000);
		sink = p;
		delete[] p;
		return "";
	});
	nothrowing("nothrow new", [] {
		int *p = new (std::nothrow) int(42);
		const char *r = p ? "" : nullptr;
		sink = p;
		delete p;
		return r;
	});
	nothrowing("nothrow new[]", [] {
		char *p = new (std::nothrow) char[1000];
		const char *r = p ? "" : nullptr;
		sink = p;
		delete[] p;
		return r;
	});
	throwing("aligned new", [] {
		A64 *p = new A64;
		const char *r = aligned_ok(p, 64);
		sink = p;
		delete p;		// aligned sized delete
		return r;
	});
	throwing("aligned new[]", [] {
		A64 *p = new A64[10];
		const char *r = aligned_ok(p, 64);
		sink = p;
		delete[] p;
		return r;
	});
	throwing("aligned(4096) new", [] {
		A4096 *p = new A4096;
		const char *r = aligned_ok(p, 4096);
		sink = p;
		delete p;
		return r;
	});
	nothrowing("aligned nothrow new", [] {
		A64 *p = new (std::nothrow) A64;
		const char *r = p ? aligned_ok(p, 64) : nullptr;
		sink = p;
		delete p;
		return r;
	});
	nothrowing("aligned nothrow new[]", [] {
		A64 *p = new (std::nothrow) A64[10];
		const char *r = p ? aligned_ok(p, 64) : nullptr;
		sink = p;
		delete[] p;
		return r;
	});
	// The operator functions called directly, as allocators do.
	throwing("operator new(size)", [] {
		void *p = ::operator new(100);
		sink = p;
		::operator delete(p, 100);
		return "";
	});
	throwing("operator new(size, align)", [] {
		void *p = ::operator new(100, std::align_val_t(256));
		const char *r = aligned_ok(p, 256);
		sink = p;
		::operator delete(p, 100, std::align_val_t(256));
		return r;
	});
	throwing("operator new[](size, align)", [] {
		void *p = ::operator new[](100, std::align_val_t(256));
		const char *r = aligned_ok(p, 256);
		sink = p;
		::operator delete[](p, std::align_val_t(256));
		return r;
	});
	nothrowing("operator new(size, align, nothrow)", [] {
		void *p = ::operator new(100, std::align_val_t(256), std::nothrow);
		const char *r = p ? aligned_ok(p, 256) : nullptr;
		sink = p;
		::operator delete(p, std::align_val_t(256), std::nothrow);
		return r;
	});
}

// One aligned form with alignment @al: outcome and handler calls.
void aligned_case(const char *form, std::size_t size, std::size_t al, bool array, bool nothrow)
{
	const char *r;
	void *p = nullptr;

	handler_calls = 0;
	handler_limit = 3;
	std::set_new_handler(counting_handler);
	if (nothrow) {
		p = array ? ::operator new[](size, std::align_val_t(al), std::nothrow)
			  : ::operator new(size, std::align_val_t(al), std::nothrow);
		r = p ? "ok" : "null";
	} else {
		try {
			p = array ? ::operator new[](size, std::align_val_t(al))
				  : ::operator new(size, std::align_val_t(al));
			r = "ok";
		} catch (const std::bad_alloc &) {
			r = "caught bad_alloc";
		}
	}
	std::set_new_handler(nullptr);
	std::printf("%s(%zu, align %zu): %s%s after %d handler calls\n", form, size, al, r,
		    p && al && (reinterpret_cast<std::uintptr_t>(p) & (al - 1)) ? " align=BAD" : "",
		    handler_calls);
	sink = p;
	if (p && array)
		::operator delete[](p, std::align_val_t(al));
	else if (p)
		::operator delete(p, std::align_val_t(al));
}

void alignments()
{
	static const std::size_t als[] = { 0, 1, 2, 3, 8, 16, 24, 48, 64, 100, 4096,
					   SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 2, SIZE_MAX };
	static const std::size_t sizes[] = { 0, 1, 100 };

	for (std::size_t al : als)
		for (std::size_t size : sizes) {
			// 2^63 is a power of two: both refuse it for want of memory
			if (al == SIZE_MAX / 2 + 1 && size)
				continue;
			aligned_case("new", size, al, false, false);
			aligned_case("new[]", size, al, true, false);
			aligned_case("nothrow new", size, al, false, true);
			aligned_case("nothrow new[]", size, al, true, true);
		}
	// More than glibc can have on this machine (README: Compatibility).
	for (std::size_t al : { 1, 64, 4096 }) {
		aligned_case("new", std::size_t(1) << 40, al, false, false);
		aligned_case("nothrow new[]", std::size_t(1) << 40, al, true, true);
	}
	// Small blocks are 16-byte aligned, as glibc's malloc gives them.
	for (std::size_t n = 0; n <= 16; n++) {
		void *p[64];
		int bad = 0;

		for (auto &q : p) {
			q = ::operator new(n);
			bad += (reinterpret_cast<std::uintptr_t>(q) & 15) != 0;
		}
		for (auto q : p)
			::operator delete(q);
		for (auto &q : p) {
			q = new (std::nothrow) char[n];
			bad += (reinterpret_cast<std::uintptr_t>(q) & 15) != 0;
		}
		for (auto q : p)
			delete[] static_cast<char *>(q);
		std::printf("new(%zu), new char[%zu] x64: align16=%s\n", n, n, bad ? "BAD" : "ok");
	}
}

}  // namespace

int main(int argc, char **argv)
{
	std::setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc == 2 && !std::strcmp(argv[1], "all")) {
		all();
		return 0;
	}
	if (argc == 2 && !std::strcmp(argv[1], "alignments")) {
		alignments();
		return 0;
	}
	if (argc == 3 && !std::strcmp(argv[1], "handler")) {
		handler_limit = std::atoi(argv[2]);
		if (handler_limit < 1)
			handler_limit = 1;
		std::set_new_handler(counting_handler);
		try {
			int *p = new int(1);
			sink = p;
			delete p;
			std::printf("new: ok after %d handler calls\n", handler_calls);
		} catch (const std::bad_alloc &) {
			std::printf("new: caught bad_alloc after %d handler calls\n", handler_calls);
		}
		return 0;
	}
	if (argc == 2 && !std::strcmp(argv[1], "handler-retry")) {
		std::set_new_handler(counting_handler);
		try {
			int *p = new int(1);
			sink = p;
			delete p;
			std::printf("new: ok after %d handler calls\n", handler_calls);
		} catch (const std::bad_alloc &) {
			std::printf("new: caught bad_alloc after %d handler calls\n", handler_calls);
		}
		std::set_new_handler(nullptr);
		return 0;
	}
	if (argc == 2 && !std::strcmp(argv[1], "nothrow-handler")) {
		handler_limit = 1;
		std::set_new_handler(counting_handler);
		int *p = new (std::nothrow) int(1);
		sink = p;
		std::printf("nothrow new: %s after %d handler calls\n", p ? "ok" : "null",
			    handler_calls);
		delete p;
		return 0;
	}
	std::fprintf(stderr, "usage: cxxnew all | alignments | handler N | handler-retry | nothrow-handler\n");
	return 2;
}

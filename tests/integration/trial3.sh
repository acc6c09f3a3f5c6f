#!/bin/sh
# Fixes from the third user trial, all in the C++ operators (README,
# "Allocation behaviour"): a program that replaces some forms of operator
# new and delete gets every other form through its replacements, and the
# nothrow forms it did not replace keep the new-handler protocol; a process
# with two C++ runtimes (libstdc++ and libc++ plug-ins) throws each caller
# its own runtime's std::bad_alloc.
#
# A C++ program that replaces only the root forms: every other form it uses
# (new[], the nothrow forms, the sized and aligned deletes) reaches its
# replacements through the C++ runtime's own forms, as without the shim.
. "$TESTLIB"

R=$PROGS/replaced
WANT="new=30 delete=30 live=0"

run_bare -- "$R" >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")" "0:$WANT" "replaced roots without the shim: every form reaches them"
run_shim -- "$R" >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out"):$(cat "$T/err")" "0:$WANT:" "... under the shim, nothing counted: the same"
run_shim FAILPOOL_REPORT="$T/r.json" -- "$R" >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out"):$(cat "$T/err")" "0:$WANT:" "... with a report: the same"
is "$(jpy "$T/r.json" '" ".join("%s=%d" % (c, r["totals"]["calls"][c]) for c in ("aligned_alloc", "free", "new", "new[]", "delete", "delete[]"))')" \
	"aligned_alloc=30 free=30 new=0 new[]=0 delete=0 delete[]=0" \
	"... the report: the replacements' 30 aligned_alloc and 30 free, no operator of the shim's"
run_shim FAILPOOL_CHECK=frees -- "$R" >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out"):$(cat "$T/err")" "0:$WANT:" \
	"... FAILPOOL_CHECK=frees: no invalid free (the shim's sized delete never frees the replacement's block)"

# The same program's aligned nothrow forms, which never call its replacement:
# the new-handler protocol as libstdc++'s (README, "Allocation behaviour").
N=$PROGS/replacednew
run_bare -- "$N" throws >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")" "0:new: ptr, new[]: ptr, handler calls=0, replacement calls=0" \
	"replaced new(size_t), aligned nothrow forms without the shim"
run_shim FAILPOOL_CALLS=new,new[] FAILPOOL_NTH=1 FAILPOOL_BURST=2 FAILPOOL_REPORT="$T/n.json" -- "$N" throws >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out"):$(cat "$T/err")" "0:new: null, new[]: null, handler calls=2, replacement calls=0:" \
	"... both failing, a handler that throws: nullptr from each, the exception caught inside"
is "$(jpy "$T/n.json" '"%d %d" % (r["totals"]["injected"], r["totals"]["real_failures"])')" "2 0" \
	"... 2 injected, no real failure (the replacement is never asked for anything)"
run_shim FAILPOOL_CALLS=new,new[] FAILPOOL_NTH=1 -- "$N" once >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")" "0:new: ptr, new[]: ptr, handler calls=1, replacement calls=0" \
	"... the first failing, a handler that uninstalls itself: called once, the retry succeeds"
run_shim FAILPOOL_CALLS=new,new[] FAILPOOL_NTH=1 FAILPOOL_BURST=2 -- "$N" none >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")" "0:new: null, new[]: null, handler calls=0, replacement calls=0" \
	"... no handler: nullptr from each"
run_bare -- "$N" arrays >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")" "0:new[]=12 delete[]=12" "replaced new[] and delete[] only, without the shim"
run_shim FAILPOOL_CHECK=frees -- "$N" arrays >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out"):$(cat "$T/err")" "0:new[]=12 delete[]=12:" \
	"replaced new[] and delete[] only: nothrow new[] and sized delete[] reach them (FAILPOOL_CHECK=frees)"

# Two C++ runtimes in one process (README, "Allocation behaviour"): a C
# program dlopens, RTLD_LOCAL, the same plug-in built against libstdc++ and
# against libc++; each plug-in's new-handler runs and its std::bad_alloc is
# its own runtime's, so each catches it.
cat >"$T/plug.cc" <<'EOF'
#include <new>
#include <cstdio>
static int calls;
static void once() { calls++; std::set_new_handler(nullptr); }
struct Node { Node *next; char pad[40]; };
extern "C" void plug_run(char *out, unsigned long len)
{
	int ok = 0, caught = 0, nulls = 0;
	std::set_new_handler(once);
	for (int i = 0; i < 30; i++) {
		Node *head = nullptr;
		try {
			for (int j = 0; j < 10; j++) { Node *n = new Node; n->next = head; head = n; }
			ok++;
		} catch (const std::bad_alloc &) { caught++; }
		while (head) { Node *n = head->next; delete head; head = n; }
		char *p = new (std::nothrow) char[64];
		if (!p) nulls++;
		delete[] p;
	}
	std::snprintf(out, len, "ok=%d caught=%d nulls=%d handler=%d", ok, caught, nulls, calls);
}
EOF
cat >"$T/host.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
		void (*run)(char *, unsigned long);
		char out[100];
		if (!h) { printf("%s\n", dlerror()); return 1; }
		*(void **)&run = dlsym(h, "plug_run");
		run(out, sizeof(out));
		printf("%s,", out);
	}
	printf("\n");
	return 0;
}
EOF
CXX_PLUG="${CXX:-c++} -shared -fPIC -O1 -o $T/libgnu.so $T/plug.cc"
LLVM_PLUG="${CXX:-c++} -fPIC -O1 -c -o $T/plug.o $T/plug.cc && ${CC:-cc} -shared -o $T/libllvm.so $T/plug.o -l:libc++.so.1 -l:libc++abi.so.1"
if ${CC:-cc} -o "$T/host" "$T/host.c" -ldl 2>/dev/null && $CXX_PLUG 2>/dev/null &&
	eval "$LLVM_PLUG" 2>/dev/null && "$T/host" "$T/libllvm.so" >/dev/null 2>&1; then
	BARE="ok=30 caught=0 nulls=0 handler=0"
	HIT="ok=1 caught=29 nulls=0 handler=1"
	run_bare -- "$T/host" "$T/libgnu.so" "$T/libllvm.so" >"$T/out" 2>"$T/err"
	is "$?:$(cat "$T/out")" "0:$BARE,$BARE," "libstdc++ and libc++ plug-ins without the shim"
	for order in "libgnu.so libllvm.so" "libllvm.so libgnu.so"; do
		set -- $order
		run_shim FAILPOOL_CALLS=new,new[] FAILPOOL_EVERY=7 -- "$T/host" "$T/$1" "$T/$2" >"$T/out" 2>"$T/err"
		is "$?:$(cat "$T/out"):$(cat "$T/err")" "0:$HIT,$HIT,:" \
			"$1 then $2, every 7th operator new failing: each plug-in's handler runs once, each catches its std::bad_alloc"
	done
else
	for t in "libstdc++ and libc++ plug-ins without the shim" \
		"libgnu.so then libllvm.so, every 7th operator new failing: each plug-in's handler runs once, each catches its std::bad_alloc" \
		"libllvm.so then libgnu.so, every 7th operator new failing: each plug-in's handler runs once, each catches its std::bad_alloc"; do
		skip "$t" "no libc++ (libc++.so.1, libc++abi.so.1) to build a plug-in against"
	done
fi

done_testing

#!/bin/sh
# Review of the C++ operators in C (preload/new.c) and of explore's streamed
# runs (tools/explore.c, tools/runner.c), case by case.
#
# C++ (README, "Variables": FAILPOOL_CALLS; libstdc++'s new_op*.cc): a
# nothrow form's new-handler may throw anything, or allocate; threads fail
# on their own; a program with its own operator new(size_t) keeps it for
# the nothrow forms; a plug-in built with -static-libstdc++ that a C
# program dlopens RTLD_LOCAL (its C++ runtime inside it, no libstdc++.so.6
# in the process) gets its std::bad_alloc.
. "$TESTLIB"

R=$PROGS/cxxreview
RP=$PROGS/cxxreplaced
D=$PROGS/dlcxx

# 1. A nothrow form whose handler throws std::bad_alloc, or an int: nullptr
# (libstdc++'s nothrow operator catches anything), the handler run once.
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$R" throwing-handler >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:nothrow new[], handler throws bad_alloc: null after 1 handler calls" \
	"nothrow new[], a handler that throws bad_alloc: nullptr"
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$R" int-handler >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:nothrow new[], handler throws int: null after 1 handler calls" \
	"nothrow new[], a handler that throws an int: nullptr"

# 2. A handler that uninstalls itself and allocates with new: under
# EVERY=1 its own new throws (caught in the handler), the nothrow form then
# returns nullptr; when only the first allocation fails, both succeed.
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$R" alloc-handler >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:nothrow new[], handler allocates: null after 1 handler calls,the handler's new: bad_alloc" \
	"nothrow new[], a handler that allocates, every new failing: its new throws, then nullptr"
run_shim FAILPOOL_CALLS=new FAILPOOL_NTH=1 -- "$R" alloc-handler >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:nothrow new[], handler allocates: ok after 1 handler calls,the handler's new: ok" \
	"nothrow new[], a handler that allocates, the first new failing: both succeed"

# 3. Threads, each with its own failures: every injected failure is a
# caught bad_alloc or a nullptr (no handler), or one handler call (a
# handler that returns).
for seed in 3 7; do
	rm -f "$T/t.json"
	run_shim FAILPOOL_CALLS=new FAILPOOL_RATE=0.3 FAILPOOL_SEED=$seed FAILPOOL_REPORT="$T/t.json" \
		-- "$R" threads 4 >"$T/out" 2>"$T/err"
	rc=$?
	n=$(jpy "$T/t.json" 'r["totals"]["injected"]')
	is "$rc:$(awk '{ print $2 + $4, $5, $6 }' "$T/out")" "0:$n handler 0" \
		"4 threads, seed $seed, no handler: caught bad_alloc + nullptr = the $n injected"
	rm -f "$T/t.json"
	run_shim FAILPOOL_CALLS=new FAILPOOL_RATE=0.3 FAILPOOL_SEED=$seed FAILPOOL_REPORT="$T/t.json" \
		-- "$R" threads-handler 4 >"$T/out" 2>"$T/err"
	rc=$?
	n=$(jpy "$T/t.json" 'r["totals"]["injected"]')
	is "$rc:$(cat "$T/out")" "0:caught 0 null 0 handler $n" \
		"4 threads, seed $seed, a handler that returns: every form allocates, one handler call per injected failure"
done

# 4. A program with its own operator new(size_t) and new-handler protocol:
# the nothrow forms run it (libstdc++'s nothrow operator calls it), so the
# handler runs as often as that operator says, never for a failure of the
# shim's own. (Before: the shim's nothrow new[] fed that operator its
# internal request, which it could never satisfy: a handler that returns
# made it loop for ever, one that uninstalls itself ran once too often.)
run_bare -- "$RP" replaced retry >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:replaced operator new, nothrow new[]: ok after 0 handler calls" \
	"own operator new, without the shim"
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$RP" replaced retry >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:replaced operator new, nothrow new[]: ok after 0 handler calls" \
	"own operator new, CALLS=new EVERY=1: the program's operator new allocates (no hang)"
run_shim FAILPOOL_CALLS=malloc FAILPOOL_NTH=1 -- "$RP" replaced retry >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:replaced operator new, nothrow new[]: ok after 1 handler calls" \
	"own operator new, its first malloc failing: one handler call, then it allocates"
run_shim FAILPOOL_CALLS=malloc FAILPOOL_EVERY=1 -- "$RP" replaced uninstall >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:replaced operator new, nothrow new[]: null after 3 handler calls" \
	"own operator new, every malloc failing: a handler that uninstalls itself on call 3 runs 3 times, then nullptr"

# 5. A C program dlopens, RTLD_LOCAL, a C++ plug-in built with
# -static-libstdc++: no libstdc++.so.6 in the process, the plug-in's runtime
# is found through the plug-in itself. (Before: abort(), "no C++ runtime".)
S=$PROGS/libcxxstatic.so
if [ -s "$S" ]; then
	run_bare -- "$D" "$S" >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:new: ok,new[]: ok,nothrow new[]: ok" "static-libstdc++ plug-in, without the shim"
	run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$D" "$S" >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:new: bad_alloc,new[]: bad_alloc,nothrow new[]: null" \
		"static-libstdc++ plug-in loaded RTLD_LOCAL, CALLS=new EVERY=1: bad_alloc thrown and caught, nullptr"
	run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$D" --keep "$S" >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:new: bad_alloc,new[]: bad_alloc,nothrow new[]: null" \
		"static-libstdc++ plug-in kept loaded: the same"
else
	skip "static-libstdc++ plug-in" "no static libstdc++ to build it with"
fi

done_testing

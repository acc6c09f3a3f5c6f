#!/bin/sh
# Fixes from the third user trial.
# A C++ program that replaces only the root forms of operator new and delete
# (README, "Allocation behaviour"): every other form it uses (new[], the
# nothrow forms, the sized and aligned deletes) reaches its replacements
# through the C++ runtime's own forms, with the shim as without it.
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

done_testing

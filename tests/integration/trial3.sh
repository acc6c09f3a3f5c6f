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

done_testing

#!/bin/sh
# Under the shim the malloc family behaves like glibc 2.36's for valid and
# invalid arguments (README, "Using it"): tests/progs/conform prints one line of
# properties per edge case; run bare (glibc) and under the shim the lines
# must be the same. Then every block must come from jemalloc and every free
# go back to it.
. "$TESTLIB"

C=$PROGS/conform

run_bare -- "$C" >"$T/glibc" 2>"$T/glibc.err"
rc=$?
if [ $rc -ne 0 ] || [ ! -s "$T/glibc" ]; then
	bail "conform fails without the shim (status $rc)"
fi

run_shim -- "$C" >"$T/shim" 2>"$T/shim.err"
is "$?" 0 "conform under the shim: exit status 0"

# One test per case, in order; the case name is what precedes ": ".
n_glibc=$(wc -l <"$T/glibc")
n_shim=$(wc -l <"$T/shim")
is "$n_shim" "$n_glibc" "same number of cases"
paste -d '\t' "$T/glibc" "$T/shim" >"$T/pairs"
while IFS='	' read -r want got; do
	is "$got" "$want" "${want%%: *}"
done <"$T/pairs"

# The same on the shim's other paths: a policy that decides on every call
# but never fires, and the live-bytes accounting of LIMIT (above RAM plus
# swap, which the battery asks for less 1 GiB, and at least 64 GiB).
lim=$(awk '/^(MemTotal|SwapTotal):/ { t += $2 } END { t *= 2; if (t < 67108864) t = 67108864; printf "%dK", t }' /proc/meminfo)
for env in "FAILPOOL_EVERY=1 FAILPOOL_AFTER=1000000000" "FAILPOOL_LIMIT=$lim" \
	"FAILPOOL_RATE=0.5 FAILPOOL_TIMES=0 FAILPOOL_REPORT"; do
	case $env in
	*REPORT) run_shim ${env%% FAILPOOL_REPORT} FAILPOOL_REPORT="$T/r.json" -- "$C" >"$T/shim2" 2>"$T/shim2.err" ;;
	*) run_shim $env -- "$C" >"$T/shim2" 2>"$T/shim2.err" ;;
	esac
	rc=$?
	if cmp -s "$T/glibc" "$T/shim2"; then
		is "$rc" 0 "conform under $env: same as glibc"
	else
		is "$rc:differs" "0:same" "conform under $env: same as glibc"
		diag "$(diff "$T/glibc" "$T/shim2" | head -20)"
	fi
done

# Every entry point allocates from jemalloc, every free returns to it
# (jemalloc's thread.allocated/thread.deallocated counters move).
run_shim -- "$C" --owner >"$T/owner" 2>"$T/owner.err"
rc=$?
is "$rc:$(tail -n 1 "$T/owner")" "0:owner: 0 not from jemalloc" "every block comes from jemalloc and goes back to it"
[ $rc -eq 0 ] || diag "$(grep -v ': alloc=jemalloc free=jemalloc$' "$T/owner" | head -20)"

done_testing

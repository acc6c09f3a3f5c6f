#!/bin/sh
# A real program: GNU sort under the shim. It must sort correctly with no
# policy; under injected failures it either survives (correct output) or
# fails cleanly with its own message ("sort: memory exhausted" or "...:
# Cannot allocate memory") and status 2 — never a crash. Under a memory
# ceiling (LIMIT) it shrinks its buffer and still sorts.
. "$TESTLIB"

SORT=/usr/bin/sort
[ -x "$SORT" ] || skip_all "$SORT not installed"
"$SORT" --version 2>/dev/null | grep -q 'GNU coreutils' || skip_all "$SORT is not GNU sort"

# 200000 lines, about 7 MB, in a fixed order.
awk 'BEGIN { srand(1); for (i = 0; i < 200000; i++)
	printf "%08x line %d %s\n", int(rand() * 4294967295), i, substr("abcdefghijklmnopqrstuvwxyz", i % 26 + 1) }' >"$T/in"
"$SORT" "$T/in" >"$T/want" || bail "sort fails without the shim"
TMPDIR=$T
export TMPDIR

# accept DESC STATUS: the run's outcome is survival or a clean failure.
accept() {
	if [ "$2" -eq 0 ]; then
		if cmp -s "$T/out" "$T/want" && [ ! -s "$T/err" ]; then
			_tap_result 0 "$1: survived, output correct"
		else
			_tap_result 1 "$1: status 0 but wrong output or a message"
			diag "$(head -3 "$T/err")"
		fi
	elif [ "$2" -lt 128 ] && head -n 1 "$T/err" | grep -Eq '^([^ :]*/)?sort: .*(memory exhausted|Cannot allocate memory)'; then
		_tap_result 0 "$1: failed cleanly (status $2: $(head -n 1 "$T/err"))"
	else
		_tap_result 1 "$1: status $2"
		diag "$(head -3 "$T/err")"
	fi
}

rm -f "$T/r.json"
run_shim FAILPOOL_REPORT="$T/r.json" -- "$SORT" "$T/in" >"$T/out" 2>"$T/err"
is "$?" 0 "sort under the shim: exit status 0"
ok "sort under the shim: output correct" cmp -s "$T/out" "$T/want"
E=$(jget "$T/r.json" totals.eligible)
ok "sort under the shim: report counts its allocations ($E)" test "$E" -gt 0

# Every allocation fails.
run_shim FAILPOOL_EVERY=1 -- "$SORT" "$T/in" >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 2 "EVERY=1: sort exits 2"
ok "EVERY=1: sort says so itself: $(head -n 1 "$T/err")" \
	grep -Eq '^([^ :]*/)?sort: .*(memory exhausted|Cannot allocate memory)' "$T/err"

# One failure at each allocation in turn: survive or fail cleanly.
fails=0
k=1
while [ $k -le $((E + 1)) ]; do
	run_shim FAILPOOL_NTH=$k -- "$SORT" "$T/in" >"$T/out" 2>"$T/err"
	rc=$?
	accept "NTH=$k" $rc
	[ $rc -ne 0 ] && fails=$((fails + 1))
	k=$((k + 1))
done
ok "some single failures make sort give up ($fails of $((E + 1)))" test $fails -gt 0

# Everything fails from some point on.
for a in 0 $((E / 4)) $((E / 2)) $((E * 3 / 4)) $((E - 1)); do
	rm -f "$T/r.json"
	run_shim FAILPOOL_AFTER=$a FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/r.json" -- "$SORT" "$T/in" >"$T/out" 2>"$T/err"
	accept "AFTER=$a EVERY=1" $?
	ok "AFTER=$a EVERY=1: failures were injected" test "$(jget "$T/r.json" totals.injected)" -gt 0
done

# A memory ceiling: sort shrinks its buffer, spills to temporary files in
# $TMPDIR and still sorts.
rm -f "$T/r.json"
run_shim FAILPOOL_LIMIT=8M FAILPOOL_REPORT="$T/r.json" -- "$SORT" "$T/in" >"$T/out" 2>"$T/err"
is "$?" 0 "LIMIT=8M: sort exits 0"
ok "LIMIT=8M: output correct" cmp -s "$T/out" "$T/want"
is "$(jpy "$T/r.json" 'r["totals"]["injected"] > 0 and r["totals"]["peak_live_bytes"] <= 8 << 20')" True \
	"LIMIT=8M: bigger buffers were refused, the heap stayed under 8 MiB"

done_testing

#!/bin/sh
# sigprocmask() under the shim is glibc's for the program; libunwind's masks
# inside the shim's unwinding cost one pair of system calls per walk at
# most (README, Design notes), not two per address it looks up.
. "$TESTLIB"

P=$PROGS/sigmask

for depth in 1 8 32; do
	run_shim FAILPOOL_DEPTH=$depth FAILPOOL_REPORT="$T/r.json" -- "$P" >"$T/out" 2>"$T/err"
	is "$?" 0 "DEPTH=$depth: every check holds"
	is "$(grep -c '^ok ' "$T/out")" 8 "DEPTH=$depth: eight checks"
	grep -v '^ok ' "$T/out" | while read -r line; do diag "$line"; done
done

# Without the shim, the same program's checks hold too (the test is glibc's).
"$P" >"$T/out" 2>&1
is "$?" 0 "without the shim: every check holds"

if command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null; then
	# sort with a report: each walk masks at most once. libunwind on its
	# own masked twice per new address and per cache lock: over 1,000 here.
	# The shim in sort only, not in strace.
	FAILPOOL_REPORT="$T/s.json" strace -f -c -o "$T/trace" -e trace=rt_sigprocmask \
		-E LD_PRELOAD="$FAILPOOL_LIB" sort /etc/services >/dev/null 2>"$T/err"
	n=$(awk '$NF == "rt_sigprocmask" { print $4 }' "$T/trace")
	ok "sort with a report: $n rt_sigprocmask calls, fewer than 300" test "${n:-0}" -gt 0 -a "${n:-0}" -lt 300
else
	skip "sort with a report: rt_sigprocmask calls" "strace not usable here"
fi
done_testing

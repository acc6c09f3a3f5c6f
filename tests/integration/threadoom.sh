#!/bin/sh
# Real exhaustion and a thread's first allocation (README, "Compatibility
# and limits"; glibc's tst-malloc-thread-fail; jemalloc issue #2289): under
# RLIMIT_AS, once memory is gone, a thread that had not allocated yet gets
# NULL and ENOMEM from malloc and calloc, as over glibc, instead of SIGSEGV
# inside jemalloc: a thread created before the exhaustion, and one created
# after it on a stack from glibc's cache; passthrough, and with a report
# (the failures counted as real ones, none injected).
. "$TESTLIB"

P=$PROGS/threadoom

for mode in before after; do
	run_bare -- "$P" $mode >"$T/glibc" 2>"$T/err"
	rc=$?
	[ $rc -eq 0 ] || bail "threadoom $mode fails without the shim (status $rc)"
	is "$(lines "$T/glibc")" "main: exhausted,thread: malloc(100) NULL ENOMEM, calloc(10,1000) NULL ENOMEM" \
		"threadoom $mode over glibc: the thread's allocations fail"
	run_shim -- "$P" $mode >"$T/shim" 2>"$T/err"
	is "$?:$(lines "$T/shim")" "0:$(lines "$T/glibc")" "threadoom $mode, passthrough: as glibc, no crash"
	rm -f "$T/r.json"
	# With a report the shim's own start-up work in the thread (its record,
	# libunwind's thread-local state, made before the exhaustion) leaves
	# jemalloc's heap in another state: a block may still be found, as over
	# glibc with another heap; what must hold is no crash.
	# (10 runs: whether the thread starts before or after main exhausts memory is a race.)
	bad=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		run_shim FAILPOOL_REPORT="$T/r.json" -- "$P" $mode >"$T/shim" 2>"$T/err"
		got="$?:$(sed 's/NULL ENOMEM/R/g; s/ptr/R/g' "$T/shim" | paste -sd, -)"
		[ "$got" = "0:main: exhausted,thread: malloc(100) R, calloc(10,1000) R" ] ||
			{ bad=$((bad + 1)); diag "run $i: $got $(head -1 "$T/err")"; }
	done
	is "$bad" 0 "threadoom $mode, with a report, 10 runs: each allocation NULL with ENOMEM or a block, no crash"
	is "$(jpy "$T/r.json" '"%d %s" % (r["totals"]["injected"], r["complete"])')" "0 True" \
		"threadoom $mode, with a report: written at exit, nothing injected"
done

done_testing

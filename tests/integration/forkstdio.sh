#!/bin/sh
# fork() in a threaded program never deadlocks against stdio (README,
# "Compatibility and limits"; glibc bug 19431, glibc's
# tst-malloc-fork-deadlock): threads reading a 50,000-character line with
# getline, one thread in fflush(NULL), four threads forking, for a second,
# five times in passthrough and five times with a report. Before the shim
# took stdio's list lock ahead of jemalloc's fork handler, nearly every run
# hung.
. "$TESTLIB"

X=$PROGS/forkstdio
FP_TIMEOUT=8

run_bare -- "$X" "$T/line" 1 >"$T/out" 2>&1
is "$?" 0 "bare: threads fork against getline and fflush(NULL)"

for mode in passthrough report; do
	case $mode in
	passthrough) set -- ;;
	report) set -- FAILPOOL_REPORT="$T/r.json" ;;
	esac
	hung=0
	for i in 1 2 3 4 5; do
		run_shim "$@" -- "$X" "$T/line" 1 >"$T/out" 2>&1
		rc=$?
		[ $rc = 0 ] || { hung=$((hung + 1)); diag "$mode run $i: status $rc"; }
	done
	is "$hung" 0 "$mode: 5 runs of forks against getline and fflush(NULL), none hung"
done

done_testing

#!/bin/sh
# Counts are process-wide and exact under threads (README, "What fails, exactly", "The report"): one
# eligible index shared by all threads, so EVERY/NTH/BURST/TIMES give exact
# totals whatever the interleaving, and RATE with a seed gives the same
# failures in each thread on every run. A process that ends with exit() from a
# non-main thread still writes its report.
. "$TESTLIB"

TH=$PROGS/threads

# threads_case DESC EXPECTED-FAILED ENV... -- ARGS: the program's total and
# the report's eligible/injected, all from one run.
run_threads() {
	rm -f "$T/r.json"
	run_shim FAILPOOL_REPORT="$T/r.json" "$@" >"$T/out" 2>"$T/err"
}
total_failed() {
	sed -n 's/^total [0-9]* failed \([0-9]*\)$/\1/p' "$T/out"
}
counts() {
	jpy "$T/r.json" '"eligible=%d injected=%d logged=%d sites=%d" % (r["totals"]["eligible"], r["totals"]["injected"], len(r["injections"]), sum(s["injected"] for s in r["sites"]))'
}

# Every entry point is eligible, and nothing but the program's calls is
# (README, "What fails, exactly"): main's pthread_create makes one calloc per thread (its TLS),
# eligible 1..N, before the barrier lets the workers start; the workers'
# calls are eligible N+1 on.
run_threads FAILPOOL_EVERY=10 -- "$TH" run 4 10000 aligned_alloc
is "$?" 0 "4 threads x 10000 aligned_alloc, EVERY=10: exit status"
is "$(total_failed)" 4000 "EVERY=10: the threads saw 4000 failures"
is "$(counts)" "eligible=40004 injected=4000 logged=1000 sites=4000" \
	"EVERY=10: report: 40004 eligible (4 pthread_create callocs), 4000 injected, first 1000 listed"
ok "EVERY=10: every failure was ENOMEM" test -z "$(grep errno "$T/out")"

run_threads FAILPOOL_NTH=20000 FAILPOOL_BURST=123 -- "$TH" run 4 10000 aligned_alloc
is "$(total_failed):$(counts)" "123:eligible=40004 injected=123 logged=123 sites=123" "NTH=20000 BURST=123: exactly 123 failures"

# EVERY=2 also fails pthread_create's calloc for threads 1, 2 and 3
# (eligible 2, 4, 6): EAGAIN, and the program retries (3, 5, 7 succeed).
run_threads FAILPOOL_EVERY=2 FAILPOOL_TIMES=1234 -- "$TH" run 4 10000 aligned_alloc
is "$(total_failed):$(counts)" "1231:eligible=40007 injected=1234 logged=1000 sites=1234" \
	"EVERY=2 TIMES=1234: exactly 1234 failures, 1231 of them in the workers"
is "$(jpy "$T/r.json" '[i["call"] for i in r["injections"][:4]]')" "['calloc', 'calloc', 'calloc', 'aligned_alloc']" \
	"EVERY=2 TIMES=1234: the first three are pthread_create's"

run_threads FAILPOOL_AFTER=39994 FAILPOOL_EVERY=1 -- "$TH" run 4 10000 aligned_alloc
is "$(total_failed):$(counts)" "10:eligible=40004 injected=10 logged=10 sites=10" "AFTER=39994 EVERY=1: the last 10 fail"

# RATE with a seed: which indices fail depends only on (seed, index), so the
# number of failures is the same on every run, whatever the interleaving.
run_threads FAILPOOL_RATE=0.1 FAILPOOL_SEED=7 -- "$TH" run 4 10000 aligned_alloc
r1="$(total_failed):$(counts)"
run_threads FAILPOOL_RATE=0.1 FAILPOOL_SEED=7 -- "$TH" run 4 10000 aligned_alloc
r2="$(total_failed):$(counts)"
is "$r2" "$r1" "RATE=0.1 SEED=7 under threads: the same failures on two runs"
n=${r1%%:*}
ok "RATE=0.1: about 10% of 40000 failed ($n)" test "$n" -gt 3400 -a "$n" -lt 4600
is "$(jpy "$T/r.json" 'r["totals"]["injected"] - sum(i["call"] == "calloc" for i in r["injections"])')" "$n" \
	"RATE=0.1: the report's injected equals what the threads saw (and pthread_create's)"

# RATE draws from a stream per thread (README, "What fails, exactly"): from
# the seed and the thread's place among the threads (which thread started
# it, how many that one had started), indexed by the thread's own eligible
# allocations. Two threads of 1000 mallocs each fail at the same indices of
# their own on every run, whether they run at once, one after the other or
# in the reverse order.
want_indices='thread 0 fails 14,34,156,297,388,777,787,891
thread 1 fails 81,92,314,371,372,416,478,542,549,725,849'
same=0
for i in $(seq 1 20); do
	case $((i % 3)) in 0) how=together ;; 1) how=forward ;; 2) how=backward ;; esac
	run_threads FAILPOOL_RATE=0.01 FAILPOOL_SEED=7 -- "$TH" indices 2 1000 "$how"
	if [ "$(cat "$T/out")" = "$want_indices" ] &&
	   [ "$(jpy "$T/r.json" '"%d %d" % (r["totals"]["injected"], r["totals"]["eligible"])')" = "19 2002" ]; then
		same=$((same + 1))
	else
		diag "run $i ($how):" "$(cat "$T/out")"
	fi
done
is "$same" 20 "RATE=0.01 SEED=7, 2 threads x 1000 mallocs, 20 runs in 3 interleavings: the same per-thread failures (8 and 11; 19 injected of 2002 eligible)"

# Threads started by threads: two creators each start a worker, in one
# order or the other; each worker's stream comes from its creator's, so
# the workers fail at the same indices either way.
want_nested='creator 0 fails 109,116,159,365,588,629,685,800,902,937
creator 1 fails 62,367,423,492,617,787,798,825'
same=0
for i in $(seq 1 6); do
	case $((i % 2)) in 0) how=forward ;; 1) how=backward ;; esac
	run_threads FAILPOOL_RATE=0.01 FAILPOOL_SEED=7 -- "$TH" nested 1000 "$how"
	if [ "$(cat "$T/out")" = "$want_nested" ]; then
		same=$((same + 1))
	else
		diag "run $i ($how):" "$(cat "$T/out")"
	fi
done
is "$same" 6 "RATE=0.01 SEED=7, workers started by two creators in either order, 6 runs: the same failures per worker (10 and 8)"

# posix_memalign, realloc and malloc from threads, too.
run_threads FAILPOOL_EVERY=7 -- "$TH" run 3 7000 posix_memalign
is "$(total_failed):$(counts)" "3000:eligible=21003 injected=3000 logged=1000 sites=3000" "posix_memalign EVERY=7 under 3 threads"
run_threads FAILPOOL_EVERY=5 -- "$TH" run 4 5000 realloc 100
is "$(total_failed):$(counts)" "4000:eligible=20004 injected=4000 logged=1000 sites=4000" "realloc EVERY=5 under 4 threads"
run_threads FAILPOOL_EVERY=10 -- "$TH" run 4 10000 malloc
is "$?" 0 "malloc EVERY=10: exit status"
is "$(total_failed):$(counts)" "4000:eligible=40004 injected=4000 logged=1000 sites=4000" "malloc EVERY=10 under 4 threads"
# free: the 36000 successful blocks, and 3 per thread besides (the worker's
# last free(p), and glibc's as the thread ends).
is "$(jpy "$T/r.json" '"malloc=%d calloc=%d free=%d" % (r["totals"]["calls"]["malloc"], r["totals"]["calls"]["calloc"], r["totals"]["calls"]["free"])')" \
	"malloc=40000 calloc=4 free=36012" "malloc EVERY=10: calls counted"

# exit(7) from a thread other than main.
rm -f "$T/x.json"
run_shim FAILPOOL_REPORT="$T/x.json" FAILPOOL_EVERY=1000 -- "$TH" exit-in-thread 7 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "7:thread exits 7" "exit(7) from a thread: status 7"
ok "exit(7) from a thread: report written" test -s "$T/x.json"
is "$(jget "$T/x.json" exit)" '{"how":"exit","code":7,"signal":null}' "exit(7) from a thread: exit recorded"
is "$(jget "$T/x.json" complete)" true "exit(7) from a thread: report complete"
is "$(jpy "$T/x.json" '"malloc=%d calloc=%d free=%d eligible=%d" % (r["totals"]["calls"]["malloc"], r["totals"]["calls"]["calloc"], r["totals"]["calls"]["free"], r["totals"]["eligible"])')" \
	"malloc=2 calloc=1 free=1 eligible=3" "exit(7) from a thread: the thread's allocations are counted"
name_offline "$T/x.json"
is "$(jpy "$T/x.json" 'sorted(s["bytes"] for s in r["sites"] if (s["frames"][0]["symbol"] or "").startswith("exiter+"))')" \
	"[100, 200]" "exit(7) from a thread: the thread's two sites, 100 and 200 bytes"

done_testing

#!/bin/sh
# make bench, kept from rotting: its programs make exactly the requests
# they are asked for, and the whole bench runs once with tiny counts and
# gives a figure for every row it can run (README, "Performance"). No
# timing is judged here.
. "$TESTLIB"

bench=${PROGS%/progs}/bench/fp-bench
spawn=${PROGS%/progs}/bench/fp-spawn

# nulls: the second field of fp-bench's "<elapsed ns> <nulls>" line.
nulls() {
	"$@" 2>&1 | sed -n 's/^[0-9][0-9]* \([0-9][0-9]*\)$/\1/p'
}

is "$(nulls run_shim -- "$bench" 2 1000)" 0 "fp-bench, 2 threads, passthrough: no NULL"
# work() makes one request per operation (its slot array is mapped by
# the harness): 1000 eligible allocations per thread, every 10th fails.
is "$(nulls run_shim FAILPOOL_DEPTH=1 FAILPOOL_SITES=func:work FAILPOOL_EVERY=10 -- \
	"$bench" 1 1000)" 100 "fp-bench, 1 thread: 1000 requests from work(), EVERY=10 fails 100"
# Two threads draw on one EVERY counter in whatever order they run: the
# total is exact in every run, however the threads interleave.
counts=$(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	nulls run_shim FAILPOOL_SITES=func:work FAILPOOL_EVERY=10 -- \
		"$bench" --slots 16 --calloc-every 2 2 1000
done | sort | uniq -c | sed 's/^ *//')
is "$counts" "20 200" "fp-bench, 2 threads, 20 runs: 2000 requests from work(), EVERY=10 fails 200 in each"
is "$(nulls run_shim FAILPOOL_SITES=func:hold_live FAILPOOL_EVERY=7 -- \
	"$bench" --live 1000)" 142 "fp-bench --live 1000: 1000 requests, EVERY=7 fails 142"
# The bench's pool row pools every request: 2 x 1000 of at most 4096
# bytes, none too big for the pool's elements.
run_shim FAILPOOL_DEPTH=1 FAILPOOL_POOLS=hot:site=func:work,min=64,size=4096 \
	FAILPOOL_REPORT="$T/pool.json" -- "$bench" 2 1000 > /dev/null
is "$(jget "$T/pool.json" pools.0.allocs)/$(jget "$T/pool.json" pools.0.oversize)" 2000/0 \
	"fp-bench under the bench's pool: 2000 requests pooled, none oversize"
is "$(nulls run_shim -- "$bench" --min-size 16 --max-size 8 1 10)" "" \
	"fp-bench refuses a size range that is empty"

out=$("$spawn" -n 3 -j 2 -- true)
is "$?:$(echo "$out" | sed 's/[0-9][0-9]*/N/g')" "0:N N" "fp-spawn -n 3 -j 2: status 0, elapsed ns and KiB"
"$spawn" -n 3 -- sh -c 'exit 3' > /dev/null 2> "$T/err"
is "$?:$(cat "$T/err")" "1:fp-spawn: a run exited 3" "fp-spawn: a failed run is status 1, said once"
"$spawn" FP_SMOKE=yes -- sh -c 'test "$FP_SMOKE" = yes' > /dev/null
is "$?" 0 "fp-spawn: VAR=VALUE reaches the command"
"$spawn" -- sh -c 'test "$(readlink /proc/$$/fd/1)" = /dev/null' > /dev/null
is "$?" 0 "fp-spawn: the command's standard output is /dev/null"

FP_BENCH_ROUNDS=1 FP_BENCH_OPS=2000 FP_BENCH_PROCS=2 FP_BENCH_LIVE=1000 \
	timeout 300 sh "${0%/*}/run-bench.sh" "$bench" "$spawn" "$FAILPOOL_LIB" \
	"$JEMALLOC_SO" "$FAILPOOL" > "$T/out" 2> "$T/err"
is "$?" 0 "run-bench.sh with tiny counts exits 0"
diag "$(cat "$T/out")"
# Every row of the table: two figures, or a reason that starts "skipped:".
rows=$(sed -n '/^row (cost/,/^$/p' "$T/out" | sed '1d;$d')
is "$(echo "$rows" | wc -l)" 14 "the table has its 14 rows"
is "$(echo "$rows" | grep -Ev '  +([0-9]+\.[0-9]+x|-) +([0-9]+\.[0-9]+x|-)( |$)' | grep -v ' skipped: ')" "" \
	"every row has its figures or was skipped for a stated reason"
is "$(echo "$rows" | grep -c 'some runs failed')" 0 "no run of any row failed"
is "$(echo "$rows" | grep -c '^passthrough .* [0-9.]*x  *[0-9.]*x ')" 1 \
	"passthrough has a figure at 1 and at 2 threads"
is "$(echo "$rows" | grep -c '^explore runs/s .* [0-9.]*x  *- ')" 1 "explore has its figure"
is "$(grep -c '^machine: .*, [0-9]* cores, ' "$T/out")" 1 "the machine is named"

# Instruction counts only (no timed rounds): a count for each of the 8
# configurations, or one line saying why there is no counter.
FP_BENCH_ROUNDS=0 FP_BENCH_INSTRUCTIONS=1 FP_BENCH_COUNT_OPS=1000 \
	timeout 300 sh "${0%/*}/run-bench.sh" "$bench" "$spawn" "$FAILPOOL_LIB" \
	"$JEMALLOC_SO" "$FAILPOOL" > "$T/out" 2> "$T/err"
is "$?" 0 "run-bench.sh counting instructions exits 0"
diag "$(cat "$T/out")"
if grep -q '^instructions: skipped: ' "$T/out"; then
	skip "instruction counts" "$(grep '^instructions: skipped: ' "$T/out")"
else
	is "$(sed -n '/^instructions per operation/,/^$/p' "$T/out" | grep -cE ' [0-9]+ +[0-9]+\.[0-9]+x$')" 8 \
		"an instruction count and a ratio for each of the 8 configurations"
	is "$(grep -c '^row (cost' "$T/out")" 0 "no timed table without rounds"
fi

done_testing

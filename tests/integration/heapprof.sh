#!/bin/sh
# jemalloc's heap profiler works under the shim (README, "Performance"):
# its log, exp and stack walks come from the shim (lib/jeprof.c,
# lib/profstack.c, libunwind), not from libm and libgcc_s, which the shim
# does not load. With every allocation sampled, a profile dumped through
# the prof.dump mallctl holds the program's 64 blocks of 4096 bytes on the
# stacks of the function that allocated them.
. "$TESTLIB"

P=$PROGS/heapprof
PROF=MALLOC_CONF=prof:true,prof_active:true,lg_prof_sample:0

ours="64 262144 allocate_here<main<_start"
out=$(run_shim "$PROF" -- "$P" "$T/passthrough.heap" 2>"$T/err")
is "$?:$out" "0:$ours" \
	"passthrough: the profile holds allocate_here()'s 64 blocks, on its stack"
is "$(head -c 9 "$T/passthrough.heap")" "heap_v2/1" "passthrough: a heap_v2 profile"

# libunwind already open at boot (a report's crash stacks). The shim's
# own allocations under allocate_here() are stacks of their own.
out=$(run_shim "$PROF" FAILPOOL_REPORT="$T/r.json" -- "$P" "$T/report.heap" 2>"$T/err")
is "$?:$(echo "$out" | grep -cx "$ours")" "0:1" "with a report: the same stack"
is "$(jget "$T/r.json" exit.code)" 0 "with a report: the report is written"

# Counting (EVERY=1000 injects nothing here): the profiler's walk is the shim's own work.
out=$(run_shim "$PROF" FAILPOOL_EVERY=1000 FAILPOOL_DEPTH=1 -- "$P" "$T/count.heap" 2>"$T/err")
is "$?:$(echo "$out" | grep -cx "$ours")" "0:1" "counting at the callers: the same stack"

# Profiling off (the default): nothing sampled, nothing unwound.
out=$(run_shim MALLOC_CONF=prof:false -- "$P" "$T/off.heap" 2>"$T/err")
is "$?:$out" "1:prof.dump failed" "profiling off: no profile to dump"
done_testing

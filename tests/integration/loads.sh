#!/bin/sh
# What a process loads (README, "Performance"): libunwind only when
# something unwinds or names (a report, a log, FAILPOOL_DEPTH > 1 with
# rules, func: rules, VERBOSE, the heap check), never for a process that
# only injects at its callers; the start-up allocations that are not the
# program's (libstdc++'s emergency pool) stay apart without it.
. "$TESTLIB"

P=$PROGS/probe
loads_unwind() {	# VAR=VALUE... : "yes" if libunwind is opened
	LD_DEBUG=files run_shim "$@" -- "$P" malloc 1 16 2>&1 >/dev/null |
		grep -q 'file=libunwind' && echo yes || echo no
}
is "$(loads_unwind FAILPOOL_RATE=0.5)" no "RATE at the callers only: libunwind not loaded"
is "$(loads_unwind FAILPOOL_EVERY=1 FAILPOOL_DEPTH=1 FAILPOOL_SITES=lib:probe)" no \
	"a lib: rule at depth 1: libunwind not loaded"
is "$(loads_unwind FAILPOOL_EVERY=1 FAILPOOL_SITES=lib:probe)" yes "a rule at depth 8: libunwind loaded"
is "$(loads_unwind FAILPOOL_REPORT="$T/r.json")" yes "a report (crash stacks): libunwind loaded"
is "$(loads_unwind FAILPOOL_LOG="$T/l.log")" yes "a log (crash stacks): libunwind loaded"
is "$(loads_unwind FAILPOOL_EVERY=1 FAILPOOL_SITES=func:one)" yes "a func: rule (names): libunwind loaded"
is "$(loads_unwind)" no "passthrough: libunwind not loaded"

# The first eligible allocation is the program's, not libstdc++'s emergency
# pool (NTH=1 fails only the first): start-up's are told apart without libunwind.
is "$(loads_unwind FAILPOOL_NTH=1 FAILPOOL_DEPTH=1)" no "NTH=1 at depth 1: libunwind not loaded"
out=$(run_shim FAILPOOL_NTH=1 FAILPOOL_DEPTH=1 -- "$P" malloc 2 16 2>&1)
is "$out" "fail 1 ENOMEM
done 2 failed 1" "NTH=1: the program's first malloc fails, not start-up's"
done_testing

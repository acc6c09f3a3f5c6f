#!/bin/sh
# The report's series (README, "The report"; doc/failpool-report.schema.json):
# a run of ~300 ms with a pool and injected failures gives at most 1000
# samples from 0 ms, ms increasing, each with every pool's curr, the last
# one equal to the report's totals and pools; the report stays valid.
. "$TESTLIB"

SRC=$(dirname "$TESTLIB")/../..
CRIT='func:critical_*'
out=$(run_shim FAILPOOL_REPORT="$T/r.json" FAILPOOL_RATE=0.01 FAILPOOL_SEED=7 \
	FAILPOOL_SITES='func:ordinary_*' FAILPOOL_POOLS="crit:site=$CRIT,min=8,size=64" \
	-- "$PROGS/pools" churn 300 2>&1)
is "$?:$out" "0:churned" "the program ran 300 ms"
is "$(jpy "$T/r.json" '1 < len(r["series"]) <= 1000')" True "between 2 and 1000 samples"
is "$(jpy "$T/r.json" 'r["series"][0]["ms"]')" 0 "the first sample at 0 ms"
is "$(jpy "$T/r.json" 'all(a["ms"] < b["ms"] for a, b in zip(r["series"], r["series"][1:]))')" \
	True "ms increase"
# The series reads the coarse clock, which lags by up to one of its ticks
# (4 ms at HZ=250) at the start and at the end (6: CLOCK_MONOTONIC_COARSE).
is "$(jpy "$T/r.json" 'r["series"][-1]["ms"] >= 300 - 1000 * __import__("time").clock_getres(6)')" True \
	"the last sample after the 300 ms (to a tick of the coarse clock)"
is "$(jpy "$T/r.json" 'r["series"][-1]["live_bytes"] == r["totals"]["live_bytes"]')" True \
	"the last sample's live_bytes: the totals'"
is "$(jpy "$T/r.json" 'r["series"][-1]["injected"] == r["totals"]["injected"] > 0')" True \
	"the last sample's injected: the totals' (some)"
is "$(jpy "$T/r.json" 'r["series"][-1]["pools"] == {p["name"]: p["curr"] for p in r["pools"]}')" True \
	"the last sample's pools: the pools' curr"
is "$(jpy "$T/r.json" 'sorted(set(tuple(s["pools"]) for s in r["series"]))')" "[('crit',)]" \
	"every sample has the pool's curr"
is "$(jpy "$T/r.json" 'all(a["injected"] <= b["injected"] for a, b in zip(r["series"], r["series"][1:]))')" \
	True "injected never goes down"
out=$("$PYTHON3" "$SRC/tests/integration/schemacheck.py" "$SRC/doc/failpool-report.schema.json" "$T/r.json" 2>&1)
is "$?:$out" "0:ok $T/r.json" "the report with its series matches the schema"

# A process too short for the clock to move still has its first/last sample.
run_shim FAILPOOL_REPORT="$T/short.json" -- "$PROGS/probe" malloc 1 16 >/dev/null 2>&1
is "$(jpy "$T/short.json" '(len(r["series"]) >= 1, r["series"][-1]["live_bytes"] == r["totals"]["live_bytes"], r["series"][-1]["pools"])')" \
	"(True, True, {})" "a short process: a series ending on the totals, no pools"
# A report written from a fatal signal ends its series on its totals too.
run_shim FAILPOOL_REPORT="$T/c.json" FAILPOOL_EVERY=1 -- "$PROGS/crashy" unchecked >/dev/null 2>&1
is "$(jpy "$T/c.json" '(r["complete"], r["series"][0]["ms"], r["series"][-1]["live_bytes"] == r["totals"]["live_bytes"], r["series"][-1]["injected"] == r["totals"]["injected"])')" \
	"(False, 0, True, True)" "a crash report: its series from 0 ms to the totals"
# A fork child's series starts at the fork and ends on the child's own totals
# (its report counts only its own work; the parent's failures are the parent's).
F="$PROGS/forker"
run_shim FAILPOOL_EVERY=10 FAILPOOL_REPORT="$T/f.%p.json" -- "$F" fork 100 >"$T/fout" 2>&1
cpid=$(sed -n 's/^child \([0-9]*\) status.*/\1/p' "$T/fout")
is "$(jpy "$T/f.$cpid.json" '(r["series"][0]["ms"], r["series"][-1]["injected"], r["totals"]["injected"])')" \
	"(0, 10, 10)" "a fork child: its series from the fork (0 ms) to its own 10 failures, not the parent's too"
done_testing

#!/bin/sh
# Pools (README, "Pools: mempool reserves"; "pools" in the report): the reserve keeps a critical site alive under
# injected failures and under real exhaustion (prlimit --as); waits, in-place
# realloc, zeroed calloc from the reserve, isolation from ordinary malloc,
# producer/consumer threads, per-thread caches at thread exit and fork,
# stress-ng with pools and a failure rate; every pool counter checked
# against what the program saw.
. "$TESTLIB"

P=$PROGS/pools
CRIT='func:critical_*'

out() { run_shim "$@" >"$T/out" 2>"$T/err"; echo "$?:$(lines "$T/out")"; }
pool() { jpy "$1" "' '.join('%s=%s' % (k, r['pools'][0][k]) for k in '$2'.split())"; }

# 1. Injected failures: min elements stand in, then NULL (wait=0).
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES="$CRIT" -- "$P" hold 10 64)" "0:held 0 nulls 10" \
	"without a pool, EVERY=1 on the critical site: 10 NULLs"
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES="$CRIT" FAILPOOL_POOLS="crit:site=$CRIT,min=8,size=64" \
	FAILPOOL_REPORT="$T/h.json" -- "$P" hold 10 64)" "0:held 8 nulls 2" \
	"with min=8: the reserve serves 8 of 10 held blocks"
is "$(pool "$T/h.json" "name min size allocs hits exhausted low refills curr waits oversize")" \
	"name=crit min=8 size=64 allocs=10 hits=8 exhausted=2 low=0 refills=8 curr=8 waits=0 oversize=0" \
	"pool counters: 10 allocs, 8 hits, 2 exhausted, low 0, refilled to 8 by the frees"
is "$(jpy "$T/h.json" '[(s["calls"], s["injected"], s["pool"]) for s in r["sites"] if (s["frames"][0]["symbol"] or "").startswith("critical_alloc+")]')" \
	"[(10, 10, 'crit')]" "the critical site: 10 calls, 10 injected, pool crit"
is "$(jpy "$T/h.json" '"%d %d" % (r["totals"]["injected"], r["totals"]["real_failures"])')" "10 0" \
	"totals: 10 injected (8 of them rescued), no real failure"
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES="$CRIT" FAILPOOL_POOLS="crit:site=$CRIT,min=8,size=64" \
	FAILPOOL_REPORT="$T/o.json" -- "$P" hold 5 65)" "0:held 0 nulls 5" \
	"requests larger than size bypass the pool"
is "$(pool "$T/o.json" "allocs oversize hits")" "allocs=0 oversize=5 hits=0" "... counted oversize"
is "$(out FAILPOOL_POOLS="crit:site=$CRIT,min=8,size=64" FAILPOOL_REPORT="$T/n.json" -- "$P" hold 100 64)" \
	"0:held 100 nulls 0" "no failure policy: the pool's arena serves everything"
is "$(pool "$T/n.json" "allocs hits refills curr low")" "allocs=100 hits=0 refills=0 curr=8 low=8" \
	"... no hit, no refill, the reserve untouched"

# 2. Elements: realloc in place, calloc zeroed, never given to ordinary malloc.
is "$(out FAILPOOL_POOLS="crit:site=$CRIT,min=4,size=64" -- "$P" inplace)" "0:inplace same grown ok" \
	"realloc within the element stays in place; beyond it moves, contents kept"
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES=func:critical_calloc FAILPOOL_POOLS="crit:site=$CRIT,min=8,size=64" \
	-- "$P" zero 8)" "0:calloc zeroed" "calloc served from dirtied reserve elements: zeroed"
is "$(out FAILPOOL_POOLS="crit:site=$CRIT,min=4,size=48" -- "$P" isolation 64)" "0:isolated" \
	"freed pool memory never reaches ordinary malloc callers (20000 tries)"
is "$(run_bare LD_PRELOAD="$JEMALLOC_SO" -- "$P" isolation 64 2>&1)" "shared 20000" \
	"... the probe does see reuse with bare jemalloc's thread cache"

# 3. Waiting: a free wakes the waiter; forever waits as long as it takes.
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES="$CRIT" FAILPOOL_POOLS="crit:site=$CRIT,min=4,size=64,wait=forever" \
	FAILPOOL_REPORT="$T/w.json" -- "$P" relay 4 300)" "0:relay got it after the free" \
	"wait=forever: the allocation waits for, and gets, the element freed 300 ms after it fell asleep"
is "$(pool "$T/w.json" "allocs hits waits exhausted")" "allocs=5 hits=5 waits=1 exhausted=0" "... one wait, 5 hits"
is "$(jpy "$T/w.json" 'r["pools"][0]["wait_ns_max"] >= 250000000 and r["pools"][0]["wait_ns_total"] == r["pools"][0]["wait_ns_max"]')" True \
	"... wait_ns_max about 300 ms, the only wait"
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES="$CRIT" FAILPOOL_POOLS="crit:site=$CRIT,min=4,size=64,wait=50ms" \
	FAILPOOL_REPORT="$T/t.json" -- "$P" relay 4 400)" "0:relay NULL" \
	"wait=50ms and the free comes after 400 ms: NULL"
is "$(pool "$T/t.json" "waits exhausted")" "waits=1 exhausted=1" "... one wait, exhausted"

# 4. Threads: producers allocate, consumers free; wait=forever never fails.
is "$(out FAILPOOL_RATE=0.5 FAILPOOL_SEED=3 FAILPOOL_SITES="$CRIT" \
	FAILPOOL_POOLS="crit:site=$CRIT,min=16,size=256,wait=forever" FAILPOOL_REPORT="$T/pc.json" \
	-- "$P" pc 3 20000)" "0:produced 60000 nulls 0" \
	"3 producers x 20000 under RATE=0.5, 2 consumers: no NULL"
is "$(jpy "$T/pc.json" '"%d %d %d %d" % (r["pools"][0]["allocs"], r["pools"][0]["hits"] == r["pools"][0]["refills"] == r["totals"]["injected"], r["pools"][0]["curr"], r["pools"][0]["exhausted"])')" \
	"60000 1 16 0" "... 60000 allocs, hits = refills = injected, reserve full at the end"
# Each thread keeps its freed elements in its own cache for the pool; what
# it holds there goes back to the pool's arena when it ends or is not in a
# fork child (jemalloc's stats.arenas.<i>.small.allocated).
is "$(out FAILPOOL_POOLS="crit:site=$CRIT,min=4,size=4096" -- "$P" cached 16)" \
	"0:child balanced exit balanced" \
	"a thread's cached pool elements: back in the pool's arena in a fork child and at its end"

# 5. Real exhaustion: an address-space ceiling, a hog, then the critical site.
if command -v prlimit >/dev/null 2>&1; then
	is "$(out -- prlimit --as=$((300 << 20)) "$P" exhaust 64)" "0:hog failed critical 0/64" \
		"under prlimit --as=300M without a pool: the critical site gets nothing"
	is "$(out FAILPOOL_POOLS="crit:site=$CRIT,min=64,size=64K" FAILPOOL_REPORT="$T/x.json" \
		-- prlimit --as=$((300 << 20)) "$P" exhaust 64)" "0:hog failed critical 64/64" \
		"... with min=64 it gets all 64 blocks"
	is "$(jpy "$T/x.json" '"%s %d %d" % (r["pools"][0]["hits"] > 0, r["pools"][0]["allocs"], r["pools"][0]["exhausted"])')" "True 65 0" \
		"... the reserve served the blocks jemalloc could not"
	is "$(jpy "$T/x.json" 'r["totals"]["real_failures"] >= 1 and r["totals"]["injected"] == 0')" True \
		"... the hog's failures were real, none injected"
	run_shim FAILPOOL_POOLS="crit:site=$CRIT,min=64,size=1M" -- prlimit --as=$((100 << 20)) "$P" hold 1 1 >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/err")" "125:failpool: FAILPOOL_POOLS: pool 'crit': cannot pre-allocate 64 elements of 1048576 bytes: Cannot allocate memory" \
		"a reserve that does not fit: exit 125, the pool named"
else
	skip "real exhaustion" "prlimit not installed"
fi

# A pool's glob rule matched inside setlocale's critical section (UTF-8):
# the baseline of this hung before glob matching stopped using fnmatch.
FP_TIMEOUT=10 run_shim LC_ALL=C.UTF-8 FAILPOOL_POOLS="p:site=lib:nothing,min=1,size=16" -- "$PROGS/locales" >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:done" "setlocale for every category under a pool rule in C.UTF-8: no hang"

# 6. The tool and bad specs.
"$FAILPOOL" run -q --pool "crit:site=$CRIT,min=2,size=64" --every 1 --site "$CRIT" -- "$P" hold 3 64 >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:held 2 nulls 1" "failpool run --pool"
"$FAILPOOL" run --pool "crit:site=$CRIT,min=2,size=64" --every 1 --site "$CRIT" -- "$P" hold 3 64 >/dev/null 2>"$T/err"
is "$(grep '^failpool: pool ' "$T/err")" \
	"failpool: pool crit: 3 allocs, 2 from the reserve, 2 of 2 elements used at most, 0 waits, 1 exhausted" \
	"the summary has a line per pool"
"$FAILPOOL" run --pool "crit:site=$CRIT,min=2" -- "$P" hold 3 64 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/err")" "125:failpool: --pool: pool 'crit': size= is required" \
	"failpool run --pool without size: exit 125"

# 7. stress-ng with a pool on its own allocations and a failure rate, once
#    started (AFTER: stress-ng's start-up aborts when libEGL's constructor
#    cannot allocate, which stress-ng.sh tests).
if [ -x "${STRESS_NG:-}" ]; then
	mkdir "$T/sng"
	run_shim FAILPOOL_RATE=0.05 FAILPOOL_SEED=1 FAILPOOL_AFTER=2000 \
		FAILPOOL_POOLS="sng:site=lib:stress-ng,min=64,size=4K" FAILPOOL_REPORT="$T/sng/%p.json" \
		-- "$STRESS_NG" --malloc 2 --malloc-ops 50000 --malloc-bytes 4K --malloc-max 1024 -t 5s >"$T/out" 2>&1
	rc=$?
	is "$rc" 0 "stress-ng --malloc 2 with pool sng and RATE=0.05: exit 0"
	[ $rc -eq 0 ] || diag "$(tail -5 "$T/out")"
	is "$("$PYTHON3" - "$T/sng" <<'EOF'
import json, os, sys
d = sys.argv[1]
rs = [json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d))]
bad = []
for r in rs:
    p = r["pools"][0]
    if p["curr"] != p["min"] - p["hits"] + p["refills"] or p["low"] > p["curr"] \
       or p["hits"] + p["exhausted"] > p["allocs"] or not r["complete"]:
        bad.append(r["pid"])
workers = [r for r in rs if r["pools"][0]["hits"] > 0]
print(len(rs) >= 3, len(workers) >= 1, bad)
EOF
)" "True True []" "every process reported; workers took reserve elements; counters consistent"
else
	skip "stress-ng soak" "stress-ng not installed"
fi

done_testing

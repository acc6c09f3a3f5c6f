#!/bin/sh
# The failure policy gives exactly the failures README, "What fails, exactly" describes:
# EVERY, AFTER, NTH, BURST (number and inf), TIMES, RATE 0/1, LIMIT,
# ENABLE, EXE; each failure is NULL with errno ENOMEM and the report counts
# them exactly.
. "$TESTLIB"

P=$PROGS/probe

# fails_out "I..." N: the probe's output when exactly calls I... of N fail.
fails_out() {
	_o=
	_c=0
	for _i in $1; do
		_o="${_o}fail $_i ENOMEM,"
		_c=$((_c + 1))
	done
	printf '%sdone %s failed %s' "$_o" "$2" "$_c"
}

# seq_list FIRST LAST: "FIRST FIRST+1 ... LAST"
seq_list() {
	[ "$1" -le "$2" ] && seq -s ' ' "$1" "$2"
}

# check DESC "FAILING INDICES" N BASE ENV... -- PROBE-ARGS
# Runs the probe under the shim with a report; checks its output, its exit
# status, and the report's eligible (BASE + N) and injected counts and its
# injections list (seq 1..n, the call's name).
check() {
	_desc=$1 _fails=$2 _n=$3 _base=$4
	shift 4
	rm -f "$T/r.json"
	run_shim FAILPOOL_REPORT="$T/r.json" "$@" >"$T/out" 2>"$T/err"
	_rc=$?
	is "$_rc" 0 "$_desc: exit status"
	is "$(lines "$T/out")" "$(fails_out "$_fails" "$_n")" "$_desc: failing calls"
	_cnt=$(printf '%s\n' $_fails | grep -c .)
	is "$(jpy "$T/r.json" '"eligible=%d injected=%d seqs=%s" % (r["totals"]["eligible"], r["totals"]["injected"], [i["seq"] for i in r["injections"]] == list(range(1, r["totals"]["injected"] + 1)))')" \
		"eligible=$((_base + _n)) injected=$_cnt seqs=True" "$_desc: report counts"
	[ -s "$T/err" ] && diag "stderr:" "$(head -5 "$T/err")"
}

# Nothing but the probe's own calls is eligible (README, "What fails, exactly": the start-up
# allocations that are not the program's are not numbered), so with the
# default settings the probe's mallocs are eligible 1, 2, 3...
PM="-- $P malloc"

check "no policy" "" 10 0 $PM 10 16
check "EVERY=3" "3 6 9" 10 0 FAILPOOL_EVERY=3 $PM 10 16
check "EVERY=1" "$(seq_list 1 10)" 10 0 FAILPOOL_EVERY=1 $PM 10 16
check "EVERY=10 of 25" "10 20" 25 0 FAILPOOL_EVERY=10 $PM 25 16
check "AFTER=4 EVERY=3 (absolute index)" "6 9 12" 12 0 FAILPOOL_AFTER=4 FAILPOOL_EVERY=3 $PM 12 16
check "AFTER=10 EVERY=1" "11 12" 12 0 FAILPOOL_AFTER=10 FAILPOOL_EVERY=1 $PM 12 16
check "NTH=5" "5" 10 0 FAILPOOL_NTH=5 $PM 10 16
check "NTH=5 BURST=3" "5 6 7" 10 0 FAILPOOL_NTH=5 FAILPOOL_BURST=3 $PM 10 16
check "NTH=5 BURST=inf" "$(seq_list 5 12)" 12 0 FAILPOOL_NTH=5 FAILPOOL_BURST=inf $PM 12 16
check "NTH=1: the program's first malloc" "1" 4 0 FAILPOOL_NTH=1 $PM 4 16
check "NTH=1 BURST=2" "1 2" 4 0 FAILPOOL_NTH=1 FAILPOOL_BURST=2 $PM 4 16
check "NTH=3 AFTER=5 (AFTER wins)" "" 10 0 FAILPOOL_NTH=3 FAILPOOL_AFTER=5 $PM 10 16
check "NTH=7 AFTER=5" "7" 10 0 FAILPOOL_NTH=7 FAILPOOL_AFTER=5 $PM 10 16
check "AFTER=1 EVERY=1: all but the first" "$(seq_list 2 6)" 6 0 FAILPOOL_AFTER=1 FAILPOOL_EVERY=1 $PM 6 16
check "EVERY=2 TIMES=3" "2 4 6" 12 0 FAILPOOL_EVERY=2 FAILPOOL_TIMES=3 $PM 12 16
check "EVERY=1 TIMES=0" "" 5 0 FAILPOOL_EVERY=1 FAILPOOL_TIMES=0 $PM 5 16
check "NTH=2 BURST=inf TIMES=4" "2 3 4 5" 10 0 FAILPOOL_NTH=2 FAILPOOL_BURST=inf FAILPOOL_TIMES=4 $PM 10 16
check "EVERY=4 and NTH=3 combine" "3 4 8" 10 0 FAILPOOL_EVERY=4 FAILPOOL_NTH=3 $PM 10 16
check "RATE=1" "$(seq_list 1 8)" 8 0 FAILPOOL_RATE=1 $PM 8 16
check "RATE=0" "" 8 0 FAILPOOL_RATE=0 FAILPOOL_SEED=1 $PM 8 16
check "RATE=1 TIMES=2" "1 2" 8 0 FAILPOOL_RATE=1 FAILPOOL_TIMES=2 $PM 8 16
# A single-threaded program draws from the process's own stream by its
# eligible index, as failpool always has: seed 1 fails the same calls as
# before RATE's streams became per thread.
check "RATE=0.05 SEED=1" "14 35 72 84 85 124 140 181" 200 0 FAILPOOL_RATE=0.05 FAILPOOL_SEED=1 $PM 200 16
check "RATE=0.05 SEED=2" "4 90 150" 200 0 FAILPOOL_RATE=0.05 FAILPOOL_SEED=2 $PM 200 16
check "RATE=0.05 SEED=1 AFTER=80 (draws go on under AFTER)" "84 85 124 140 181" 200 0 FAILPOOL_RATE=0.05 FAILPOOL_SEED=1 FAILPOOL_AFTER=80 $PM 200 16
# With injection off nothing is eligible (the count stays 0).
check "ENABLE=0: nothing eligible" "" 6 -6 FAILPOOL_ENABLE=0 FAILPOOL_EVERY=1 $PM 6 16
check "EXE=probe (matches)" "2 4" 5 0 FAILPOOL_EXE=probe FAILPOOL_EVERY=2 $PM 5 16
check "EXE=pr?b* (glob matches)" "2 4" 5 0 'FAILPOOL_EXE=pr?b*' FAILPOOL_EVERY=2 $PM 5 16

# FAILPOOL_CALLS chooses the entry points, and the index counts only them.
check "CALLS=calloc EVERY=3 on calloc" "3 6 9" 10 0 FAILPOOL_CALLS=calloc FAILPOOL_EVERY=3 -- "$P" calloc 10 1 16
check "CALLS=calloc EVERY=1 on malloc: nothing eligible" "" 5 -5 FAILPOOL_CALLS=calloc FAILPOOL_EVERY=1 $PM 5 16
check "CALLS=malloc NTH=1" "1" 4 0 FAILPOOL_CALLS=malloc FAILPOOL_NTH=1 $PM 4 16
check "CALLS=free,calloc,malloc EVERY=2" "2 4" 5 0 FAILPOOL_CALLS=free,calloc,malloc FAILPOOL_EVERY=2 $PM 5 16

# The start-up allocations that are not the program's (README, "What fails,
# exactly"): this C program has none, as it has none without the shim (the
# shim brings no C++ runtime: the C++ program's emergency exception pool
# is in cxx.sh); every allocation is the probe's, and no site has a frame in
# the shim.
rm -f "$T/s.json"
run_shim FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/s.json" -- "$P" malloc 3 16 >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:$(fails_out "1 2 3" 3)" "EVERY=1: the probe's three mallocs fail, nothing else"
is "$(jget "$T/s.json" totals.startup)" '{"calls":0,"bytes":0}' \
	"totals.startup: nothing (no C++ runtime in a C program under the shim)"
is "$(jpy "$T/s.json" '"eligible=%d injected=%d malloc=%d" % (r["totals"]["eligible"], r["totals"]["injected"], r["totals"]["calls"]["malloc"])')" \
	"eligible=3 injected=3 malloc=3" "totals count only the probe's calls"
is "$(jpy "$T/s.json" '[(s["calls"], s["injected"], s["frames"][0]["object"]) for s in r["sites"]]')" \
	"[(3, 3, 'probe')]" "one site: the probe's malloc"
is "$(jpy "$T/s.json" 'sorted({f["object"] for s in r["sites"] for f in s["frames"] if f["object"] == "libfailpool.so" or (f["object"] or "").startswith(("libstdc++", "ld-"))})')" \
	"[]" "no site has a frame in the shim, in libstdc++ or in the loader"
is "$(jpy "$T/s.json" '[(i["seq"], i["call"], i["size"]) for i in r["injections"]]')" \
	"[(1, 'malloc', 16), (2, 'malloc', 16), (3, 'malloc', 16)]" "injections: the probe's calls from 1"
rm -f "$T/s.json"
run_shim FAILPOOL_REPORT="$T/s.json" -- "$P" noalloc >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:main" "a program that never allocates"
is "$(jpy "$T/s.json" '"%s eligible=%d sites=%d" % (json.dumps(r["totals"]["startup"], separators=(",", ":")), r["totals"]["eligible"], len(r["sites"]))')" \
	'{"calls":0,"bytes":0} eligible=0 sites=0' "... has no eligible allocation, no site, no start-up allocation"

# EXE that does not match: the process is inactive, passes straight through.
run_shim FAILPOOL_EXE=sort FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/inactive.json" \
	-- "$P" malloc 5 16 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:$(fails_out "" 5)" "EXE=sort: the probe is not touched"

# LIMIT: a simulated memory ceiling on live bytes.
# 20 blocks of 64 KiB kept live under a 1 MiB limit: the first ones succeed,
# then every one fails (nothing is freed), so the failures are a tail; the
# live bytes stay within the limit and one more block would cross it.
rm -f "$T/r.json"
run_shim FAILPOOL_LIMIT=1M FAILPOOL_REPORT="$T/r.json" -- "$P" hold 20 65536 >"$T/out" 2>"$T/err"
is "$?" 0 "LIMIT=1M hold: exit status"
nfail=$(grep -c '^fail' "$T/out")
first=$((20 - nfail + 1))
is "$(lines "$T/out")" "$(fails_out "$(seq_list $first 20)" 20)" "LIMIT=1M hold: the failures are the tail $first..20"
ok "LIMIT=1M hold: some blocks fit, some do not ($nfail failed)" test "$nfail" -gt 0 -a "$nfail" -lt 20
is "$(jpy "$T/r.json" 'r["totals"]["peak_live_bytes"] <= 1048576 and r["totals"]["peak_live_bytes"] + 65536 > 1048576')" True \
	"LIMIT=1M hold: peak live bytes within the limit, one block short of it"
is "$(jget "$T/r.json" totals.injected)" "$nfail" "LIMIT=1M hold: report counts the failures"
is "$(jget "$T/r.json" config.limit)" 1048576 "LIMIT=1M reported in bytes"

# The same with the limit in plain bytes: the same failures.
run_shim FAILPOOL_LIMIT=1048576 FAILPOOL_REPORT="$T/r2.json" -- "$P" hold 20 65536 >"$T/out2" 2>&1
is "$(lines "$T/out2")" "$(lines "$T/out")" "LIMIT=1048576 = LIMIT=1M"

# Freed memory does not count: 100 blocks of 64 KiB, each freed at once.
run_shim FAILPOOL_LIMIT=1M -- "$P" malloc 100 65536 >"$T/out" 2>&1
is "$(lines "$T/out")" "$(fails_out "" 100)" "LIMIT=1M: malloc/free cycles never fail"

# A single block over the limit always fails.
run_shim FAILPOOL_LIMIT=1M -- "$P" malloc 3 2097152 >"$T/out" 2>&1
is "$(lines "$T/out")" "$(fails_out "1 2 3" 3)" "LIMIT=1M: 2 MiB blocks fail"

# AFTER protects from LIMIT too.
run_shim FAILPOOL_LIMIT=1M FAILPOOL_AFTER=2 -- "$P" malloc 3 2097152 >"$T/out" 2>&1
is "$(lines "$T/out")" "$(fails_out "3" 3)" "LIMIT=1M AFTER=2: the first two big blocks pass"

# TIMES caps LIMIT failures too.
run_shim FAILPOOL_LIMIT=1M FAILPOOL_TIMES=1 -- "$P" malloc 3 2097152 >"$T/out" 2>&1
is "$(lines "$T/out")" "$(fails_out "1" 3)" "LIMIT=1M TIMES=1: one failure only"

done_testing

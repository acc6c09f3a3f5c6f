#!/bin/sh
# fork() without exec (README, "What fails, exactly", "The report"): the child's numbering continues
# from the parent's, its report counts only its own work (so merged reports
# sum each call once), it derives its own random stream (no lockstep with
# the parent, reproducible with the same seed), and writes its own report (%p); a vfork
# child that calls _exit writes none; forking many children, or forking
# while another thread allocates, neither hangs nor crashes.
. "$TESTLIB"

F=$PROGS/forker

# reports: the JSON reports in $T/rep, one per line.
reports() {
	ls "$T/rep" | grep '\.json$'
}

fresh() {
	rm -rf "$T/rep"
	mkdir "$T/rep"
}

# 1. parent and child each write a report, with the right pid/ppid/exit.
fresh
N=50
run_shim FAILPOOL_EVERY=3 FAILPOOL_REPORT="$T/rep/%p.json" -- "$F" fork $N >"$T/out" 2>"$T/err"
is "$?" 0 "fork: exit status 0, child exited 3"
ppid=$(sed -n 's/^parent \([0-9]*\)$/\1/p' "$T/out")
cpid=$(sed -n 's/^child \([0-9]*\) status.*/\1/p' "$T/out")
is "$(reports | sort | paste -sd' ')" "$(printf '%s.json\n' "$ppid" "$cpid" | sort | paste -sd' ')" \
	"fork: exactly two reports, named by each pid"
P=$T/rep/$ppid.json
C=$T/rep/$cpid.json
is "$(jpy "$P" '"%s %s %s" % (r["pid"], r["exit"]["code"], r["complete"])')" "$ppid 0 True" "fork: parent's report: pid, exit 0"
is "$(jpy "$C" '"%s %s %s %s" % (r["pid"], r["ppid"], r["exit"]["code"], r["complete"])')" "$cpid $ppid 3 True" \
	"fork: child's report: its pid, parent's pid as ppid, exit 3"
# The parent made N calls before the fork and N after it, the child N after
# it, and nothing else is eligible. (This test used to expect 2N in the
# child too: its report repeated the N calls the parent made, which the
# parent's report already counts, so a merge counted them twice.)
is "$(jget "$P" totals.eligible):$(jget "$C" totals.eligible)" "$((2 * N)):$N" \
	"fork: the child's report counts its own N eligible calls, not the parent's"
# EVERY=3 over the indices N+1 .. 2N after the fork, in each process.
exp=0
for k in $(seq $((N + 1)) $((2 * N))); do
	[ $((k % 3)) -eq 0 ] && exp=$((exp + 1))
done
is "$(sed -n 's/^\(parent\|child\) failed \([0-9]*\) .*/\1 \2/p' "$T/out" | sort | paste -sd,)" \
	"child $exp,parent $exp" "fork: EVERY=3 goes on from the inherited index in both"
is "$(jpy "$C" 'r["totals"]["injected"] == len(r["injections"]) == sum(s["injected"] for s in r["sites"])')" True \
	"fork: child's report is self-consistent"
is "$(jget "$C" totals.calls.malloc):$(jget "$C" totals.bytes_allocated)" "$N:$((100 * (N - exp)))" \
	"fork: ... its own N mallocs of 100 bytes, $exp of them failed"
# The parent's failures before the fork are N/3 (3, 6, ...): the child's are
# numbered on from there, as its log and crash record number them.
before=$((N / 3))
is "$(jget "$C" totals.injected):$(jpy "$C" '[i["seq"] for i in r["injections"]]')" \
	"$exp:$(seq $((before + 1)) $((before + exp)) | paste -sd, | sed 's/,/, /g; s/^/[/; s/$/]/')" \
	"fork: the child's own $exp failures, numbered on from the parent's $before"

# 1b. NTH=6: the parent makes 5 eligible allocations and forks; the next
#     one, the 6th, fails in both processes: the child's numbering goes on.
fresh
run_shim FAILPOOL_NTH=6 FAILPOOL_REPORT="$T/rep/%p.json" -- "$F" fork 5 >"$T/out" 2>"$T/err"
is "$?:$(sed -n 's/^\(parent\|child\) failed \([0-9]*\) .*/\1 \2/p' "$T/out" | sort | paste -sd,)" "0:child 1,parent 1" \
	"NTH=6 after 5 allocations and a fork: the 6th fails in parent and child"
cpid=$(sed -n 's/^child \([0-9]*\) status.*/\1/p' "$T/out")
is "$(jpy "$T/rep/$cpid.json" '"%d %d %s" % (r["totals"]["eligible"], r["totals"]["injected"], [(i["seq"], i["size"]) for i in r["injections"]])')" \
	"5 1 [(1, 100)]" "NTH=6: the child's report: its own 5 eligible, its 1 failure"

# 1c. The child allocates nothing: its report counts nothing, and merging
#     the two reports counts the parent's 100 allocations once.
fresh
run_shim FAILPOOL_EVERY=10 FAILPOOL_REPORT="$T/rep/%p.json" -- "$F" forkexit 100 >"$T/out" 2>"$T/err"
is "$?" 0 "forkexit: exit status 0"
ppid=$(sed -n 's/^parent \([0-9]*\)$/\1/p' "$T/out")
cpid=$(sed -n 's/^child \([0-9]*\) status.*/\1/p' "$T/out")
is "$(jpy "$T/rep/$ppid.json" '"%d %d" % (r["totals"]["eligible"], r["totals"]["injected"])')" "100 10" \
	"forkexit: the parent's report: 100 eligible, 10 injected"
is "$(jpy "$T/rep/$cpid.json" '"%d %d %d %d %d %d %s" % (r["totals"]["eligible"], r["totals"]["injected"], sum(r["totals"]["calls"].values()), r["totals"]["bytes_allocated"], r["totals"]["startup"]["calls"], len(r["sites"]), r["injections"])')" \
	"0 0 0 0 0 0 []" "forkexit: the child's report: no calls, nothing eligible or injected, no site, no start-up"
is "$(jpy "$T/rep/$cpid.json" 'r["totals"]["live_bytes"] == r["totals"]["peak_live_bytes"] > 0')" True \
	"forkexit: the child holds what it inherited (live bytes), and its peak is that"
is "$("$FAILPOOL" report --format json "$T/rep/$ppid.json" "$T/rep/$cpid.json" | "$PYTHON3" -c \
	'import json, sys; t = json.load(sys.stdin)["totals"]; print(t["eligible"], t["injected"], t["calls"]["malloc"])')" \
	"100 10 100" "forkexit: merged, 100 eligible, 10 injected, 100 mallocs: the parent's, once"

# 1d. A pool's counters, kept per thread by the pool caches, start again in
#     the child too: the parent's 100 requests are counted once.
fresh
run_shim FAILPOOL_POOLS='p:site=lib:forker,min=2,size=64' FAILPOOL_REPORT="$T/rep/%p.json" -- "$F" forkexit 100 >"$T/out" 2>"$T/err"
ppid=$(sed -n 's/^parent \([0-9]*\)$/\1/p' "$T/out")
cpid=$(sed -n 's/^child \([0-9]*\) status.*/\1/p' "$T/out")
is "$(jpy "$T/rep/$ppid.json" '"%d %d" % (r["pools"][0]["allocs"], r["pools"][0]["curr"])')" "100 2" \
	"forkexit with a pool: the parent's report: 100 allocs, reserve full"
is "$(jpy "$T/rep/$cpid.json" '"%d %d %d" % (r["pools"][0]["allocs"], r["pools"][0]["oversize"], r["pools"][0]["curr"])')" "0 0 2" \
	"forkexit with a pool: the child's report: no allocs of its own, the reserve it inherited"

# 2. RATE: the child draws from its own stream (parent and child do not fail
#    at the same indices), and the same seed repeats both.
fresh
run_shim FAILPOOL_RATE=0.2 FAILPOOL_SEED=42 -- "$F" fork 500 >"$T/out1" 2>"$T/err"
run_shim FAILPOOL_RATE=0.2 FAILPOOL_SEED=42 -- "$F" fork 500 >"$T/out2" 2>"$T/err"
h1=$(grep failed "$T/out1" | sort | paste -sd,)
h2=$(grep failed "$T/out2" | sort | paste -sd,)
is "$h2" "$h1" "RATE=0.2 SEED=42: a rerun repeats the failures of parent and child"
ph=$(sed -n 's/^parent failed .* hash //p' "$T/out1")
ch=$(sed -n 's/^child failed .* hash //p' "$T/out1")
isnt "$ch" "$ph" "RATE=0.2: parent and child do not fail in lockstep"
run_shim FAILPOOL_RATE=0.2 FAILPOOL_SEED=43 -- "$F" fork 500 >"$T/out3" 2>"$T/err"
isnt "$(grep failed "$T/out3" | sort | paste -sd,)" "$h1" "RATE=0.2: another seed, other failures"

# 3. vfork + _exit: the child writes no report, and does not spoil the
#    parent's (they share memory until the _exit).
fresh
run_shim FAILPOOL_EVERY=1000 FAILPOOL_REPORT="$T/rep/%p.json" -- "$F" vfork >"$T/out" 2>"$T/err"
is "$?" 0 "vfork: exit status 0, child exited 5"
ppid=$(sed -n 's/^parent \([0-9]*\)$/\1/p' "$T/out")
cpid=$(sed -n 's/^vfork-child \([0-9]*\) status.*/\1/p' "$T/out")
is "$(reports | paste -sd' ')" "$ppid.json" "vfork: only the parent wrote a report"
is "$(jpy "$T/rep/$ppid.json" '"%s %s %s" % (r["pid"], r["exit"], r["complete"])')" \
	"$ppid {'how': 'exit', 'code': 0, 'signal': None} True" "vfork: the parent's report is whole"
is "$(jpy "$T/rep/$ppid.json" 'r["totals"]["calls"]["malloc"] >= 20 and r["totals"]["calls"]["free"] >= 20')" True \
	"vfork: the parent's counts include its allocations after the vfork"

# 4. 100 children at once, with failures injected in all of them.
fresh
run_shim FAILPOOL_EVERY=2 FAILPOOL_REPORT="$T/rep/%p.json" -- "$F" loop 100 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:loop 100 ok 100" "100 children under EVERY=2: all exit 0"
is "$(reports | wc -l)" 101 "100 children: 101 reports"
is "$("$PYTHON3" - "$T/rep" <<'EOF'
import json, os, sys
d = sys.argv[1]
reps = [json.load(open(os.path.join(d, f), encoding="utf-8")) for f in os.listdir(d)]
parent = [r for r in reps if r["argv"][1:] == ["loop", "100"] and r["ppid"] != r["pid"]]
pids = {r["pid"] for r in reps}
roots = [r for r in reps if r["ppid"] not in pids]
kids = [r for r in reps if r["ppid"] in pids]
ok = (len(roots) == 1 and len(kids) == 100
      and all(k["ppid"] == roots[0]["pid"] for k in kids)
      and all(k["exit"]["code"] == 0 and k["complete"] for k in kids)
      and all(k["totals"]["injected"] > 0 for k in kids))
print(ok)
EOF
)" True "100 children: each report names the parent, exit 0, injected > 0"

# 5. fork while another thread allocates: the shim's locks survive fork.
fresh
run_shim FAILPOOL_EVERY=5 FAILPOOL_REPORT="$T/rep/%p.json" -- "$F" threadfork 50 >"$T/out" 2>"$T/err"
rc=$?
is "$rc:$(lines "$T/out")" "0:threadfork 50 ok 50" "fork while a thread allocates, 50 times: no hang, no crash"
[ $rc -eq 124 ] && diag "timed out after ${FP_TIMEOUT}s"
is "$(reports | wc -l)" 51 "fork while a thread allocates: 51 reports"

done_testing

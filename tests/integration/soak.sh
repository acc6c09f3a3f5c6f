#!/bin/sh
# failpool soak (README, "`failpool report` and `failpool soak`"): stress-ng stressors under the shim for a short
# while (`make soak` runs a longer one): the verdict, every process's report
# merged, pools on the stressors' allocations, a stressor that does not
# survive (libJudy exits on a failed allocation), stress-ng's own start-up
# (a library constructor aborts on a failed allocation), bad usage. Every
# allocation is eligible: soak has no site rule of its own.
. "$TESTLIB"

[ -x "${STRESS_NG:-}" ] || skip_all "stress-ng not installed"
S="$FAILPOOL soak --stress-ng $STRESS_NG"

# 1. The default malloc-heavy set survives a 1% rate once started (--after:
#    stress-ng's start-up, 2., is not what this soaks).
$S --duration 3s --rate 0.01 --seed 1 --after 1000 --out "$T/a" >"$T/out" 2>"$T/err"
rc=$?
n=$(ls "$T/a"/*.json | wc -l | tr -d ' ')
is "$rc:$(head -n 1 "$T/out" | sed 's/[0-9][0-9]* failures/N failures/')" \
	"0:failpool soak: survived: stress-ng and $((n - 1)) workers ran 3 s, N failures injected, none fatal" \
	"default stressors (malloc:2 tsearch lsearch bsearch), RATE=0.01: survived, exit 0"
[ $rc -eq 0 ] || diag "$(cat "$T/out" "$T/err" | head -20)"
ok "a report from stress-ng and each of its workers ($n; 5 stressor instances and their helpers)" test "$n" -ge 6
is "$(grep -c '^  stress-ng  *pid' "$T/out")" "$n" "the merged tables list every process"
is "$("$FAILPOOL" report --format json "$T/a"/*.json | "$PYTHON3" -c 'import json, sys; r = json.load(sys.stdin); print(r["totals"]["injected"] > 100, all(p["exit"]["code"] == 0 for p in r["processes"]))')" \
	"True True" "more than 100 failures injected, every process exited 0"
is "$("$PYTHON3" - "$T/a" <<'EOF'
import json, os, sys
rs = [json.load(open(os.path.join(sys.argv[1], f))) for f in os.listdir(sys.argv[1]) if f.endswith(".json")]
print({r["config"]["sites"] for r in rs},
      sorted({"stress-ng" if s["frames"][0]["object"] == "stress-ng" else "a library"
              for r in rs for s in r["sites"] if s["injected"]}))
EOF
)" "{None} ['a library', 'stress-ng']" "no site rule by default: failures in stress-ng's code and in the libraries it calls"

# 2. Without --after: stress-ng's own start-up is under test too. libEGL
#    (stress-ng needs it) aborts in its constructor when an allocation
#    fails ("Could not allocate dispatch index array"); seed 1 fails one
#    there, and the soak says so.
$S --duration 3s --rate 0.01 --seed 1 --out "$T/s" >"$T/out" 2>"$T/err"
is "$?:$(head -n 1 "$T/out")" \
	"1:failpool soak: NOT survived: stress-ng killed by signal 6; 1 process crashed, 0 exited with an error" \
	"RATE=0.01 without --after: not survived, stress-ng aborted as it started"
is "$("$PYTHON3" - "$T/s" <<'EOF'
import json, os, sys
rs = [json.load(open(os.path.join(sys.argv[1], f))) for f in os.listdir(sys.argv[1]) if f.endswith(".json")]
r = rs[0]
sites = {s["id"]: s for s in r["sites"]}
objs = [f["object"] for i in r["injections"] for f in sites[i["site"]]["frames"]]
print(len(rs), r["totals"]["injected"], r["crash"]["signal"], "libEGL.so.1" in objs,
      objs[-1].startswith("ld-"), "libfailpool.so" in objs)
EOF
)" "1 1 6 True True False" \
	"... one report: one failure, in libEGL's constructor (called by the loader), then SIGABRT"

# 3. Pools on the malloc stressor's allocations.
$S --duration 2s --stressor malloc:2 --rate 0.05 --seed 2 --after 1000 \
	--pool 'sng:site=lib:stress-ng*,min=64,size=4K' --out "$T/p" >"$T/out" 2>&1
is "$?" 0 "malloc:2 with a pool and RATE=0.05: survived"
ok "the pools table is printed" grep -q '^  sng ' "$T/out"
is "$("$FAILPOOL" report --format json "$T/p"/*.json | "$PYTHON3" -c 'import json, sys; p = json.load(sys.stdin)["pools"][0]; print(p["hits"] > 0, p["processes"])')" \
	"True $(ls "$T/p"/*.json | wc -l | tr -d ' ')" "the reserve served failed allocations; the pool in every process"

# 4. A stressor that does not survive.
$S --duration 2s --stressor judy --rate 0.05 --seed 1 --after 1000 --out "$T/j" >"$T/out" 2>&1
is "$?:$(head -n 1 "$T/out" | cut -c1-27)" "1:failpool soak: NOT survived" "judy under RATE=0.05: not survived, exit 1"
ok "... the worker that gave up is listed" grep -q '^  pid [0-9]* exited with status [1-9]' "$T/out"

# 5. Usage.
$S --stressor 'no such' >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: --stressor: not NAME or NAME:N (N in 1..1024): 'no such'" "a bad --stressor: exit 2"
$S --duration forever >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: --duration: not a duration such as 30, 30s or 2m: 'forever'" "a bad --duration: exit 2"
$S --report x.json >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: --report cannot be used: soak keeps the reports in --out" "--report: exit 2"

done_testing

#!/bin/sh
# A real program that forks workers which end with _exit: stress-ng's malloc
# stressor, which copes with NULL from malloc. Under random failures it
# still succeeds, and every process (stress-ng and each worker) writes its
# own report (%p), with failures injected into the workers.
. "$TESTLIB"

case ${STRESS_NG:-no} in
no|"") skip_all "stress-ng not installed" ;;
esac
[ -x "$STRESS_NG" ] || skip_all "stress-ng not installed"

cd "$T" || bail "cd $T"
ARGS="--malloc 2 --malloc-ops 20000 -t 10s"

# merged FIELD-EXPR: a Python expression over the list `rs` of all reports.
merged() {
	"$PYTHON3" - "$T/rep" "$1" <<'EOF'
import json, os, sys
d = sys.argv[1]
rs = [json.load(open(os.path.join(d, f), encoding="utf-8"))
      for f in sorted(os.listdir(d)) if f.endswith(".json")]
print(eval(sys.argv[2]))
EOF
}

# Baseline: how many allocations stress-ng itself makes (start-up, its own
# bookkeeping); its library constructors abort on a failed allocation
# (libEGL: "Could not allocate dispatch index array"), so the failures are
# kept for the workers with AFTER.
mkdir "$T/rep"
run_shim FAILPOOL_REPORT="$T/rep/%p.json" -- "$STRESS_NG" $ARGS >"$T/out" 2>&1
rc=$?
is "$rc" 0 "stress-ng under the shim, no failures: exit 0"
[ $rc -eq 0 ] || diag "$(tail -5 "$T/out")"
main='[r for r in rs if r["ppid"] not in {x["pid"] for x in rs}]'
base=$(merged "${main}[0]['totals']['eligible'] if len($main) == 1 else -1")
ok "baseline: one stress-ng process and its workers reported ($(ls "$T/rep" | wc -l) reports, $base allocations in stress-ng)" \
	test "$base" -gt 0 -a "$(ls "$T/rep" | wc -l)" -ge 3

rm -rf "$T/rep"
mkdir "$T/rep"
start=$(date +%s)
run_shim FAILPOOL_RATE=0.01 FAILPOOL_SEED=1 FAILPOOL_AFTER=$((base + 50)) FAILPOOL_REPORT="$T/rep/%p.json" \
	-- "$STRESS_NG" $ARGS >"$T/out" 2>&1
rc=$?
end=$(date +%s)
is "$rc" 0 "stress-ng --malloc 2 under RATE=0.01: exit 0"
[ $rc -eq 0 ] || diag "$(tail -5 "$T/out")"
ok "stress-ng finished within 20 s ($((end - start)) s)" test $((end - start)) -lt 20
n=$(ls "$T/rep" | wc -l)
ok "every process wrote a report ($n)" test "$n" -ge 3
is "$(merged 'all(r["complete"] and r["exit"]["how"] == "exit" and r["exit"]["code"] == 0 for r in rs)')" True \
	"every report: complete, exit code 0"
is "$(merged 'sum(r["totals"]["injected"] for r in rs) > 0')" True \
	"failures were injected ($(merged 'sum(r["totals"]["injected"] for r in rs)') in all)"
is "$(merged 'all(r["totals"]["injected"] == sum(s["injected"] for s in r["sites"]) and min(r["totals"]["injected"], 1000) == len(r["injections"]) for r in rs)')" True \
	"every report's counts agree with its sites and injections"

done_testing

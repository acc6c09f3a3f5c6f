#!/bin/sh
# A real program that forks workers which end with _exit: stress-ng's malloc
# stressor, which copes with NULL from malloc. Under random failures it
# still succeeds, and every process (stress-ng and each worker) writes its
# own report (%p), with failures injected into the workers. Its start-up is
# the program's too: the constructors of the libraries it links allocate
# from its first eligible allocation on, and libEGL's aborts when one fails.
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
# bookkeeping).
mkdir "$T/rep"
run_shim FAILPOOL_REPORT="$T/rep/%p.json" -- "$STRESS_NG" $ARGS >"$T/out" 2>&1
rc=$?
is "$rc" 0 "stress-ng under the shim, no failures: exit 0"
[ $rc -eq 0 ] || diag "$(tail -5 "$T/out")"
main='[r for r in rs if r["ppid"] not in {x["pid"] for x in rs}]'
base=$(merged "${main}[0]['totals']['eligible'] if len($main) == 1 else -1")
ok "baseline: one stress-ng process and its workers reported ($(ls "$T/rep" | wc -l) reports, $base allocations in stress-ng)" \
	test "$base" -gt 0 -a "$(ls "$T/rep" | wc -l)" -ge 3

# The first eligible allocation is stress-ng's own: a constructor of a
# library it links (libGLdispatch, called by the loader), which copes.
rm -rf "$T/rep"
mkdir "$T/rep"
run_shim FAILPOOL_NTH=1 FAILPOOL_REPORT="$T/rep/%p.json" -- "$STRESS_NG" $ARGS >"$T/out" 2>&1
is "$?:$(merged "$main[0]['totals']['injected']")" 0:1 "NTH=1: exit 0, one failure in stress-ng"
is "$(merged "[(s['frames'][0]['object'], s['frames'][-1]['object']) for s in $main[0]['sites'] if s['injected']]")" \
	"[('libGLdispatch.so.0', 'ld-linux-x86-64.so.2')]" "NTH=1: the failure is in libGLdispatch, called from the loader (a constructor)"

# RATE=0.01 from the first allocation: seed 1 fails one in libEGL's
# constructor, which aborts.
rm -rf "$T/rep"
mkdir "$T/rep"
run_shim FAILPOOL_RATE=0.01 FAILPOOL_SEED=1 FAILPOOL_REPORT="$T/rep/%p.json" -- "$STRESS_NG" $ARGS >"$T/out" 2>&1
is "$?:$(grep -c 'Could not allocate dispatch index array' "$T/out")" "134:1" \
	"RATE=0.01 SEED=1: libEGL's constructor aborts as stress-ng starts"
is "$(merged '"%d %s %s %d %d %s" % (len(rs), rs[0]["complete"], rs[0]["exit"]["signal"], rs[0]["totals"]["injected"], rs[0]["crash"]["last_injection_seq"], sorted({f["object"] for s in rs[0]["sites"] if s["injected"] for f in s["frames"]}))')" \
	"1 False 6 1 1 ['ld-linux-x86-64.so.2', 'libEGL.so.1', 'libc.so.6']" \
	"... one report: SIGABRT after injected failure #1, whose site is libEGL's constructor"

# The workers cope with NULL: AFTER lets stress-ng start (above), and the
# failures go to the workers.
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

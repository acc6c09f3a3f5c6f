#!/bin/sh
# The report formats match their JSON Schemas (doc/*.schema.json; README,
# "The report"): real failpool-report/1 files of every kind (a plain run,
# an injected crash, a FAILPOOL_CHECK=frees double free, a pool, SIGTERM),
# a failpool-merged/1 from `failpool report --format json` and an explore
# summary.json (failpool-explore/1).  The checker (schemacheck.py, no
# python3-jsonschema needed) must also reject broken reports, so that the
# test cannot pass by accepting everything.
. "$TESTLIB"

SRC=$(dirname "$TESTLIB")/../..
DOC=$SRC/doc
check() { "$PYTHON3" "$SRC/tests/integration/schemacheck.py" "$@"; }
valid() {	# SCHEMA FILE DESC
	out=$(check "$DOC/$1" "$2" 2>&1)
	is "$?:$out" "0:ok $2" "$3"
}
invalid() {	# SCHEMA FILE PATTERN DESC
	out=$(check "$DOC/$1" "$2" 2>&1)
	rc=$?
	case "$rc:$out" in
	1:*"$3"*) ok "$4" true ;;
	*) ok "$4" false; diag "exit $rc: $out" ;;
	esac
}
R=failpool-report.schema.json

# 0. The schemas are JSON and use only what the checker knows.
for s in failpool-report failpool-merged failpool-explore; do
	out=$(check "$DOC/$s.schema.json" "$DOC/$s.schema.json" 2>&1)
	case "$?:$out" in
	[01]:*) ok "$s.schema.json: a schema the checker reads" true ;;
	*) ok "$s.schema.json: a schema the checker reads" false; diag "$out" ;;
	esac
done

# 1. Reports of every kind.
run_shim FAILPOOL_REPORT="$T/plain.json" FAILPOOL_RATE=0.1 -- "$PROGS/probe" malloc 10 16 >/dev/null 2>&1
valid $R "$T/plain.json" "a plain report (RATE=0.1)"
run_shim FAILPOOL_REPORT="$T/crash.json" FAILPOOL_EVERY=1 -- "$PROGS/crashy" unchecked >/dev/null 2>&1
is "$(jpy "$T/crash.json" 'r["crash"]["kind"]')" signal "crash report: kind signal"
valid $R "$T/crash.json" "a crash report (SIGSEGV after an injected failure)"
run_shim FAILPOOL_REPORT="$T/dfree.json" FAILPOOL_CHECK=frees -- "$PROGS/badfree" double >/dev/null 2>&1
is "$(jpy "$T/dfree.json" '"%s %d %d" % (r["crash"]["kind"], len(r["crash"]["alloc_frames"]) > 0, len(r["crash"]["first_free_frames"]) > 0)')" \
	"double-free 1 1" "double-free report: kind, alloc_frames, first_free_frames"
valid $R "$T/dfree.json" "a FAILPOOL_CHECK=frees double-free report"
CRIT='func:critical_*'
run_shim FAILPOOL_REPORT="$T/pool.json" FAILPOOL_EVERY=1 FAILPOOL_SITES="$CRIT" \
	FAILPOOL_POOLS="crit:site=$CRIT,min=8,size=64" -- "$PROGS/pools" hold 10 64 >/dev/null 2>&1
is "$(jpy "$T/pool.json" 'len(r["pools"])')" 1 "pool report: one pool"
valid $R "$T/pool.json" "a report with a pool"
LIB="$FAILPOOL_LIB" REPORT="$T/term.json" "$PYTHON3" - "$PROGS/lastwords" <<'PYEOF' >/dev/null
import os, signal, subprocess, sys
def reset():
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
env = dict(os.environ, LD_PRELOAD=os.environ["LIB"], FAILPOOL_REPORT=os.environ["REPORT"])
p = subprocess.Popen([sys.argv[1], "sleep"], stdout=subprocess.PIPE, env=env, preexec_fn=reset)
p.stdout.readline()
p.send_signal(signal.SIGTERM)
try:
    p.wait(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
PYEOF
is "$(jpy "$T/term.json" '"%s %s %s" % (r["exit"]["how"], r["exit"]["signal"], r["complete"])')" \
	"signal 15 False" "SIGTERM report: exit by signal 15, not complete"
valid $R "$T/term.json" "a SIGTERM report"

# 2. A merged report.
"$FAILPOOL" report --format json "$T/plain.json" "$T/pool.json" "$T/dfree.json" "$T/crash.json" \
	>"$T/merged.json" 2>"$T/err"
is "$(jpy "$T/merged.json" 'len(r["processes"])')" 4 "merged: four processes"
valid failpool-merged.schema.json "$T/merged.json" "failpool report --format json output"

# 3. An explore summary with findings (crashy's handled failure prints on stdout: silent).
"$FAILPOOL" explore --out "$T/x" -- "$PROGS/crashy" unchecked >/dev/null 2>&1
is "$(jpy "$T/x/summary.json" 'sorted(f["class"] for f in r["findings"])')" "['crashed', 'silent']" "explore: two findings"
valid failpool-explore.schema.json "$T/x/summary.json" "explore's summary.json"

# 4. Broken documents are rejected: the check is not vacuous.
mutate() {	# IN OUT PYTHON-STATEMENT (on r)
	"$PYTHON3" -c 'import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(r, open(sys.argv[2], "w"))' "$1" "$2" "$3"
}
mutate "$T/plain.json" "$T/b1.json" 'r["pid"] = str(r["pid"])'
invalid $R "$T/b1.json" "/pid: " "rejected: pid a string"
mutate "$T/plain.json" "$T/b2.json" 'del r["totals"]["startup"]'
invalid $R "$T/b2.json" "missing required key 'startup'" "rejected: totals.startup missing"
mutate "$T/term.json" "$T/b3.json" 'r["exit"]["how"] = "killed"'
invalid $R "$T/b3.json" "/exit/how: " "rejected: exit.how not exit or signal"
mutate "$T/dfree.json" "$T/b4.json" 'r["crash"]["kind"] = "use-after-free"'
invalid $R "$T/b4.json" "/crash" "rejected: unknown crash.kind"
mutate "$T/dfree.json" "$T/b5.json" 'del r["crash"]["alloc_frames"]'
invalid $R "$T/b5.json" "/crash" "rejected: a double free without alloc_frames"
mutate "$T/plain.json" "$T/b6.json" 'r["schema"] = "failpool-report/2"'
invalid $R "$T/b6.json" "/schema: " "rejected: another schema name"
mutate "$T/pool.json" "$T/b7.json" 'r["pools"][0]["hits"] = -1'
invalid $R "$T/b7.json" "/pools/0/hits: " "rejected: a negative count"
mutate "$T/plain.json" "$T/b8.json" 'r["totals"]["calls"]["malloc"] = None'
invalid $R "$T/b8.json" "/totals/calls/malloc: " "rejected: a null call count"
mutate "$T/merged.json" "$T/b9.json" 'del r["processes"][0]["report"]'
invalid failpool-merged.schema.json "$T/b9.json" "missing required key 'report'" "rejected: merged process without report"
mutate "$T/x/summary.json" "$T/b10.json" 'r["runs"][1]["class"] = "exploded"'
invalid failpool-explore.schema.json "$T/b10.json" "/runs/1/class" "rejected: unknown run class"
is "$(check "$DOC/$R" "$T/merged.json" >/dev/null 2>&1; echo $?)" 1 "a merged report is not a failpool-report/1"
mutate "$T/plain.json" "$T/b11.json" 'r["extra_key_from_a_later_version"] = 1'
valid $R "$T/b11.json" "accepted: a key added later (permissive for additions)"

done_testing

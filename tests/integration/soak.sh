#!/bin/sh
# failpool soak (README, "`failpool report` and `failpool soak`"): stress-ng stressors under the shim for a short
# while (`make soak` runs a longer one): the verdict, first and last, every
# process's report merged and named by its stressor, pools on the
# stressors' allocations and one that runs out, a stressor that does not
# survive (libJudy exits on a failed allocation), stress-ng's own start-up
# (a library constructor aborts on a failed allocation), soaks that test
# nothing, an --out that keeps what soak did not write, the countdown on a
# terminal, bad usage. Every allocation is eligible: soak has no site rule
# of its own.
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
is "$(sed -n '/^Processes$/,/^$/p' "$T/out" | grep -c '^  *stress-ng\( ([a-z0-9-]*)\)\?  *[0-9]')" "$n" "the merged tables list every process"
# The Processes table names each process by its stressor, as the Stressors table counts them.
is "$(sed -n '/^Processes$/,/^$/p' "$T/out" | sed -n 's/^  *\(stress-ng\( ([a-z0-9-]*)\)\?\)  *[0-9].*/\1/p' | sort | uniq -c | awk '{ $1 = $1; print }')" \
	"$(sed -n '/^Stressors$/,/^$/p' "$T/out" | awk 'NR > 2 && NF { print $2, ($1 == "stress-ng" ? "stress-ng" : "stress-ng (" $1 ")") }' | sort -k2)" \
	"the embedded report's Processes table names each process by its stressor, as the Stressors table does"
is "$(sed -n '/^Processes$/,/^$/p' "$T/out" | grep -c '^    stress-ng (malloc) ')" 2 \
	"... the two malloc instances, children of stress-ng, as stress-ng (malloc)"
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
is "$(sed -n 2,3p "$T/out" | sed 's/pid [0-9]*/pid N/')" "  stress-ng's output: $T/s/stress-ng.log
  pid N (stress-ng): killed by signal 6 (SIGABRT)" "... where stress-ng's output is, and the process that ended so"
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
ok "... the worker that gave up is listed, named by its stressor" \
	grep -q '^  pid [0-9]* (judy): exited with status [1-9]$' "$T/out"
ok "... and the stressors table says so" grep -q '^  judy  *1  *[0-9]*  1 not normally (pid [0-9]* exited with status [1-9])$' "$T/out"

# 5. The verdict comes first and last; each stressor's processes in a table.
$S --duration 1s --stressor malloc:1 --stressor bsearch --rate 0.01 --seed 1 --after 1000 \
	--out "$T/v" >"$T/out" 2>"$T/err"
is "$?:$(tail -n 1 "$T/out")" "0:$(head -n 1 "$T/out")" "the verdict is the last line as well as the first"
is "$(sed -n '/^Stressors$/,/^$/p' "$T/out" | awk 'NR > 2 && NF { print $1, $2 }' | sort | tr '\n' ,)" \
	"bsearch 1,malloc 2,stress-ng 1," "every process named by its stressor (malloc's own child too)"
is "$(wc -c <"$T/err" | tr -d ' ')" 0 "no countdown when stderr is not a terminal"

# 6. Soaks that test nothing say so, with status 2: nothing configured to
#    fail, or settings that never matched.
$S --duration 1s --stressor bsearch --out "$T/n" >"$T/out" 2>&1
is "$?:$(head -n 1 "$T/out")" \
	"2:failpool soak: tested nothing: no failure was configured (give --rate, --every, --nth or --limit); stress-ng and 1 worker ran 1 s under the shim and ended normally" \
	"no failure configured: tested nothing, exit 2"
$S --duration 1s --stressor bsearch --rate 1 --after 100000000 --out "$T/n" >"$T/out" 2>&1
is "$?:$(head -n 1 "$T/out")" \
	"2:failpool soak: tested nothing: no allocation failed; stress-ng and 1 worker ran 1 s and the settings never matched (--after, --site, --calls, --enable?)" \
	"--after past every allocation: tested nothing, exit 2"

# 7. A pool that returned NULL is a finding, with its suggested min.
$S --duration 1s --stressor malloc:1 --rate 0.5 --seed 2 --after 1000 \
	--pool 'tiny:site=lib:stress-ng*,min=2,size=4K' --out "$T/x" >"$T/out" 2>&1
rc=$?
ex=$("$FAILPOOL" report --format json "$T/x"/*.json | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["pools"][0]["exhausted"])')
is "$rc:$(head -n 2 "$T/out" | sed 's/ran 1 s, [0-9]* failures/ran 1 s, N failures/')" \
	"1:failpool soak: finding: 1 pool ran out; stress-ng and 2 workers ran 1 s, N failures injected, none fatal
  pool tiny ran out $ex times (NULL returned for want of an element): min 2 is too small; suggested min >= $((ex + 2))" \
	"a pool that ran out ($ex times): a finding, exit 1, with the suggested min"

# 8. --out: soak's own directory. One it did not write is refused, nothing
#    deleted; in an earlier soak's, only what that soak wrote is removed.
mkdir "$T/o" && echo '{"name": "mine"}' >"$T/o/package.json"
$S --duration 1s --stressor bsearch --rate 0.01 --out "$T/o" >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/err"):$(ls -A "$T/o")" \
	"2:failpool: --out: $T/o is not empty and no earlier soak wrote it (it holds package.json); give a new or empty directory:package.json" \
	"a directory soak did not write: refused, exit 2, its package.json untouched"
old=$(ls "$T/v" | grep json | tr '\n' ,)
echo notes >"$T/v/notes.txt"
echo '{}' >"$T/v/package.json"
$S --duration 1s --stressor malloc:1 --rate 0.01 --seed 1 --after 1000 --out "$T/v" >"$T/out" 2>&1
is "$?" 0 "a second soak in an earlier soak's directory runs"
is "$(ls "$T/v" | grep -c '^[0-9]*\.json$'):$(cat "$T/v/notes.txt"):$(cat "$T/v/package.json")" \
	"3:notes:{}" "... the earlier soak's reports ($old) are gone, the user's files are kept"
is "$(sed -n '/^Stressors$/,/^$/p' "$T/out" | awk 'NR > 2 && NF { print $1 }' | sort | tr '\n' ,)" \
	"malloc,stress-ng," "... and only this soak's reports are merged"
echo '{}' >"$T/v/999999999.json"
$S --duration 1s --stressor bsearch --rate 0.01 --out "$T/v" >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/err"):$(cat "$T/v/999999999.json")" \
	"2:failpool: --out: $T/v/999999999.json was not written by an earlier soak (.failpool-soak does not list it) and this one would replace it; move it or give another directory:{}" \
	"a file a report could replace, not soak's: refused, exit 2, kept"

# 9. A countdown when stderr is a terminal (script(1) gives it one).
if command -v script >/dev/null 2>&1; then
	script -qec "$S --duration 2s --stressor bsearch --rate 0.01 --out '$T/c' >/dev/null" /dev/null >"$T/tty"
	ok "a countdown on a terminal: 'failpool soak: 2 s left'" grep -q 'failpool soak: 2 s left' "$T/tty"
else
	skip "a countdown on a terminal" "script(1) not installed"
fi

# 9b. An interrupt: soak passes it on to stress-ng, whose workers stop and
#     write their reports, and the verdict follows. (Sent once a failure
#     has been injected, which --log shows as it happens.)
$S --duration 120s --stressor malloc:1 --rate 0.01 --seed 1 --after 1000 --log "$T/i.log" \
	--out "$T/i" >"$T/out" 2>&1 &
soak=$!
i=0
while [ ! -s "$T/i.log" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -INT $soak
wait $soak
is "$?:$(head -n 1 "$T/out" | sed 's/ran [0-9]* s/ran N s/; s/, [0-9]* failures/, N failures/')" \
	"130:failpool soak: survived: stress-ng and 2 workers ran N s (interrupted), N failures injected, none fatal" \
	"SIGINT to soak: stress-ng stopped, the verdict says so, and soak ends by SIGINT (130: never a pass)"
is "$(ls "$T/i" | grep -c '^[0-9]*\.json$')" 3 "... every process wrote its report"

# 9c. A stress-ng that fails with no process reporting: said, with where
#     its output is (a script standing in for stress-ng; --exe keeps the
#     shim out of it).
cat >"$T/fake" <<'EOF'
#!/bin/sh
[ "$1" = --stressors ] && { echo "malloc bsearch"; exit 0; }
echo "cannot run: $*"
exit 3
EOF
chmod +x "$T/fake"
"$FAILPOOL" soak --stress-ng "$T/fake" --stressor malloc --duration 1s --rate 0.1 --exe nomatch \
	--out "$T/fk" >"$T/out" 2>&1
is "$?:$(cat "$T/out"):$(cat "$T/fk/stress-ng.log")" \
	"1:failpool soak: NOT survived: stress-ng exited with status 3; 0 processes crashed, 0 exited with an error
  stress-ng's output: $T/fk/stress-ng.log
  no process wrote a report (stress-ng did not start, or --exe matched none of its processes):cannot run: --malloc 1 --timeout 1s --temp-path $T/fk/stress-ng-tmp" \
	"stress-ng failing, no report: NOT survived, exit 1, its output named"

# 10. Usage.
$S --stressor 'no such' >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: --stressor: not NAME or NAME:N (N in 1..1024): 'no such'" "a bad --stressor: exit 2"
$S --duration forever >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: --duration: not a duration such as 30, 30s or 2m: 'forever'" "a bad --duration: exit 2"
$S --stressor nosuch --out "$T/u" >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err"):$(test -e "$T/u" && echo written || echo absent)" \
	"2:failpool: --stressor: $STRESS_NG has no stressor 'nosuch' (\`$STRESS_NG --stressors\` lists them):absent" \
	"a stressor stress-ng does not know: a usage error, exit 2, before anything is written"
$S --report x.json >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: --report cannot be used: soak keeps the reports in --out" "--report: exit 2"

done_testing

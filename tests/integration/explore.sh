#!/bin/sh
# failpool explore (README, "`failpool explore`"): one crashing site among checked ones, named;
# a hang killed at the timeout; a crash reachable only through an error
# path, found through the queue; a clean program; nth mode; --persistent;
# --jobs gives the same result; summary.json; a real program with
# --max-runs; the progress line on a terminal only; bad usage.
. "$TESTLIB"

C=$PROGS/crashy
E=$PROGS/explorable
X="$FAILPOOL explore"
sj() { jpy "$1/summary.json" "$2"; }

# 1. One unchecked allocation among checked ones.
$X --out "$T/u" -- "$C" unchecked >"$T/out" 2>"$T/err"
is "$?" 1 "crashy unchecked: exit 1 (a finding)"
# crashy prints "load_item failed, handled" on stdout with status 0: silent.
is "$(sj "$T/u" '" ".join("%s=%d" % (c, r["totals"][c]) for c in ("survived", "handled", "silent", "aborted", "crashed", "hung"))')" \
	"survived=0 handled=0 silent=1 aborted=0 crashed=1 hung=0" "one run crashed, one printed another output with status 0"
is "$(sj "$T/u" '[(f["class"], f["signal"], f["site_stack"].split("+")[0], f["crash_stack"].split("+")[0]) for f in r["findings"] if f["class"] == "crashed"]')" \
	"[('crashed', 11, 'use_unchecked', 'use_unchecked')]" "the finding: SIGSEGV, failing site use_unchecked, crashing in use_unchecked"
ok "the table names the crash, with file:line" grep -q "^CRASHED  SIGSEGV in use_unchecked .*crashy.c:[0-9]* < main " "$T/out"
ok "the table names the failing site, with file:line" grep -q "^         failing site [0-9a-f]\{16\}: use_unchecked .*crashy.c:[0-9]" "$T/out"
"$T/u/repro-1.sh" >/dev/null 2>"$T/rerr" </dev/null
is "$?:$(grep -c 'killed by signal 11' "$T/rerr")" "139:1" "repro-1.sh reproduces the crash"
is "$(sj "$T/u" 'r["runs"][0]["class"] + " " + str(r["runs"][0]["exit"]["code"]) + " " + str(len(r["runs"]) - 1 == r["sites"])')" \
	"baseline 0 True" "summary.json: the baseline, then one run per site known"
is "$(sj "$T/u" 'all(set(x) >= {"run", "site", "class", "exit", "injected"} for x in r["runs"]) and r["schema"] == "failpool-explore/1"')" True \
	"summary.json: each run's site, class and exit status"

# 2. --jobs 3: the same runs in the same order.
$X --jobs 3 --out "$T/j" -- "$C" unchecked >/dev/null 2>&1
is "$(sj "$T/j" '[(x["site"], x["class"]) for x in r["runs"]]')" "$(sj "$T/u" '[(x["site"], x["class"]) for x in r["runs"]]')" \
	"--jobs 3: same sites, same order, same classes"

# 3. A hang: killed at the timeout, the whole process group.
# (Run through a link in $T: its command line is this test's alone, not
# that of another explore.sh running at the same time.)
ln -s "$E" "$T/explorable"
start=$(date +%s)
$X --timeout 1s --out "$T/h" -- "$T/explorable" hang >"$T/out" 2>&1
is "$?" 1 "explorable hang: exit 1"
end=$(date +%s)
is "$(sj "$T/h" '[(f["class"], f["site_stack"].split("+")[0]) for f in r["findings"]]')" "[('hung', 'wait_for_memory')]" \
	"the finding: hung when wait_for_memory's allocation fails"
ok "the hung run was killed after about 1 s (took $((end - start)) s in all)" test $((end - start)) -lt 10
left=$(pgrep -afx "$T/explorable hang")
[ -z "$left" ] || diag "left: $left"
ok "no process of the hung run is left" test -z "$left"

# 4. A crash only on an error path: found through the queue.
$X --out "$T/e" -- "$E" errpath >"$T/out" 2>&1
is "$?" 1 "explorable errpath: exit 1"
is "$(sj "$T/e" '[(f["class"], f["site_stack"].split("+")[0], x["chain"] != []) for f in r["findings"] for x in r["runs"] if x["run"] == f["runs"][0]]')" \
	"[('crashed', 'report_error', True)]" "report_error's site, seen only on load_config's error path, crashes"
is "$(sj "$T/e" '[x["site"] for x in r["runs"] if x["class"] == "handled"] != [] and any(x["revealed"] for x in r["runs"][1:])')" True \
	"load_config's failure is handled, and its run revealed the new site"
ok "the table says how the site was reached" grep -q "reached by failing first 1 site on its error path" "$T/out"
is "$(sed -n 2p "$T/out" | cut -d' ' -f1-5):$(sed -n 3p "$T/out" | sed 's/ [^ ]*vsnprintf.c:[0-9]* / FILE /; s/ <.*//')" \
	"CRASHED  SIGSEGV in report_error:         faulted in __vsnprintf_internal FILE" \
	"a fault inside libc: the heading starts in the program, the next line says where it faulted"
is "$(grep -c 'faulted in' "$T/out")" 1 "... once"
sh "$T/e/repro-1.sh" >/dev/null 2>"$T/rerr"
is "$?" 139 "its repro (both sites, --nth 1 --burst 2) crashes again"

# 5. A clean program: exit 0.
$X --out "$T/c" -- "$E" clean >"$T/out" 2>&1
is "$?:$(sj "$T/c" '"%d %d" % (r["totals"]["crashed"], r["totals"]["hung"])')" "0:0 0" "explorable clean: exit 0, nothing crashed or hung"
ok "no repro script for a clean program" sh -c "! ls '$T/c'/repro-*.sh 2>/dev/null"

# 6. nth mode and --persistent.
$X --mode nth --out "$T/n" -- "$C" unchecked >/dev/null 2>&1
is "$?:$(sj "$T/n" '"%s %d" % (len(r["runs"]) - 1 == r["runs"][0]["eligible"] > 0, len([x for x in r["runs"] if x["class"] == "crashed"]))')" \
	"1:True 1" "--mode nth: one run per eligible allocation of the baseline, exactly one crashes"
$X --persistent --timeout 2s --out "$T/p" -- "$E" hang >/dev/null 2>&1
is "$?:$(sj "$T/p" 'r["persistent"]')" "1:True" "--persistent: summary says so"

# 7. A real program, bounded.
$X --max-runs 8 --jobs 2 --out "$T/s" -- sort /etc/services >"$T/out" 2>&1
rc=$?
is "$rc:$(sj "$T/s" 'len(r["runs"]) - 1')" "0:8" "sort explored with --max-runs 8: 8 runs, nothing crashed"
ok "not a terminal: no progress line" sh -c "! grep -q 'runs, .* findings' '$T/out'"
if command -v script >/dev/null 2>&1; then
	script -qc "$X --out '$T/t' -- '$E' clean" /dev/null >"$T/tty" 2>&1
	ok "on a terminal: a progress line (runs, findings, ETA)" grep -q "failpool explore: [0-9]*/[0-9]* runs, 0 findings, [0-9]* sites known, ETA" "$T/tty"
	ok "on a terminal: progress from the baseline on" grep -q "failpool explore: running the baseline" "$T/tty"
else
	skip "progress line" "script(1) not installed"
fi

# 8. Bad usage: exit 2.
$X --rate 0.1 -- "$E" clean >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: --rate cannot be used: explore decides what fails" "--rate: exit 2"
$X --mode random -- "$E" clean >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: --mode: not sites or nth: 'random'" "--mode random: exit 2"
$X --out "$T/b" -- "$C" abort >/dev/null 2>"$T/err"
is "$?" 2 "a baseline that crashes: exit 2, nothing to compare with"

# A baseline with thousands of sites (2187 at depth 8) is read in linear time:
# the table of sites seen grows with what one run's reports hold.
timeout 60 "$FAILPOOL" explore --max-runs 3 --out "$T/many" -- "$PROGS/manysites" >"$T/out" 2>&1
is "$?:$(grep -o '[0-9]* sites known' "$T/out")" "0:2187 sites known" \
	"2187 sites from one baseline: explored, not stuck rehashing"

done_testing

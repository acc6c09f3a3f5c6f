#!/bin/sh
# failpool explore (README, "`failpool explore`"): what it refuses to call
# explored (exit 2), the classes silent and aborted, findings grouped by
# where they end, reproducers from any directory in a clean environment
# (a silent one saying whether it reproduced), --stdin, a used --out,
# --max-runs leaving sites untried, SIGTERM and --resume, --fail-on and
# --junit, shards, and bytes that are not UTF-8 kept exactly through
# reports, summary.json and merged reproducers.
. "$TESTLIB"

F=$PROGS/findings
X="$FAILPOOL explore"
sj() { jpy "$1/summary.json" "$2"; }

# 1. Nothing explored is no success: exit 2 and the reason.
$X --out "$T/m" -- no-such-program-here >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "2:failpool: no-such-program-here: command not found in PATH: nothing to explore" \
	"a misspelled command: exit 2"
printf 'not a program\n' >"$T/plain"
$X --out "$T/m" -- "$T/plain" >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "2:failpool: $T/plain: not an executable file: nothing to explore" \
	"a file that is not executable: exit 2"
printf '#!/bin/sh\nexit 127\n' >"$T/gone" && chmod +x "$T/gone"
$X --out "$T/m127" -- "$T/gone" >/dev/null 2>"$T/err"
is "$?:$(grep -c 'the baseline run exited 127, as a shell does for a command it cannot find' "$T/err")" "2:1" \
	"a script whose command is not found (127): exit 2"
if command -v file >/dev/null 2>&1 && file -L /sbin/ldconfig 2>/dev/null | grep -q 'static'; then
	$X --out "$T/ms" -- /sbin/ldconfig -p >/dev/null 2>"$T/err"
	is "$?:$(grep -c 'ldconfig is statically linked, so no shim can be preloaded into it: nothing to explore' "$T/err")" "2:1" \
		"a statically linked program: exit 2, said plainly"
else
	skip "a statically linked program" "no static /sbin/ldconfig here"
fi

# 2. A program that changes directory: explore's paths are absolute.
mkdir "$T/rel" && (cd "$T/rel" && $X --out xo -- "$F" chdir >"$T/out" 2>&1)
is "$?:$(sj "$T/rel/xo" 'r["sites"] > 0 and r["runs"][0]["class"] == "baseline"')" "0:True" \
	"chdir(\"/\") first: the reports are found, sites known"

# 3. silent: same status, another output; judged only when two baselines agree.
$X --out "$T/sw" -- "$F" swallow >"$T/out" 2>&1
is "$?:$(sj "$T/sw" '[(f["class"], len(f["sites"])) for f in r["findings"]]')" "1:[('silent', 1)]" \
	"a failure taken for 0: one silent finding, exit 1"
ok "the table says SILENT" grep -q "^SILENT   exit 0 as the baseline, but another standard output" "$T/out"
# A silent finding's reproducer says whether it reproduced: its output
# against the baseline's, kept beside it; from / with env -i too.
(cd / && env -i /bin/sh "$T/sw/repro-1.sh" >"$T/rout" 2>/dev/null)
is "$?:$(lines "$T/rout")" "1:reproduced: standard output differs from the baseline's (see diff),1c1,< sum 15,---,> sum 14" \
	"its repro-1.sh from / with env -i: reproduced, the diff, exit 1"
is "$(cat "$T/sw/repro-baseline.stdout"):$(cat "$T/sw/repro-1.stdout")" "sum 15:sum 14" \
	"the baseline's output and the reproducer's kept beside the scripts"
echo secret >"$T/victim" && rm "$T/sw/repro-1.stdout" && ln -s "$T/victim" "$T/sw/repro-1.stdout"
(cd / && env -i /bin/sh "$T/sw/repro-1.sh" >/dev/null 2>&1)
is "$?:$(cat "$T/victim"):$(cat "$T/sw/repro-1.stdout")" "1:secret:sum 14" \
	"a link planted as repro-1.stdout: replaced, not written through"
mkdir "$T/nodiff"
for c in setarch uname env cmp head rm; do ln -s "$(command -v $c)" "$T/nodiff/$c"; done
(cd / && env -i PATH="$T/nodiff" /bin/sh "$T/sw/repro-1.sh" >"$T/rout" 2>/dev/null)
is "$?:$(sed 's/ differ: .*/ differ/' "$T/rout" | paste -sd, -)" "1:reproduced: standard output differs from the baseline's (see diff),$T/sw/repro-baseline.stdout $T/sw/repro-1.stdout differ" \
	"no diff on the PATH: cmp says where the output differs"
cp "$F" "$T/fixed" && $X --out "$T/fx" -- "$T/fixed" swallow >/dev/null 2>&1
printf '#!/bin/sh\necho "sum 15"\n' >"$T/fixed"	# the bug fixed: the same output whatever fails
(cd / && env -i /bin/sh "$T/fx/repro-1.sh" >"$T/rout" 2>/dev/null)
is "$?:$(lines "$T/rout")" "0:not reproduced: same output as the baseline" "the program fixed: not reproduced, exit 0"
printf '#!/bin/sh\nexit 3\n' >"$T/fixed"
(cd / && env -i /bin/sh "$T/fx/repro-1.sh" >"$T/rout" 2>/dev/null)
is "$?:$(lines "$T/rout")" "2:not reproduced: exit 3, not the baseline's 0" "another exit status: not reproduced as silent, exit 2"
$X --out "$T/pid" -- "$F" pid >"$T/out" 2>&1
is "$?:$(sj "$T/pid" '"%s %d" % (r["output_judged"], r["totals"]["silent"])')" "0:False 0" \
	"a program printing its pid: output not judged, nothing silent, exit 0"
ok "the table says the output cannot be judged" grep -q "^output not judged: two baseline runs printed different standard output" "$T/out"

# A silent run ends at its site's innermost frame of the program and that
# frame's caller: three callers of one wrapper are three silent findings;
# the one reached by two paths is one finding with two sites.
$X --out "$T/wr" -- "$F" wrapped >"$T/out" 2>&1
is "$?:$(sj "$T/wr" 'sorted((f["class"], len(f["sites"]), f["site_stack"].split(" < ")[1].split("+")[0]) for f in r["findings"])')" \
	"1:[('silent', 1, 'print_count'), ('silent', 1, 'print_name'), ('silent', 2, 'print_line')]" \
	"three callers of zalloc() swallowing its NULL: three silent findings, print_line's with its two paths"

# 4. aborted apart from crashed; five callers of one abort are one finding.
$X --out "$T/xm" -- "$F" xmalloc >"$T/out" 2>&1
is "$?:$(sj "$T/xm" '[(f["class"], f["signal"], len(f["sites"]), len(f["runs"])) for f in r["findings"]]')" \
	"0:[('aborted', 6, 5, 5)]" "xmalloc's abort from five callers: one aborted finding, 5 sites, exit 0"
ok "the table: ABORTED in xmalloc, with file:line" grep -q "^ABORTED  SIGABRT in xmalloc .*findings.c:[0-9]* < caller" "$T/out"
is "$(grep -c '^         failing site ' "$T/out")" 5 "the table lists the five sites"
if command -v script >/dev/null 2>&1; then
	script -qc "$X --out '$T/xmp' -- '$F' xmalloc" /dev/null >"$T/tty" 2>&1
	is "$(tr '\r' '\n' <"$T/tty" | grep -a 'ETA' | tail -n 1 | sed 's/ ETA.*//')" \
		"failpool explore: 6/6 runs, 1 finding, 6 sites known," \
		"the progress line counts findings as the table does: five runs, one finding"
else
	skip "the progress line's findings" "script(1) not installed"
fi
$X --out "$T/xm1" --fail-on aborted,hung --junit "$T/j.xml" -- "$F" xmalloc >/dev/null 2>&1
is "$?" 1 "--fail-on aborted,hung: exit 1"
is "$("$PYTHON3" -c '
import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
print(s.get("tests"), s.get("failures"), [(c.get("classname"), c.find("failure").get("type")) for c in s.findall("testcase")])' "$T/j.xml")" \
	"2 2 [('failpool.explore', 'findings'), ('failpool.explore.aborted', 'aborted')]" \
	"--junit: parses; one failing case per finding and one for the exploration"
L1="$T/find$(printf '\351')s"	# a Latin-1 byte in the command: not UTF-8
cp "$F" "$L1"
$X --out "$T/xm4" --junit "$T/j1.xml" -- "$L1" xmalloc >/dev/null 2>&1
is "$("$PYTHON3" -c '
import sys, xml.etree.ElementTree as E
print(E.parse(sys.argv[1]).getroot().find("testsuite").get("name").endswith("find\ufffds xmalloc"))' "$T/j1.xml" 2>&1)" True \
	"--junit with a command that is not UTF-8: the file parses, the byte read as U+FFFD"
$X --resume "$T/xm4" -- "$L1" xmalloc >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "--resume of that exploration: the same command, though summary.json holds the byte as U+00E9"
$X --out "$T/xm2" --fail-on frobbed -- "$F" xmalloc >/dev/null 2>"$T/err"
is "$?" 2 "--fail-on with an unknown class: exit 2"
$X --out "$T/xm3" --fail-on '' -- "$F" xmalloc >/dev/null 2>"$T/err"
is "$?:$(test -e "$T/xm3" && echo made)" "2:" "--fail-on '' (an unset variable): exit 2, not taken for none"

# 5. Five callers crashing in one function: one crashed finding.
$X --out "$T/dr" -- "$F" deref >"$T/out" 2>&1
is "$?:$(sj "$T/dr" '[(f["class"], f["signal"], f["kind"], len(f["sites"]), f["crash_stack"].split("+")[0]) for f in r["findings"]]')" \
	"1:[('crashed', 11, 'signal', 5, 'fill')]" "five callers of fill(): one crashed finding with 5 sites"

# 6. A reproducer restores the working directory, the environment and stdin.
mkdir "$T/cwd" && echo crash >"$T/cwd/findings.conf"
(cd "$T/cwd" && FINDINGS_MODE=strict $X --out "$T/nd" -- "$F" needs >"$T/out" 2>&1)
is "$?:$(sj "$T/nd" 'r["totals"]["crashed"] > 0')" "1:True" "a crash that needs a variable and a relative file: found"
(cd / && env -i /bin/sh "$T/nd/repro-1.sh" >/dev/null 2>"$T/rerr")
is "$?" 139 "its repro-1.sh, run from / with env -i, crashes the same way"
ok "the reproducer kept a report" sh -c "ls '$T/nd'/repro-1.*.json >/dev/null"
echo crash >"$T/in"
$X --stdin "$T/in" --out "$T/si" -- "$F" stdin >"$T/out" 2>&1
is "$?:$(sj "$T/si" '(r["stdin"], r["totals"]["crashed"] > 0)')" "1:('$T/in', True)" "--stdin FILE: every run reads it"
$X --out "$T/si0" -- "$F" stdin >"$T/out" 2>&1
is "$?:$(sj "$T/si0" 'r["totals"]["crashed"]')" "0:0" "without --stdin: /dev/null, no crash"
(cd / && env -i /bin/sh "$T/si/repro-1.sh" >/dev/null 2>&1)
is "$?" 139 "the --stdin reproducer feeds the same file"

# The README's gdb recipe: the finding's variables set in gdb stop at the fault.
if command -v gdb >/dev/null 2>&1; then
	site=$(sj "$T/dr" 'r["findings"][0]["sites"][0]')
	printf '%s\n' 'set startup-with-shell off' "set environment LD_PRELOAD $FAILPOOL_LIB" \
		"set environment FAILPOOL_SITES site:$site" 'set environment FAILPOOL_NTH 1' \
		'run deref' 'bt 1' >"$T/g.gdb"
	timeout 120 gdb -q -batch -x "$T/g.gdb" "$F" >"$T/gdb.out" 2>&1
	ok "gdb stops at the SIGSEGV in fill()" sh -c "grep -q 'Program received signal SIGSEGV' '$T/gdb.out' && grep -q '^#0 .* fill ' '$T/gdb.out'"
else
	skip "gdb recipe" "gdb not installed"
fi

# Runs are made with address-space randomisation off, as gdb does; --aslr keeps it.
$X --max-runs 1 --out "$T/pe" -- cat /proc/self/personality >/dev/null 2>&1
$X --aslr --max-runs 1 --out "$T/pa" -- cat /proc/self/personality >/dev/null 2>&1
# (Run 1 survived, output judged: it printed the baseline's, and was not kept.)
is "$(cat "$T/pe/runs/0000/stdout" "$T/pa/runs/0000/stdout" | tr '\n' ' ')$(sj "$T/pe" 'r["runs"][1]["class"], r["output_judged"]')" \
	"00040000 00000000 ('survived', True)" "ADDR_NO_RANDOMIZE in every run's personality, not with --aslr"
is "$(sj "$T/pe" 'r["aslr"]') $(sj "$T/pa" 'r["aslr"]')" "False True" "summary.json says which"

# 7. A used --out is refused; --force starts over; --max-runs says what is left.
$X --out "$T/dr" -- "$F" deref >/dev/null 2>"$T/err"
is "$?:$(grep -c 'is not empty' "$T/err")" "2:1" "an --out holding an exploration: refused, exit 2"
echo mine >"$T/dr/notes.txt"
$X --force --max-runs 2 --out "$T/dr" -- "$F" deref >"$T/out" 2>&1
is "$?:$(sj "$T/dr" '"%s %d %d" % (r["complete"], r["untried"], len(r["runs"]) - 1)')" "1:False 4 2" \
	"--force --max-runs 2: 2 runs, incomplete, 4 sites untried"
ok "the table says so" grep -q "^INCOMPLETE 4 sites untried: --max-runs 2 ended the exploration" "$T/out"
ok "no stale reproducer or run of the older exploration" sh -c "test ! -e '$T/dr/repro-2.sh' && test ! -e '$T/dr/runs/0006'"
is "$(cat "$T/dr/notes.txt")" mine "--force leaves files explore did not write"
$X --resume "$T/dr" -- "$F" deref >"$T/out" 2>&1
is "$?:$(sj "$T/dr" '"%s %d %d" % (r["complete"], r["untried"], len(r["runs"]) - 1)')" "1:True 0 6" \
	"--resume: the remaining sites run, the summary is whole"
$X --resume "$T/dr" --max-runs 2 -- "$F" deref >/dev/null 2>"$T/err"
is "$?:$(sj "$T/dr" 'len(r["runs"]) - 1'):$(cat "$T/err")" \
	"2:6:failpool: --resume $T/dr: it records 6 runs after the baseline, more than --max-runs 2; give --max-runs 6 or more (or none)" \
	"--resume with a --max-runs below the runs recorded: refused, summary.json keeps its 6 runs"
ok "one run in the table header: singular" sh -c "$X --max-runs 1 --out '$T/one' -- '$F' swallow | grep -q '^failpool explore: 1 run after the baseline (exit 0, 2 sites known)'"

# 8. SIGTERM: the summary of what is done; --resume goes on. (A copy of
# explorable: explore.sh looks for processes named "explorable hang".)
cp "$PROGS/explorable" "$T/stuck"
$X --timeout 60s --out "$T/tm" -- "$T/stuck" hang >"$T/out" 2>&1 &
xp=$!
i=0
# A run after the baseline is under way: a process of the program writes to its stdout file.
run_on() { for p in $(pgrep -f "$T/[s]tuck hang"); do readlink "/proc/$p/fd/1"; done |
	grep -v '/runs/0000/stdout$' | grep -q '/[0-9][0-9][0-9][0-9]/stdout$'; }
while ! run_on && [ $i -lt 3000 ]; do sleep 0.02; i=$((i + 1)); done
kill -TERM $xp
wait $xp
is "$?:$(sj "$T/tm" '"%s %s" % (r["complete"], r["stopped_by"])')" "143:False SIGTERM" \
	"SIGTERM: killed by it, with summary.json saying it stopped"
ok "... and the table says how to go on: the same options and command" \
	grep -q "^INCOMPLETE stopped by SIGTERM with .* untried: --resume $T/tm, with the same options and command, goes on\$" "$T/out"
$X --timeout 1s --resume "$T/tm" -- "$T/stuck" hang >"$T/out" 2>&1
is "$?:$(sj "$T/tm" '"%s %d" % (r["complete"], r["totals"]["hung"])')" "1:True 1" "--resume after SIGTERM: done, the hang found"
ok "HUNG says the timeout and where it was stuck" grep -q "^HUNG     past the 1s timeout, stuck in wait_for_memory .*explorable.c:[0-9]" "$T/out"
ok "no process of the hung runs is left" sh -c "! pgrep -f '$T/[s]tuck' >/dev/null"

# 9. Shards, run in parallel, merged: the same table and findings as one exploration.
for prog in "deref" "errpath"; do
	case $prog in errpath) P=$PROGS/explorable ;; *) P=$F ;; esac
	$X --out "$T/w-$prog" -- "$P" $prog >"$T/w-$prog.txt" 2>&1
	w=$?
	$X --shard 1/3 --out "$T/s1-$prog" -- "$P" $prog >/dev/null 2>&1 &
	p1=$!
	$X --shard 2/3 --out "$T/s2-$prog" -- "$P" $prog >/dev/null 2>&1 &
	p2=$!
	$X --shard 3/3 --out "$T/s3-$prog" -- "$P" $prog >"$T/s3-$prog.txt" 2>&1
	wait $p1 $p2
	$X --merge --out "$T/m-$prog" "$T/s3-$prog" "$T/s1-$prog" "$T/s2-$prog" >"$T/m-$prog.txt" 2>&1
	is "$?" "$w" "$prog: 3 shards merged: the exit status of the whole exploration"
	is "$(sed "s|$T/m-$prog/||" "$T/m-$prog.txt")" "$(sed "s|$T/w-$prog/||" "$T/w-$prog.txt")" \
		"$prog: the merged table is the whole exploration's"
	q='(r["sites"], r["totals"], [(f["class"], f["sites"], f["crash_stack"]) for f in r["findings"]])'
	is "$(sj "$T/m-$prog" "$q")" "$(sj "$T/w-$prog" "$q")" "$prog: the merged summary.json has the same sites, totals and findings"
done
n3=$(sj "$T/s3-deref" 'len(r["runs"]) - 1')
is "$(head -n 1 "$T/s3-deref.txt" | sed 's/): .*/)/; s/ 1 run / 1 runs /')" \
	"failpool explore, shard 3/3: $n3 runs after the baseline (exit 0, 6 sites known, $n3 of them this shard's)" \
	"a shard's table says it is one, and how many of the sites known are its own"
SRC=$(dirname "$TESTLIB")/../..
for d in m-errpath s1-errpath tm dr; do
	is "$("$PYTHON3" "$SRC/tests/integration/schemacheck.py" "$SRC/doc/failpool-explore.schema.json" "$T/$d/summary.json" 2>&1)" \
		"ok $T/$d/summary.json" "$d/summary.json matches doc/failpool-explore.schema.json"
done
$X --merge --out "$T/m-bad" "$T/s1-deref" "$T/s2-deref" >/dev/null 2>"$T/err"
is "$?:$(grep -c 'one is missing' "$T/err"):$(test -e "$T/m-bad" && echo left)" "2:1:" \
	"--merge with a shard missing: exit 2, and no --out left behind"
$X --merge --out "$T/m-deref" "$T/s1-deref" "$T/s2-deref" "$T/s3-deref" >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "2:failpool: --out $T/m-deref is not empty (an older exploration?): --force to start over, or name another" \
	"--merge into a used --out: refused without suggesting --resume, which --merge does not take"

# 10. Bytes that are not UTF-8 (README, "The report"): written as \udcXX,
# read back as the same bytes by failpool and by Python's json module.
E=$(printf 's/\351/x/')	# sed's command in Latin-1: one byte 0xe9, not UTF-8
mkdir "$T/lat$(printf '\351')n"
run_shim FAILPOOL_REPORT="$T/lat$(printf '\351')n/r.json" -- "$L1" swallow "$E" >/dev/null 2>&1
R="$T/lat$(printf '\351')n/r.json"
is "$(jpy "$R" '[a.encode("utf-8", "surrogateescape") for a in r["argv"][1:]] == [b"swallow", b"s/\xe9/x/"] and r["exe"] == "find\udce9s"')" True \
	"the report of a Latin-1 argument: Python's json reads argv and exe back as the same bytes"
ok "the report holds them as \\udce9, valid UTF-8" grep -q '"argv":\[[^]]*"s/\\udce9/x/"' "$R"
"$FAILPOOL" report "$R" >"$T/rep.txt" 2>&1
ok "failpool report: the command line with the exact bytes" grep -q "find$(printf '\351')s' swallow 's/$(printf '\351')/x/'" "$T/rep.txt"
"$FAILPOOL" report --format json "$R" >"$T/rep.json" 2>&1
is "$(jpy "$T/rep.json" '(r["processes"][0]["exe"].encode("utf-8", "surrogateescape"), r["processes"][0]["report"].encode("utf-8", "surrogateescape").endswith(b"/lat\xe9n/r.json"))')" \
	"(b'find\\xe9s', True)" "failpool report --format json: exe and the report's path, the same bytes"
"$FAILPOOL" report --format html -o "$T/rep.html" "$R" >/dev/null 2>&1
is "$("$PYTHON3" -c '
import sys
page = open(sys.argv[1], encoding="utf-8").read()
print("<title>failpool: find\ufffds (pid" in page, "s/\ufffd/x/" in page)' "$T/rep.html" 2>&1)" "True True" \
	"the HTML page stays UTF-8 and shows each such byte as U+FFFD"
# Shards of sed with a Latin-1 expression, merged: the reproducers run the shard's bytes.
if command -v sed >/dev/null 2>&1; then
	SED=$(command -v sed)
	printf 'caf\351 cr\350me\nna\357ve\n' >"$T/latin1.txt"
	for k in 1 2; do
		$X --stdin "$T/latin1.txt" --shard $k/2 --out "$T/sed$k" -- "$SED" "$E" >/dev/null 2>&1
	done
	$X --merge --out "$T/sedm" "$T/sed1" "$T/sed2" >/dev/null 2>&1
	is "$(sj "$T/sedm" '[a.encode("utf-8", "surrogateescape") for a in r["command"]][1:]')" "[b's/\\xe9/x/']" \
		"merged summary.json: the command's bytes as the shards ran them"
	words() { sed -n 's/.* run --report .* -- //p' "$1" | sed 's/ >.*//'; }
	is "$(words "$T/sedm/repro-1.sh")" "$(words "$T/sed1/repro-1.sh")" "the merged repro-1.sh runs the command of shard 1's repro-1.sh"
	is "$(words "$T/sedm/repro-1.sh" | cut -c1-$((${#SED} + 11)))" "'$SED' '$E'" "... sed's expression with its byte 0xe9, not U+00E9"
	(cd / && env -i /bin/sh "$T/sedm/repro-1.sh" >"$T/rout" 2>/dev/null)
	is "$?:$(sj "$T/sedm" 'r["findings"][0]["class"]'):$(head -n 1 "$T/rout")" \
		"1:silent:reproduced: standard output differs from the baseline's (see diff)" \
		"the merged silent finding's reproducer: sed's output differs from the baseline's again"
	ok "--merge keeps the baseline's output beside its reproducers" cmp -s "$T/sedm/repro-baseline.stdout" "$T/sed1/runs/0000/stdout"
else
	skip "shards of a Latin-1 sed command" "no sed"
fi
for k in 1 2; do
	$X --shard $k/2 --out "$T/lx$k" -- "$L1" xmalloc >/dev/null 2>&1
done
$X --merge --junit "$T/lxm.xml" --out "$T/lxm" "$T/lx1" "$T/lx2" >/dev/null 2>&1
is "$("$PYTHON3" -c '
import sys, xml.etree.ElementTree as E
print(E.parse(sys.argv[1]).getroot().find("testsuite").get("name").endswith("find\ufffds xmalloc"))' "$T/lxm.xml" 2>&1)" True \
	"--merge --junit: the byte read back from summary.json is U+FFFD in the XML, as in a whole exploration's"
(cd / && env -i /bin/sh "$T/lxm/repro-1.sh" >/dev/null 2>&1)
is "$?" 134 "the merged reproducer of a program whose path is Latin-1 finds it and aborts the same way"

done_testing

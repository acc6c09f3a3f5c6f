#!/bin/sh
# `failpool run` over a process tree (README "failpool run"): every
# process's report, the tree summarised (a shell script whose child crashes
# on an injected failure; make -j style parallel children), only this run's
# reports (stale ones at the same path never summarised), a fixed --report
# keeping CMD's own, a closed stderr leaving no temporary directory behind,
# and --print-env (with gdb stopping at the injected failure when present).
. "$TESTLIB"

: "${FAILPOOL:?FAILPOOL is not set (run through make check)}"
F=$FAILPOOL
C=$PROGS/crashy
P=$PROGS/probe
SH=$(basename "$(readlink -f /bin/sh)")

# st CMD...: the exit status of CMD, its stderr in $T/err.
st() {
	"$@" >"$T/out" 2>"$T/err"
	echo $?
}
# The summary with pids and source paths made fixed.
norm() { sed 's/pid [0-9]*/pid N/g; s| [^ ]*/\([a-z-]*\.c\):[0-9]*| \1:L|g' "$1"; }

# --- a shell script whose child crashes on an injected failure, beside
# two children that survive: every process summarised, the crash named.
mkdir "$T/tree"
rc=$(st "$F" run --seed 7 --every 1 --site 'func:use_unchecked' --report "$T/tree/r.%p.json" -- \
	sh -c "ls / >/dev/null & $C unchecked; st=\$?; ls >/dev/null & wait; exit \$st")
is "$rc" 139 "the script's status: its crashed child's, 139"
is "$(ls "$T/tree" | wc -l)" 4 "four reports, one per process"
is "$(sed -n '/processes:$/,/^failpool: seed/p' "$T/err" | norm /dev/stdin | sort)" \
"$(printf '%s\n' "failpool: 4 processes:" \
	"failpool:   $SH (pid N) exited with status 139; injected 0" \
	"failpool:     crashy (pid N) killed by signal 11 (SIGSEGV) after injected failure #1; injected 1; the report is incomplete" \
	"failpool:     ls (pid N) exited with status 0; injected 0" \
	"failpool:     ls (pid N) exited with status 0; injected 0" \
	"failpool: seed 7" | sort)" \
	"the tree: the shell, then its three children indented under it, each with how it ended"
crashrep=$(grep -l '"exe":"crashy"' "$T"/tree/r.*.json)
shrep=$(grep -l "\"exe\":\"$SH\"" "$T"/tree/r.*.json)
is "$(jget "$crashrep" ppid)" "$(jget "$shrep" pid)" "... crashy's parent is the shell"
is "$(sed -n '/^failpool: 4 processes:$/{n;p}' "$T/err")" \
	"failpool:   $SH (pid $(jget "$shrep" pid)) exited with status 139; injected 0" \
	"... the tree's first line is CMD, the shell, by its pid"
is "$(grep '^failpool: crash' "$T/err" | norm /dev/stdin)" \
	"failpool: crash in crashy (pid N): SIGSEGV in use_unchecked crashy.c:L, after injected failure #1" \
	"the crash: which process, which signal, after which injected failure, where"
site=$(jget "$crashrep" injections.0.site)
is "$(grep '^failpool:   injected failure #1' "$T/err" | norm /dev/stdin)" \
	"failpool:   injected failure #1: malloc(64) at site $site: use_unchecked crashy.c:L < main crashy.c:L < __libc_start_call_main libc-start.c:L" \
	"... that failure's call, size and site, named with file:line"
ok "... the crash's pid is crashy's" grep -q "^failpool: crash in crashy (pid $(jget "$crashrep" pid)): " "$T/err"
is "$(sed -n 's/^failpool: eligible \([0-9]*\), injected \([0-9]*\), .*/\1 \2/p' "$T/err")" "1 1" \
	"totals over every process: 1 eligible, 1 injected"
is "$(tail -n 1 "$T/err")" "failpool: reports $T/tree/r.%p.json, one per process (4)" "where the reports are"

# --- a large tree: only the notable processes get a line, the others are counted
rc=$(st "$F" run --every 1 --site 'func:use_unchecked' -- \
	sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35; do $P malloc 1 16 >/dev/null; done; $C unchecked; exit 0")
is "$rc|$(sed -n '/processes:$/,/^failpool: seed/p' "$T/err" | norm /dev/stdin | grep -v seed)" \
"0|failpool: 37 processes:
failpool:   $SH (pid N) exited with status 0; injected 0
failpool:     crashy (pid N) killed by signal 11 (SIGSEGV) after injected failure #1; injected 1; the report is incomplete
failpool:     ... and 35 more that exited with status 0 (or were replaced by exec), nothing injected" \
	"37 processes: CMD and the crash on a line each, the 35 others that exited 0 counted under CMD"
# The count goes under the parent whose children were cut, after its other children;
# a process with a notable child keeps its line.
rc=$(st "$F" run -- sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32; do $P malloc 1 16 >/dev/null; done; sh -c '$P malloc 1 16 >/dev/null; $P malloc 1 16 >/dev/null; sh -c \"$P malloc 1 16; exit 4\" >/dev/null; exit 3'; exit 0")
is "$rc|$(sed -n '/processes:$/,/^failpool: seed/p' "$T/err" | norm /dev/stdin | grep -v seed)" \
"0|failpool: 38 processes:
failpool:   $SH (pid N) exited with status 0; injected 0
failpool:     $SH (pid N) exited with status 3; injected 0
failpool:       $SH (pid N) exited with status 4; injected 0
failpool:         ... and 1 more that exited with status 0 (or were replaced by exec), nothing injected
failpool:       ... and 2 more that exited with status 0 (or were replaced by exec), nothing injected
failpool:     ... and 32 more that exited with status 0 (or were replaced by exec), nothing injected" \
	"a tree of 38 cut at three depths: each count under its own parent, indented as its children"

# --- a %e pattern keeps the report of an image exec replaced: said so
mkdir "$T/ex"
rc=$(st "$F" run --report "$T/ex/%e.%p.json" -- sh -c "$P malloc 1 16 | cat >/dev/null")
is "$rc|$(ls "$T/ex" | sed 's/\.[0-9]*\.json$//' | sort | paste -sd, -)" "0|cat,$SH,$SH,$SH,probe" \
	"a pipeline with a %e pattern: the shell's report, and both images of each child"
is "$(sed -n '/^failpool: 3 processes/,/^failpool: seed/p' "$T/err" | norm /dev/stdin | grep -v seed)" \
"failpool: 3 processes (5 reports: an image exec replaced writes its own):
failpool:   $SH (pid N) exited with status 0; injected 0
failpool:     $SH (pid N) replaced by exec; injected 0
failpool:     probe (pid N) exited with status 0; injected 0
failpool:     $SH (pid N) replaced by exec; injected 0
failpool:     cat (pid N) exited with status 0; injected 0" \
	"... three processes, each image that exec replaced just before what replaced it"

# --- failpool report over such a tree's reports, given in the shell's glob
# order (by executable name): the Processes table as the tree, each child
# under its parent by pid, each image exec replaced just before what
# replaced it (sh, then env, then true), indented by depth; pids as letters
# in the order they first appear.
mkdir "$T/tt"
rc=$(st "$F" run -q --report "$T/tt/%e.%p.json" -- \
	sh -c 'sh -c "exec ls >/dev/null"; sh -c "cat /dev/null; cat /dev/null; exit 0"; exec env true')
is "$rc|$(ls "$T/tt" | sed 's/\.[0-9]*\.json$//' | sort | paste -sd, -)" "0|cat,cat,$SH,$SH,$SH,env,ls,true" \
	"sh -c with forks and execs: eight reports"
"$F" report "$T"/tt/*.json >"$T/tree.txt" 2>"$T/err"
cat >"$T/table.py" <<'EOF'
import sys
table = open(sys.argv[1]).read().split("\nProcesses\n")[1].split("\n\n")[0].splitlines()
w = table[0].index(" pid") - 7     # "  " NAME " " "     pid"
letters = {}
def letter(pid):
    return letters.setdefault(pid, "ABCDEFGHIJ"[len(letters)])
for row in table[1:]:
    name, rest = row[2:2 + w].rstrip(), row[2 + w:]
    print("%s %s %s | %s | %s" % (name, letter(rest[1:9].strip()), letter(rest[10:18].strip()),
                                  rest[20:50].strip(), rest[61:]))
EOF
is "$("$PYTHON3" "$T/table.py" "$T/tree.txt")" \
"$SH A B | replaced by exec | sh -c 'sh -c \"exec ls >/dev/null\"; sh -c \"cat /dev/null; cat /dev/null; exit 0\"; exec env true'
env A B | replaced by exec | env true
true A B | exited with status 0 | true
  $SH C A | replaced by exec | sh -c 'exec ls >/dev/null'
  ls C A | exited with status 0 | ls
  $SH D A | exited with status 0 | sh -c 'cat /dev/null; cat /dev/null; exit 0'
    cat E D | exited with status 0 | cat /dev/null
    cat F D | exited with status 0 | cat /dev/null" \
	"report's Processes table as the tree: parents first, children by pid and indented, exec chains together"

# --- make -j4: four parallel children of make, in the tool's own directory
if command -v make >/dev/null 2>&1; then
	printf 'all: a b c d\na b c d:\n\t@%s malloc 3 16\n' "$P" >"$T/Makefile"
	mkdir "$T/tmp"
	rc=$(st env TMPDIR="$T/tmp" MAKEFLAGS= MFLAGS= "$F" run --every 2 --site lib:probe -- make -s -j4 -C "$T" -f "$T/Makefile")
	is "$rc" 0 "make -j4 under failpool run: exit 0"
	is "$(sed -n '/processes:$/,/^failpool: seed/p' "$T/err" | norm /dev/stdin | grep -v seed)" \
	"$(printf '%s\n' "failpool: 5 processes:" "failpool:   make (pid N) exited with status 0; injected 0" \
		"failpool:     probe (pid N) exited with status 0; injected 1" \
		"failpool:     probe (pid N) exited with status 0; injected 1" \
		"failpool:     probe (pid N) exited with status 0; injected 1" \
		"failpool:     probe (pid N) exited with status 0; injected 1")" \
		"make and its four probes, each with its own report"
	ok "... 4 injected in all" grep -q "^failpool: eligible [0-9]*, injected 4, real failures 0$" "$T/err"
	is "$(tail -n 1 "$T/err")" "failpool: reports not kept (use --report 'PATH.%p.json' to keep them)" \
		"... not kept, and said so"
	is "$(ls -A "$T/tmp")" "" "... the tool's directory removed"
else
	for t in "make -j4 under failpool run: exit 0" "make and its four probes, each with its own report" \
		"... 4 injected in all" "... not kept, and said so" "... the tool's directory removed"; do
		skip "$t" "no make"
	done
fi

# --- a fixed --report path with several processes: CMD's own report is
# kept there (they would overwrite each other), the others summarised.
rc=$(st "$F" run --report fixed.json -- sh -c "cd /; $P malloc 2 16 >/dev/null; $P malloc 3 16 >/dev/null")
is "$rc" 0 "a fixed --report, three processes: exit 0"
is "$(jget fixed.json exe)|$(jget fixed.json config.report)" "$SH|$PWD/fixed.json" \
	"... the file is the shell's own report, which says where it was asked to go"
ok "... the summary has all three" grep -q '^failpool: 3 processes:$' "$T/err"
is "$(tail -n 1 "$T/err")" \
	"failpool: report $PWD/fixed.json (CMD's own; not kept: the reports of 2 other processes, put %p in --report to keep one per process)" \
	"... and says what was kept"
rm -f fixed.json

# --- stale reports are never summarised
cp "$T/tree/$(basename "$crashrep")" "$T/old.json"
cp "$T/old.json" "$T/fixed.json"
rc=$(st "$F" run --report "$T/fixed.json" -- sh -c 'kill -KILL $$')
is "$rc" 137 "CMD killed by SIGKILL: 137"
is "$(cat "$T/err")" "failpool: no report from $SH (pid $(sed -n 's/.*pid \([0-9]*\).*/\1/p' "$T/err")): killed by SIGKILL, which leaves a process no moment to write one
failpool: $T/fixed.json not written: CMD wrote no report" \
	"... says it left no report; the older report at the path is not summarised"
ok "... and is left as it was" cmp -s "$T/old.json" "$T/fixed.json"
# A signal the shim does not catch (SIGTRAP: a returning handler would skip the
# int3 that sent it): the summary says which signal killed CMD.
rc=$(st "$F" run -- sh -c 'ulimit -c 0; kill -TRAP $$')
is "$rc $(head -n 1 "$T/err")" \
	"133 failpool: no report from $SH (pid $(sed -n '1s/.*pid \([0-9]*\).*/\1/p' "$T/err")): killed by SIGTRAP before it wrote one" \
	"CMD killed by SIGTRAP: 133, and the summary names the signal"
mkdir "$T/pat"
cp "$T/old.json" "$T/pat/s.$(jget "$T/old.json" pid).json"
touch -d '1 hour ago' "$T/pat/s.$(jget "$T/old.json" pid).json"
cp "$T/old.json" "$T/pat/s.1.json"
rc=$(st "$F" run --report "$T/pat/s.%p.json" -- sh -c 'exit 4')
is "$rc" 4 "a %p pattern with older reports matching it: exit 4"
is "$(grep -c processes: "$T/err")|$(grep -c crash "$T/err")" "0|0" \
	"... neither an older report nor one named after another pid is summarised"
ok "... only the run's own" grep -q "^failpool: $SH (pid [0-9]*) exited with status 4$" "$T/err"

# --- stderr a closed pipe: the tool still removes its directory, exits with CMD's status
mkdir "$T/tmp3"
is "$(env TMPDIR="$T/tmp3" "$PYTHON3" -c 'import os, subprocess, sys
r, w = os.pipe(); os.close(r)
print(subprocess.run(sys.argv[1:], stderr=w).returncode)' "$F" run -- sh -c 'exit 3')" 3 \
	"stderr a closed pipe: CMD's status (not killed by SIGPIPE)"
is "$(ls -A "$T/tmp3")" "" "... and no temporary directory left behind"

# --- --print-env: the environment CMD would get, nothing run
cd "$T"
rc=$(st "$F" run --print-env --seed 3 --rate 0.5 --report r.json --site 'func:a b*' -- sh -c ": >'$T/started'")
is "$rc" 0 "--print-env: exit 0"
ok "--print-env: CMD not run" test ! -e "$T/started"
is "$(cat "$T/out")" "LD_PRELOAD=$FAILPOOL_LIB
FAILPOOL_RATE=0.5
FAILPOOL_REPORT=$T/r.json
FAILPOOL_SEED=3
FAILPOOL_SITES='func:a b*'" "--print-env: LD_PRELOAD, then FAILPOOL_* by name, shell-quoted, the report path absolute"
is "$(env -i sh -c "set -a; $(cat "$T/out"); set +a; exec env" | grep '^FAILPOOL_SITES=')" \
	"FAILPOOL_SITES=func:a b*" "... which a shell reads back exactly"
is "$(st "$F" run --print-env --rate 2 -- true)" 125 "--print-env with a bad value: 125"
cd - >/dev/null

# gdb with --print-env's settings stops at the injected failure: break on
# fp_req_note_injection (README "failpool run"), its caller on the stack.
if command -v gdb >/dev/null 2>&1; then
	"$F" run --print-env --nth 5 --calls malloc -- "$C" unchecked | sed 's/^/set environment /' >"$T/env.gdb"
	timeout 120 gdb -q -batch -nx -x "$T/env.gdb" -ex 'set startup-with-shell off' \
		-ex 'set breakpoint pending on' -ex 'break fp_req_note_injection' -ex run \
		-ex 'print seq' -ex 'bt' -ex kill --args "$C" unchecked >"$T/gdb" 2>&1
	ok "gdb: stops in fp_req_note_injection" grep -q '^Breakpoint 1, fp_req_note_injection' "$T/gdb"
	ok "... at injected failure #1" grep -qx '\$1 = 1' "$T/gdb"
	ok "... called from the program's use_unchecked" grep -q ' in use_unchecked ' "$T/gdb"
else
	for t in "gdb: stops in fp_req_note_injection" "... at injected failure #1" \
		"... called from the program's use_unchecked"; do
		skip "$t" "gdb is not installed"
	done
fi

done_testing

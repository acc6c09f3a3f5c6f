#!/bin/sh
# Evidence that survives crashes (README, "Variables" LOG/EXE/ENABLE/TOGGLE_SIGNAL, "The report"
# complete/exit/crash): a crash record names the injected failure and the
# crashing function, the exit status is the one the program has without
# the shim, the program's own handlers keep working, the log survives
# SIGKILL, exec chains report every image, FAILPOOL_EXE picks one stage of
# a pipeline, the toggle signal switches injection at run time.
. "$TESTLIB"

C=$PROGS/crashy
P=$PROGS/probe
sym0() { jpy "$1" '(r["crash"]["frames"][0]["symbol"] or "?").split("+")[0]'; }
# A crash record names no frame the shim had not named before the crash (a
# dying process names nothing), nor does a report at exit: `failpool report`
# names them offline (name_offline, lib.sh).

# 1. An unchecked allocation fails and the program dies.
run_bare -- "$C" unchecked >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:survived" "crashy unchecked without failures: survives"
run_bare -- sh -c "\"$C\" unchecked 2>/dev/null; echo \$?" >"$T/bare" 2>&1
run_shim FAILPOOL_EVERY=1 FAILPOOL_SITES=func:use_unchecked FAILPOOL_REPORT="$T/c.json" \
	FAILPOOL_LOG="$T/c.log" -- "$C" unchecked >"$T/out" 2>&1
is "$?" 139 "NULL from use_unchecked's malloc: killed by SIGSEGV (status 139, as a shell sees it)"
is "$(jpy "$T/c.json" '"%s %s %s %s" % (r["complete"], r["exit"]["how"], r["exit"]["signal"], r["exit"]["code"])')" \
	"False signal 11 None" "report: complete=false, exit by signal 11"
is "$(jpy "$T/c.json" '"%d %s %d" % (r["crash"]["signal"], r["crash"]["name"], r["crash"]["last_injection_seq"])')" \
	"11 SIGSEGV 1" "crash record: SIGSEGV, after injected failure #1"
name_offline "$T/c.json"
is "$(sym0 "$T/c.json")" "use_unchecked" "crash record: the crashing function is use_unchecked"
is "$(jpy "$T/c.json" '[(s["frames"][0]["symbol"] or "").split("+")[0] for s in r["sites"] if s["id"] == r["injections"][0]["site"]]')" \
	"['use_unchecked']" "the injected failure's site is use_unchecked's malloc"
is "$(jpy "$T/c.json" '[f["symbol"].split("+")[0] for f in r["crash"]["frames"][:2]]')" "['use_unchecked', 'main']" \
	"crash frames innermost first: use_unchecked, main"
# The crash line names no frame it had not named before the crash (naming
# takes locks and memory): the crashing frame is the report's by object and
# offset, which the report names.
is "$("$PYTHON3" - "$T/c.log" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
r = json.load(open(sys.argv[1].replace(".log", ".json")))
f, rf = lines[1]["crash"]["frames"][0], r["crash"]["frames"][0]
print(len(lines), lines[0]["seq"], lines[1]["crash"]["signal"], lines[1]["crash"]["last_injection_seq"],
      (f["object"], f["offset"]) == (rf["object"], rf["offset"]), rf["symbol"].split("+")[0],
      lines[0]["site"] == r["injections"][0]["site"])
EOF
)" "2 1 11 1 True use_unchecked True" "log: the injection line, then the crash line naming signal, seq and the crashing frame"

"$FAILPOOL" run --every 1 --site func:use_unchecked -- "$C" unchecked >/dev/null 2>"$T/err"
# The frame: "function file:line", or "function+0xoff (object)" without addr2line.
is "$?:$(grep -E '^failpool: (crash|crashy)' "$T/err" | sed 's/pid [0-9]*/pid N/; s| [^ ]*crashy\.c:[0-9]*| AT|; s|+0x[0-9a-f]* (crashy)| AT|' | paste -sd '|' -)" \
	"139:failpool: crashy (pid N) killed by signal 11 (SIGSEGV); the report is incomplete|failpool: crash: SIGSEGV in use_unchecked AT, after injected failure #1" \
	"failpool run: status 139 and a summary naming the crash and the injected failure"

# 2. Other fatal signals keep their exit status.
run_shim FAILPOOL_REPORT="$T/a.json" -- "$C" abort >/dev/null 2>&1
is "$?:$(jpy "$T/a.json" '"%s %d %s" % (r["complete"], r["crash"]["signal"], r["crash"]["name"])')" "134:False 6 SIGABRT" \
	"abort(): status 134, a SIGABRT crash record"
run_shim FAILPOOL_REPORT="$T/f.json" -- "$C" fpe >/dev/null 2>&1
st=$?
name_offline "$T/f.json"
(exit $st)
is "$?:$(jpy "$T/f.json" '"%d %s %s" % (r["crash"]["signal"], r["crash"]["name"], (r["crash"]["frames"][0]["symbol"] or "").split("+")[0])')" \
	"136:8 SIGFPE main" "division by zero: status 136, SIGFPE in main"
run_shim FAILPOOL_REPORT="$T/o.json" -- "$C" overflow >/dev/null 2>&1
st=$?
name_offline "$T/o.json"
(exit $st)
is "$?:$(jpy "$T/o.json" '"%d %s %s" % (r["crash"]["signal"], (r["crash"]["frames"][0]["symbol"] or "").split("+")[0], len(r["crash"]["frames"]))')" \
	"139:11 deep 64" "stack overflow: recorded from the shim's alternate stack (deep, 64 frames kept)"

# 3. A program's own handler keeps working.
run_shim FAILPOOL_EVERY=1 FAILPOOL_SITES=func:use_unchecked FAILPOOL_REPORT="$T/h.json" -- "$C" ownhandler >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "3:caught" "its own SIGSEGV handler runs and _exit(3)s, as without the shim"
is "$(jpy "$T/h.json" '"%s %s %s" % (r["complete"], r["exit"]["code"], r["crash"])')" "True 3 None" \
	"... and the report says exit 3 (the program handled the fault)"
# Both under the same timeout(1), which leaves SIGINT at its default in
# the command even when make check itself runs with SIGINT ignored.
run_bare -- "$PYTHON3" -c 'import os, signal; os.kill(os.getpid(), signal.SIGINT)' >/dev/null 2>"$T/bare.err"
bare=$?
is "$bare:$(tail -n 1 "$T/bare.err")" "130:KeyboardInterrupt" "bare python3 raises KeyboardInterrupt on SIGINT"
run_shim FAILPOOL_RATE=0 FAILPOOL_REPORT="$T/py.json" -- "$PYTHON3" -c 'import os, signal; os.kill(os.getpid(), signal.SIGINT)' >/dev/null 2>"$T/err"
is "$?:$(tail -n 1 "$T/err")" "$bare:$(tail -n 1 "$T/bare.err")" "python3 still raises KeyboardInterrupt on SIGINT (the shim leaves SIGINT alone)"

# 4. SIGKILL mid-run: the log is complete up to the kill.
rm -f "$T/k.log"
(LD_PRELOAD="$FAILPOOL_LIB" FAILPOOL_EVERY=1 FAILPOOL_SITES=func:fail_loop FAILPOOL_LOG="$T/k.log" \
	FAILPOOL_REPORT="$T/k.json" exec "$C" wait 5 >"$T/k.out" 2>&1) &
pid=$!
i=0
while ! grep -q ready "$T/k.out" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -KILL $pid
wait $pid
is "$?" 137 "crashy killed with SIGKILL"
is "$("$PYTHON3" -c 'import json, sys; print([json.loads(l)["seq"] for l in open(sys.argv[1])])' "$T/k.log")" "[1, 2, 3, 4, 5]" \
	"the log holds all 5 injected failures, each a whole JSON line"
ok "no report after SIGKILL (nothing can run)" test ! -e "$T/k.json"

# 5. exec: every image reports; a failed exec reports again at exit.
mkdir "$T/ex"
run_shim FAILPOOL_REPORT="$T/ex/%e.%p.json" -- "$C" exec "$P" malloc 3 16 >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:done 3 failed 0" "crashy execs probe"
is "$(ls "$T/ex" | sed 's/\.[0-9]*\.json$//' | paste -sd, -)" "crashy,probe" "two reports, one per image"
is "$(jpy "$T/ex/$(ls "$T/ex" | grep crashy)" '"%s %s %s %d" % (r["complete"], r["exit"]["how"], r["exit"]["code"], r["totals"]["calls"]["malloc"])')" \
	"True exit None 1" "the old image's report: complete, no exit status (it was replaced)"
is "$(jpy "$T/ex/$(ls "$T/ex" | grep crashy)" 'r["pid"]')" "$(jpy "$T/ex/$(ls "$T/ex" | grep probe)" 'r["pid"]')" \
	"... same pid as the new image's"
rm -f "$T/ex"/*
run_shim FAILPOOL_REPORT="$T/ex/%e.%p.json" -- "$C" execlp probe noalloc >"$T/out" 2>&1 </dev/null
is "$?:$(lines "$T/out"):$(ls "$T/ex" | sed 's/\.[0-9]*\.json$//' | paste -sd, -)" "127:crashy: execlp: No such file or directory:crashy" \
	"execlp of a name not in PATH: fails, the image goes on and reports once"
rm -f "$T/ex"/*
PATH="$PROGS:$PATH" run_shim FAILPOOL_REPORT="$T/ex/%e.%p.json" -- "$C" execlp probe noalloc >"$T/out" 2>&1
is "$?:$(lines "$T/out"):$(ls "$T/ex" | sed 's/\.[0-9]*\.json$//' | paste -sd, -)" "0:main:crashy,probe" \
	"execlp (a variadic form) found in PATH: both images report"
rm -f "$T/ex"/*
run_shim FAILPOOL_REPORT="$T/ex/%e.%p.json" -- "$C" exec /nonexistent >/dev/null 2>&1
is "$?:$(jpy "$T/ex/$(ls "$T/ex")" '"%s %s" % (r["exit"]["code"], r["complete"])')" "127:127 True" \
	"a failed exec: the image goes on, and its exit status is reported"
rm -f "$T/ex"/*
shname=$(basename "$(readlink -f /bin/sh)")
run_shim FAILPOOL_REPORT="$T/ex/%e.%p.json" -- sh -c "exec \"$C\" exec \"$P\" noalloc" >"$T/out" 2>&1
is "$?:$(lines "$T/out"):$(ls "$T/ex" | sed 's/\.[0-9]*\.json$//' | sort | paste -sd, -)" \
	"0:main:$(printf 'crashy\n%s\nprobe\n' "$shname" | sort | paste -sd, -)" \
	"sh -c 'exec crashy exec probe': three images, three reports"
rm -f "$T/ex"/*
run_shim FAILPOOL_REPORT="$T/ex/%e.%p.json" -- "$PYTHON3" -c \
	"import os, subprocess; subprocess.run(['$P', 'malloc', '2', '16'], check=True); os.posix_spawn('$P', ['$P', 'noalloc'], dict(os.environ)); os.wait()" >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:done 2 failed 0,main" "python3 starts probe with subprocess (vfork) and posix_spawn"
is "$(ls "$T/ex" | sed 's/\.[0-9]*\.json$//; s/^python3.*/python3/' | sort | paste -sd, -)" "probe,probe,python3" \
	"... each child image reports once, the spawning children (sharing python's memory) never"

# 6. FAILPOOL_EXE: one stage of a pipeline.
rm -f "$T/ex"/*
printf 'b\na\n' >"$T/in"
run_shim FAILPOOL_EXE=probe FAILPOOL_EVERY=1 FAILPOOL_CALLS=malloc FAILPOOL_REPORT="$T/ex/%e.%p.json" \
	-- sh -c "sort \"$T/in\" | \"$P\" malloc 2 16 | cat" >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:fail 1 ENOMEM,fail 2 ENOMEM,done 2 failed 2" "sort | probe | cat with EXE=probe: only probe fails"
is "$(ls "$T/ex" | sed 's/\.[0-9]*\.json$//' | paste -sd, -)" "probe" "... and only probe reports"

# 7. The toggle signal: off, on, off.
is "$(run_shim FAILPOOL_ENABLE=0 FAILPOOL_TOGGLE_SIGNAL=USR1 FAILPOOL_EVERY=1 FAILPOOL_SITES=func:fail_loop -- "$C" toggle 10 2>&1)" \
	"off 0 on 10 off 0" "ENABLE=0, SIGUSR1 twice: failures only between the two"
is "$(run_shim FAILPOOL_TOGGLE_SIGNAL=SIGUSR1 FAILPOOL_EVERY=1 FAILPOOL_SITES=func:fail_loop -- "$C" toggle 10 2>&1)" \
	"off 10 on 0 off 10" "ENABLE=1: the signal turns injection off, then on again"

done_testing

#!/bin/sh
# Last words: a crash, a termination signal or an exit while other threads
# allocate leaves a complete, consistent report and crash record, without
# ever hanging; a library constructor's crash before the shim's own
# constructor is recorded; fork never hands a child a half-done state.
# Each storm runs many times: one lucky run proves nothing.
. "$TESTLIB"

W=$PROGS/lastwords
FP_TIMEOUT=20

# sums FILE: "ok" when every figure of the report describes the same calls.
sums() {
	"$PYTHON3" - "$1" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("unreadable:", e); sys.exit()
t = r["totals"]
allocs = sum(v for k, v in t["calls"].items()
             if k not in ("free", "delete", "delete[]", "malloc_usable_size"))
site_inj = sum(s["injected"] for s in r["sites"])
site_calls = sum(s["calls"] for s in r["sites"])
kept = len(r["injections"])
# Consecutive from the first: 1, or in a forked child the first after the
# parent's failures at the fork (the child keeps only its own).
first = r["injections"][0]["seq"] if kept else 1
seqs = [i["seq"] for i in r["injections"]] == list(range(first, first + kept))
bad = []
if site_inj != t["injected"]: bad.append("sites.injected %d != %d" % (site_inj, t["injected"]))
if site_calls != allocs: bad.append("sites.calls %d != %d" % (site_calls, allocs))
if kept != min(t["injected"], 1000) or not seqs: bad.append("injections %d of %d" % (kept, t["injected"]))
if r["config"]["sites"] is None and t["eligible"] != allocs: bad.append("eligible %d != %d" % (t["eligible"], allocs))
print("ok" if not bad else "; ".join(bad))
EOF
}

# 1. A library constructor that runs before the shim's crashes on its failed malloc.
run_shim FAILPOOL_NTH=1 FAILPOOL_REPORT="$T/ctor.json" FAILPOOL_LOG="$T/ctor.log" \
	-- "$PROGS/ctorcrash" >/dev/null 2>&1
is "$?" 139 "ctorcrash with its constructor's malloc failed: SIGSEGV"
is "$(jpy "$T/ctor.json" '"%s %s %d %s" % (r["complete"], r["crash"]["signal"], r["crash"]["last_injection_seq"], r["crash"]["frames"][0]["object"])')" \
	"False 11 1 libctorcrash.so" "the crash record: SIGSEGV after failure #1, in libctorcrash.so"
"$FAILPOOL" report --format json "$T/ctor.json" >"$T/ctor.named.json"
is "$(jpy "$T/ctor.named.json" 'r["processes"][0]["crash"]["frames"][0]["symbol"].split("+")[0]')" \
	"set_up_greeting" "failpool report names the constructor"
is "$(grep -c '"crash"' "$T/ctor.log")" 1 "the log has the crash line"
"$FAILPOOL" explore --out "$T/ctorx" -- "$PROGS/ctorcrash" >"$T/out" 2>&1
is "$?:$(grep '^CRASHED' "$T/out" | sed 's/+0x[0-9a-f]*//; s/ (libctorcrash.so).*//; s/ [^ ]*libctorcrash.c:.*//')" "1:CRASHED  SIGSEGV in set_up_greeting" \
	"explore finds the constructor's crash (its allocation is the program's)"

# 2. A worker sent SIGSEGV while threads allocate from many stacks: never hangs.
bad=0
for i in $(seq 20); do
	rm -f "$T/sw.json"
	run_shim FAILPOOL_REPORT="$T/sw.json" -- "$W" segv-worker 4 >/dev/null 2>&1
	rc=$?
	if [ $rc -ne 139 ] || [ "$(jpy "$T/sw.json" 'r["crash"]["signal"]')" != 11 ]; then
		bad=$((bad + 1))
		diag "run $i: status $rc"
	fi
done
is "$bad" 0 "SIGSEGV to an allocating worker, 20 runs: each ends by SIGSEGV with its crash record"

# 3. Two threads crash at once: one report, one crash line, no temporary file.
bad=0
for i in $(seq 20); do
	rm -rf "$T/two" && mkdir "$T/two"
	run_shim FAILPOOL_REPORT="$T/two/r.json" FAILPOOL_LOG="$T/two/l.log" -- "$W" two-crash >/dev/null 2>&1
	rc=$?
	got="$rc $(ls "$T/two" | paste -sd' ') $(grep -c '"crash"' "$T/two/l.log") $(jget "$T/two/r.json" crash.signal)"
	[ "$got" = "139 l.log r.json 1 11" ] || { bad=$((bad + 1)); diag "run $i: $got"; }
done
is "$bad" 0 "two threads crashing at once, 20 runs: the report and one crash line, nothing else"

# 4. The process ends while four threads allocate and fail: the sums agree.
for how in exit _exit return thread-exit; do
	for rate in 0.2 0.002; do
		bad=0
		for i in 1 2 3; do
			rm -f "$T/er.json"
			run_shim FAILPOOL_RATE=$rate FAILPOOL_REPORT="$T/er.json" -- "$W" exit-race $how >/dev/null 2>&1
			got=$(sums "$T/er.json")
			[ "$got" = ok ] || { bad=$((bad + 1)); diag "$how RATE=$rate run $i: $got"; }
		done
		is "$bad" 0 "$how while threads allocate (RATE=$rate, 3 runs): sites, totals and injections agree"
	done
done

# 5. Fork storms with a log and a func: rule (frames named while others fork): no hang.
for i in 1 2 3; do
	rm -rf "$T/fs" && mkdir "$T/fs"
	run_shim FAILPOOL_LOG="$T/fs/l.log" FAILPOOL_SITES='func:grow' FAILPOOL_RATE=0.01 \
		-- "$W" fork-storm 2 >"$T/out" 2>&1
	is "$?:$(lines "$T/out")" "0:forks N" "fork storm $i with a log and a func: rule: ends"
done
# Nor without a log or a report: every counting thread has its record.
run_shim FAILPOOL_SITES='func:grow' FAILPOOL_RATE=0.01 -- "$W" fork-storm 2 >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:forks N" "fork storm with a func: rule only: ends"
rm -rf "$T/fs" && mkdir "$T/fs"
run_shim FAILPOOL_REPORT="$T/fs/r.%p.json" FAILPOOL_SITES='func:grow' FAILPOOL_RATE=0.05 \
	-- "$W" fork-storm 2 >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:forks N" "fork storm with a report per process: ends"
bad=0
for f in "$T"/fs/r.*.json; do
	got=$(sums "$f")
	[ "$got" = ok ] || { bad=$((bad + 1)); diag "$f: $got"; }
done
is "$bad" 0 "every child's report agrees with itself ($(ls "$T/fs" | wc -l) reports)"

# 6. Termination signals write the report; the process still ends by them.
# (Started from python: a shell's background job would ignore SIGINT and SIGQUIT.)
for sig in TERM INT HUP QUIT; do
	rm -f "$T/t.json"
	got=$(LIB="$FAILPOOL_LIB" REPORT="$T/t.json" "$PYTHON3" - "$W" "$sig" <<'EOF'
import os, signal, subprocess, sys
def reset():
    for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)
env = dict(os.environ, LD_PRELOAD=os.environ["LIB"], FAILPOOL_REPORT=os.environ["REPORT"])
p = subprocess.Popen([sys.argv[1], "sleep"], stdout=subprocess.PIPE, env=env, preexec_fn=reset)
p.stdout.readline()
p.send_signal(getattr(signal, "SIG" + sys.argv[2]))
try:
    print(p.wait(timeout=20), int(getattr(signal, "SIG" + sys.argv[2])))
except subprocess.TimeoutExpired:
    p.kill(); print("hung")
EOF
)
	num=${got#* }
	is "$got $(jpy "$T/t.json" '"%s %s %s %s" % (r["complete"], r["exit"]["how"], r["exit"]["signal"], r["crash"])')" \
		"-$num $num False signal $num None" "SIG$sig to a sleeping program: a report, then death by SIG$sig"
done
# A termination signal while threads allocate (and fail): the report is still one
# snapshot, even of the work the signal interrupted.
for nthreads in 1 3; do
	bad=0
	for i in $(seq 12); do
		case $i in 1|5|9) sig=TERM ;; 2|6|10) sig=INT ;; 3|7|11) sig=HUP ;; *) sig=QUIT ;; esac
		rm -f "$T/ch.json"
		got=$(LIB="$FAILPOOL_LIB" REPORT="$T/ch.json" "$PYTHON3" - "$W" "$sig" "$nthreads" "$i" <<'EOF'
import os, signal, subprocess, sys, time
def reset():
    for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)
env = dict(os.environ, LD_PRELOAD=os.environ["LIB"], FAILPOOL_REPORT=os.environ["REPORT"],
           FAILPOOL_RATE="0.01", FAILPOOL_SEED=sys.argv[4])
p = subprocess.Popen([sys.argv[1], "churn", sys.argv[3]], stdout=subprocess.PIPE, env=env, preexec_fn=reset)
p.stdout.readline()
time.sleep(0.05 * int(sys.argv[4]))
p.send_signal(getattr(signal, "SIG" + sys.argv[2]))
try:
    print(p.wait(timeout=20))
except subprocess.TimeoutExpired:
    p.kill(); print("hung")
EOF
)
		sums_got=$(sums "$T/ch.json")
		case "$got:$sums_got" in
		-[0-9]*:ok) ;;	# ended by the signal, one snapshot
		*) bad=$((bad + 1)); diag "$nthreads threads, SIG$sig, run $i: $got $sums_got" ;;
		esac
	done
	is "$bad" 0 "termination signals to $nthreads allocating thread(s), 12 runs: each report's sums agree"
done

is "$(run_shim FAILPOOL_REPORT="$T/py.json" -- "$PYTHON3" -c 'import signal; print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, signal.getsignal(signal.SIGSEGV) == signal.SIG_DFL)')" \
	"True True" "the program still sees SIG_DFL for the signals the shim holds"

# 7. A thread's stack overflow with only a log: the thread had an alternate stack.
run_shim FAILPOOL_LOG="$T/ov.log" -- "$W" thread-overflow >/dev/null 2>&1
is "$?:$("$PYTHON3" -c 'import json, sys; print(len(json.loads(open(sys.argv[1]).readlines()[-1])["crash"]["frames"]))' "$T/ov.log")" \
	"139:64" "stack overflow in a thread, log only: a crash line with 64 frames"

# 8. The other signals whose default ends the process write the report too.
# In a pipeline (`prog | head`) SIGPIPE ends the writer: 50 runs of each,
# every report whole, the status 141. (env: SIGPIPE at its default even
# when the test's caller ignores it.)
if env --default-signal=PIPE true 2>/dev/null; then
	# piped RATE CMD...: CMD's status, its stdout read by head -c 1
	piped() {
		_rate=$1
		shift
		{ FAILPOOL_RATE=$_rate env --default-signal=PIPE timeout -k 5 "$FP_TIMEOUT" \
			/bin/sh -c 'r=$1; shift; LD_PRELOAD="$0" FAILPOOL_REPORT="$r" exec "$@"' \
			"$FAILPOOL_LIB" "$T/p.json" "$@"
		  echo $? >"$T/pst"; } | head -c 1 >/dev/null
		cat "$T/pst"
	}
	# (yes ends by itself when its allocations fail: no failures for it.)
	for cmd in "0 yes" "0.01 $W pipe 3"; do
		bad=0
		for i in $(seq 50); do
			rm -f "$T/p.json"
			# shellcheck disable=SC2086 # CMD is words
			rc=$(piped $cmd)
			got="$rc $(jpy "$T/p.json" '"%s %s %s %s" % (r["complete"], r["exit"]["how"], r["exit"]["signal"], r["crash"])') $(sums "$T/p.json")"
			[ "$got" = "141 False signal 13 None ok" ] || { bad=$((bad + 1)); diag "$cmd run $i: $got"; }
		done
		prog=${cmd#* }
		is "$bad" 0 "$(basename "${prog%% *}") | head -c 1, 50 runs: death by SIGPIPE (141), each report whole"
	done
else
	skip "SIGPIPE in a pipeline" "env has no --default-signal"
fi
# A program that ignores SIGPIPE gets EPIPE and exits: no report by the signal.
rm -f "$T/pi.json"
is "$(run_shim FAILPOOL_REPORT="$T/pi.json" -- "$W" pipe-ignored) $? $(jpy "$T/pi.json" '"%s %s %s" % (r["complete"], r["exit"]["how"], r["exit"]["code"])')" \
	"EPIPE 3 0 True exit 0" "SIGPIPE ignored: three writes fail with EPIPE, the report is the exit's"
# SIGALRM from alarm() while threads allocate and fail.
bad=0
for i in 1 2 3; do
	rm -f "$T/al.json"
	run_shim FAILPOOL_REPORT="$T/al.json" FAILPOOL_RATE=0.01 FAILPOOL_SEED=$i -- "$W" alarm 3 >/dev/null 2>&1
	got="$? $(jpy "$T/al.json" '"%s %s %s" % (r["complete"], r["exit"]["how"], r["exit"]["signal"])') $(sums "$T/al.json")"
	[ "$got" = "142 False signal 14 ok" ] || { bad=$((bad + 1)); diag "alarm run $i: $got"; }
done
is "$bad" 0 "alarm(1) while 3 threads allocate, 3 runs: death by SIGALRM (142), each report whole"
# The program reads SIG_DFL for them, its handler gets the signal, and
# SIG_DFL set again takes it back: SIGUSR1 then ends it with the report.
rm -f "$T/v.json"
run_shim FAILPOOL_REPORT="$T/v.json" -- "$W" view >"$T/out" 2>/dev/null
is "$? $(lines "$T/out") $(jget "$T/v.json" exit.signal)" \
	"138 dfl dfl dfl dfl dfl,handled 10" \
	"SIG_DFL as the program sees it; its own SIGUSR1 handler; then SIGUSR1 at SIG_DFL ends it with a report"
# A real-time signal, sent from outside.
rm -f "$T/rt.json"
got=$(LIB="$FAILPOOL_LIB" REPORT="$T/rt.json" "$PYTHON3" - "$W" <<'EOF'
import os, signal, subprocess, sys
env = dict(os.environ, LD_PRELOAD=os.environ["LIB"], FAILPOOL_REPORT=os.environ["REPORT"])
p = subprocess.Popen([sys.argv[1], "sleep"], stdout=subprocess.PIPE, env=env)
p.stdout.readline()
p.send_signal(signal.SIGRTMIN + 3)
try:
    print(p.wait(timeout=20), int(signal.SIGRTMIN + 3))
except subprocess.TimeoutExpired:
    p.kill(); print("hung")
EOF
)
num=${got#* }
is "$got $(jpy "$T/rt.json" '"%s %s" % (r["exit"]["how"], r["exit"]["signal"])')" \
	"-$num $num signal $num" "SIGRTMIN+3: a report, then death by it"
# The toggle signal stays the toggle's: it switches injection, ends nothing.
rm -f "$T/tg.json"
is "$(run_shim FAILPOOL_REPORT="$T/tg.json" FAILPOOL_TOGGLE_SIGNAL=USR1 FAILPOOL_EVERY=1 \
	FAILPOOL_SITES=func:fail_loop -- "$PROGS/crashy" toggle 10 2>&1) $? $(jget "$T/tg.json" exit.how)" \
	"off 10 on 0 off 10 0 exit" "the toggle signal with a report: it toggles, and the report is the exit's"

done_testing

#!/bin/sh
# Review of the C++ operators in C (preload/new.c) and of explore's streamed
# runs (tools/explore.c, tools/runner.c), case by case.
#
# C++ (README, "Variables": FAILPOOL_CALLS; libstdc++'s new_op*.cc): a
# nothrow form's new-handler may throw anything, or allocate; threads fail
# on their own; a program with its own operator new(size_t) keeps it for
# the nothrow forms; a plug-in built with -static-libstdc++ that a C
# program dlopens RTLD_LOCAL (its C++ runtime inside it, no libstdc++.so.6
# in the process) gets its std::bad_alloc.
#
# explore (README, "`failpool explore`"): which site each run fails is the
# same for --jobs 1, 2, 4 and 8 on a program whose error paths reveal sites
# in later runs, with --max-runs, with a hung run, and for shards merged; a
# SIGINT or SIGTERM in the middle, then --resume, gives the summary of an
# exploration never stopped; a command that a shell could not find (127)
# or execute (126) is refused with exit 2; a --stdin file removed during
# the exploration stops it (exit 2) instead of giving runs explore's own
# standard input.
. "$TESTLIB"

R=$PROGS/cxxreview
RP=$PROGS/cxxreplaced
D=$PROGS/dlcxx

# 1. A nothrow form whose handler throws std::bad_alloc, or an int: nullptr
# (libstdc++'s nothrow operator catches anything), the handler run once.
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$R" throwing-handler >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:nothrow new[], handler throws bad_alloc: null after 1 handler calls" \
	"nothrow new[], a handler that throws bad_alloc: nullptr"
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$R" int-handler >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:nothrow new[], handler throws int: null after 1 handler calls" \
	"nothrow new[], a handler that throws an int: nullptr"

# 2. A handler that uninstalls itself and allocates with new: under
# EVERY=1 its own new throws (caught in the handler), the nothrow form then
# returns nullptr; when only the first allocation fails, both succeed.
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$R" alloc-handler >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:nothrow new[], handler allocates: null after 1 handler calls,the handler's new: bad_alloc" \
	"nothrow new[], a handler that allocates, every new failing: its new throws, then nullptr"
run_shim FAILPOOL_CALLS=new FAILPOOL_NTH=1 -- "$R" alloc-handler >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:nothrow new[], handler allocates: ok after 1 handler calls,the handler's new: ok" \
	"nothrow new[], a handler that allocates, the first new failing: both succeed"

# 3. Threads, each with its own failures: every injected failure is a
# caught bad_alloc or a nullptr (no handler), or one handler call (a
# handler that returns).
for seed in 3 7; do
	rm -f "$T/t.json"
	run_shim FAILPOOL_CALLS=new FAILPOOL_RATE=0.3 FAILPOOL_SEED=$seed FAILPOOL_REPORT="$T/t.json" \
		-- "$R" threads 4 >"$T/out" 2>"$T/err"
	rc=$?
	n=$(jpy "$T/t.json" 'r["totals"]["injected"]')
	is "$rc:$(awk '{ print $2 + $4, $5, $6 }' "$T/out")" "0:$n handler 0" \
		"4 threads, seed $seed, no handler: caught bad_alloc + nullptr = the $n injected"
	rm -f "$T/t.json"
	run_shim FAILPOOL_CALLS=new FAILPOOL_RATE=0.3 FAILPOOL_SEED=$seed FAILPOOL_REPORT="$T/t.json" \
		-- "$R" threads-handler 4 >"$T/out" 2>"$T/err"
	rc=$?
	n=$(jpy "$T/t.json" 'r["totals"]["injected"]')
	is "$rc:$(cat "$T/out")" "0:caught 0 null 0 handler $n" \
		"4 threads, seed $seed, a handler that returns: every form allocates, one handler call per injected failure"
done

# 4. A program with its own operator new(size_t) and new-handler protocol:
# the nothrow forms run it (libstdc++'s nothrow operator calls it), so the
# handler runs as often as that operator says, never for a failure of the
# shim's own. (Before: the shim's nothrow new[] fed that operator its
# internal request, which it could never satisfy: a handler that returns
# made it loop for ever, one that uninstalls itself ran once too often.)
run_bare -- "$RP" replaced retry >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:replaced operator new, nothrow new[]: ok after 0 handler calls" \
	"own operator new, without the shim"
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$RP" replaced retry >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:replaced operator new, nothrow new[]: ok after 0 handler calls" \
	"own operator new, CALLS=new EVERY=1: the program's operator new allocates (no hang)"
run_shim FAILPOOL_CALLS=malloc FAILPOOL_NTH=1 -- "$RP" replaced retry >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:replaced operator new, nothrow new[]: ok after 1 handler calls" \
	"own operator new, its first malloc failing: one handler call, then it allocates"
run_shim FAILPOOL_CALLS=malloc FAILPOOL_EVERY=1 -- "$RP" replaced uninstall >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:replaced operator new, nothrow new[]: null after 3 handler calls" \
	"own operator new, every malloc failing: a handler that uninstalls itself on call 3 runs 3 times, then nullptr"

# 5. A C program dlopens, RTLD_LOCAL, a C++ plug-in built with
# -static-libstdc++: no libstdc++.so.6 in the process, the plug-in's runtime
# is found through the plug-in itself. (Before: abort(), "no C++ runtime".)
S=$PROGS/libcxxstatic.so
if [ -s "$S" ]; then
	run_bare -- "$D" "$S" >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:new: ok,new[]: ok,nothrow new[]: ok" "static-libstdc++ plug-in, without the shim"
	run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$D" "$S" >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:new: bad_alloc,new[]: bad_alloc,nothrow new[]: null" \
		"static-libstdc++ plug-in loaded RTLD_LOCAL, CALLS=new EVERY=1: bad_alloc thrown and caught, nullptr"
	run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 -- "$D" --keep "$S" >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:new: bad_alloc,new[]: bad_alloc,nothrow new[]: null" \
		"static-libstdc++ plug-in kept loaded: the same"
	# The lookups of the runtime allocate (a name not found has a dlerror()
	# message): the shim's own work, never counted as the program's (before:
	# 61 more mallocs for these 3 failures). What is left: the 3 exceptions.
	for e in 1000000 1; do
		rm -f "$T/k$e.json"
		run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=$e FAILPOOL_REPORT="$T/k$e.json" -- "$D" --keep "$S" >/dev/null 2>&1
	done
	m=$(jpy "$T/k1000000.json" 'r["totals"]["calls"]["malloc"]')
	is "$(($(jpy "$T/k1.json" 'r["totals"]["calls"]["malloc"]') - m))" 3 \
		"static-libstdc++ plug-in: 3 failures add 3 mallocs (the exceptions), none of the shim's lookups"
else
	skip "static-libstdc++ plug-in" "no static libstdc++ to build it with"
fi

# 5b. A program built with -static-libstdc++: its operators are its own
# (they call malloc), its runtime is in the executable, and so is the
# initialiser that allocates its emergency exception pool, after the
# shim's constructor. That pool is never eligible (README, "What fails,
# exactly"): EVERY=1 fails every form and each bad_alloc is caught, as in
# cxx.sh.
CS=$PROGS/cxxnew-static
if [ -s "$CS" ]; then
	run_shim FAILPOOL_EVERY=1 -- "$PROGS/cxxnew" all >"$T/dyn" 2>"$T/err"
	run_shim -- "$CS" all >"$T/out" 2>"$T/err"
	is "$?:$(grep -vc ': ok' "$T/out")" "0:0" "static-libstdc++ program under the shim, no failures: every form ok"
	rm -f "$T/st.json"
	run_shim FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/st.json" -- "$CS" all >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:$(lines "$T/dyn")" \
		"static-libstdc++ program, EVERY=1: the emergency pool spared, every form fails, every bad_alloc is caught (or nullptr)"
	is "$(jpy "$T/st.json" '"%d malloc=%d aligned_alloc=%d" % (r["totals"]["injected"], sum(i["call"] == "malloc" for i in r["injections"]), sum(i["call"] == "aligned_alloc" for i in r["injections"]))')" \
		"26 malloc=18 aligned_alloc=8" \
		"... 26 injected, none into the shim's operators: 5 plain forms and 13 exception objects by malloc, 8 aligned forms by aligned_alloc"
	is "$(jpy "$T/st.json" '"%d %d" % (r["totals"]["startup"]["calls"], r["totals"]["startup"]["bytes"] >= 1024)')" "1 1" \
		"... the executable's pool counted apart, as a start-up allocation (one malloc)"
	# Stripped (as distributions ship gcc, cc1plus, ld.gold): no name to
	# go by; the pool is the first malloc made straight from one of the
	# executable's initialisers.
	if strip -o "$T/cs-stripped" "$CS" 2>/dev/null && ! readelf -S "$T/cs-stripped" | grep -q "\.symtab"; then
		rm -f "$T/ss.json"
		run_shim FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/ss.json" -- "$T/cs-stripped" all >"$T/out" 2>"$T/err"
		is "$?:$(lines "$T/out"):$(jpy "$T/ss.json" '"%d %d" % (r["totals"]["startup"]["calls"], r["totals"]["injected"])')" \
			"0:$(lines "$T/dyn"):1 26" \
			"stripped static-libstdc++ program, EVERY=1: the pool spared (start-up), 26 failures, every bad_alloc caught"
	else
		skip "stripped static-libstdc++ program" "no strip(1) that removes the symbol table"
	fi
	# Its own initialiser mallocs before the runtime's: by the name of
	# the runtime's initialiser, only the pool is spared; EVERY=1 fails
	# the program's early malloc and its new.
	rm -f "$T/ea.json"
	run_shim FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/ea.json" -- "$PROGS/cxxearly-static" >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out"):$(jpy "$T/ea.json" '"%d %d" % (r["totals"]["startup"]["calls"], r["totals"]["injected"])')" \
		"0:early: null,new: caught bad_alloc:1 4" \
		"static-libstdc++ program mallocing in its own initialiser, EVERY=1: that malloc fails (and stdout's buffer, new, its exception object), the pool is spared, the bad_alloc caught"
else
	skip "static-libstdc++ program" "no static libstdc++ to build it with"
fi
# A C program whose constructor mallocs and that walks its objects as a
# linked-in unwinder would: no C++ runtime, so nothing of it is spared;
# NTH=1 fails its constructor's malloc, its first.
run_shim FAILPOOL_NTH=1 FAILPOOL_REPORT="$T/cm.json" -- "$PROGS/ctormalloc" >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out"):$(jpy "$T/cm.json" '"%d %d" % (r["totals"]["startup"]["calls"], r["totals"]["injected"])')" \
	"0:ctor: null,main: ok:0 1" "a C program's constructor malloc is its own: NTH=1 fails it, nothing counted as start-up"

X="$FAILPOOL explore"
E=$PROGS/explorestream
runs='[(x["site"], x["chain"], x["class"], x["revealed"], x["injected"]) for x in r["runs"]]'
sj() { jpy "$1/summary.json" "$2"; }

# 6. --jobs 1, 2, 4, 8: the same runs, in the same order. 7 sites at first,
# 12 more on the steps' error paths, 6 more one level further down.
$X --out "$T/j1" -- "$E" >/dev/null 2>"$T/err"
is "$?:$(sj "$T/j1" '"%d runs, %d complete" % (len(r["runs"]) - 1, r["complete"])')" "1:25 runs, 1 complete" \
	"explorestream --jobs 1: 25 runs after the baseline"
is "$(sj "$T/j1" '[len(x["chain"]) for x in r["runs"][1:]]')" \
	"[0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]" \
	"explorestream: 7 sites of the baseline, then 12 revealed, then 6 more"
for j in 2 4 8; do
	$X --jobs $j --out "$T/j$j" -- "$E" >/dev/null 2>&1
	is "$?:$(sj "$T/j$j" "$runs")" "1:$(sj "$T/j1" "$runs")" "--jobs $j: each run fails the same site as with --jobs 1"
done

# --mode nth: the same runs with --jobs 4 as with --jobs 1.
nth='[(x["nth"], x["class"], x["injected"]) for x in r["runs"]]'
$X --mode nth --out "$T/n1" -- "$E" >/dev/null 2>&1
$X --mode nth --jobs 4 --out "$T/n4" -- "$E" >/dev/null 2>&1
is "$?:$(sj "$T/n4" "$nth")" "1:$(sj "$T/n1" "$nth")" "--mode nth --jobs 4: the same runs as --jobs 1"

# 7. --max-runs: the first runs of the whole exploration, whatever --jobs.
for j in 1 4; do
	$X --jobs $j --max-runs 10 --out "$T/m$j" -- "$E" >/dev/null 2>&1
	is "$?:$(sj "$T/m$j" "$runs")" "1:$(sj "$T/j1" "$runs[:11]")" "--max-runs 10 --jobs $j: the first 10 runs"
done

# 8. Shards with --jobs 4, merged: the runs of the whole exploration.
for k in 1 2; do
	$X --jobs 4 --shard $k/2 --out "$T/sh$k" -- "$E" >/dev/null 2>&1
done
$X --merge --out "$T/mg" "$T/sh1" "$T/sh2" >/dev/null 2>&1
is "$?:$(sj "$T/mg" 'sorted((x["site"] or "", x["class"]) for x in r["runs"])')" \
	"1:$(sj "$T/j1" 'sorted((x["site"] or "", x["class"]) for x in r["runs"])')" \
	"--shard 1/2 and 2/2 with --jobs 4, merged: the sites and classes of the whole exploration"

# 9. A hung run among runs that end: the same runs as with --jobs 1.
EXPLORESTREAM_HANG=1 $X --timeout 1s --out "$T/h1" -- "$E" >/dev/null 2>&1
is "$?:$(sj "$T/h1" 'r["totals"]["hung"]')" "1:1" "a step whose failure hangs: one hung run"
EXPLORESTREAM_HANG=1 $X --jobs 4 --timeout 1s --out "$T/h4" -- "$E" >/dev/null 2>&1
is "$?:$(sj "$T/h4" "$runs")" "1:$(sj "$T/h1" "$runs")" "--jobs 4 with a hung run: the same runs as --jobs 1"

# 10. Stopped by SIGINT or SIGTERM (the run that fails step 3 sends it to
# explore), then --resume: the summary of an exploration never stopped.
# (Before: the runs that had ended but were not read yet left their
# reports behind, and the resumed run of the same number read two.)
for sig in INT:2 TERM:15; do
	n=${sig#*:}
	sig=${sig%:*}
	for j in 1 4 8; do
		EXPLORESTREAM_STOP=$n:$T/stop$sig$j $X --jobs $j --out "$T/s$sig$j" -- "$E" >/dev/null 2>&1
		is "$?:$(sj "$T/s$sig$j" '"%s %s" % (r["complete"], r["stopped_by"])')" "$((128 + n)):False SIG$sig" \
			"SIG$sig --jobs $j: stopped, summary.json says so"
		EXPLORESTREAM_STOP=$n:$T/stop$sig$j $X --jobs $j --resume "$T/s$sig$j" -- "$E" >/dev/null 2>&1
		is "$?:$(sj "$T/s$sig$j" "$runs")" "1:$(sj "$T/j1" "$runs")" \
			"SIG$sig --jobs $j, then --resume: the runs of an exploration never stopped"
		is "$(sj "$T/s$sig$j" 'r["totals"]')" "$(sj "$T/j1" 'r["totals"]')" \
			"SIG$sig --jobs $j, then --resume: the same totals"
	done
done

# 11. A script whose interpreter cannot be executed (126) or does not exist
# (127): posix_spawn fails, the fork path says it as a shell would.
printf '#!%s\n' "$T/in.txt" >"$T/badinterp"
printf 'text\n' >"$T/in.txt"
printf '#!%s\n' "$T/nonexistent" >"$T/nointerp"
chmod +x "$T/badinterp" "$T/nointerp"
$X --jobs 2 --out "$T/c126" -- "$T/badinterp" >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" \
	"2:failpool: the baseline run exited 126, as a shell does for a command it cannot execute: nothing to explore (see $T/c126/runs/0000/stderr)" \
	"a script whose interpreter is not executable: exit 2, 126"
$X --jobs 2 --out "$T/c127" -- "$T/nointerp" >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" \
	"2:failpool: the baseline run exited 127, as a shell does for a command it cannot find: nothing to explore (see $T/c127/runs/0000/stderr)" \
	"a script whose interpreter does not exist: exit 2, 127"
printf 'echo no shebang\n' >"$T/noshebang"
chmod +x "$T/noshebang"
$X --out "$T/c0" -- "$T/noshebang" >/dev/null 2>&1
is "$(cat "$T/c0/runs/0000/stdout")" "no shebang" "a script without #!: run by /bin/sh, as execvp does"

# 12. The --stdin file removed by a run (the one that fails step 1): the
# next run cannot start, exit 2 with the reason. (Before: later runs read
# explore's own standard input.)
printf 'the file\n' >"$T/in.txt"
echo "explore's own" | EXPLORESTREAM_STDIN=1 EXPLORESTREAM_UNLINK="$T/in.txt" \
	$X --stdin "$T/in.txt" --out "$T/si1" -- "$E" >/dev/null 2>"$T/err"
rc=$?
# (The runs kept in --out are all before it: the survived ones were not kept.)
n=$(sed -n 's/^failpool: cannot start run \([0-9]*\): .*/\1/p' "$T/err")
last=$(ls "$T/si1/runs" | grep '^[0-9]*$' | sort | tail -n 1 | sed 's/^0*//')
is "$rc:$(sed "s/run $n:/run N:/" "$T/err"):$((n > ${last:-0}))" "2:failpool: cannot start run N: No such file or directory:1" \
	"--stdin removed by a run: a run after those made ($n) cannot start, exit 2"
# Every run that printed read the file (one failed step 1 and removed it;
# the runs made ahead while it went on had it open already, README "Run
# servers"; one still under way when explore stopped printed nothing).
is "$(for f in "$T/si1/runs"/[0-9]*/stdout; do [ -s "$f" ] && head -n 1 "$f"; done | sort -u)" "stdin: the file" \
	"... every run before it that printed read the file"
printf 'the file\n' >"$T/in.txt"
echo "explore's own" | EXPLORESTREAM_STDIN=1 EXPLORESTREAM_UNLINK="$T/in.txt" \
	$X --jobs 4 --stdin "$T/in.txt" --out "$T/si4" -- "$E" >/dev/null 2>"$T/err"
is "$?:$(sed 's/run [0-9]*:/run N:/' "$T/err")" "2:failpool: cannot start run N: No such file or directory" \
	"--stdin removed, --jobs 4: exit 2"
is "$(cat "$T/si1/runs"/*/stdout "$T/si4/runs"/*/stdout | grep -c "explore's own")" 0 \
	"no run read explore's own standard input"
ok "no run is left behind" sh -c "! pgrep -f '^$E\$' >/dev/null"

done_testing

#!/bin/sh
# failpool explore's run servers (README, "Run servers"): runs cloned from a
# server make the same exploration as exec'd ones (--no-server), are served
# unless --aslr, are children of explore with the environment an exec'd run
# has, and a served run that crashed or hung is recorded as its exec'd rerun.
. "$TESTLIB"

# Copies of our own: other tests run these programs at the same time, and
# this one checks that none of its processes is left.
cp "$PROGS/findings" "$T/findings" && cp "$PROGS/explorestream" "$T/explorestream" &&
	cp "$PROGS/envlist" "$T/envlist" || bail "cannot copy the test programs"
F=$T/findings
E=$T/explorestream
X="$FAILPOOL explore"
sj() { jpy "$1/summary.json" "$2"; }
runs='[(x["site"], x["nth"], x["chain"], x["class"], x["exit"], x["revealed"], x["injected"], x["eligible"]) for x in r["runs"]]'
finds='[(f["class"], sorted(f["sites"]), f["crash_stack"]) for f in r["findings"]]'
served='[x["served"] for x in r["runs"]]'

# 1. The same runs and findings as exec'd runs, for each kind of finding.
for mode in wrapped deref xmalloc swallow; do
	$X --out "$T/s-$mode" -- "$F" $mode >/dev/null 2>&1
	s=$?
	$X --no-server --out "$T/e-$mode" -- "$F" $mode >/dev/null 2>&1
	is "$s:$(sj "$T/s-$mode" "$runs")" "$?:$(sj "$T/e-$mode" "$runs")" \
		"findings $mode: served runs are the exec'd runs, one by one"
	is "$(sj "$T/s-$mode" "$finds")" "$(sj "$T/e-$mode" "$finds")" \
		"findings $mode: the same findings"
	is "$(sj "$T/e-$mode" "set($served)")" "{False}" "findings $mode, --no-server: no run served"
done
is "$(sj "$T/s-wrapped" "$served")" "[False, True, True, True, True, True]" \
	"findings wrapped: every run after the baseline served"
# A served run ended by a signal is made again exec'd, and that is the run recorded.
is "$(sj "$T/s-deref" '[(x["class"], x["served"]) for x in r["runs"][1:] if x["class"] == "crashed"]')" \
	"[('crashed', False), ('crashed', False), ('crashed', False), ('crashed', False), ('crashed', False)]" \
	"findings deref: the five crashed runs are exec'd reruns"
is "$(sj "$T/s-deref" 'set(x["served"] for x in r["runs"][1:] if x["class"] != "crashed")')" "{True}" \
	"... the runs that did not crash stay served"
is "$(sj "$T/s-xmalloc" 'set(x["served"] for x in r["runs"][1:] if x["class"] == "aborted")')" "{False}" \
	"findings xmalloc: the aborted runs are exec'd reruns"

# 2. Revealed sites, several jobs, nth mode, --persistent: the same runs.
for opts in "--jobs 1" "--jobs 4" "--mode nth --jobs 2" "--persistent --jobs 3"; do
	$X $opts --out "$T/s" -- "$E" >/dev/null 2>&1
	s=$?
	$X $opts --no-server --out "$T/e" -- "$E" >/dev/null 2>&1
	is "$s:$(sj "$T/s" "$runs")" "$?:$(sj "$T/e" "$runs")" "explorestream $opts: served runs are the exec'd runs"
	is "$(sj "$T/s" "all($served[1:])")" "True" "explorestream $opts: every run served"
	rm -rf "$T/s" "$T/e"
done

# 3. A hung served run is killed at the timeout and recorded as it is: hung
# (made again exec'd it would cost the timeout twice).
EXPLORESTREAM_HANG=1 $X --jobs 2 --timeout 1s --out "$T/h" -- "$E" >/dev/null 2>&1
is "$?:$(sj "$T/h" '[(x["class"], x["exit"]["how"], x["served"]) for x in r["runs"] if x["class"] == "hung"]')" \
	"1:[('hung', 'timeout', True)]" "a hung served run: recorded, hung, not made again"
EXPLORESTREAM_HANG=1 $X --no-server --jobs 2 --timeout 1s --out "$T/he" -- "$E" >/dev/null 2>&1
is "$(sj "$T/h" "$runs")" "$(sj "$T/he" "$runs")" "... the same runs as exec'd ones"

# 4. --aslr: every run its own layout, so none is cloned.
$X --aslr --out "$T/a" -- "$F" wrapped >/dev/null 2>&1
is "$(sj "$T/a" "set($served)")" "{False}" "--aslr: no run served"

# 5. A served run is explore's child and has the environment an exec'd run
# has, strings and order: envlist's output is the baseline's in every run
# that did not fail (two baselines agree, so output is judged: no silent run).
$X --jobs 2 --out "$T/env" -- "$T/envlist" >/dev/null 2>"$T/err"
is "$?:$(sj "$T/env" "(r['output_judged'], r['totals']['silent'], all($served[1:]), len(r['runs']) > 1)")" "0:(True, 0, True, True)" \
	"envlist: every run served, none silent: the same parent and environment as the baseline's"
parent=$(head -n 1 "$T/env/runs/0000/stdout")
for d in "$T/env/runs"/0*; do
	[ "$(head -n 1 "$d/stdout")" = "$parent" ] || echo "$d"
done >"$T/other"
is "$(cat "$T/other")" "" "envlist: every run's parent is the baseline's (explore): $parent"
ok "... and no run saw the server's variable" sh -c "! grep -l _FAILPOOL_SERVE_FD '$T/env/runs'/*/stdout"

# 6. The variable outside explore (not a socket): the program runs as it
# would without it, and does not see it.
run_shim _FAILPOOL_SERVE_FD=0 FAILPOOL_REPORT="$T/r.json" -- "$T/envlist" </dev/null >"$T/out" 2>&1
is "$?:$(grep -c _FAILPOOL_SERVE_FD "$T/out")" "0:0" \
	"_FAILPOOL_SERVE_FD naming no server socket: the program runs, the variable removed"

# 7. Programs that differ from themselves are served too, when an exec'd
# second run differs alike: a pid in the output (not judged), a thread that
# allocates while main forks (eligible counts race).
$X --out "$T/pid" -- "$F" pid >/dev/null 2>&1
is "$(sj "$T/pid" "(r['output_judged'], all($served[1:]))")" "(False, True)" \
	"findings pid: output not judged, runs served"
cp "$PROGS/forker" "$T/forker" || bail "cannot copy forker"
$X --no-server --out "$T/tf" -- "$T/forker" threadfork 3 >/dev/null 2>&1
# Which of two sites a run reveals first is the race's: runs compared as a set.
want=$(sj "$T/tf" 'sorted((x["site"] or "", x["class"], x["exit"]["code"]) for x in r["runs"])')
i=0
while [ $i -lt 10 ]; do
	$X --jobs 2 --out "$T/tf$i" -- "$T/forker" threadfork 3 >/dev/null 2>&1
	sj "$T/tf$i" 'sorted((x["site"] or "", x["class"], x["exit"]["code"]) for x in r["runs"])'
	sj "$T/tf$i" "all($served[1:])" >>"$T/storm-served"
	i=$((i + 1))
done | sort | uniq -c | sed 's/^ *//' >"$T/storm"
is "$(cat "$T/storm")" "10 $want" \
	"forker threadfork, 10 served explorations: each the runs of an exec'd one"
# Whether the race lets the served second baseline run agree is the race's
# too (it may differ where the exec'd one happens not to): most are served.
ok "... and at least half of them served ($(grep -c True "$T/storm-served") of 10)" \
	test "$(grep -c True "$T/storm-served")" -ge 5

# 8. Nothing left behind: servers end with explore, even killed (SIGKILL:
# their socket's end is their end), once the runs under way have ended.
# Its --out on a tmpfs when there is one: the scratch directory a SIGKILL
# leaves (README, "`failpool explore`") is then inside it, removed here.
K=$(mktemp -d /dev/shm/failpool-test.XXXXXX 2>/dev/null) || K=$T
$X --jobs 2 --out "$K/k" -- "$E" >/dev/null 2>&1 &
xp=$!
sleep 0.5
kill -KILL $xp
wait $xp 2>/dev/null
sleep 1
ok "explore killed: no server or run left running" sh -c "! pgrep -f '^$E\$' >/dev/null"
[ "$K" = "$T" ] || rm -rf "$K"
ok "no server or run left running" sh -c "! pgrep -f '^($F|$E|$T/envlist|$T/forker)( |\$)' >/dev/null"

done_testing

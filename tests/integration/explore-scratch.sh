#!/bin/sh
# failpool explore's scratch directory (README, "`failpool explore`", the
# output directory): runs are made there, in /dev/shm or inside --out; the
# runs kept in --out/runs are the findings' (silent, aborted, crashed,
# hung) and those that revealed sites, with all their files; the scratch directory is gone at every end;
# --resume and --merge read a run not kept from its record.
. "$TESTLIB"

# Copies: explore-serve.sh and review-r1.sh look for processes of the originals.
cp "$PROGS/findings" "$T/findings" && cp "$PROGS/explorestream" "$T/stream"
F=$T/findings
X="$FAILPOOL explore"
sj() { jpy "$1/summary.json" "$2"; }

# Every run after the baseline of the exploration in $1 is in $1/runs/NNNN
# exactly when it is kept, and a kept one has its stdout, stderr and reports
# (D: the directory, given by a lambda: jpy evaluates one expression).
kept='[(x["run"], x["class"], x["revealed"]) for x in r["runs"][1:]
	if os.path.isdir("%s/runs/%04d" % (D, x["run"])) != (x["class"] not in ("survived", "handled") or x["revealed"] > 0)
	or (os.path.isdir("%s/runs/%04d" % (D, x["run"])) and sorted(set(f.endswith(".json") and "report" or f
		for f in os.listdir("%s/runs/%04d" % (D, x["run"])))) != ["report", "stderr", "stdout"])]'
rule() { jpy "$1/summary.json" "(lambda D: $kept)(\"$1\")"; }

# 1. What is kept: five crashed runs and a survived one of findings deref;
# cat, whose survived runs mostly reveal nothing but one does.
$X --out "$T/dr" -- "$F" deref >"$T/out" 2>&1
is "$?:$(rule "$T/dr")" "1:[]" "findings deref: the crashed runs kept, with their files; the survived one not"
is "$(sj "$T/dr" '[(x["run"], x["class"]) for x in r["runs"][1:] if x["class"] == "survived"]'):$(test -e "$T/dr/runs/0005" || echo gone)" \
	"[(5, 'survived')]:gone" "... run 5 survived: it printed the baseline's output, its counts are in summary.json"
ok "the baselines stay: runs/0000 and runs/again" test -s "$T/dr/runs/0000/stdout" -a -d "$T/dr/runs/again"
printf 'b\na\nc\n' >"$T/in.txt"
CAT=$(command -v cat)
$X --out "$T/cat" -- "$CAT" "$T/in.txt" >/dev/null 2>&1
is "$?:$(rule "$T/cat")" "0:[]" "cat: every run kept or not by the same rule"
is "$(sj "$T/cat" '(sum(x["class"] == "survived" and x["revealed"] > 0 for x in r["runs"][1:]) > 0, sum(x["class"] == "survived" and not x["revealed"] for x in r["runs"][1:]) > 0)')" \
	"(True, True)" "... which has survived runs that revealed sites (kept: --resume reads them) and others"
SORT=$(command -v sort)
$X --out "$T/so" -- "$SORT" "$T/in.txt" >/dev/null 2>&1
is "$?:$(rule "$T/so")" "0:[]" "sort: every run kept or not by the same rule"
is "$(sj "$T/so" 'sum(x["class"] == "handled" and not x["revealed"] for x in r["runs"][1:]) > 0')" \
	"True" "... whose handled runs (sort said 'memory exhausted' and exited 2) that revealed nothing are not kept"
$X --out "$T/sw" -- "$F" swallow >"$T/out" 2>&1
d=$(sed -n 's/^SILENT .*another standard output (\(.*\)\/stdout)$/\1/p' "$T/out")
is "$(cat "$d/stdout" 2>&1)" "sum 14" "the table names the kept run's directory in --out: $d"

# 2. Where runs are made: the explored script writes down where its
# standard output goes. /dev/shm when it is a tmpfs with 1 GiB free,
# else (or when --out is on a tmpfs itself) inside --out/runs.
cat >"$T/where" <<EOF
#!/bin/sh
where=\$(readlink /proc/\$\$/fd/1)
echo "\$where" >>"\$WHERE_LOG"
case \$where in */runs/0000/stdout|*/runs/again/stdout) ;; *)
	[ -z "\$WHERE_UNLINK" ] || rm -f "\$WHERE_UNLINK"
	[ -z "\$WHERE_HOLD" ] || sleep 60 ;;
esac
echo hello
EOF
chmod +x "$T/where"
shm_usable=$("$PYTHON3" -c '
import os, sys
try:
    v = os.statvfs("/dev/shm")
    print(v.f_bavail * v.f_frsize >= 1 << 30 and open("/proc/self/mounts").read().count(" /dev/shm tmpfs ") > 0)
except OSError:
    print(False)')
# The scratch directory the exploration logged in $1 used (one, for every run after the baselines).
# (A run whose readlink failed wrote an empty line.)
scratch_of() { grep -v -e '/runs/0000/stdout$' "$1" | sed -n 's|/[0-9][0-9][0-9][0-9]/stdout$||p' | sort -u; }

WHERE_LOG=$T/log1 $X --out "$T/w1" -- "$T/where" >/dev/null 2>&1
rc=$?
s=$(scratch_of "$T/log1")
if [ "$shm_usable" = True ]; then
	want='/dev/shm/failpool-explore\.[A-Za-z0-9]\{6\}'
else
	want="$T/w1/runs/scratch\\.[A-Za-z0-9]\\{6\\}"
fi
is "$rc:$(echo "$s" | grep -c "^$want\$"):$(lines "$T/log1" | grep -c '/runs/0000/stdout,.*/runs/again/stdout')" "0:1:1" \
	"the baselines ran in --out, every later run in one scratch directory ($s)"
is "$(test -e "$s" && echo left):$(rule "$T/w1")" ":[]" "a normal end: the scratch directory is gone; the runs kept are in --out"

# SIGTERM while a run is under way in the scratch directory.
WHERE_LOG=$T/log2 WHERE_HOLD=1 $X --out "$T/w2" -- "$T/where" >/dev/null 2>&1 &
xp=$!
i=0
while [ "$(scratch_of "$T/log2" 2>/dev/null)" = "" ] && [ $i -lt 3000 ]; do sleep 0.02; i=$((i + 1)); done
s=$(scratch_of "$T/log2")
mode=$(stat -c %a "$s" 2>&1)
kill -TERM $xp
wait $xp
rc=$?
is "$rc:$mode:$(test -e "$s" && echo left)" "143:700:" "SIGTERM: the scratch directory (mode 700, private) is gone"
is "$(sj "$T/w2" 'r["stopped_by"], sorted(set(os.listdir("'"$T/w2"'/runs")) - {"again"} - {"%04d" % x["run"] for x in r["runs"]})'):$(rule "$T/w2")" \
	"('SIGTERM', []):[]" "... the run under way dropped, as before: every run directory left is a recorded run's"

# Explore cannot go on (exit 2): the --stdin file removed by a run, the next cannot start.
echo data >"$T/stdin"
WHERE_LOG=$T/log3 WHERE_UNLINK=$T/stdin $X --stdin "$T/stdin" --out "$T/w3" -- "$T/where" >/dev/null 2>"$T/err"
rc=$?
s=$(scratch_of "$T/log3")
is "$rc:$(grep -c '^failpool: cannot start run [0-9]*: No such file or directory$' "$T/err"):$(test -n "$s" && test ! -e "$s" && echo gone)" \
	"2:1:gone" "exit 2 after runs were made: the scratch directory is gone"

# Explore cannot go on (exit 2) before making a run: --resume of a
# summary.json whose run 2 is not the run made next. The scratch
# directory was made (strace sees it) and is gone.
if command -v strace >/dev/null 2>&1 && strace -qq -o /dev/null true 2>/dev/null; then
	cp -R "$T/dr" "$T/bad"
	"$PYTHON3" -c '
import json, sys
p = sys.argv[1] + "/summary.json"
r = json.load(open(p))
r["runs"][2]["site"] = "0000000000000001"
json.dump(r, open(p, "w"))' "$T/bad"
	strace -f -qq -e trace=mkdir -o "$T/st" $X --resume "$T/bad" -- "$F" deref >/dev/null 2>"$T/err"
	rc=$?
	s=$(sed -n 's/.*mkdir("\([^"]*\)", 0700) = 0$/\1/p' "$T/st")
	is "$rc:$(cat "$T/err"):$(echo "$s" | grep -c -e '^/dev/shm/failpool-explore\.' -e "^$T/bad/runs/scratch\."):$(test -e "$s" && echo left)" \
		"2:failpool: --resume: run 2 of summary.json is not the run this exploration makes next:1:" \
		"exit 2 at a bad record of --resume: the scratch directory made is gone"
else
	skip "exit 2 at a bad record of --resume" "no strace, or ptrace not allowed"
fi

# --out on a tmpfs: the scratch directory inside it, each kept run renamed there.
if [ "$shm_usable" = True ] && O=$(mktemp -d /dev/shm/failpool-test.XXXXXX); then
	WHERE_LOG=$T/log4 $X --out "$O/w4" -- "$T/where" >/dev/null 2>&1
	rc=$?
	s=$(scratch_of "$T/log4")
	is "$rc:$(echo "$s" | grep -c "^$O/w4/runs/scratch\\.[A-Za-z0-9]\\{6\\}\$"):$(test -e "$s" && echo left):$(rule "$O/w4")" "0:1::[]" \
		"--out on a tmpfs: the scratch directory in its runs/, gone at the end, the kept runs in --out"
	is "$(sj "$O/w4" 'r["totals"]')" "$(sj "$T/w1" 'r["totals"]')" "... the same runs as with the scratch directory in /dev/shm"
	rm -rf "$O"
else
	skip "--out on a tmpfs" "/dev/shm is no tmpfs with 1 GiB free here: the scratch directory was in --out above"
fi

# What a SIGKILLed explore left inside --out goes with --force, as its runs do.
mkdir -p "$T/fo/runs/scratch.Ab12Cd/0003" && echo x >"$T/fo/runs/scratch.Ab12Cd/0003/stdout"
echo x >"$T/fo/runs/scratch.Ab12Cd/0003/123.json.tmp.0123456789abcdef"
$X --force --out "$T/fo" -- "$F" deref >/dev/null 2>&1
is "$?:$(ls "$T/fo/runs" | grep -c scratch)" "1:0" "--force: a scratch directory left in --out/runs is removed"

# 3. --resume after SIGTERM: the whole summary of one uninterrupted
# exploration (run times aside, and whether a run was served, which a run
# server decides as it goes), though the survived runs were not kept.
E=$T/stream
whole='[{k: v for k, v in x.items() if k not in ("seconds", "served")} for x in r["runs"]]'
rest='{k: v for k, v in r.items() if k not in ("runs", "findings")}'
$X --jobs 2 --out "$T/e" -- "$E" >/dev/null 2>&1
ew=$?
EXPLORESTREAM_STOP=15:$T/stop $X --jobs 2 --out "$T/es" -- "$E" >/dev/null 2>&1
is "$?:$(sj "$T/es" 'r["stopped_by"]')" "143:SIGTERM" "explorestream stopped by SIGTERM"
EXPLORESTREAM_STOP=15:$T/stop $X --jobs 2 --resume "$T/es" -- "$E" >/dev/null 2>&1
is "$?" "$ew" "--resume: the exit status of the uninterrupted exploration"
is "$(sj "$T/es" "$whole")" "$(sj "$T/e" "$whole")" "--resume: every run recorded as the uninterrupted exploration's"
is "$(sj "$T/es" "$rest")" "$(sj "$T/e" "$rest")" "--resume: every other key of summary.json too"
is "$(sj "$T/es" 'r["findings"]' | sed "s|$T/es/|DIR/|g")" "$(sj "$T/e" 'r["findings"]' | sed "s|$T/e/|DIR/|g")" \
	"--resume: the same findings, repro-N.sh in its own --out"
is "$(sj "$T/es" 'sum(x["class"] == "survived" and not x["revealed"] for x in r["runs"][1:])'):$(rule "$T/es")" "1:[]" \
	"... with a survived run not kept, read back from its record"

# sort's handled runs that revealed nothing are not kept either: an
# exploration cut by --max-runs, then resumed, records them as a whole one.
# (In the C locale: sort's messages then allocate nothing, and its first
# runs end handled.)
LC_ALL=C $X --jobs 2 --out "$T/sw0" -- "$SORT" "$T/in.txt" >/dev/null 2>&1
sw=$?
LC_ALL=C $X --jobs 2 --max-runs 12 --out "$T/sw1" -- "$SORT" "$T/in.txt" >/dev/null 2>&1
LC_ALL=C $X --jobs 2 --resume "$T/sw1" -- "$SORT" "$T/in.txt" >/dev/null 2>&1
is "$?:$(sj "$T/sw1" "$whole")" "$sw:$(sj "$T/sw0" "$whole")" \
	"sort, --max-runs 12 then --resume: every run recorded as one whole exploration's"
handled_cut='sum(x["class"] == "handled" and not x["revealed"] for x in r["runs"][1:13]) > 0'
is "$(sj "$T/sw0" "$handled_cut"):$(sj "$T/sw1" "$handled_cut"):$(rule "$T/sw1")" "True:True:[]" \
	"... its handled runs before the cut, not kept, read back from their records"

# A run's directory not kept but its record of another class (removed by
# hand): --resume takes the record's class, as it took its counts.
$X --max-runs 3 --out "$T/d3" -- "$F" deref >/dev/null 2>&1
rm -r "$T/d3/runs/0002"
$X --resume "$T/d3" -- "$F" deref >/dev/null 2>&1
is "$?:$(sj "$T/d3" '[x["class"] for x in r["runs"][1:]]')" \
	"1:['crashed', 'crashed', 'crashed', 'crashed', 'survived', 'crashed']" "--resume with a crashed run's directory gone: still crashed"

# 4. --merge of shards whose survived runs were not kept: the sites,
# totals and findings of one exploration, and each run as that one's.
$X --jobs 2 --out "$T/m-whole" -- "$E" >/dev/null 2>&1
mw=$?
$X --shard 1/2 --out "$T/m1" -- "$E" >/dev/null 2>&1
$X --shard 2/2 --out "$T/m2" -- "$E" >/dev/null 2>&1
$X --merge --out "$T/m" "$T/m1" "$T/m2" >/dev/null 2>&1
is "$?" "$mw" "--merge: the exit status of the whole exploration"
q='(r["sites"], r["totals"], [(f["class"], f["sites"], f["crash_stack"]) for f in r["findings"]])'
is "$(sj "$T/m" "$q")" "$(sj "$T/m-whole" "$q")" "--merge: the sites, totals and findings of the whole exploration"
byrun='sorted((x["site"], x["chain"], x["class"], x["injected"], x["eligible"], x["same_output"]) for x in r["runs"][1:])'
is "$(sj "$T/m" "$byrun")" "$(sj "$T/m-whole" "$byrun")" "--merge: each run as the whole exploration's"

done_testing

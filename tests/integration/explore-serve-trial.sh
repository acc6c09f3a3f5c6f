#!/bin/sh
# failpool explore's run servers tried as a user would (README, "Run
# servers"): what a trial on real programs found wrong, each kept here.
. "$TESTLIB"

F=$PROGS/findings
X="$FAILPOOL explore"
sj() { jpy "$1/summary.json" "$2"; }
runs='[(x["site"], x["nth"], x["class"], x["exit"], x["injected"], x["eligible"], x["served"]) for x in r["runs"]]'

# 1. --resume reads back the runs summary.json records with their eligible
# counts: the baseline's is what the served second baseline must match, so
# losing it left every resumed run exec'd; and in --mode nth it is the
# number of allocations to try, so a resumed nth exploration had none.
for mode in "" "--mode nth"; do
	$X $mode --out "$T/whole" -- "$F" wrapped >/dev/null 2>&1
	whole=$?
	$X $mode --max-runs 2 --out "$T/part" -- "$F" wrapped >/dev/null 2>&1
	$X $mode --resume "$T/part" -- "$F" wrapped >/dev/null 2>"$T/err"
	is "$?:$(cat "$T/err")" "$whole:" "--resume ${mode:-(sites)}: the status of the whole exploration"
	is "$(sj "$T/part" "$runs")" "$(sj "$T/whole" "$runs")" \
		"--resume ${mode:-(sites)}: each run as the whole exploration's, eligible count and served"
	rm -rf "$T/whole" "$T/part"
done

# 2. The same through --merge: each shard's runs keep their eligible counts.
$X --out "$T/whole" -- "$F" wrapped >/dev/null 2>&1
$X --shard 1/2 --out "$T/s1" -- "$F" wrapped >/dev/null 2>&1
$X --shard 2/2 --out "$T/s2" -- "$F" wrapped >/dev/null 2>&1
$X --merge --out "$T/m" "$T/s1" "$T/s2" >/dev/null 2>&1
is "$(sj "$T/m" 'sorted((x["site"] or "", x["eligible"]) for x in r["runs"])')" \
	"$(sj "$T/whole" 'sorted((x["site"] or "", x["eligible"]) for x in r["runs"])')" \
	"--merge: every run with its eligible count"

# 3. A library constructor that changes the environment before the shim's
# (here: removes LD_PRELOAD, keeping the shim from the children) and
# allocates nothing: a run cloned with explore's environment would undo
# it, interposing the children, whose sites an exec'd run never has; and
# the served baseline, the same status, count and output, would not tell.
# Such a program is not served.
U=$PROGS/ctorlib
CTORLIB=unsetenv $X --out "$T/us" -- "$U" >/dev/null 2>"$T/err"
s=$?
is "$(grep -c "^failpool: every run is exec'd: the program cannot be served" "$T/err")" 1 \
	"... and explore says why its runs are exec'd"
CTORLIB=unsetenv $X --no-server --out "$T/ue" -- "$U" >/dev/null 2>&1
is "$s:$(sj "$T/us" "$runs")" "$?:$(sj "$T/ue" "$runs")" \
	"a constructor's unsetenv(LD_PRELOAD): the runs of --no-server, none served"
is "$(sj "$T/us" '(r["sites"], len(r["runs"]))')" "(1, 2)" "... one site: the parent's (the child is not interposed)"

# A library constructor that opens a file before the shim's (close-on-exec,
# so not one explore passed down): every cloned run would share its
# offset, and all but the first read nothing: a silent finding that is
# none. Such a program is not served.
printf 'from the file\n' >"$T/data"
CTORLIB=open CTORLIB_FILE=$T/data $X --out "$T/os" -- "$U" >/dev/null 2>&1
s=$?
CTORLIB=open CTORLIB_FILE=$T/data $X --no-server --out "$T/oe" -- "$U" >/dev/null 2>&1
is "$s:$(sj "$T/os" "$runs")" "$?:$(sj "$T/oe" "$runs")" \
	"a constructor's open(): the runs of --no-server, none served"
# (Run 1 survived, output judged: it printed the baseline's, and was not kept.)
is "$s:$(cat "$T/os/runs/0000/stdout"):$(sj "$T/os" 'r["runs"][1]["class"], r["output_judged"]')" \
	"0:read 14 bytes: from the file:('survived', True)" "... each run reads the file from its start"

# 4. An environment too big for a request (over 1 MiB): each run starts
# the ordinary way, as with --no-server (explore ended with status 2 and
# no word after the baseline).
big=$(printf '%0120000d' 0)
(
	export B1=$big B2=$big B3=$big B4=$big B5=$big B6=$big B7=$big B8=$big B9=$big
	$X --out "$T/bs" -- "$F" wrapped >/dev/null 2>"$T/err"
	echo "$?:$(cat "$T/err")" >"$T/bs.rc"
	$X --no-server --out "$T/be" -- "$F" wrapped >/dev/null 2>&1
)
is "$(cat "$T/bs.rc")" "1:" "a 1 MiB environment: explored, the wrapped findings found"
is "$(sj "$T/bs" "$runs")" "$(sj "$T/be" "$runs")" "... the runs of --no-server, none served"

done_testing

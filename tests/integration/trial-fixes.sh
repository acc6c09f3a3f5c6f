#!/bin/sh
# Fixes from the user trial: the tool never runs under its own shim (README,
# "Using it"); merging reports: seeds and a process given twice (README,
# "`failpool report` and `failpool soak`"); one seed for a whole `run` or
# `soak` tree; exact 64-bit seeds; messages and refusals before anything runs.
. "$TESTLIB"

: "${FAILPOOL:?FAILPOOL is not set (run through make check)}"
F=$FAILPOOL
P=$PROGS/probe

# st CMD...: the exit status of CMD, its stdout in $T/out, stderr in $T/err.
st() {
	"$@" >"$T/out" 2>"$T/err"
	echo $?
}

# --- the tool under a user's LD_PRELOAD of the shim, every allocation failing
"$F" run -q --report "$T/r.json" -- "$P" malloc 3 16 >/dev/null 2>&1
is "$(st env LD_PRELOAD="$FAILPOOL_LIB" FAILPOOL_EVERY=1 "$F" report "$T/r.json"):$(head -n 1 "$T/out" | cut -d, -f1)" \
	"0:failpool report: 1 process" "report under LD_PRELOAD=shim and EVERY=1: the tool runs without the shim"
is "$(st env LD_PRELOAD="libm.so.6:$FAILPOOL_LIB" FAILPOOL_EVERY=1 "$F" run -q --every 1000 -- \
	sh -c 'echo "$LD_PRELOAD"'):$(cat "$T/out")" "0:$FAILPOOL_LIB:libm.so.6" \
	"run under LD_PRELOAD=libm:shim: CMD gets the tool's shim, then the rest of LD_PRELOAD"
mkdir "$T/own"
st env LD_PRELOAD="$FAILPOOL_LIB" FAILPOOL_REPORT="$T/own/%e.%p.json" "$F" --version >/dev/null
is "$(ls "$T/own" | wc -l):$(cut -d' ' -f1 "$T/out")" "0:failpool" \
	"... the tool's own first image writes no report"

# --- merging: a null seed stays null; a process given twice is counted once
"$F" run -q --seed 1 --every 2 --report "$T/s1.json" -- "$P" malloc 4 16 >/dev/null 2>&1
"$F" run -q --seed 2 --every 2 --report "$T/s2.json" -- "$P" malloc 4 16 >/dev/null 2>&1
"$F" run -q --seed 4 --every 2 --report "$T/s4.json" -- "$P" malloc 4 16 >/dev/null 2>&1
"$F" report --format json -o "$T/m12.json" "$T/s1.json" "$T/s2.json" 2>/dev/null
is "$(st "$F" report --format json "$T/m12.json" "$T/s4.json"):$(jget "$T/out" seed):$(sed "s|$T|T|g" "$T/err")" \
	"0:null:failpool: warning: T/m12.json has no one seed (it merged runs of different seeds): no one seed repeats the runs" \
	"a merged report with a null seed, merged with seed 4: null, with a warning"
cp "$T/m12.json" "$T/copy.json"
is "$(st "$F" report --format json "$T/m12.json" "$T/copy.json" "$T/s1.json"):$(jpy "$T/out" '"%d %d" % (len(r["processes"]), r["totals"]["injected"])')" \
	"0:2 4" "a merged report, its copy and one of its reports: 2 processes, 4 injected, counted once"
is "$(sed "s|$T|T|g" "$T/err")" \
	"failpool: warning: T/copy.json: its 2 processes are already in T/m12.json; counted once
failpool: warning: T/s1.json: pid $(jget "$T/s1.json" pid) ($(jget "$T/s1.json" exe)) is already in T/m12.json; counted once
failpool: warning: T/m12.json has no one seed (it merged runs of different seeds): no one seed repeats the runs" \
	"... each left out with a warning naming where the processes already are"

# --- one seed for a whole run tree without --seed: the one the summary prints
mkdir "$T/tree"
st "$F" run --every 1000 --report "$T/tree/t.%p.json" -- sh -c "$P malloc 1 16; $P malloc 1 16" >/dev/null
seed=$(sed -n 's/^failpool: seed \([0-9]*\)$/\1/p' "$T/err")
is "$(ls "$T/tree" | wc -l):$(for f in "$T"/tree/*.json; do jget "$f" seed; done | sort -u | paste -sd' ')" "3:$seed" \
	"run without --seed: the shell and both children ran with the seed the summary prints"
is "$("$F" run -q --print-env -- true | grep -c '^FAILPOOL_SEED=')" 0 "... --print-env sets no seed of its own"
if [ -x "${STRESS_NG:-}" ]; then
	"$F" soak --stress-ng "$STRESS_NG" --stressor malloc:1 --duration 1s --every 100000 --out "$T/soak" >/dev/null 2>&1
	is "$(for f in "$T"/soak/*.json; do jget "$f" seed; done | sort -u | wc -l):$(ls "$T"/soak/*.json | wc -l | tr -d ' ')" \
		"1:$(ls "$T"/soak/*.json | wc -l | tr -d ' ')" "soak without --seed: stress-ng and its workers, one seed"
else
	skip "soak without --seed: stress-ng and its workers, one seed" "stress-ng not installed"
fi

# --- a seed above 2^53 is read and printed exactly (the README's way to read it)
"$F" run --seed 18446744073709551615 --every 2 --report "$T/u.json" -- "$P" malloc 3 16 >/dev/null 2>"$T/uerr"
is "$(grep '^failpool: seed' "$T/uerr")" "failpool: seed 18446744073709551615" "run's summary: the seed 2^64-1 exactly"
# the seed: what the first line of `failpool report FILE` says it is
seed_of() { "$F" report "$1" | head -n 1 | sed -n 's/.*, seed \([0-9]*\).*/\1/p'; }
is "$(seed_of "$T/u.json")" 18446744073709551615 \
	"failpool report: the seed 2^64-1 exactly"
"$F" report --format json -o "$T/um.json" "$T/u.json"
is "$(grep -o '"seed":18446744073709551615' "$T/um.json" | head -n 1):$(seed_of "$T/um.json")" \
	'"seed":18446744073709551615:18446744073709551615' \
	"... merged and read back: exactly"
is "$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["seed"])' "$T/u.json")" 18446744073709551615 \
	"... and by the README's python3 line"

# --- refused before anything runs, with one line saying why
is "$(st "$F" run -q --pool 'a:site=func:x;func:y,min=1,size=1K' -- true):$(cat "$T/err")" \
	"125:failpool: --pool: pool 'a': min= is required (separate a pool's site rules with |)" \
	"a pool's site rules separated by ';': 125, with the hint"
is "$(st "$F" run -q --pool 'a:site=func:x,min=1,size=1K;lib:liby*' -- true):$(cat "$T/err")" \
	"125:failpool: --pool: pool 2 'lib:liby*' is a site rule, not a pool (separate a pool's site rules with |)" \
	"... a rule after a whole pool: 125, with the hint"
is "$(st "$F" run -q --burst 3 -- true):$(cat "$T/err")" \
	"125:failpool: --burst: needs --nth, the first allocation of the burst" \
	"--burst without --nth: 125, one line naming the flags"
is "$(st "$F" run -q -- /tmp):$(cat "$T/err")" "126:failpool: /tmp: is a directory" \
	"run -- /tmp: 126, 'is a directory'"
is "$(st "$F" run -q --report "$T/missing/r.json" -- "$P" noalloc):$(cat "$T/out"):$(sed "s|$T|T|g" "$T/err")" \
	"125::failpool: --report: directory T/missing: No such file or directory: 'T/missing/r.json'" \
	"--report into a missing directory: 125, nothing run"
is "$(st "$F" run -q --report "$T/own" -- "$P" noalloc):$(cat "$T/out"):$(sed "s|$T|T|g" "$T/err")" \
	"125::failpool: --report: T/own is a directory, not a file: 'T/own'" \
	"--report onto a directory: 125, nothing run"
is "$(st "$F" run -q --report "$T/own/%e.%p.json" -- "$P" noalloc):$(cat "$T/out")" "0:main" \
	"--report into an existing directory, with %e and %p: runs"
is "$(st env FAILPOOL_RATE=0.5 "$F" explore --out "$T/x" -- "$P" noalloc):$(cat "$T/err")" \
	"2:failpool: FAILPOOL_RATE in the environment cannot be used: explore decides what fails (unset it)" \
	"FAILPOOL_RATE in explore's environment: refused like --rate, exit 2"

done_testing

#!/bin/sh
# Relative FAILPOOL_REPORT and FAILPOOL_LOG paths are taken from the working
# directory the process had when the shim started (README, "Variables"), so
# a program that changes directory still writes where it was asked to;
# `failpool run --report/--log` make theirs absolute from the tool's own
# directory. The directories' names hold a '%' and a space: a path that
# went through a template twice would show it.
. "$TESTLIB"

P=$PROGS/probe
S="$T/st%art here"
E="$T/elsewhere"
mkdir -p "$S/sub" "$E"

# in_start CMD...: run CMD from $S.
in_start() {
	(cd "$S" && "$@")
}

# 1. The shim: report and log, plain names, a subdirectory, templates.
in_start run_shim FAILPOOL_REPORT=r.json FAILPOOL_LOG=l.log FAILPOOL_EVERY=1 -- \
	"$P" chdir "$E" malloc 3 16 >"$T/out" 2>"$T/err"
is "$?|$(tail -n 1 "$T/out")" "0|done 3 failed 3" "probe chdir ELSEWHERE malloc 3 16 under EVERY=1"
ok "the report is where it was asked for" test -s "$S/r.json"
is "$(jget "$S/r.json" exit.code)" 0 "... and whole"
is "$(jget "$S/r.json" config.report)" "r.json" "... config.report as the user wrote it"
ok "the log is where it was asked for" test -s "$S/l.log"
is "$("$PYTHON3" -c 'import json,sys; print(len([json.loads(l) for l in open(sys.argv[1])]) >= 3)' "$S/l.log")" True \
	"... a JSON line per injected failure"
is "$(ls -A "$E")" "" "nothing was written where the program went"

in_start run_shim FAILPOOL_REPORT='sub/r-%p-%e.json' FAILPOOL_LOG='sub/l-%e-%%.log' FAILPOOL_EVERY=1 -- \
	"$P" chdir "$E" malloc 2 16 >/dev/null 2>&1
is "$(cd "$S/sub" && ls r-*-probe.json l-probe-%.log 2>/dev/null | wc -l)" 2 \
	"%p/%e/%% templates in a subdirectory: both files there"
is "$(ls -A "$E")" "" "... nothing where the program went"

# A child forked after the chdir opens its own %p log and writes its own
# report: in the directory the shim started in too.
rm -rf "$S"/* "$E"/*
in_start run_shim FAILPOOL_LOG='l-%p.log' FAILPOOL_REPORT='r-%p.json' FAILPOOL_EVERY=1000000 -- \
	/bin/sh -c 'cd "$1" && x=$(echo hi) && echo "$x"' sh "$E" >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")" "0|hi" "sh -c 'cd ELSEWHERE && x=\$(echo hi)'"
is "$(cd "$S" && ls l-*.log | wc -l)|$(cd "$S" && ls r-*.json | wc -l)" "2|2" \
	"the forked child's log and report: beside the parent's"
is "$(ls -A "$E")" "" "... nothing where the shell went"

# An absolute path is left alone.
in_start run_shim FAILPOOL_REPORT="$T/abs.json" -- "$P" chdir "$E" malloc 1 16 >/dev/null 2>&1
ok "an absolute report path" test -s "$T/abs.json"

# 2. failpool run: CMD is a shell that changes directory before exec'ing the
# program, whose shim starts there; the tool passes absolute paths.
rm -rf "$S"/* "$E"/*
in_start "$FAILPOOL" run -q --report run.json --log 'run-%p.log' --every 1 --exe probe -- \
	sh -c 'cd "$1" && exec "$2" malloc 2 16' sh "$E" "$P" >"$T/out" 2>"$T/err"
is "$?|$(tail -n 1 "$T/out")" "0|done 2 failed 2" "failpool run -- sh -c 'cd ELSEWHERE && exec probe'"
ok "--report run.json: in the tool's directory" test -s "$S/run.json"
is "$(jget "$S/run.json" config.report)" "$(printf '%s' "$S" | sed 's/%/%%/g')/run.json" \
	"... passed as an absolute template ('%' doubled)"
is "$(cd "$S" && ls run-*.log | wc -l)" 1 "--log run-%p.log: in the tool's directory"
is "$(ls -A "$E")" "" "... nothing where CMD went"

done_testing

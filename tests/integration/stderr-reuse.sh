#!/bin/sh
# The shim's diagnostics go to fd 2 only while fd 2 is the stream the program
# started with (README "Compatibility and limits"): a program that closed
# stderr and opened a data file on fd 2 finds no failpool text in its data.
. "$TESTLIB"

P=$PROGS/probe

# Control: with stderr untouched, FAILPOOL_VERBOSE speaks.
run_shim FAILPOOL_NTH=1 FAILPOOL_VERBOSE=1 -- "$P" malloc 2 16 >/dev/null 2>"$T/err0"
ok "stderr kept: the injected failure is said" grep -q '^failpool: injected failure #1: malloc(16)' "$T/err0"

# FAILPOOL_VERBOSE with fd 2 reused for data.
run_shim FAILPOOL_NTH=1 FAILPOOL_VERBOSE=2 -- "$P" stderr "$T/data1" malloc 2 16 >"$T/out1" 2>"$T/err1"
is "$?|$(tail -n 1 "$T/out1")" "0|done 2 failed 1" "fd 2 reused: the failure was injected"
is "$(cat "$T/data1")" "data" "fd 2 reused: FAILPOOL_VERBOSE wrote nothing into the data file"
is "$(cat "$T/err1")" "" "fd 2 reused: nor into the old stderr"

# A report that cannot be written, and a log that cannot be opened.
run_shim FAILPOOL_REPORT="$T/none/r.json" FAILPOOL_LOG="$T/none/l.log" FAILPOOL_EVERY=1 -- \
	"$P" stderr "$T/data2" malloc 1 16 >/dev/null 2>&1
is "$(cat "$T/data2")" "data" "fd 2 reused: complaints about the report and log stay out of the data file"

# Control: the same complaints with stderr untouched.
run_shim FAILPOOL_REPORT="$T/none/r.json" -- "$P" malloc 1 16 >/dev/null 2>"$T/err3"
ok "stderr kept: the report's complaint is said" grep -q "^failpool: FAILPOOL_REPORT: cannot" "$T/err3"

done_testing

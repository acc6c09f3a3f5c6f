#!/bin/sh
# The report is written however the process ends (README, "The report"): return from
# main, exit(), _exit(), _Exit(), quick_exit(), and exit()/_exit() from another thread,
# with the right exit code and the allocations made just before the end.
. "$TESTLIB"

E=$PROGS/exits

for how in return exit _exit _Exit thread-exit thread-_exit quick_exit; do
	for code in 7 0; do
		rm -rf "$T/d"
		mkdir "$T/d"
		run_shim FAILPOOL_REPORT="$T/d/report.json" -- "$E" $how $code >"$T/out" 2>"$T/err"
		rc=$?
		is "$rc:$(lines "$T/out")" "$code:exits $how $code" "$how($code): status $code"
		if [ ! -s "$T/d/report.json" ]; then
			is "missing" "written" "$how($code): report written"
			continue
		fi
		is "$(jpy "$T/d/report.json" '"%s %s" % (json.dumps(r["exit"], separators=(",", ":")), r["complete"])')" \
			"{\"how\":\"exit\",\"code\":$code,\"signal\":null} True" "$how($code): report says exit code $code, complete"
		is "$(jpy "$T/d/report.json" 'r["totals"]["calls"]["malloc"] >= 10 and r["totals"]["calls"]["free"] >= 5 and r["totals"]["live_bytes"] >= 500')" True \
			"$how($code): the allocations just before the end are counted"
		is "$(ls -A "$T/d" | paste -sd' ')" "report.json" "$how($code): one report, no temporary file left"
	done
done

# quick_exit(): written after the program's at_quick_exit handlers.
rm -f "$T/r.json"
run_shim FAILPOOL_REPORT="$T/r.json" -- "$E" quick_exit 5 >/dev/null 2>&1
is "$?:$(jget "$T/r.json" exit.code):$(jget "$T/r.json" totals.calls.malloc)" "5:5:11" \
	"quick_exit(5): the report has the handler's malloc too"

# An exit status above 255 is truncated the way the kernel does it.
rm -f "$T/r.json"
run_shim FAILPOOL_REPORT="$T/r.json" -- "$E" exit 300 >/dev/null 2>&1
is "$?:$(jget "$T/r.json" exit.code)" "44:44" "exit(300): status and report say 44"

done_testing

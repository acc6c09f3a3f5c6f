#!/bin/sh
# The last-words handlers take only the signals a process starts with at
# their default (README, "The report"): one rt_sigaction(2) per signal,
# every signal blocked meanwhile, and what was not the default put back at
# once. A SIGHUP ignored under nohup stays ignored; one pending, blocked
# and ignored across exec still reaches the handler the program installs.
. "$TESTLIB"

P=$PROGS/sigdisp
R=FAILPOOL_REPORT=$T/%p.json

is "$(run_bare -- "$P" view)" \
	"HUP kernel=default program=default TERM kernel=default program=default" "bare: both at their default"
is "$(run_shim "$R" -- "$P" view)" \
	"HUP kernel=caught program=default TERM kernel=caught program=default" \
	"a report: the shim holds both, the program reads their default"
is "$(run_shim "$R" -- env --ignore-signal=HUP "$P" view)" \
	"HUP kernel=ignored program=ignored TERM kernel=caught program=default" \
	"a report, SIGHUP ignored (nohup): it stays ignored"
is "$(run_shim "$R" -- env --ignore-signal=HUP "$P" hup; echo "status $?")" "alive
status 0" "... and a SIGHUP is ignored"
is "$(run_shim "$R" -- "$P" hup 2>/dev/null; echo "status $?")" "status 129" \
	"a report, SIGHUP at its default: it ends the process, as without the shim"

is "$(run_bare -- "$P" pend-exec "$P" catch)" "caught" \
	"bare: a SIGHUP pending while blocked and ignored reaches the handler set after exec"
is "$(run_shim "$R" -- "$P" pend-exec "$P" catch)" "caught" "... under the shim with a report too"

if command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null; then
	# Each signal the shim looks at appears in one rt_sigaction call, or
	# two when it goes back to what it was. The shim in the program only;
	# the calls of the last image that the command execs.
	# Every signal starts at its default (env --default-signal), whatever
	# make check inherited (nohup, a background job's ignored SIGINT).
	calls() {	# CMD...: "SIGNAL COUNT" for each signal set more than once
		strace -o "$T/all" -e trace=rt_sigaction,execve -E LD_PRELOAD="$FAILPOOL_LIB" \
			-E FAILPOOL_REPORT="$T/s.json" env --default-signal "$@" >/dev/null 2>&1
		awk '/^execve\(/ { n = 0; next } { line[n++] = $0 }
			END { for (i = 0; i < n; i++) print line[i] }' "$T/all" >"$T/trace"
		sed -n 's/^rt_sigaction(\(SIG[A-Z0-9_+]*\),.*/\1/p' "$T/trace" | sort | uniq -c |
			awk '$1 > 1 { print $2, $1 }' | paste -sd, -
	}
	is "$(calls "$P" view)" "" "a report: one rt_sigaction per signal at boot"
	is "$(calls env --ignore-signal=HUP "$P" hup)" "SIGHUP 2" \
		"a report, SIGHUP ignored: two for SIGHUP (set, put back), one for the others"
	n=$(grep -c '^rt_sigaction(SIG' "$T/trace")
	d=$(sed -n 's/^rt_sigaction(\(SIG[A-Z0-9_+]*\),.*/\1/p' "$T/trace" | sort -u | grep -c .)
	is "$n" "$((d + 1))" "... $n calls for $d signals in all"
else
	skip "a report: one rt_sigaction per signal at boot" "strace not usable here"
	skip "a report, SIGHUP ignored: two for SIGHUP" "strace not usable here"
	skip "... calls for the signals in all" "strace not usable here"
fi
done_testing

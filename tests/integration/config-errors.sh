#!/bin/sh
# Bad configuration is never ignored (README, "Variables"): the shim prints exactly one
# line "failpool: FAILPOOL_X: <what is wrong>" on stderr and the process
# exits with status 125 before main runs, even when the program never
# allocates. Good values of every variable are accepted.
. "$TESTLIB"

P=$PROGS/probe

# bad VAR VALUE MESSAGE: `probe noalloc` (which prints "main" as its first
# act, without allocating) must print nothing and exit 125 with MESSAGE.
bad() {
	run_shim "FAILPOOL_$1=$2" -- "$P" noalloc >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc|$(cat "$T/out")|$(cat "$T/err")" "125||failpool: FAILPOOL_$1: $3" \
		"FAILPOOL_$1='$(printf '%s' "$2" | tr '\001-\037' '?')': exit 125 before main, one line"
}

# good VAR VALUE: accepted, the program runs.
good() {
	run_shim "FAILPOOL_$1=$2" -- "$P" noalloc >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc|$(cat "$T/out")|$(cat "$T/err")" "0|main|" "FAILPOOL_$1='$2' accepted"
}

bad RATE 2 "not a number in [0,1]: '2'"
bad RATE 1.5 "not a number in [0,1]: '1.5'"
bad RATE -0.1 "not a number in [0,1]: '-0.1'"
bad RATE abc "not a number in [0,1]: 'abc'"
bad RATE "" "not a number in [0,1]: ''"
bad RATE 0.5x "not a number in [0,1]: '0.5x'"
bad SEED -1 "not a non-negative integer: '-1'"
bad SEED 18446744073709551616 "out of range (at most 18446744073709551615): '18446744073709551616'"
bad SEED 12ab "not a non-negative integer: '12ab'"
bad EVERY 0 "must be at least 1: '0'"
bad EVERY x "not a non-negative integer: 'x'"
bad EVERY "" "not a non-negative integer: ''"
bad AFTER -5 "not a non-negative integer: '-5'"
bad NTH 0 "must be at least 1: '0'"
bad NTH 1.5 "not a non-negative integer: '1.5'"
bad BURST 0 "not an integer >= 1 or 'inf': '0'"
bad BURST infinity "not an integer >= 1 or 'inf': 'infinity'"
bad TIMES abc "not a non-negative integer: 'abc'"
bad LIMIT 10X "not a size in bytes (suffix K, M, G or T, also as KB or KiB): '10X'"
bad LIMIT -1 "not a size in bytes (suffix K, M, G or T, also as KB or KiB): '-1'"
bad LIMIT 99999999999999G "out of range: '99999999999999G'"
bad CALLS mallocx "unknown function 'mallocx' (known: malloc calloc realloc reallocarray free posix_memalign aligned_alloc memalign valloc pvalloc malloc_usable_size new new[] delete delete[])"
bad CALLS "malloc,,free" "empty name in list"
bad CALLS "" "empty name in list"
bad SITES "func:main;bogus:x" "rule 2 'bogus:x': unknown kind 'bogus' (use func:, lib: or site:)"
bad SITES "site:xyz" "rule 1 'site:xyz': not a site id (up to 16 hex digits)"
bad POOLS "p:site=func:x,min=0,size=64" "pool 'p': min is not an integer in 1..1000000: '0'"
bad POOLS "p:site=func:x,min=1,size=64,wait=later" "pool 'p': wait is not 0, a duration (500ms, 5s) or forever: 'later'"
bad POOLS "p:site=func:x;min=1" "pool 'p': min= is required"
bad DEPTH 0 "not an integer in 1..64: '0'"
bad DEPTH 65 "not an integer in 1..64: '65'"
bad REPORT "" "empty path"
bad REPORT "$T/r-%x.json" "unknown escape '%x' (use %p, %e or %%): '$T/r-%x.json'"
bad LOG "" "empty path"
bad LOG "$T/log-%" "unknown escape '%' (use %p, %e or %%): '$T/log-%'"
bad EXE "" "empty pattern"
bad ENABLE 2 "not 0 or 1: '2'"
bad ENABLE yes "not 0 or 1: 'yes'"
bad TOGGLE_SIGNAL SIGFOO "not a signal name or number: 'SIGFOO'"
bad TOGGLE_SIGNAL 0 "not a signal name or number: '0'"
# Signals that would break the program if a toggle took them over.
bad TOGGLE_SIGNAL KILL "SIGKILL cannot be caught: 'KILL'"
bad TOGGLE_SIGNAL SIGSTOP "SIGSTOP cannot be caught: 'SIGSTOP'"
fault="reports a crash (the crash record needs it, and a fault would repeat forever)"
bad TOGGLE_SIGNAL SEGV "SIGSEGV $fault: 'SEGV'"
bad TOGGLE_SIGNAL SIGBUS "SIGBUS $fault: 'SIGBUS'"
bad TOGGLE_SIGNAL ill "SIGILL $fault: 'ill'"
bad TOGGLE_SIGNAL 8 "SIGFPE $fault: '8'"
bad TOGGLE_SIGNAL ABRT "SIGABRT is how abort() ends a program (the crash record needs it): 'ABRT'"
bad TOGGLE_SIGNAL 32 "signal 32 is reserved by glibc (thread cancellation and timers): '32'"
bad TOGGLE_SIGNAL 33 "signal 33 is reserved by glibc (setuid and its kin in threaded programs): '33'"
bad VERBOSE 3 "not 0, 1 or 2: '3'"
# A long value is quoted up to 64 bytes.
long=$(printf '%080d' 7)
bad EVERY "x$long" "not a non-negative integer: 'x$(printf '%063d' 0)...'"

# A value with a newline or other control bytes still gives exactly one
# line: they are escaped, in every message that quotes a value.
bad RATE "$(printf '0.1\nrm -rf /')" "not a number in [0,1]: '0.1\nrm -rf /'"
bad SEED "$(printf '1\001\t2\r')x" "not a non-negative integer: '1\x01\t2\rx'"
bad SITES "$(printf 'func:a;x\nb')" "rule 2 'x\nb': no ':' (use func:GLOB, lib:GLOB or site:HEX)"
bad CALLS "$(printf 'malloc,fr\033ee')" "unknown function 'fr\x1bee' (known: malloc calloc realloc reallocarray free posix_memalign aligned_alloc memalign valloc pvalloc malloc_usable_size new new[] delete delete[])"
ctl=$(printf '\001%.0s' $(seq 100))
run_shim FAILPOOL_EVERY="$ctl" -- "$P" noalloc >"$T/out" 2>"$T/err"
is "$?|$(wc -l <"$T/err")|$(grep -c "'$(printf '\\\\x01%.0s' $(seq 64))\.\.\.'\$" "$T/err")" "125|1|1" \
	"100 control bytes: one line, 64 of them escaped, then '...'"
"$FAILPOOL" run --rate "$(printf '1\n2')" -- "$P" noalloc >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(cat "$T/err")" "125||failpool: --rate: not a number in [0,1]: '1\n2'" \
	"failpool run --rate with a newline: 125, one escaped line"

# An unknown FAILPOOL_* variable is an error too, with the closest known name.
unknown() {	# NAME MESSAGE: probe noalloc, which never allocates, is stopped
	run_shim -- env "$1=0.1" "$P" noalloc >"$T/out" 2>"$T/err"
	is "$?|$(cat "$T/out")|$(cat "$T/err")" "125||failpool: $2" \
		"$(printf '%s' "$1" | tr '\001-\037' '?'): exit 125 before main, one line"
}
unknown FAILPOOL_RAT "FAILPOOL_RAT: unknown variable (did you mean FAILPOOL_RATE?)"
unknown FAILPOOL_rate "FAILPOOL_rate: unknown variable (did you mean FAILPOOL_RATE?)"
unknown FAILPOOL_SITE "FAILPOOL_SITE: unknown variable (did you mean FAILPOOL_SITES?)"
unknown FAILPOOL_TOGGLE_SIG "FAILPOOL_TOGGLE_SIG: unknown variable (did you mean FAILPOOL_TOGGLE_SIGNAL?)"
unknown FAILPOOL_DEBUG "FAILPOOL_DEBUG: unknown variable"
unknown "$(printf 'FAILPOOL_A\nB')" "FAILPOOL_A\nB: unknown variable"
unknown "FAILPOOL_$(printf 'X%.0s' $(seq 100))" "FAILPOOL_$(printf 'X%.0s' $(seq 51))...: unknown variable"
run_shim FAILPOOL_RAT=0.1 -- /bin/echo hello >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(cat "$T/err")" "125||failpool: FAILPOOL_RAT: unknown variable (did you mean FAILPOOL_RATE?)" \
	"/bin/echo under FAILPOOL_RAT: exit 125, no output"
run_shim FAILPOOL_LIB="$FAILPOOL_LIB" FAILPOOL="$FAILPOOL" -- "$P" noalloc >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(cat "$T/err")" "0|main|" "FAILPOOL_LIB (the tool's) and FAILPOOL are not errors"

# The tool checks its own environment the same way, before starting anything.
for cmd in run explore; do
	want=125
	[ $cmd = run ] || want=2
	rm -f "$T/started"
	env FAILPOOL_RAT=0.1 "$FAILPOOL" $cmd -- sh -c ": >'$T/started'" >"$T/out" 2>"$T/err"
	is "$?|$(cat "$T/err")" "$want|failpool: FAILPOOL_RAT: unknown variable (did you mean FAILPOOL_RATE?)" \
		"failpool $cmd under FAILPOOL_RAT: exit $want, the shim's message"
	ok "... nothing started" test ! -e "$T/started"
done
env FAILPOOL_POOL=x "$FAILPOOL" soak --duration 1 --out "$T/soak" --stress-ng /bin/true >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/err")" "2|failpool: FAILPOOL_POOL: unknown variable (did you mean FAILPOOL_POOLS?)" \
	"failpool soak under FAILPOOL_POOL: exit 2, the shim's message"
ok "... nothing started" test ! -e "$T/soak"
"$FAILPOOL" run -q -- "$P" noalloc >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(cat "$T/err")" "0|main|" "failpool run passes FAILPOOL_LIB on: not an error in CMD"

# Two bad variables: still exactly one line, still 125.
run_shim FAILPOOL_RATE=7 FAILPOOL_EVERY=0 -- "$P" noalloc >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(wc -l <"$T/err")" "125||1" "two bad variables: one line, exit 125"

# Any program is stopped, whatever it is, before it does anything.
run_shim FAILPOOL_RATE=nope -- /bin/echo hello >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(cat "$T/err")" "125||failpool: FAILPOOL_RATE: not a number in [0,1]: 'nope'" \
	"/bin/echo under a bad FAILPOOL_RATE: exit 125, no output"
run_shim FAILPOOL_CALLS=bogus -- "$PROGS/cxxnew" all >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")" "125|" "a C++ program under a bad FAILPOOL_CALLS: exit 125, no output"

# Good values.
good RATE 0
good RATE 1
good RATE 0.25
good RATE 1e-3
good RATE 1.0
good SEED 0
good SEED 18446744073709551615
good EVERY 1
good AFTER 0
good NTH 1
bad BURST 5 "needs FAILPOOL_NTH, the first allocation of the burst"
# BURST with NTH: accepted.
run_shim FAILPOOL_NTH=7 FAILPOOL_BURST=inf -- "$P" noalloc >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(cat "$T/err")" "0|main|" "FAILPOOL_BURST='inf' with FAILPOOL_NTH accepted"
run_shim FAILPOOL_NTH=7 FAILPOOL_BURST=5 -- "$P" noalloc >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(cat "$T/err")" "0|main|" "FAILPOOL_BURST='5' with FAILPOOL_NTH accepted"
good TIMES 0
good LIMIT 0
good LIMIT 123
good LIMIT 4K
good LIMIT 200M
good LIMIT 1G
good LIMIT 2g
good CALLS malloc
good CALLS "malloc,calloc,realloc,reallocarray,free,posix_memalign,aligned_alloc,memalign,valloc,pvalloc,malloc_usable_size,new,new[],delete,delete[]"
good CALLS "new"
good SITES ""
good SITES "func:main;!lib:libc.so*"
good POOLS ""
good POOLS "p:site=func:main,min=4,size=64"
good POOLS "p:site=func:main|lib:libc.so*,min=2,size=1K,wait=10ms;q:site=!func:main,min=1,size=16,wait=forever"
good DEPTH 1
good DEPTH 64
good REPORT "$T/ok-%p-%e-%%.json"
good LOG "$T/ok-%p.log"
good EXE "probe"
good EXE "*"
good ENABLE 0
good ENABLE 1
good TOGGLE_SIGNAL USR1
good TOGGLE_SIGNAL SIGUSR2
good TOGGLE_SIGNAL 10
good TOGGLE_SIGNAL 34
good TOGGLE_SIGNAL RTMIN
good TOGGLE_SIGNAL SIGHUP
good VERBOSE 0
good VERBOSE 2

done_testing

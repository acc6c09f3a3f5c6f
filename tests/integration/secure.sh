#!/bin/sh
# Secure execution (README "Compatibility and limits"): in a set-user-ID,
# set-group-ID or capability-raising program (AT_SECURE), the shim takes no
# configuration from the environment and writes nothing, no report, no log,
# no diagnostic: it passes straight through, as the loader ignores
# LD_PRELOAD there. The loader ignores LD_PRELOAD in such a program, so the
# test program is linked against the shim (DT_NEEDED, absolute RUNPATH) and
# made set-group-ID to a group other than ours.
. "$TESTLIB"

S=$PROGS/secure
[ -x "$S" ] || skip_all "no secure test program"

group=
for g in nogroup nobody daemon; do
	gid=$(getent group "$g" | cut -d: -f3)
	if [ -n "$gid" ] && [ "$gid" != "$(id -g)" ]; then
		group=$g
		break
	fi
done
[ -n "$group" ] || skip_all "no group other than ours"

cp "$S" "$T/plain"
cp "$S" "$T/setgid"
chmod 755 "$T" "$T/plain"
chgrp "$group" "$T/setgid" 2>/dev/null && chmod 2755 "$T/setgid" 2>/dev/null ||
	skip_all "cannot make a set-group-ID copy"
run() {	# VAR=VALUE... -- CMD: without LD_PRELOAD (the shim comes by DT_NEEDED)
	run_bare "$@"
}

# Controls: the shim is loaded and obeys the environment when not secure.
run FAILPOOL_RAT=1 -- "$T/plain" >/dev/null 2>"$T/err0"
is "$?|$(cat "$T/err0")" "125|failpool: FAILPOOL_RAT: unknown variable (did you mean FAILPOOL_RATE?)" \
	"not secure: the shim is loaded and checks its variables"
run FAILPOOL_NTH=2 FAILPOOL_REPORT="$T/r0.json" -- "$T/plain" >"$T/out0" 2>/dev/null
is "$(tail -n 1 "$T/out0")|$(jget "$T/r0.json" totals.injected)" "done 10 failed 1|1" \
	"not secure: a failure injected and reported"

run -- "$T/setgid" >"$T/out" 2>/dev/null
[ "$(head -n 1 "$T/out")" = "secure 1" ] ||
	skip_all "the set-group-ID copy does not run in secure mode (nosuid mount?)"

run FAILPOOL_RAT=1 -- "$T/setgid" >"$T/out1" 2>"$T/err1"
is "$?|$(tail -n 1 "$T/out1")|$(cat "$T/err1")" "0|done 10 failed 0|" \
	"secure: an unknown FAILPOOL_ variable is not read (no exit 125, nothing said)"
run FAILPOOL_RATE=7 -- "$T/setgid" >"$T/out2" 2>"$T/err2"
is "$?|$(cat "$T/err2")" "0|" "secure: a bad value is not read"
run FAILPOOL_NTH=1 FAILPOOL_EVERY=1 FAILPOOL_VERBOSE=2 FAILPOOL_REPORT="$T/r3.json" \
	FAILPOOL_LOG="$T/l3.log" FAILPOOL_CHECK=frees -- "$T/setgid" >"$T/out3" 2>"$T/err3"
is "$?|$(tail -n 1 "$T/out3")|$(cat "$T/err3")" "0|done 10 failed 0|" \
	"secure: no failure injected, nothing said"
ok "secure: no report written" test ! -e "$T/r3.json"
ok "secure: no log written" test ! -e "$T/l3.log"
is "$(ls "$T" | grep -c '\.tmp\.')" 0 "secure: no temporary file either"

# explore's run-server variable naming a socket of the protocol's kind: a
# program not in secure mode becomes a server (and ends, nothing asked of
# it, when the other end closes, having run nothing); a secure one ignores
# the variable and runs.
serve() {	# CMD: with _FAILPOOL_SERVE_FD on a SOCK_SEQPACKET socket whose peer goes at exec
	python3 -c 'import os, socket, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
os.set_inheritable(b.fileno(), True)
os.environ["_FAILPOOL_SERVE_FD"] = str(b.fileno())
os.execv(sys.argv[1], sys.argv[1:])' "$1"
}
serve "$T/plain" >"$T/out4" 2>&1
is "$?|$(cat "$T/out4")" "0|" "not secure: _FAILPOOL_SERVE_FD on a socket makes a run server, which runs nothing"
serve "$T/setgid" >"$T/out5" 2>&1
is "$?|$(tail -n 1 "$T/out5")" "0|done 10 failed 0" "secure: _FAILPOOL_SERVE_FD is not acted on: the program runs"

done_testing

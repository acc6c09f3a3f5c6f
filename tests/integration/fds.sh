#!/bin/sh
# The shim holds no descriptor a program would get next (README,
# "Compatibility and limits"): with a report (the stacks are unwound) and a
# log, a program's first open() gets the same descriptor as without the
# shim; a program that closes every descriptor from 3 up and then opens a
# file of its own keeps working, none of the shim's lines go into its
# file, and the report and the log are still written; also where
# process_vm_readv(2) is refused.
. "$TESTLIB"

F=$PROGS/fds

want=$(run_bare -- "$F" first)
ok "bare: the first open() gets a descriptor ($want)" test -n "$want"
is "$(run_shim FAILPOOL_REPORT="$T/r.json" -- "$F" first)" "$want" \
	"report: the first open() gets the same descriptor as without the shim"
is "$(run_shim FAILPOOL_REPORT="$T/r.json" FAILPOOL_LOG="$T/log" FAILPOOL_NTH=1000 -- "$F" first)" \
	"$want" "report and log: the first open() gets the same descriptor"
is "$(run_shim FAILPOOL_SITES='func:alloc_deep' FAILPOOL_NTH=1000 -- "$F" first)" "$want" \
	"site rules: the first open() gets the same descriptor"

rm -f "$T/r.json" "$T/log"
run_shim FAILPOOL_REPORT="$T/r.json" FAILPOOL_LOG="$T/log" FAILPOOL_EVERY=7 \
	-- "$F" closeall "$T/data" >"$T/out" 2>"$T/err"
is "$?" 0 "closing every descriptor: the program still exits 0"
is "$(lines "$T/out")" "threads: ok,data: 0 bytes" \
	"closing every descriptor: threads allocate, nothing written into the program's file"
is "$(jget "$T/r.json" complete)" true "closing every descriptor: the report is written"
injected=$(jget "$T/r.json" totals.injected)
is "$(grep -c '"seq"' "$T/log")" "$injected" \
	"closing every descriptor: the log has every injected failure ($injected)"

# Where process_vm_readv(2) is refused (a container's seccomp profile),
# libunwind's addresses are validated with mincore(2): still no descriptor,
# still whole stacks.
NR=$PROGS/noreadv
if run_bare -- "$NR" true; then
	rm -f "$T/r.json"
	is "$(run_shim FAILPOOL_REPORT="$T/r.json" -- "$NR" "$F" first)" "$want" \
		"no process_vm_readv: the first open() gets the same descriptor"
	is "$(jpy "$T/r.json" 'max(len(s["frames"]) for s in r["sites"]) > 3')" True \
		"no process_vm_readv: sites still have whole stacks"
	run_shim FAILPOOL_REPORT="$T/r.json" -- "$NR" "$F" closeall "$T/data" >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:threads: ok,data: 0 bytes" \
		"no process_vm_readv: closing every descriptor still works"
else
	skip "no process_vm_readv" "seccomp filters not available"
fi

done_testing

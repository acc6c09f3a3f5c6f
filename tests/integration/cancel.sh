#!/bin/sh
# The shim does not change which unwinder the program's exceptions and
# thread cancellations use (README, "Compatibility and limits"): libunwind
# is loaded privately, so in a C program that does not link libgcc_s the
# _Unwind_* functions of libgcc_s and libstdc++ still bind to libgcc_s.
# A thread cancelled inside fputs/fprintf releases stderr's lock, and a C++
# plugin's destructors run when a thread running its code is cancelled:
# as without the shim, in passthrough and with a report.
. "$TESTLIB"

C=$PROGS/cancel
FP_TIMEOUT=20

is "$(run_bare -- "$C" stdio 2>/dev/null)" "stderr: unlocked" \
	"bare: a thread cancelled in fputs leaves stderr unlocked"
is "$(run_bare -- "$C" plugin 2>/dev/null | lines /dev/stdin)" "destructor ran,joined" \
	"bare: a cancelled thread runs the C++ plugin's destructors"

for mode in passthrough report; do
	case $mode in
	passthrough) set -- ;;
	report) set -- FAILPOOL_REPORT="$T/r.json" ;;
	esac
	is "$(run_shim "$@" -- "$C" stdio 2>/dev/null)" "stderr: unlocked" \
		"$mode: a thread cancelled in fputs leaves stderr unlocked"
	is "$(run_shim "$@" -- "$C" plugin 2>/dev/null | lines /dev/stdin)" \
		"destructor ran,joined" \
		"$mode: a cancelled thread runs the C++ plugin's destructors"
	# Where did the plugin's and the C++ runtime's _Unwind_* bind? (Not
	# libunwind's own references, which bind within it: nothing of the
	# program's.)
	run_shim "$@" LD_DEBUG=bindings -- "$C" plugin >/dev/null 2>"$T/bindings"
	is "$(grep "normal symbol \`_Unwind_" "$T/bindings" | grep -v "binding file [^ ]*libunwind" |
		grep -c "to [^ ]*libunwind")" 0 \
		"$mode: no _Unwind_* binds to libunwind"
	ok "$mode: the plugin's _Unwind_Resume binds to libgcc_s" \
		grep -q "libcancelcxx.so .* to [^ ]*libgcc_s[^ ]* .*_Unwind_Resume" "$T/bindings"
done

# libunwind is not a dependency of the shim.
ok "the shim has no DT_NEEDED libunwind" \
	sh -c '! readelf -d "$FAILPOOL_LIB" | grep -q "NEEDED.*libunwind"'

done_testing

#!/bin/sh
# What the shim brings into a process (README, "Performance"): it needs
# libc and the loader alone, so a C program under it maps no libgcc_s or
# libm that it does not need itself (every process would otherwise load
# and initialise them); libunwind, and its liblzma, only when something
# unwinds. A C++ program still has the libgcc_s its runtime needs.
. "$TESTLIB"

needed=$(readelf -d "$FAILPOOL_LIB" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort | paste -sd, -)
case $needed in
ld-linux*.so.*,libc.so.6) ok "the shim's DT_NEEDED: libc and the loader alone ($needed)" true ;;
*) ok "the shim's DT_NEEDED: libc and the loader alone (got $needed)" false ;;
esac

# The files a process maps (its /proc/self/maps on stdin), by base name.
objects() {
	awk '$6 ~ /^\// { n = split($6, p, "/"); print p[n] }' | sort -u
}
# Those of the command under the shim (VAR=VALUE... -- CMD...) and not without it.
added() {
	run_bare -- cat /proc/self/maps | objects >"$T/bare"
	run_shim "$@" | objects >"$T/shim"
	comm -13 "$T/bare" "$T/shim" | paste -sd, -
}

is "$(added -- cat /proc/self/maps)" "libfailpool.so" \
	"passthrough: cat maps the shim and nothing else (no libgcc_s, no libm)"
is "$(added FAILPOOL_REPORT="$T/r.json" -- cat /proc/self/maps |
	tr , '\n' | grep -v '^libunwind\.so\.\|^liblzma\.so\.' | paste -sd, -)" "libfailpool.so" \
	"with a report: the shim, libunwind and its liblzma, nothing else"
is "$(grep -c 'libgcc_s\|libm[.-]' "$T/shim")" 0 "with a report: no libgcc_s, no libm"
is "$(jget "$T/r.json" exit.code)" 0 "with a report: the report is written"

# The loader's own account, for a C program and a C++ one.
loaded() {	# run_shim|run_bare VAR=VALUE... -- CMD...: libgcc_s and libm loaded, for whom
	"$@" 2>&1 >/dev/null |
		sed -n 's/.*file=\(libgcc_s[^ ]*\|libm\.[^ ]*\) \[0\];  needed by \([^ ]*\/\)*\([^ ]*\) .*/\1 for \3/p' |
		paste -sd, -
}
is "$(loaded run_shim LD_DEBUG=files -- "$PROGS/probe" malloc 1 16)" "" \
	"a C program: the loader loads no libgcc_s, no libm"
is "$(loaded run_shim LD_DEBUG=files -- "$PROGS/cxxnew" all)" \
	"libgcc_s.so.1 for cxxnew,libm.so.6 for libstdc++.so.6" \
	"a C++ program: libgcc_s for the program, libm for libstdc++"
is "$(loaded run_bare LD_DEBUG=files -- "$PROGS/cxxnew" all)" \
	"libgcc_s.so.1 for cxxnew,libm.so.6 for libstdc++.so.6" "... as without the shim"
done_testing

#!/bin/sh
# C++ (README, "Variables": FAILPOOL_CALLS): every operator new/new[] form goes through the shim; an
# injected failure in a throwing form runs the new-handler protocol and
# throws std::bad_alloc, a nothrow form returns nullptr; "new" in
# FAILPOOL_CALLS means every form, "new[]" only the array forms. With the
# default settings every failure is caught: the C++ runtime's emergency
# exception pool, allocated while the process starts, is never eligible
# (README, "What fails, exactly"), so std::bad_alloc can be thrown when its own allocation fails.
# A C++ library dlopened by a C program binds its operator new to the shim,
# not to the one libjemalloc exports.
. "$TESTLIB"

X=$PROGS/cxxnew
D=$PROGS/dlcxx

FORMS="new|new[]|nothrow new|nothrow new[]|aligned new|aligned new[]|aligned(4096) new|aligned nothrow new|aligned nothrow new[]|operator new(size)|operator new(size, align)|operator new[](size, align)|operator new(size, align, nothrow)"

# expect_all FAILING-FORM-KIND: the output of "cxxnew all" when the forms
# of KIND fail (none, all, array).
expect_all() {
	echo "$FORMS" | tr '|' '\n' | while IFS= read -r f; do
		case $f in
		*"[]"*) arr=1 ;;
		*) arr=0 ;;
		esac
		case $f in
		aligned\(4096\)*) al=" align=ok" ;;
		aligned*|*align*) al=" align=ok" ;;
		*) al= ;;
		esac
		if [ "$1" = all ] || { [ "$1" = array ] && [ $arr = 1 ]; }; then
			case $f in
			*nothrow*) echo "$f: null" ;;
			*) echo "$f: caught bad_alloc" ;;
			esac
		else
			echo "$f: ok$al"
		fi
	done | paste -sd, -
}

run_bare -- "$X" all >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:$(expect_all none)" "cxxnew all without the shim"

run_shim -- "$X" all >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:$(expect_all none)" "cxxnew all under the shim, no failures"

# EVERY=1 with every entry point eligible: each form's allocation fails,
# and so does the allocation of the std::bad_alloc it throws (the nothrow
# forms too: they catch it, as libstdc++'s do); libstdc++ takes the
# exception from its emergency pool, and the program catches every one.
rm -f "$T/r.json"
run_shim FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/r.json" -- "$X" all >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:$(expect_all all)" "EVERY=1: every form fails, every bad_alloc is caught (or nullptr)"
is "$(jpy "$T/r.json" '"%d %d %d new=%d new[]=%d malloc=%d" % (r["totals"]["eligible"], r["totals"]["injected"], len(r["injections"]), sum(i["call"] == "new" for i in r["injections"]), sum(i["call"] == "new[]" for i in r["injections"]), sum(i["call"] == "malloc" for i in r["injections"]))')" \
	"26 26 26 new=8 new[]=5 malloc=13" "EVERY=1: 26 eligible and injected: 13 forms, 13 exception objects"
is "$(jget "$T/r.json" totals.startup)" '{"calls":1,"bytes":72704}' \
	"totals.startup: libstdc++'s emergency pool, not the program's"
is "$(jpy "$T/r.json" '[f["object"] for s in r["sites"] for f in s["frames"] if f["object"] == "libfailpool.so"]')" "[]" \
	"EVERY=1: no site has a frame in libfailpool.so"
# The exception's own allocation: __cxa_allocate_exception, called (through
# the shim's operator new) by the program's own line, or, for the nothrow
# forms, by the C++ runtime's own nothrow operator new, which catches it
# (the shim's runs its throwing part there, as libstdc++'s own does).
name_offline "$T/r.json"
exc='sorted({(s["frames"][0]["symbol"].split("+")[0], s["frames"][0]["object"], s["frames"][1]["object"]) for i in r["injections"] if i["call"] == "malloc" for s in r["sites"] if s["id"] == i["site"]})'
is "$(jpy "$T/r.json" "$exc")" "[('__cxa_allocate_exception', 'libstdc++.so.6', 'cxxnew'), ('__cxa_allocate_exception', 'libstdc++.so.6', 'libstdc++.so.6')]" \
	"EVERY=1: each exception object's site is __cxa_allocate_exception < cxxnew (< libstdc++'s nothrow new for those forms)"
is "$(jpy "$T/r.json" 'sorted({s["frames"][0]["object"] for i in r["injections"] if i["call"] != "malloc" for s in r["sites"] if s["id"] == i["site"]})')" \
	"['cxxnew']" "EVERY=1: each operator new's site is the program's line"

# RATE=0.3 on 20 seeds: never std::terminate (exit 134); the forms that
# fail are exactly those whose operator new was injected, and no site has a
# frame in libfailpool.so.
st=
for seed in $(seq 1 20); do
	rm -f "$T/q.json"
	run_shim FAILPOOL_RATE=0.3 FAILPOOL_SEED=$seed FAILPOOL_REPORT="$T/q.json" -- "$X" all >"$T/out" 2>"$T/err"
	rc=$?
	failed=$(grep -vc ': ok' "$T/out")
	news=$(jpy "$T/q.json" 'sum(i["call"] in ("new", "new[]") for i in r["injections"]) + 1000 * sum(f["object"] == "libfailpool.so" for s in r["sites"] for f in s["frames"])')
	[ "$failed" = "$news" ] && same=same || same="$failed failed, $news injected (+1000 per shim frame)"
	st="$st $rc:$(grep -c . "$T/out"):$same"
done
is "$st" "$(for seed in $(seq 1 20); do printf ' 0:13:same'; done)" \
	"RATE=0.3, seeds 1..20: exit 0 every time; the failed forms are the injected operator new calls; no shim frame"

# CALLS=new: only operator new and new[] are eligible, not the exception's
# malloc.
rm -f "$T/r.json"
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/r.json" -- "$X" all >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:$(expect_all all)" "CALLS=new EVERY=1: every form fails (bad_alloc or nullptr)"
is "$(jpy "$T/r.json" '"%d %d new=%d new[]=%d" % (r["totals"]["injected"], len(r["injections"]), sum(i["call"] == "new" for i in r["injections"]), sum(i["call"] == "new[]" for i in r["injections"]))')" \
	"13 13 new=8 new[]=5" "CALLS=new EVERY=1: 13 injected, 8 into new forms, 5 into new[] forms"
is "$(jpy "$T/r.json" '"%d %d" % (r["totals"]["calls"]["new"], r["totals"]["calls"]["new[]"])')" "8 5" \
	"CALLS=new: totals.calls counts new and new[]"

run_shim FAILPOOL_CALLS='new[]' FAILPOOL_EVERY=1 -- "$X" all >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:$(expect_all array)" "CALLS=new[] EVERY=1: only the array forms fail"

run_shim FAILPOOL_CALLS=malloc,calloc,realloc FAILPOOL_EVERY=1 -- "$X" all >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:$(expect_all none)" "CALLS=malloc,calloc,realloc EVERY=1: operator new is not malloc"

run_shim FAILPOOL_CALLS=delete,'delete[]' FAILPOOL_EVERY=1 -- "$X" all >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:$(expect_all none)" "CALLS=delete,delete[] EVERY=1: delete never fails"

# The new-handler protocol: the handler runs before std::bad_alloc is thrown,
# as many times as it stays installed.
for n in 1 3; do
	rm -f "$T/h.json"
	run_shim FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/h.json" -- "$X" handler $n >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:new: caught bad_alloc after $n handler calls" \
		"new-handler that uninstalls itself on call $n: called $n times, then bad_alloc"
	is "$(jpy "$T/h.json" '" ".join(i["call"] for i in r["injections"])')" \
		"$(printf 'new %.0s' $(seq 0 $n))malloc" \
		"new-handler $n: $((n + 1)) tries of new fail, then the exception's malloc"
done
# A handler that leaves itself installed: new retries, and succeeds once
# the failures stop (NTH=1 BURST=2: the first try and one retry fail; the
# program's first allocation is this new).
rm -f "$T/h.json"
run_shim FAILPOOL_NTH=1 FAILPOOL_BURST=2 FAILPOOL_REPORT="$T/h.json" -- "$X" handler-retry >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:new: ok after 2 handler calls" "new-handler retry: 2 failures, 2 handler calls, then success"
is "$(jpy "$T/h.json" '"eligible=%d injected=%d new=%d" % (r["totals"]["eligible"], r["totals"]["injected"], r["totals"]["calls"]["new"])')" \
	"eligible=3 injected=2 new=3" "new-handler retry: 3 tries of new, the first 2 injected"
# nothrow new runs the handler too (libstdc++), then returns nullptr.
run_shim FAILPOOL_EVERY=1 -- "$X" nothrow-handler >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:nothrow new: null after 1 handler calls" "nothrow new: handler runs, then nullptr"

# Aligned forms with an alignment that is not a power of two (0 too):
# libstdc++ throws std::bad_alloc at once (nothrow: nullptr) without calling
# the new-handler; the shim does the same, case by case, and counts them as
# calls, never as eligible or injected. The same run checks that small
# blocks are 16-byte aligned and that 1 TiB fails as it does over glibc.
run_bare -- "$X" alignments >"$T/glibc" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && [ -s "$T/glibc" ] || bail "cxxnew alignments fails without the shim (status $rc)"
run_shim -- "$X" alignments >"$T/shim" 2>"$T/err"
is "$?" 0 "cxxnew alignments under the shim: exit status 0"
is "$(grep -c 'align 3):' "$T/glibc")" 12 "cxxnew alignments: 12 cases with alignment 3"
if cmp -s "$T/glibc" "$T/shim"; then
	is same same "cxxnew alignments: every case as libstdc++ (outcome, handler calls)"
else
	is differs same "cxxnew alignments: every case as libstdc++ (outcome, handler calls)"
	diag "$(diff "$T/glibc" "$T/shim" | head -20)"
fi
rm -f "$T/r.json"
run_shim FAILPOOL_EVERY=1000000 FAILPOOL_REPORT="$T/r.json" -- "$X" alignments >"$T/shim" 2>"$T/err"
cmp -s "$T/glibc" "$T/shim" && same=same || same=differs
is "$same $(jpy "$T/r.json" '"%d %d" % (r["totals"]["injected"], r["totals"]["real_failures"])')" "same 0 40" \
	"cxxnew alignments counting: the same outcomes, nothing injected; real failures only for alignment 2^63 and the 1 TiB cases (10 cases, 4 tries each)"

# A C program dlopens a C++ library that calls operator new.
[ -f "$PROGS/.libs/libcxxalloc.so" ] || bail "libcxxalloc.so not built in $PROGS/.libs"
run_bare -- "$D" >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:new: ok,new[]: ok,nothrow new[]: ok" "dlcxx without the shim"
run_shim -- "$D" >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:new: ok,new[]: ok,nothrow new[]: ok" "dlcxx under the shim, no failures"
rm -f "$T/r.json"
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/r.json" -- "$D" >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:new: bad_alloc,new[]: bad_alloc,nothrow new[]: null" \
	"dlcxx CALLS=new EVERY=1: the library's operator new reaches the shim"
# The sites of the library's calls are named after it and are the same on
# every run (README, "Finding a site's id":
# (object, offset) whatever ASLR does), also when the
# library has been dlclosed before the process ends.
sites='sorted((s["id"], s["frames"][0]["object"], s["injected"]) for s in r["sites"] if s["injected"])'
for i in 1 2; do
	rm -f "$T/k$i.json"
	run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/k$i.json" -- "$D" --keep >/dev/null 2>&1
done
name_offline "$T/k1.json"
is "$(jpy "$T/k1.json" 'sorted((s["frames"][0]["object"], (s["frames"][0]["symbol"] or "").split("+")[0]) for s in r["sites"] if s["injected"])')" \
	"[('libcxxalloc.so', 'cxxalloc_new'), ('libcxxalloc.so', 'cxxalloc_new_array'), ('libcxxalloc.so', 'cxxalloc_new_nothrow')]" \
	"dlcxx --keep: the injected sites are the library's three functions"
is "$(jpy "$T/k2.json" "$sites")" "$(jpy "$T/k1.json" "$sites")" "dlcxx --keep: the same site ids on two runs"
rm -f "$T/r2.json"
run_shim FAILPOOL_CALLS=new FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/r2.json" -- "$D" >/dev/null 2>&1
is "$(jpy "$T/r.json" "$sites")" "$(jpy "$T/k1.json" "$sites")" \
	"dlcxx, library dlclosed before exit: the same sites, named after the library"
is "$(jpy "$T/r2.json" "$sites")" "$(jpy "$T/r.json" "$sites")" "dlcxx, library dlclosed: the same site ids on two runs"
run_shim FAILPOOL_CALLS='new[]' FAILPOOL_EVERY=1 -- "$D" >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:new: ok,new[]: bad_alloc,nothrow new[]: null" "dlcxx CALLS=new[] EVERY=1: only new[] fails"

done_testing

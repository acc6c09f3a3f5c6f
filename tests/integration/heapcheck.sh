#!/bin/sh
# FAILPOOL_CHECK=frees (failpool(1), README "Checking frees"): a double
# free, a free of an interior pointer or of a stack address, a realloc of a
# freed block, delete twice in C++ each end the process by SIGABRT (status
# 134) with one message and a crash record of that kind naming where the
# block was allocated and first freed; without the check jemalloc lets
# them pass. Clean programs (every entry point, python3, sort) give no
# false positive. glibc 2.36's regcomp frees twice after one failed
# realloc: sed finds it. Bad values exit 125; --check in run and explore.
. "$TESTLIB"

B=$PROGS/badfree
D=$PROGS/deletetwice
sym() { jpy "$1" "[(f['symbol'] or '?').split('+')[0] for f in r['crash']['$2']][:$3]"; }
crash() { jpy "$1" '"%s %s %s" % (r["complete"], r["crash"]["signal"], r["crash"]["kind"])'; }
msg() { grep '^failpool: ' "$1" | sed 's/0x[0-9a-f]*/ADDR/g'; }

# 1. Without the check the heap lets a double free pass (what the check is for).
run_shim FAILPOOL_REPORT="$T/n.json" -- "$B" double >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out"):$(jget "$T/n.json" config.check)" "0:survived:none" \
	"double free without the check: jemalloc carries on; config.check is none"

# 2. A double free.
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/d.json" FAILPOOL_LOG="$T/d.log" \
	FAILPOOL_RATE=0 -- "$B" double >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "134:" "double free: ends by SIGABRT (status 134), nothing after it runs"
is "$(msg "$T/err")" \
	"failpool: free(): double free of ADDR (16 bytes allocated at badfree+ADDR make_block+ADDR, first freed at badfree+ADDR first_free+ADDR), freed again at badfree+ADDR second_free+ADDR" \
	"double free: one message naming the size, the allocation, the first and the second free"
is "$(crash "$T/d.json"):$(jget "$T/d.json" config.check)" "False 6 double-free:frees" \
	"report: crash record of kind double-free, signal 6; config.check frees"
is "$(sym "$T/d.json" frames 2)" "['second_free', 'main']" "crash frames: the second free's stack, no frame of the shim's"
is "$(sym "$T/d.json" alloc_frames 2)" "['make_block', 'main']" "alloc_frames: where the block was allocated"
is "$(sym "$T/d.json" first_free_frames 2)" "['first_free', 'main']" "first_free_frames: where it was first freed"
is "$(jpy "$T/d.json" 'all(set(f) == {"object", "offset", "symbol"} for k in ("frames", "alloc_frames", "first_free_frames") for f in r["crash"][k])')" \
	True "the three stacks are frames like any other (object, offset, symbol)"
is "$("$PYTHON3" - "$T/d.log" <<'EOF'
import json, sys
c = [json.loads(l) for l in open(sys.argv[1])][-1]["crash"]
print(c["kind"], c["signal"], c["frames"][0]["symbol"].split("+")[0],
      c["alloc_frames"][0]["symbol"].split("+")[0], c["first_free_frames"][0]["symbol"].split("+")[0])
EOF
)" "double-free 6 second_free make_block first_free" "FAILPOOL_LOG's crash line: the same kind and stacks"

# 3. Frees of pointers the heap never returned.
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/i.json" -- "$B" interior >"$T/out" 2>"$T/err"
is "$?:$(msg "$T/err")" \
	"134:failpool: free(): invalid pointer ADDR (not a block the heap returned) at badfree+ADDR free_interior+ADDR" \
	"free of an interior pointer: invalid pointer, SIGABRT"
is "$(crash "$T/i.json"):$(sym "$T/i.json" frames 1):$(jpy "$T/i.json" '"alloc_frames" in r["crash"]')" \
	"False 6 invalid-free:['free_interior']:False" "report: kind invalid-free, the bad free's frames, no alloc_frames"
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/s.json" -- "$B" stack >"$T/out" 2>"$T/err"
is "$?:$(crash "$T/s.json"):$(sym "$T/s.json" frames 1)" "134:False 6 invalid-free:['free_stack']" \
	"free of a stack address: invalid-free in free_stack"
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/ri.json" -- "$B" realloc-interior >"$T/out" 2>"$T/err"
is "$?:$(msg "$T/err" | cut -d' ' -f2-4):$(crash "$T/ri.json")" "134:realloc(): invalid pointer:False 6 invalid-free" \
	"realloc of an interior pointer: realloc(): invalid pointer"

# 4. realloc after free, memalign family.
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/rf.json" -- "$B" realloc-freed >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out"):$(msg "$T/err" | cut -d' ' -f2-5):$(crash "$T/rf.json")" \
	"134::realloc(): double free of:False 6 double-free" "realloc of a freed block: a double free, nothing moved"
is "$(sym "$T/rf.json" frames 1):$(sym "$T/rf.json" first_free_frames 1)" "['realloc_freed']:['first_free']" \
	"... the realloc's stack, and the first free's"
run_shim FAILPOOL_CHECK=frees -- "$B" memalign-double >"$T/out" 2>"$T/err"
is "$?:$(msg "$T/err" | sed 's/ at .*//')" "134:failpool: free(): double free of ADDR (100 bytes allocated" \
	"memalign'd block freed twice: found (100 bytes)"

# 5. C++: delete twice, delete[] twice, sized delete twice.
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/x.json" -- "$D" twice >"$T/out" 2>"$T/err"
is "$?:$(msg "$T/err" | cut -d' ' -f2-6):$(crash "$T/x.json")" "134:operator delete: double free of:False 6 double-free" \
	"delete twice: operator delete: double free"
is "$(sym "$T/x.json" frames 1):$(sym "$T/x.json" alloc_frames 1):$(sym "$T/x.json" first_free_frames 1)" \
	"['drop_again(Node*)']:['make_node()']:['drop(Node*)']" "... freed again in drop_again, allocated by make_node, first freed in drop"
run_shim FAILPOOL_CHECK=frees -- "$D" array >"$T/out" 2>"$T/err"
is "$?:$(msg "$T/err" | cut -d' ' -f2-6)" "134:operator delete[]: double free of" "delete[] twice: operator delete[]: double free"
run_shim FAILPOOL_CHECK=frees -- "$D" sized >"$T/out" 2>"$T/err"
is "$?:$(msg "$T/err" | cut -d' ' -f2-6)" "134:operator delete: double free of" "sized delete twice: found"

# 6. No false positive (and the check was on: the report says so).
checked() { jget "$1" config.check; }
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/c.json" -- "$B" clean >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out"):$(lines "$T/err"):$(jget "$T/c.json" crash):$(checked "$T/c.json")" "0:survived::null:frees" \
	"every entry point, every legal free (realloc moving, shrinking, to 0; memalign family): no complaint"
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/c2.json" -- "$D" clean >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out"):$(lines "$T/err"):$(checked "$T/c2.json")" "0:survived::frees" \
	"C++ containers, smart pointers, new[]/delete[]: no complaint"
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/p.json" -- "$PYTHON3" -c pass >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/err"):$(checked "$T/p.json")" "0::frees" "python3 -c pass: no complaint"
PYPROG='import json, re; print(len(json.dumps([re.sub("1", "x", str(i)) for i in range(20000)])))'
want=$("$PYTHON3" -c "$PYPROG")
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/p2.json" PYTHONMALLOC=malloc -- "$PYTHON3" -c "$PYPROG" >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out"):$(lines "$T/err"):$(checked "$T/p2.json")" "0:$want::frees" \
	"python3 with PYTHONMALLOC=malloc, 20000 strings: no complaint"
awk 'BEGIN { srand(2); for (i = 0; i < 50000; i++) printf "%08x %d\n", int(rand() * 4294967295), i }' >"$T/in"
sort "$T/in" >"$T/want"
run_shim FAILPOOL_CHECK=frees FAILPOOL_REPORT="$T/so.json" -- sort --parallel=2 -S 1M "$T/in" >"$T/out" 2>"$T/err"
is "$?:$(cmp -s "$T/out" "$T/want" && echo same):$(lines "$T/err"):$(checked "$T/so.json")" "0:same::frees" \
	"sort with two threads and a small buffer: correct, no complaint"

# 7. A real bug: glibc 2.36's regcomp frees twice after its 10th realloc fails
# (in a UTF-8 locale: the multibyte path; in the C locale every index is handled).
LC_ALL=C.UTF-8
printf 'alpha one\nbeta two\ngamma three\n' >"$T/words"
SEDX='s/(alpha|beta) ([a-z]+)/\2-\1/g'
run_shim FAILPOOL_CALLS=realloc FAILPOOL_NTH=10 -- sed -E "$SEDX" "$T/words" >"$T/out" 2>"$T/err"
unchecked="$?:$(lines "$T/err")"
run_shim FAILPOOL_CHECK=frees FAILPOOL_CALLS=realloc FAILPOOL_NTH=10 FAILPOOL_REPORT="$T/sed.json" \
	-- sed -E "$SEDX" "$T/words" >"$T/out" 2>"$T/err"
is "$unchecked|$?:$(msg "$T/err" | cut -d' ' -f2-6):$(crash "$T/sed.json")" \
	"1:sed: -e expression #1, char 31: Memory exhausted|134:free(): double free of ADDR:False 6 double-free" \
	"sed, realloc #10 failing: unchecked it says memory exhausted; checked, regcomp's double free ends it by SIGABRT"
is "$(jpy "$T/sed.json" '[any((f["symbol"] or "").startswith("re_compile_pattern+") for f in r["crash"][k]) for k in ("frames", "alloc_frames", "first_free_frames")]')" \
	"[True, True, True]" "the three stacks run through re_compile_pattern (regcomp.c)"
is "$(jpy "$T/sed.json" '(r["crash"]["last_injection_seq"], r["totals"]["injected"], r["crash"]["frames"][0]["object"])')" \
	"(1, 1, 'libc.so.6')" "... after the one injected failure, inside libc"
for n in 9 11; do
	run_shim FAILPOOL_CHECK=frees FAILPOOL_CALLS=realloc FAILPOOL_NTH=$n -- sed -E "$SEDX" "$T/words" >/dev/null 2>&1
	is "$?" 134 "sed, realloc #$n failing: the same double free"
done
run_shim FAILPOOL_CHECK=frees FAILPOOL_CALLS=realloc FAILPOOL_NTH=13 FAILPOOL_REPORT="$T/s13.json" \
	-- sed -E "$SEDX" "$T/words" >/dev/null 2>"$T/err"
is "$?:$(lines "$T/err"):$(checked "$T/s13.json")" "1:sed: -e expression #1, char 31: Memory exhausted:frees" \
	"realloc #13 failing: handled cleanly, no complaint"
LC_ALL=C

# 8. The tool and the configuration.
run_shim FAILPOOL_CHECK=all -- "$B" clean >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/err")" "125:failpool: FAILPOOL_CHECK: not none or frees: 'all'" "FAILPOOL_CHECK=all: exit 125 with one line"
"$FAILPOOL" run --every 0 -- "$B" clean >/dev/null 2>&1
bad=$?
"$FAILPOOL" run --check bogus -- "$B" clean >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out"):$(lines "$T/err")" "$bad::failpool: --check: not none or frees: 'bogus'" \
	"run --check bogus: refused as any bad value is, nothing run"
"$FAILPOOL" run --check frees --report "$T/t.json" -- "$B" double >/dev/null 2>"$T/err"
is "$?:$(crash "$T/t.json")" "134:False 6 double-free" "run --check frees: status 134, the crash record"
is "$(grep '^failpool: crash:' "$T/err" | sed 's| /[^ ]*/badfree.c:[0-9]*| badfree.c:LINE|')" \
	"failpool: crash: SIGABRT (double-free) in second_free badfree.c:LINE, with no failure injected before it" \
	"run's summary names the kind and the second free"
"$FAILPOOL" run --check none --report "$T/t2.json" -- "$B" double >/dev/null 2>&1
is "$?:$(jget "$T/t2.json" config.check)" "0:none" "run --check none: unchecked"
ok "run --help lists --check" sh -c '"$FAILPOOL" run --help | grep -q -- "--check none|frees"'

# 9. explore checks frees unless told not to.
LC_ALL=C.UTF-8 "$FAILPOOL" explore --mode nth --calls realloc --max-runs 12 --out "$T/x" -- sed -E "$SEDX" "$T/words" >"$T/xout" 2>&1
is "$?:$(jpy "$T/x/summary.json" '[(x["run"], x["class"], x["exit"]["signal"]) for x in r["runs"] if x["class"] == "crashed"]')" \
	"1:[(9, 'crashed', 6), (10, 'crashed', 6), (11, 'crashed', 6), (12, 'crashed', 6)]" \
	"explore (check on by default): realloc #9..#12 crash sed by the double free"
ok "... and its reproducing script passes --check frees" grep -q -- "--check 'frees'" "$T/x/repro-1.sh"
LC_ALL=C.UTF-8 "$FAILPOOL" explore --check none --mode nth --calls realloc --max-runs 12 --out "$T/y" -- sed -E "$SEDX" "$T/words" >/dev/null 2>&1
is "$?:$(jpy "$T/y/summary.json" 'r["totals"]["crashed"]')" "0:0" "explore --check none: nothing found"

done_testing

#!/bin/sh
# The JSON report (README, "The report"; doc/failpool-report.schema.json): every key present, argv escaped so that any
# JSON reader loads it, counts that agree with each other and with what the
# program saw, the seed reported and reproducible, %p/%e/%% in the path,
# written atomically (temporary file renamed into place). Also
# FAILPOOL_LOG and FAILPOOL_VERBOSE=1.
. "$TESTLIB"

P=$PROGS/probe

# 1. Keys and types.
rm -f "$T/r.json"
run_shim FAILPOOL_EVERY=3 FAILPOOL_REPORT="$T/r.json" -- "$P" malloc 10 16 >"$T/out" 2>"$T/err"
is "$?" 0 "probe under EVERY=3: exit status"
ok "report written" test -s "$T/r.json"
is "$(jpy "$T/r.json" 'sorted(set("schema pid ppid exe argv seed config complete exit totals sites pools injections crash".split()) - set(r))')" "[]" \
	"every top-level key present"
is "$(jget "$T/r.json" schema)" "failpool-report/1" "schema"
is "$(jpy "$T/r.json" 'sorted(set("rate seed every after nth burst times limit calls sites pools depth report log exe enable toggle_signal verbose".split()) - set(r["config"]))')" "[]" \
	"every config key present"
is "$(jpy "$T/r.json" 'sorted(set("calls bytes_allocated live_bytes peak_live_bytes eligible injected real_failures startup".split()) - set(r["totals"]))')" "[]" \
	"every totals key present"
is "$(jpy "$T/r.json" 'list(r["totals"]["calls"])')" \
	"['malloc', 'calloc', 'realloc', 'reallocarray', 'free', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc', 'pvalloc', 'malloc_usable_size', 'new', 'new[]', 'delete', 'delete[]']" \
	"totals.calls has every entry point"
is "$(jpy "$T/r.json" 'all(set(s) >= {"id", "frames", "calls", "bytes", "injected", "pool"} and len(s["id"]) == 16 and int(s["id"], 16) >= 0 and all(set(f) >= {"object", "offset", "symbol"} for f in s["frames"]) for s in r["sites"])')" True \
	"sites: id (16 hex digits), frames (object, offset, symbol), calls, bytes, injected, pool"
is "$(jpy "$T/r.json" 'all(set(i) >= {"seq", "call", "size", "site"} for i in r["injections"])')" True \
	"injections: seq, call, size, site"
is "$(jpy "$T/r.json" '"%s %s %s %s" % (r["crash"], r["pools"], r["complete"], json.dumps(r["exit"], separators=(",", ":")))')" \
	'None [] True {"how":"exit","code":0,"signal":null}' "crash null, pools [], complete, exit"
is "$(jpy "$T/r.json" 'r["exe"] == "probe" and isinstance(r["pid"], int) and isinstance(r["ppid"], int) and r["ppid"] != r["pid"] and r["argv"][1:] == ["malloc", "10", "16"] and r["argv"][0].endswith("/probe")')" True \
	"exe, pid, ppid, argv"
is "$(jpy "$T/r.json" '"%s %s %s %s %s %s %s %s" % (r["config"]["every"], r["config"]["after"], r["config"]["nth"], r["config"]["burst"], r["config"]["times"], r["config"]["limit"], r["config"]["calls"], r["config"]["rate"])')" \
	"3 0 None 1 None None ['malloc', 'calloc', 'realloc', 'reallocarray', 'free', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc', 'pvalloc', 'malloc_usable_size', 'new', 'new[]', 'delete', 'delete[]'] 0" \
	"config: the settings in force (calls: every entry point by default)"

# 2. The counts agree with each other and with the program.
is "$(jpy "$T/r.json" '"%d %d %d %d %d" % (r["totals"]["injected"], len(r["injections"]), sum(s["injected"] for s in r["sites"]), r["totals"]["calls"]["malloc"], r["totals"]["eligible"])')" \
	"3 3 3 10 10" "injected = len(injections) = sum of sites' injected; malloc calls; eligible: the probe's 10"
is "$(jget "$T/r.json" totals.startup)" '{"calls":0,"bytes":0}' \
	"totals.startup: nothing in a C program (the shim loads no C++ runtime)"
is "$(jpy "$T/r.json" '[(i["seq"], i["call"], i["size"]) for i in r["injections"]]')" \
	"[(1, 'malloc', 16), (2, 'malloc', 16), (3, 'malloc', 16)]" "injections in order"
is "$(jpy "$T/r.json" 'set(i["site"] for i in r["injections"]) <= set(s["id"] for s in r["sites"])')" True \
	"every injection's site is in sites"
is "$(jpy "$T/r.json" '[(s["frames"][0]["object"], s["calls"], s["bytes"], s["injected"]) for s in r["sites"]]')" \
	"[('probe', 10, 112, 3)]" "one site, the probe's: 10 calls, 7 x 16 bytes allocated, 3 injected"

# bytes_allocated: requested sizes of the successful allocations; live and
# peak bytes: usable sizes (4096 is a jemalloc size class).
run_shim FAILPOOL_REPORT="$T/h0.json" -- "$P" hold 0 4096 >/dev/null 2>&1
run_shim FAILPOOL_REPORT="$T/h5.json" -- "$P" hold 5 4096 >/dev/null 2>&1
is "$(jget "$T/r.json" totals.bytes_allocated)" "$((7 * 16))" "bytes_allocated: the 7 successful malloc(16), nothing else"
is "$(jget "$T/h0.json" totals.bytes_allocated)" 0 "bytes_allocated: 0 when the program allocates nothing"
l0=$(jget "$T/h0.json" totals.live_bytes)
is "$(jget "$T/h5.json" totals.live_bytes)" "$((l0 + 5 * 4096))" "live_bytes: 5 blocks of 4096 kept live"
is "$(jpy "$T/h5.json" 'r["totals"]["peak_live_bytes"] >= r["totals"]["live_bytes"]')" True "peak_live_bytes >= live_bytes"

# Live and peak bytes are exact with one thread (README, "The report"), though
# each thread adds its live bytes to the shared figure only in batches of
# 64 KiB: 40 blocks of 64 KiB kept (40 batches), 40 freed at once (the peak
# is one block), one block grown and shrunk by realloc past the batch size
# (the peak is 800,000 bytes' class, 917,504); and LIMIT, which keeps one
# exact figure at every call, gives the same.
peaks() {
	jpy "$1" '"%d %d" % (r["totals"]["live_bytes"] - '"$l0"', r["totals"]["peak_live_bytes"] - '"$l0"')'
}
for lim in "" FAILPOOL_LIMIT=1G; do
	run_shim $lim FAILPOOL_REPORT="$T/p.json" -- "$P" hold 40 65536 >/dev/null 2>&1
	is "$(peaks "$T/p.json")" "$((40 * 65536)) $((40 * 65536))" "${lim:-no LIMIT}: 40 x 64 KiB held: live and peak exact"
	run_shim $lim FAILPOOL_REPORT="$T/p.json" -- "$P" malloc 40 65536 >/dev/null 2>&1
	is "$(peaks "$T/p.json")" "0 65536" "${lim:-no LIMIT}: 40 x 64 KiB freed at once: the peak is one block"
	run_shim $lim FAILPOOL_REPORT="$T/p.json" -- "$P" realloc 9 400000 >/dev/null 2>&1
	is "$(peaks "$T/p.json")" "0 917504" "${lim:-no LIMIT}: realloc 400,000 <-> 800,000: the peak is the larger block's usable size"
done
# Live bytes count jemalloc's usable size of every block (README, "The
# report"): 3 blocks of each size, the shim's 16-byte minimum included.
for su in 1:16 9:16 100:112 4095:4096 4097:5120; do
	run_shim FAILPOOL_REPORT="$T/p.json" -- "$P" hold 3 "${su%:*}" >/dev/null 2>&1
	is "$(peaks "$T/p.json")" "$((3 * ${su#*:})) $((3 * ${su#*:}))" "3 x malloc(${su%:*}): 3 x ${su#*:} usable bytes live"
done

# With threads, live bytes stay exact; the peak holds at least one grown block.
# What stays live is glibc's: the joined threads' DTVs kept in its stack
# cache (4 x 320 bytes, sized by the process's TLS modules) and 64 bytes.
for lim in "" FAILPOOL_LIMIT=1G; do
	run_shim $lim FAILPOOL_REPORT="$T/p.json" -- "$PROGS/threads" run 4 5000 realloc 100000 >/dev/null 2>&1
	is "$(jpy "$T/p.json" '"%s %s" % (r["totals"]["live_bytes"] - '"$l0"', r["totals"]["peak_live_bytes"] >= r["totals"]["live_bytes"] + 200000)')" \
		"1344 True" "${lim:-no LIMIT}: 4 threads growing and shrinking blocks: live bytes exact, the peak above one 200,000-byte block"
done

# More than 1000 failures: the first 1000 listed, the count exact.
rm -f "$T/r.json"
run_shim FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/r.json" -- "$P" malloc 2500 8 >"$T/out" 2>&1
is "$(tail -n 1 "$T/out"):$(jpy "$T/r.json" '"%d %d %s %d" % (r["totals"]["injected"], len(r["injections"]), [i["seq"] for i in r["injections"]] == list(range(1, 1001)), sum(s["injected"] for s in r["sites"]))')" \
	"done 2500 failed 2500:2500 1000 True 2500" "2500 failures: injected 2500, the first 1000 listed, sites sum 2500"

# 3. argv with quotes, backslash, newline, tab, control bytes, empty, UTF-8
#    and bytes that are not UTF-8: the file is valid UTF-8 JSON, and each
#    argument reads back (bytes that are not UTF-8 as the lone surrogates
#    U+DC80..U+DCFF, the escape jsonw documents: Python's surrogateescape).
nl='
'
tab=$(printf '\t')
ctl=$(printf 'a\001b\037c')
bad=$(printf 'bad\377\376x')
utf=$(printf 'caf\303\251 \342\202\254')
rm -f "$T/r.json"
run_shim FAILPOOL_REPORT="$T/r.json" -- "$P" noalloc 'q"uo"te' 'back\slash' "line1${nl}line2" "a${tab}b" "$ctl" "" "$bad" "$utf" '{"json":[1]}' >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:main" "probe noalloc with odd arguments"
is "$("$PYTHON3" - "$T/r.json" <<'EOF'
import json, sys
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")                 # strict: the file is valid UTF-8
assert not any(b < 0x20 and b not in b"\n\r\t " for b in raw), "raw control byte"
r = json.loads(raw)
want = ['q"uo"te', 'back\\slash', 'line1\nline2', 'a\tb', 'a\x01b\x1fc', '',
        'bad\udcff\udcfex', 'caf\u00e9 \u20ac', '{"json":[1]}']
got = r["argv"][2:]
exact = got[6].encode("utf-8", "surrogateescape") == b"bad\xff\xfex"
print((got == want and exact) or "got %r" % (got,))
EOF
)" True "argv: every argument escaped and read back"

# 4. Seed: always reported; FAILPOOL_SEED repeats the same failures.
rm -f "$T/s1.json" "$T/s2.json"
run_shim FAILPOOL_REPORT="$T/s1.json" -- "$P" noalloc >/dev/null 2>&1
run_shim FAILPOOL_REPORT="$T/s2.json" -- "$P" noalloc >/dev/null 2>&1
is "$(jpy "$T/s1.json" 'isinstance(r["seed"], int) and 0 <= r["seed"] < 2**64 and r["config"]["seed"] == r["seed"]')" True \
	"no FAILPOOL_SEED: a seed is chosen and reported"
isnt "$(jget "$T/s1.json" seed)" "$(jget "$T/s2.json" seed)" "no FAILPOOL_SEED: two runs, two seeds"
for i in 1 2; do
	rm -f "$T/q$i.json"
	run_shim FAILPOOL_RATE=0.05 FAILPOOL_SEED=12345 FAILPOOL_REPORT="$T/q$i.json" \
		-- "$P" malloc 2000 32 >"$T/q$i.out" 2>&1
done
is "$(jget "$T/q1.json" seed):$(jget "$T/q1.json" config.seed)" "12345:12345" "FAILPOOL_SEED=12345 reported"
is "$(jget "$T/q2.json" injections)" "$(jget "$T/q1.json" injections)" "RATE=0.05 SEED=12345: the same injections list twice"
is "$(lines "$T/q2.out")" "$(lines "$T/q1.out")" "RATE=0.05 SEED=12345: the program sees the same failures twice"
n=$(grep -c '^fail' "$T/q1.out")
ok "RATE=0.05: about 5% of 2000 failed ($n)" test "$n" -gt 50 -a "$n" -lt 160
run_shim FAILPOOL_RATE=0.05 FAILPOOL_SEED=54321 -- "$P" malloc 2000 32 >"$T/q3.out" 2>&1
isnt "$(lines "$T/q3.out")" "$(lines "$T/q1.out")" "RATE=0.05: another seed, other failures"

# 5. %p, %e and %% in the path.
rm -rf "$T/d"
mkdir "$T/d"
run_shim FAILPOOL_REPORT="$T/d/r-%e-%p-%%.json" -- "$P" noalloc >/dev/null 2>&1
f=$(ls "$T/d")
pid=$(jget "$T/d/$f" pid)
is "$f" "r-probe-$pid-%.json" "%e %p %% expanded (r-probe-PID-%.json)"

# 6. Atomic write: the report is renamed into place (a new inode replaces
#    the old file), and no temporary file is left beside it.
rm -rf "$T/d"
mkdir "$T/d"
echo stale >"$T/d/r.json"
ino0=$(stat -c %i "$T/d/r.json")
run_shim FAILPOOL_REPORT="$T/d/r.json" -- "$P" malloc 5 16 >/dev/null 2>&1
ino1=$(stat -c %i "$T/d/r.json")
is "$(ls -A "$T/d" | paste -sd' ')" "r.json" "no temporary file left beside the report"
isnt "$ino1" "$ino0" "the report replaced the old file by rename (new inode)"
is "$(jget "$T/d/r.json" schema)" "failpool-report/1" "the replaced report is whole"

# 7. FAILPOOL_LOG: one JSON line per injected failure, appended; and
#    FAILPOOL_VERBOSE=1: one stderr line per injected failure.
rm -f "$T/log.jsonl"
run_shim FAILPOOL_EVERY=3 FAILPOOL_LOG="$T/log.jsonl" FAILPOOL_VERBOSE=1 \
	-- "$P" malloc 10 16 >"$T/out" 2>"$T/err"
run_shim FAILPOOL_EVERY=5 FAILPOOL_LOG="$T/log.jsonl" \
	-- "$P" malloc 10 16 >/dev/null 2>&1
is "$("$PYTHON3" -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
print(len(ls), [(l["seq"], l["call"], l["size"]) for l in ls])' "$T/log.jsonl")" \
	"5 [(1, 'malloc', 16), (2, 'malloc', 16), (3, 'malloc', 16), (1, 'malloc', 16), (2, 'malloc', 16)]" \
	"FAILPOOL_LOG: one JSON line per failure, appended across runs"
is "$(grep -c '^failpool: ' "$T/err")" 3 "FAILPOOL_VERBOSE=1: one stderr line per failure"
run_shim FAILPOOL_EVERY=3 -- "$P" malloc 10 16 >/dev/null 2>"$T/err"
is "$(wc -c <"$T/err")" 0 "without FAILPOOL_VERBOSE the shim is silent"

# 8. Sites are the program's call sites, never the shim's own code: the hot
#    entry points reach the slow path by a tail jump, which must keep the
#    program's return address (a build without sibling calls would not).
run_shim FAILPOOL_REPORT="$T/s.json" -- "$P" malloc 5 16 >/dev/null 2>&1
is "$(jpy "$T/s.json" 'sorted({f["object"] for s in r["sites"] for f in s["frames"]} & {"libfailpool.so"})')" "[]" \
	"no site is attributed to libfailpool.so"
is "$(jpy "$T/s.json" '[(s["calls"], s["frames"][0]["object"]) for s in r["sites"]]')" "[(5, 'probe')]" \
	"the only site is the probe's own malloc, with its 5 calls"
# realloc: AFTER=1 keeps the probe's first call, the malloc of its block.
for c in "calloc 3 1 16" "realloc 3 16"; do
	# shellcheck disable=SC2086
	run_shim FAILPOOL_AFTER=1 FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/s.json" -- "$P" $c >/dev/null 2>&1
	is "$(jpy "$T/s.json" 'sorted({(i["call"], f["object"]) for i in r["injections"] for s in r["sites"] if s["id"] == i["site"] for f in s["frames"][:1]})')" \
		"[('${c%% *}', 'probe')]" "an injected ${c%% *} is attributed to the probe"
done

# A program in a locale whose decimal point is a comma: the report is
# still JSON ("rate": 0.05, not 0,05).
mkdir -p "$T/loc"
localedef -i de_DE -f UTF-8 "$T/loc/de_DE.UTF-8" >/dev/null 2>&1
if [ -f "$T/loc/de_DE.UTF-8/LC_NUMERIC" ]; then
	run_shim LOCPATH="$T/loc" LC_ALL=de_DE.UTF-8 FAILPOOL_RATE=0.05 FAILPOOL_SEED=1 \
		FAILPOOL_REPORT="$T/de.json" -- "$PROGS/locales" >"$T/out" 2>&1
	is "$?:$(jget "$T/de.json" config.rate)" "0:0.05" "LC_ALL=de_DE.UTF-8 (decimal comma): the report reads back, rate 0.05"
else
	skip "a decimal-comma locale" "localedef cannot build de_DE.UTF-8 here"
fi

done_testing

#!/bin/sh
# Call sites (README, "Variables" FAILPOOL_SITES/DEPTH, "Site rules",
# "sites" in the report): rules by
# function (exported and static, globs), by library (a dlopened test
# library), by site id, negation and lists; ids stable across runs; exact
# counts under threads; the same immediate caller at the same stack depth
# under different callers kept apart; frames named in the report, also for
# a library dlclosed before exit.
. "$TESTLIB"

P=$PROGS/sites
[ -f "$PROGS/.libs/libsitelib.so" ] || bail "libsitelib.so not built in $PROGS/.libs"

out() { run_shim "$@" >"$T/out" 2>"$T/err"; echo "$?:$(lines "$T/out")"; }

is "$(out -- "$P" funcs 5)" "0:parse_config 0 static_helper 0 other_alloc 0 sitelib 0" \
	"no rule, no failure policy: nothing fails"

# 1. Rules by function and library; EVERY=1 fails every eligible call.
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES=func:parse_config -- "$P" funcs 5)" \
	"0:parse_config 5 static_helper 0 other_alloc 0 sitelib 0" "func:parse_config fails that function only"
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES=func:static_helper -- "$P" funcs 5)" \
	"0:parse_config 0 static_helper 5 other_alloc 0 sitelib 0" "func: names a static function (libunwind's procedure name)"
is "$(out FAILPOOL_EVERY=1 'FAILPOOL_SITES=func:*_alloc' -- "$P" funcs 5)" \
	"0:parse_config 0 static_helper 0 other_alloc 5 sitelib 5" "func:*_alloc: a glob over function names"
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES=lib:libsitelib.so -- "$P" funcs 5)" \
	"0:parse_config 0 static_helper 0 other_alloc 0 sitelib 5" "lib:libsitelib.so: the dlopened library's allocations only"
is "$(out FAILPOOL_EVERY=1 'FAILPOOL_SITES=lib:libsite*' -- "$P" funcs 5)" \
	"0:parse_config 0 static_helper 0 other_alloc 0 sitelib 5" "lib: takes a glob"
is "$(out FAILPOOL_EVERY=1 'FAILPOOL_SITES=func:*_alloc;!lib:libsitelib.so' -- "$P" funcs 5)" \
	"0:parse_config 0 static_helper 0 other_alloc 5 sitelib 0" "a negative rule removes stacks a positive rule matched"
is "$(out FAILPOOL_EVERY=1 'FAILPOOL_SITES=func:parse_config;func:static_helper' -- "$P" funcs 5)" \
	"0:parse_config 5 static_helper 5 other_alloc 0 sitelib 0" "a list: any positive rule matches"
is "$(out FAILPOOL_EVERY=2 FAILPOOL_SITES=func:other_alloc -- "$P" funcs 6)" \
	"0:parse_config 0 static_helper 0 other_alloc 3 sitelib 0" "EVERY=2 counts eligible (matching) calls only"
# main() is in every stack of the program, one frame up at most: DEPTH decides.
is "$(out FAILPOOL_EVERY=1 FAILPOOL_DEPTH=1 FAILPOOL_SITES=func:main -- "$P" funcs 5)" \
	"0:parse_config 0 static_helper 0 other_alloc 0 sitelib 0" "DEPTH=1: only the immediate caller counts (main allocates nothing itself here)"
is "$(out FAILPOOL_EVERY=1 FAILPOOL_DEPTH=2 FAILPOOL_SITES=func:main -- "$P" funcs 5)" \
	"0:parse_config 5 static_helper 5 other_alloc 5 sitelib 0" "DEPTH=2: main is the second frame above the workers"

# 2. Negation alone: every stack but the named ones (checked in the report:
#    stdio's own buffer fails too, so the program cannot print).
run_shim FAILPOOL_EVERY=1 'FAILPOOL_SITES=!func:parse_config' FAILPOOL_REPORT="$T/neg.json" -- "$P" funcs 5 >/dev/null 2>&1
is "$(jpy "$T/neg.json" '[(s["calls"], s["injected"]) for s in r["sites"] if s["frames"] and (s["frames"][0]["symbol"] or "").startswith("parse_config+")]')" \
	"[(5, 0)]" "!func:parse_config: its 5 calls eligible for nothing"
is "$(jpy "$T/neg.json" '[(s["calls"], s["injected"]) for s in r["sites"] if s["frames"] and (s["frames"][0]["symbol"] or "").startswith("other_alloc+")]')" \
	"[(5, 5)]" "... while other_alloc's 5 calls all fail"

# 3. The report: symbols, objects, offsets; sums agree with totals.
run_shim FAILPOOL_REPORT="$T/r1.json" -- "$P" funcs 7 >/dev/null 2>&1
run_shim FAILPOOL_REPORT="$T/r2.json" -- "$P" funcs 7 >/dev/null 2>&1
sym() { # report function -> "object calls bytes frames" of its site
	jpy "$1" "[\"%s %d %d %d\" % (s['frames'][0]['object'], s['calls'], s['bytes'], len(s['frames'])) for s in r['sites'] if s['frames'] and (s['frames'][0]['symbol'] or '').startswith('$2+0x')]"
}
is "$(sym "$T/r1.json" sitelib_alloc)" "['libsitelib.so 7 560 6']" "a dlclosed library's site keeps its object and symbol (named at dlclose)"
# The rest is named offline, by the tool (README, "The report"): the process
# names nothing at exit.
is "$(jpy "$T/r2.json" 'sorted({f["symbol"] for s in r["sites"] for f in s["frames"] if f["object"] == "sites"})')" "[None]" \
	"the program's frames have no symbol in the report (named offline)"
name_offline "$T/r1.json"
is "$(sym "$T/r1.json" parse_config)" "['sites 7 224 5']" \
	"parse_config's site: object, 7 calls, 7 x 32 bytes, 5 frames (parse_config main __libc_start_call_main __libc_start_main _start)"
is "$(sym "$T/r1.json" static_helper)" "['sites 7 336 5']" "a static function is named (offline)"
is "$(jpy "$T/r1.json" 'all(f["offset"].startswith("0x") for s in r["sites"] for f in s["frames"])')" True "offsets are hex strings"
is "$(jpy "$T/r1.json" '[f["symbol"].split("+")[0] for s in r["sites"] for f in s["frames"][:2] if (s["frames"][0]["symbol"] or "").startswith("parse_config+")]')" \
	"['parse_config', 'main']" "frames innermost first: parse_config, then main"
is "$(jpy "$T/r1.json" 'sum(s["calls"] for s in r["sites"]) <= sum(r["totals"]["calls"].values()) and sum(s["injected"] for s in r["sites"]) == r["totals"]["injected"]')" True \
	"site calls within totals, site failures sum to the total"
is "$(jpy "$T/r1.json" 'sum(s["calls"] for s in r["sites"]) == sum(v for k, v in r["totals"]["calls"].items() if k not in ("free", "delete", "delete[]", "malloc_usable_size"))')" True \
	"every allocation call is in some site (all sites listed)"

# 4. Ids: stable across runs (ASLR moves everything), and site:HEX targets one.
ids() { jpy "$1" 'sorted(s["id"] for s in r["sites"] if s["frames"] and s["frames"][0]["object"] in ("sites", "libsitelib.so"))'; }
is "$(ids "$T/r2.json")" "$(ids "$T/r1.json")" "site ids are the same in two runs"
id=$(jpy "$T/r1.json" '[s["id"] for s in r["sites"] if s["frames"] and (s["frames"][0]["symbol"] or "").startswith("static_helper+")][0]')
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES="site:$id" -- "$P" funcs 5)" \
	"0:parse_config 0 static_helper 5 other_alloc 0 sitelib 0" "site:ID from a report fails that site only"
upper=$(echo "$id" | tr a-f A-F | sed 's/^0*//')
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES="site:$upper" -- "$P" funcs 5)" \
	"0:parse_config 0 static_helper 5 other_alloc 0 sitelib 0" "site: takes upper case and no leading zeros"
run_shim FAILPOOL_DEPTH=1 FAILPOOL_REPORT="$T/d1.json" -- "$P" funcs 3 >/dev/null 2>&1
name_offline "$T/d1.json"
is "$(sym "$T/d1.json" parse_config)" "['sites 3 96 1']" "DEPTH=1: one frame per site"
run_shim FAILPOOL_DEPTH=2 FAILPOOL_REPORT="$T/d2.json" -- "$P" funcs 3 >/dev/null 2>&1
name_offline "$T/d2.json"
is "$(sym "$T/d2.json" parse_config)" "['sites 3 96 2']" "DEPTH=2: two frames per site"

# 5. The same immediate caller and stack pointer under two different
#    callers: two sites, counted and decided apart (remembered stacks must
#    not merge them).
is "$(out FAILPOOL_EVERY=1 FAILPOOL_SITES=func:path_a FAILPOOL_REPORT="$T/tp.json" -- "$P" twopaths 3000)" \
	"0:path_a 3000 path_b 0" "func:path_a: 3000 failures through path_a, none through path_b"
is "$(jpy "$T/tp.json" 'sorted((s["frames"][1]["symbol"].split("+")[0], s["calls"], s["injected"]) for s in r["sites"] if len(s["frames"]) > 1 and (s["frames"][0]["symbol"] or "").startswith("leaf+"))')" \
	"[('path_a', 3000, 3000), ('path_b', 3000, 0)]" "two sites for leaf: path_a 3000/3000, path_b 3000/0"
is "$(out FAILPOOL_EVERY=1 FAILPOOL_DEPTH=1 FAILPOOL_SITES=func:path_a -- "$P" twopaths 100)" \
	"0:path_a 0 path_b 0" "DEPTH=1: path_a is not the immediate caller"
# One caller at 12 stack depths, twice: 4 levels of recursion or more look
# alike within 8 frames.
run_shim FAILPOOL_EVERY=1 FAILPOOL_SITES=func:leaf FAILPOOL_REPORT="$T/dp.json" -- "$P" depths 12 >"$T/out" 2>&1
is "$(lines "$T/out")" "depths 24" "a recursion: every leaf() call fails"
is "$(jpy "$T/dp.json" 'sorted((len(s["frames"]), s["calls"]) for s in r["sites"] if (s["frames"] and (s["frames"][0]["symbol"] or "").startswith("leaf+")))')" \
	"[(6, 2), (7, 2), (8, 2), (8, 2), (8, 2), (8, 2), (8, 12)]" \
	"sites by recursion depth: 2 calls each, the deep ones merged at 8 frames"

# 6. Two threads with a rule: counts exact.
is "$(out FAILPOOL_EVERY=2 FAILPOOL_SITES=func:thread_alloc FAILPOOL_REPORT="$T/th.json" -- "$P" threads 50000)" \
	"0:thread_alloc 50000" "two threads x 50000, EVERY=2: exactly 50000 failures"
is "$(jpy "$T/th.json" '"%d %d" % (r["totals"]["eligible"], r["totals"]["injected"])')" "100000 50000" \
	"totals: 100000 eligible, 50000 injected"
is "$(jpy "$T/th.json" '[(s["calls"], s["bytes"], s["injected"]) for s in r["sites"] if s["frames"] and (s["frames"][0]["symbol"] or "").startswith("thread_alloc+")]')" \
	"[(100000, 2000000, 50000)]" "thread_alloc's site: 100000 calls, 50000 x 40 bytes, 50000 injected"
run_shim FAILPOOL_REPORT="$T/th2.json" -- "$P" threads 50000 >/dev/null 2>&1
name_offline "$T/th2.json"
is "$(jpy "$T/th2.json" '[(s["calls"], s["bytes"]) for s in r["sites"] if s["frames"] and (s["frames"][0]["symbol"] or "").startswith("thread_alloc+")]')" \
	"[(100000, 4000000)]" "report only: 100000 calls, 4000000 bytes from the threads"
# Threads that come and go hand their counters on: nothing lost.
is "$(out FAILPOOL_EVERY=3 FAILPOOL_SITES=func:thread_alloc FAILPOOL_REPORT="$T/ch.json" -- "$P" churn 300)" \
	"0:thread_alloc 40000" "300 rounds of 4 threads x 100, EVERY=3: exactly 40000 failures"
is "$(jpy "$T/ch.json" '"%d %d %s" % (r["totals"]["eligible"], r["totals"]["injected"], [(s["calls"], s["bytes"], s["injected"]) for s in r["sites"] if s["frames"] and (s["frames"][0]["symbol"] or "").startswith("thread_alloc+")])')" \
	"120000 40000 [(120000, 3200000, 40000)]" "... 120000 calls, 80000 x 40 bytes, in the totals and the site"

# A glob rule matched inside malloc while setlocale holds glibc's lock
# (UTF-8: fnmatch there loaded conversion functions and broke the lock).
FP_TIMEOUT=10 run_shim LC_ALL=C.UTF-8 'FAILPOOL_SITES=lib:libc.so*' FAILPOOL_EVERY=1000000 -- "$PROGS/locales" >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:done" "setlocale for every category under a lib: rule in C.UTF-8: no hang"
FP_TIMEOUT=10 run_shim LC_ALL=C.UTF-8 'FAILPOOL_SITES=func:*locale*' FAILPOOL_REPORT="$T/l.json" -- "$PROGS/locales" >"$T/out" 2>&1
is "$?:$(lines "$T/out")" "0:done" "... nor under a func: rule with a report"

# A malloc that succeeds leaves errno alone, even when its site is new
# (unwound, named, classified) or needs a thread's first shard.
is "$(out FAILPOOL_REPORT="$T/e.json" 'FAILPOOL_SITES=func:*' FAILPOOL_EVERY=1000000 -- "$P" errno 200)" "0:errno kept" \
	"errno survives successful mallocs from new sites (report, func: rule)"

# 7. Malformed rules: 125 from the shim, 2 from the tool, one line naming the rule.
run_shim 'FAILPOOL_SITES=func:a;fun:b' -- "$P" funcs 1 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/err")" "125:failpool: FAILPOOL_SITES: rule 2 'fun:b': unknown kind 'fun' (use func:, lib: or site:)" \
	"an unknown kind: exit 125 and the rule named"
run_shim FAILPOOL_SITES=site:xyz -- "$P" funcs 1 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/err")" "125:failpool: FAILPOOL_SITES: rule 1 'site:xyz': not a site id (up to 16 hex digits)" \
	"a bad site id: exit 125"
"$FAILPOOL" run --site 'func:' -- "$P" funcs 1 >"$T/out" 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "125:failpool: --site: rule 1 'func:': empty pattern" "failpool run --site with an empty pattern: exit 125"

done_testing

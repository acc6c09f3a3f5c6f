#!/bin/sh
# FAILPOOL_LOG and FAILPOOL_VERBOSE lines (README "FAILPOOL_LOG", failpool(1)):
# every log line is one whole JSON object ending in "\n" at any depth (64
# frames of long demangled C++ names), the crash line too; VERBOSE lines are
# never cut; a log that cannot be opened or written says so once on stderr
# and the program runs on; lines appended by several threads and processes
# at once never interleave.
. "$TESTLIB"

X=$PROGS/cxxdeep
P=$PROGS/probe
DEEP='func:*DeepILi0E*'		# the bottom of cxxdeep's 80-deep recursion

# The program's own demangled names, to check that none was cut or mangled.
if command -v nm >/dev/null 2>&1; then
	nm -C --defined-only "$X" | cut -d' ' -f3- >"$T/names"
else
	: >"$T/names"
fi

# check_lines LOG: "LINES FRAMES LONG INTACT": how many lines, their frame
# counts (distinct), how many frames have a name over 1,000 bytes, and
# whether every name of cxxdeep's is one of its symbols whole. A line that
# is not JSON prints "bad line N".
check_lines() {
	"$PYTHON3" - "$1" "$T/names" <<'EOF'
import json, sys
names = set(l.rstrip("\n") for l in open(sys.argv[2]))
data = open(sys.argv[1], "rb").read().decode()
if data and not data.endswith("\n"):
    print("no newline at the end"); sys.exit()
counts, longest, intact = set(), 0, True
for i, line in enumerate(data.splitlines()):
    try:
        r = json.loads(line)
    except ValueError:
        print("bad line", i + 1, len(line)); sys.exit()
    r = r.get("crash", r)
    # A bad_alloc's own allocation is one frame short: the shim's frame that threw it is not the program's.
    thrown = bool(r["frames"]) and (r["frames"][0]["symbol"] or "").startswith("__cxa_allocate_exception")
    counts.add(len(r["frames"]) + thrown)
    for f in r["frames"]:
        sym = f["symbol"]
        if sym is None:
            continue
        name = sym.rsplit("+0x", 1)[0]
        longest += len(name) > 1000
        if f["object"] == "cxxdeep" and names and name not in names:
            intact = False
print(len(data.splitlines()), ",".join(map(str, sorted(counts))), longest > 0, intact)
EOF
}

# 1. Injected failures at the bottom of 80 frames of std::map<std::string,
#    std::vector<std::string>> templates: 64 frames a line, names whole.
run_shim FAILPOOL_DEPTH=64 FAILPOOL_EVERY=2 FAILPOOL_SITES="$DEEP" FAILPOOL_LOG="$T/deep.log" \
	FAILPOOL_VERBOSE=2 FAILPOOL_REPORT="$T/deep.json" -- "$X" map 3 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:done 3 caught 3" "cxxdeep map 3 with failures at depth 80: bad_alloc caught each round"
is "$(check_lines "$T/deep.log")" "$(jget "$T/deep.json" totals.injected) 64 True True" \
	"every log line parses, one per injected failure, 64 frames each, long names (>1,000 bytes) whole"
is "$("$PYTHON3" - "$T/deep.log" "$T/deep.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[2]))
sites = {s["id"]: s["frames"] for s in r["sites"]}
print(all(sites[l["site"]] == l["frames"] for l in map(json.loads, open(sys.argv[1]))))
EOF
)" "True" "... the same frames, byte for byte, as the report's site (one frame formatter)"

# 2. FAILPOOL_VERBOSE=2 on the same run: each failure with its 64 frames.
is "$("$PYTHON3" - "$T/err" "$T/names" <<'EOF'
import re, sys
names = set(l.rstrip("\n") for l in open(sys.argv[2]))
text = open(sys.argv[1]).read()
blocks = re.split(r"^(?=failpool: injected failure #)", text, flags=re.M)[1:]
frames = set()
intact = True
for b in blocks:
    lines = b.rstrip("\n").split("\n")
    frames.add(len(lines))
    for l in lines:
        m = re.search(r" \((.*)\+0x[0-9a-f]+\)$", l)
        if m and " cxxdeep+" in l and names and m.group(1) not in names:
            intact = False
print(len(blocks), ",".join(map(str, sorted(frames))), text.endswith("\n"), intact)
EOF
)" "3 64 True True" "VERBOSE=2: each failure with its 64 frames on stderr, names whole"

# 3. A crash 80 frames deep: a crash line of 64 frames, after lines that
#    named most of them (long names, about 64 KB in one line).
run_shim FAILPOOL_DEPTH=64 FAILPOOL_EVERY=1 FAILPOOL_SITES="$DEEP" FAILPOOL_LOG="$T/crash.log" \
	-- "$X" crash >/dev/null 2>&1
is "$?" 139 "cxxdeep crash: killed by SIGSEGV"
is "$(check_lines "$T/crash.log")" "3 64 True True" "the crash line parses with 64 frames and its long names whole"
ok "no frame of the shim in any line" sh -c "! grep -q libfailpool '$T/crash.log'"
is "$("$PYTHON3" -c 'import json, sys; l = open(sys.argv[1]).readlines(); c = json.loads(l[-1])["crash"]; print(c["name"], c["last_injection_seq"] == len(l) - 1, sum(f["symbol"] is not None for f in c["frames"]))' "$T/crash.log")" \
	"SIGSEGV True 63" "... SIGSEGV after the last failure logged; the 63 frames named before the crash named (not the faulting one)"

# 4. A log that cannot be opened or written: one line on stderr, the program runs on.
run_bare -- "$P" malloc 10 16 >"$T/bare" 2>&1
run_shim FAILPOOL_EVERY=2 FAILPOOL_LOG="$T/nodir/x.log" -- "$P" malloc 10 16 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:fail 2 ENOMEM,fail 4 ENOMEM,fail 6 ENOMEM,fail 8 ENOMEM,fail 10 ENOMEM,done 10 failed 5" \
	"log in a missing directory: the program runs, with its failures"
is "$(lines "$T/err")" "failpool: FAILPOOL_LOG: cannot open '$T/nodir/x.log': No such file or directory" \
	"... and stderr says so, once"
if [ "$(id -u)" != 0 ]; then
	mkdir "$T/ro" && chmod 0555 "$T/ro"
	run_shim FAILPOOL_EVERY=2 FAILPOOL_LOG="$T/ro/x.log" -- "$P" malloc 10 16 >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/err")" "0:failpool: FAILPOOL_LOG: cannot open '$T/ro/x.log': Permission denied" \
		"log in a read-only directory: one line on stderr"
else
	skip "log in a read-only directory: one line on stderr" "root may write anywhere"
fi
run_shim FAILPOOL_EVERY=2 FAILPOOL_LOG=/dev/full -- "$P" malloc 10 16 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:fail 2 ENOMEM,fail 4 ENOMEM,fail 6 ENOMEM,fail 8 ENOMEM,fail 10 ENOMEM,done 10 failed 5" \
	"log to /dev/full: the program runs, with its failures"
is "$(lines "$T/err")" "failpool: FAILPOOL_LOG: cannot write '/dev/full': No space left on device" \
	"... and stderr says so once, not once per failure"

# 5. 4 threads in each of 2 processes append 64 KB lines to one log at once.
(run_shim FAILPOOL_DEPTH=64 FAILPOOL_EVERY=3 FAILPOOL_SITES="$DEEP" FAILPOOL_LOG="$T/many.log" \
	FAILPOOL_REPORT="$T/many.%p.json" -- "$X" threads 4 10 >"$T/out1" 2>&1) &
run_shim FAILPOOL_DEPTH=64 FAILPOOL_EVERY=3 FAILPOOL_SITES="$DEEP" FAILPOOL_LOG="$T/many.log" \
	FAILPOOL_REPORT="$T/many.%p.json" -- "$X" threads 4 10 >"$T/out2" 2>&1
wait
is "$(lines "$T/out1"):$(lines "$T/out2")" "done:done" "two processes of 4 threads each ran"
injected=$("$PYTHON3" -c 'import json, sys; print(sum(json.load(open(f))["totals"]["injected"] for f in sys.argv[1:]))' "$T"/many.*.json)
is "$(check_lines "$T/many.log")" "$injected 64 True True" \
	"every line of 8 threads in 2 processes parses: none interleaved, one per injected failure ($injected)"

done_testing

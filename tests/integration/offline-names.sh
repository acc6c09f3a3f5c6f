#!/bin/sh
# Frames named offline by `failpool report` (README, "failpool report"): a
# crash record written from a dying process may have frames with only
# object and offset ("symbol": null); the tool names them from the object
# the report's "objects" lists, with addr2line (function file:line), or
# from the object's ELF symbol tables when addr2line is not installed
# (function+0xoff). Offsets are taken with nm from the built crashy, so the
# test follows the compiler.
. "$TESTLIB"

G=$(dirname "$TESTLIB")/../golden
C=$PROGS/crashy
R="$FAILPOOL report"
command -v nm >/dev/null 2>&1 || skip_all "nm not installed"
A2L=$(command -v addr2line)

nm -S --defined-only "$C" >"$T/nm" || bail "nm $C failed"

# mk OUT NSITES: child.json with crashy's frames, every symbol null.
# Crash: use_unchecked+0x11 (the faulting instruction + 1), main+0x100,
# crashy+0x1 (no function there). Site i: a function of crashy at an
# offset varying with i, then main.
mk() {
	"$PYTHON3" - "$G/child.json" "$T/nm" "$C" "$1" "$2" <<'EOF'
import json, sys
tmpl, nmout, prog, out, nsites = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
fn = {}
for l in open(nmout):
    w = l.split()
    if len(w) == 4 and w[2] in "Tt":
        fn[w[3]] = (int(w[0], 16), int(w[1], 16))
def frame(name, off):
    start, size = fn[name]
    assert 1 <= off <= size, (name, off, size)
    return {"object": "crashy", "offset": hex(start + off), "symbol": None}
r = json.load(open(tmpl))
r["exe"] = "crashy"
r["objects"] = [{"name": "crashy", "path": prog}]
r["crash"]["frames"] = [frame("use_unchecked", 0x11), frame("main", 0x100),
                        {"object": "crashy", "offset": "0x1", "symbol": None}]
funcs = ["load_item", "fail_loop", "use_unchecked", "deep", "before_exec"]
r["sites"] = []
for i in range(nsites):
    f = funcs[i % len(funcs)]
    r["sites"].append({"id": "%016x" % (i + 1), "calls": nsites - i, "bytes": 16, "injected": 0,
                       "pool": None, "frames": [frame(f, 1 + i % (fn[f][1] - 1)),
                                                frame("main", 1 + i % (fn["main"][1] - 1))]})
r["injections"] = []
json.dump(r, open(out, "w"))
EOF
}
mk "$T/r.json" 2 || bail "cannot write the crafted report"

# What the JSON renderer says of the frames: symbol, file's basename, line > 0.
frames_of() {
	"$PYTHON3" -c '
import json, sys
r = json.load(sys.stdin)
def show(fs):
    return [(f["symbol"], f["file"] and f["file"].rsplit("/", 1)[-1], f["line"] and f["line"] > 0) for f in fs]
print(show(r["processes"][0]["crash"]["frames"]), show([s["frames"][0] for s in r["sites"]]))'
}

# 1. With addr2line: "function file:line", the JSON's symbol filled in.
if [ -n "$A2L" ]; then
	$R "$T/r.json" >"$T/out" 2>"$T/err"
	is "$?:$(cat "$T/err")" "0:" "a report whose frames have no symbol: exit 0, nothing on stderr"
	is "$(sed -n '/^Crash in/,/^$/p' "$T/out" | sed 's| /[^ ]*/crashy\.c:[0-9][0-9]*$| crashy.c:N|' | paste -sd '|' -)" \
		"Crash in crashy (pid 1001): SIGSEGV after injected failure #2|  use_unchecked crashy.c:N|  < main crashy.c:N|  < crashy+0x1|" \
		"text: the crash frames named offline, with file:line (nothing at crashy+0x1: left as it is)"
	is "$(grep -c '^  .*  [a-z_]* /[^ ]*/crashy\.c:[0-9]*$' "$T/out")" 2 \
		"text: the site frames named, with file:line (2 sites by calls)"
	is "$($R --format json "$T/r.json" | frames_of)" \
		"[('use_unchecked+0x11', 'crashy.c', True), ('main+0x100', 'crashy.c', True), (None, None, None)] [('load_item+0x1', 'crashy.c', True), ('fail_loop+0x2', 'crashy.c', True)]" \
		"json: symbol filled in, file and line added"
else
	for d in "text: crash frames" "text: site frames" "json: symbols"; do
		skip "$d" "addr2line not installed"
	done
fi

# 2. Without addr2line: the ELF symbol tables name the functions.
PATH=/nonexistent $R "$T/r.json" >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "PATH without addr2line: exit 0, nothing said"
is "$(sed -n '/^Crash in/,/^$/p' "$T/out" | paste -sd '|' -)" \
	"Crash in crashy (pid 1001): SIGSEGV after injected failure #2|  use_unchecked+0x11 (crashy)|  < main+0x100 (crashy)|  < crashy+0x1|" \
	"text: crash frames named from .symtab (function+0xoff (object))"
is "$(sed -n '/^Top sites by calls/,/^$/p' "$T/out" | grep -o '[a-z_]*+0x[0-9a-f]* (crashy)' | paste -sd '|' -)" \
	"load_item+0x1 (crashy)|main+0x1 (crashy)|fail_loop+0x2 (crashy)|main+0x2 (crashy)" "text: site frames named from .symtab"
is "$(PATH=/nonexistent $R --format json "$T/r.json" | frames_of)" \
	"[('use_unchecked+0x11', None, None), ('main+0x100', None, None), (None, None, None)] [('load_item+0x1', None, None), ('fail_loop+0x2', None, None)]" \
	"json: symbols from .symtab, no file or line"
# A double free's record: its "alloc_frames" and "first_free_frames" too.
"$PYTHON3" - "$T/r.json" "$T/df.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["crash"]["kind"] = "double-free"
r["crash"]["alloc_frames"] = r["sites"][0]["frames"]
r["crash"]["first_free_frames"] = r["sites"][1]["frames"]
json.dump(r, open(sys.argv[2], "w"))
EOF
is "$(PATH=/nonexistent $R --format json "$T/df.json" | "$PYTHON3" -c 'import json, sys; c = json.load(sys.stdin)["processes"][0]["crash"]; print([f["symbol"] for f in c["alloc_frames"] + c["first_free_frames"]])')" \
	"['load_item+0x1', 'main+0x1', 'fail_loop+0x2', 'main+0x2']" "json: a double free's alloc and first free frames named too"

# third_frame OBJECT PATH ADDR: the crash's third frame, without addr2line,
# when it is ADDR+0x10 in OBJECT (at PATH).
third_frame() {
	"$PYTHON3" - "$T/r.json" "$T/3.json" "$@" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["objects"].append({"name": sys.argv[3], "path": sys.argv[4]})
r["crash"]["frames"][2] = {"object": sys.argv[3], "offset": hex(int(sys.argv[5], 16) + 0x10), "symbol": None}
json.dump(r, open(sys.argv[2], "w"))
EOF
	${NAMER_PATH:+env PATH=$NAMER_PATH} $R "$T/3.json" | sed -n '/^Crash in/,/^$/p' | sed -n 4p
}
NAMER_PATH=/nonexistent

# A stripped shared library: no .symtab, its exported function from .dynsym.
L=$PROGS/.libs/libsitelib.so
if strip -o "$T/libsitelib.so" "$L" 2>/dev/null && ! readelf -S "$T/libsitelib.so" | grep -q "\.symtab"; then
	is "$(third_frame libsitelib.so "$T/libsitelib.so" "$(nm -D --defined-only "$L" | awk '$3 == "sitelib_alloc" { print $1 }')")" \
		"  < sitelib_alloc+0x10 (libsitelib.so)" "a stripped shared library: its exported function named from .dynsym"
	# A static function after the last export: addr2line alone says sitelib_alloc.
	# (third_frame adds 0x10: this lands 4 bytes into is_null.)
	inside=$(printf '%x' $((0x$(nm "$L" | awk '$3 == "is_null" { print $1 }') - 0xc)))
	got=$(NAMER_PATH= third_frame libsitelib.so "$T/libsitelib.so" "$inside")
	is "$got" "  < libsitelib.so+0x$(printf '%x' $((0x$inside + 0x10)))" \
		"a stripped library, an address no symbol covers: not named after the symbol before it"
	# The same address as a site's innermost frame: the site's label (text
	# and html) and the icicle do not take addr2line's guess either.
	"$PYTHON3" - "$T/3.json" "$T/3s.json" <<'EOF2'
import json, sys
r = json.load(open(sys.argv[1]))
r["sites"][0]["frames"] = [r["crash"]["frames"][2]] + r["sites"][0]["frames"][1:]
json.dump(r, open(sys.argv[2], "w"))
EOF2
	$R --format html "$T/3s.json" >"$T/3s.html"
	is "$($R "$T/3s.json" | grep -c 'sitelib_alloc'):$(grep -c 'sitelib_alloc' "$T/3s.html")" "0:0" \
		"a stripped library's site no symbol covers: its label and icicle box are not named after the symbol before it"
	ok "... but by object and offset" grep -q "libsitelib.so+0x$(printf '%x' $((0x$inside + 0x10)))" "$T/3s.html"
else
	skip "a stripped shared library" "strip not installed"
fi

# A stripped system library: its static functions from its debug file, by build-id.
LIBC=$(ldd "$C" 2>/dev/null | awk '$1 == "libc.so.6" { print $3 }')
ID=$(readelf -n "$LIBC" 2>/dev/null | awk '/Build ID:/ { print $3 }')
DBG=/usr/lib/debug/.build-id/$(echo "$ID" | cut -c1-2)/$(echo "$ID" | cut -c3-).debug
SCM=$(nm "$DBG" 2>/dev/null | awk '$3 == "__libc_start_call_main" { print $1; exit }')
if [ -n "$SCM" ] && ! readelf -S "$LIBC" | grep -q "\.symtab"; then
	is "$(third_frame libc.so.6 "$LIBC" "$SCM")" "  < __libc_start_call_main+0x10 (libc.so.6)" \
		"a stripped libc: a static function named from its debug file (build-id)"
else
	skip "a stripped libc's static function" "no stripped libc.so.6 with a debug file by build-id"
fi

# The busiest site comes after 40 sites with injected failures: still named
# in "Top sites by calls".
mk "$T/late.json" 50
"$PYTHON3" - "$T/late.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for i, s in enumerate(r["sites"]):
    s["injected"], s["calls"] = (0, 1000) if i == 49 else (1, 1)
json.dump(r, open(sys.argv[1], "w"))
EOF
is "$(PATH=/nonexistent $R "$T/late.json" | sed -n '/^Top sites by calls/,/^$/p' | sed -n 3p | awk '{ print $2, $NF, $(NF-1) }')" \
	"1000 (crashy) before_exec+0x$(printf %x $((1 + 49 % (0x$(awk '$4 == "before_exec" { print $2 }' "$T/nm") - 1))))" \
	"the busiest site, 50th by injected failures, named in the table by calls"

# 3. Many sites: one addr2line for the object, all frames named, quickly.
if [ -n "$A2L" ]; then
	mkdir "$T/bin"
	printf '#!/bin/sh\necho run >>"%s"\nexec "%s" "$@"\n' "$T/a2l.log" "$A2L" >"$T/bin/addr2line"
	chmod +x "$T/bin/addr2line"
	mk "$T/big.json" 10000
	start=$(date +%s)
	PATH="$T/bin:$PATH" $R --format json "$T/big.json" >"$T/big.out"
	took=$(($(date +%s) - start))
	is "$?:$(wc -l <"$T/a2l.log")" "0:1" "10000 sites, 20001 frames of one object: one addr2line run"
	is "$(jpy "$T/big.out" 'sum(1 for s in r["sites"] for f in s["frames"] if f["symbol"] and f["file"])')" 20000 \
		"... every site frame named, with file:line"
	ok "... within 20 seconds (took ${took}s)" test "$took" -le 20
else
	skip "10000 sites" "addr2line not installed"
fi

# 4. A real crash, its record stripped of symbols as a dying process writes it.
"$FAILPOOL" run --every 1 --site func:use_unchecked --report "$T/c.json" -- "$C" unchecked >/dev/null 2>&1
is "$?" 139 "crashy unchecked under failpool run: SIGSEGV"
"$PYTHON3" - "$T/c.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["crash"]["frames"] + [f for s in r["sites"] for f in s["frames"]]:
    f["symbol"] = None
json.dump(r, open(sys.argv[1], "w"))
EOF
is "$(jget "$T/c.json" crash.frames.0.symbol)" null "the crash record's frames have no symbol"
$R "$T/c.json" >"$T/out"
ok "failpool report names the crashing function: use_unchecked" \
	grep -Eq '^  use_unchecked( /.*crashy\.c:[0-9]+|\+0x[0-9a-f]+ \(crashy\))$' "$T/out"
PATH=/nonexistent $R "$T/c.json" >"$T/out"
ok "... and without addr2line: use_unchecked+0xoff (crashy)" grep -Eq '^  use_unchecked\+0x[0-9a-f]+ \(crashy\)$' "$T/out"

# A stripped object: addr2line names any address after the nearest dynamic
# symbol below it (a stripped stress-ng's frames all read __stack_chk_fail);
# without DWARF the ELF tables decide, and they know each symbol's size.
L=$(ls "$PROGS"/.libs/libsitelib.so* 2>/dev/null | head -1)
if [ -n "$L" ] && command -v strip >/dev/null 2>&1 && strip -o "$T/libstripped.so" "$L" 2>/dev/null; then
	nm -S "$L" >"$T/libnm"
	past=$(awk '$4 == "is_null" { printf "0x%x", strtonum("0x" $1) + 3 }' "$T/libnm")
	inside=$(awk '$4 == "sitelib_alloc" { printf "0x%x", strtonum("0x" $1) + 5 }' "$T/libnm")
	"$PYTHON3" - "$G/child.json" "$T/libstripped.so" "$past" "$inside" "$T/stripped.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["objects"] = [{"name": "libstripped.so", "path": sys.argv[2]}]
s = r["sites"][0]
s["frames"] = [{"object": "libstripped.so", "offset": sys.argv[3], "symbol": None},
               {"object": "libstripped.so", "offset": sys.argv[4], "symbol": None}]
r["sites"] = [s]
r["injections"] = [i for i in r["injections"] if i.get("site") == s["id"]]
if r.get("crash"):
    r["crash"] = None
json.dump(r, open(sys.argv[5], "w"))
PY
	got=$($R --format json "$T/stripped.json" 2>"$T/stripped.err" | "$PYTHON3" -c \
		'import json, sys; r = json.load(sys.stdin); print([f.get("symbol") for f in r["sites"][0]["frames"]])')
	is "$got" "[None, 'sitelib_alloc+0x5']" \
		"a stripped object: a static function's frame is not named after the exported one below it"
	# The text's labels (the injected failures in order) read the same names.
	label=$($R "$T/stripped.json" 2>/dev/null | sed -n 's/.*malloc  *[0-9.]* [KMG]*i*B  *//p' | head -1)
	is "${label%% *}" "libstripped.so+$past" "... and the injected failure's label starts with that frame, unnamed"
else
	skip 1 "no libsitelib.so or strip"
fi

done_testing

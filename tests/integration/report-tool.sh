#!/bin/sh
# failpool report (README, "`failpool report` and `failpool soak`"): the text tables against a golden file (two
# reports merged: a parent and its crashed child), the merged JSON's sums,
# an HTML page that parses and has an <svg> per chart, file:line resolved
# offline for a real run, and a clear error (exit 2) for files that are
# not whole reports.
. "$TESTLIB"

G=$(dirname "$TESTLIB")/../golden
R="$FAILPOOL report"

# 1. Text: exactly the golden file.
$R "$G/parent.json" "$G/child.json" >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "two reports merged as text: exit 0, nothing on stderr"
ok "text tables as in tests/golden/merged.txt" cmp -s "$G/merged.txt" "$T/out"
cmp "$G/merged.txt" "$T/out" >/dev/null || diag "$(diff "$G/merged.txt" "$T/out" | head -20)"

# 1b. What the golden file shows, named: the verdict, the command lines,
#     the settings, the injections in order, columns that line up after a
#     long executable name.
is "$(sed -n 2p "$T/out")" \
	"  crashed: app-worker-with-a-long-name (pid 1001) killed by signal 11 (SIGSEGV) after injected failure #2 at site 00000000000000aa" \
	"the verdict under the title: which process crashed, by which signal, after which injection, at which site"
ok "the command line, quoted as a shell reads it back" grep -q "  /opt/app/app --config 'my app.conf' --workers=1\$" "$T/out"
"$PYTHON3" - "$G/parent.json" "$T/argv.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["argv"] = ["/opt/app/app", "it's", "two\nlines", "", "$HOME"]
json.dump(r, open(sys.argv[2], "w"))
EOF
is "$($R "$T/argv.json" | sed -n '/^Processes$/,/^$/p' | sed -n 3p | sed 's/.*  //')" \
	"/opt/app/app 'it'\\''s' \$'two\\nlines' '' '\$HOME'" \
	"words with a quote, a newline, nothing or a \$ quoted so that a shell reads them back"
is "$(sed -n '/^Settings$/,/^$/p' "$T/out" | grep -c '^  rate 0.05, seed 42, after 100, \|^  pid 1001: rate 0.1$')" 2 \
	"the settings, then only what another process had otherwise"
is "$(sed -n '/^Injected failures in app (pid 1000)/,/^$/p' "$T/out" | awk 'NF > 2 && $1 ~ /^[0-9]+$/ { printf "%s %s %s,", $1, $2, $NF }')" \
	"1 malloc #00000000000000aa,2 malloc #00000000000000bb,3 calloc #00000000000000aa,4 malloc #00000000000000bb,5 malloc #00000000000000aa," \
	"the injections in order: number, call, site"
is "$("$PYTHON3" - "$T/out" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().split("\nProcesses\n")[1].split("\n\n")[0].splitlines()
end = lines[0].index(" pid") + 4
print([(l.split()[1], l[end - len(l.split()[1]):end]) for l in lines[1:] if not l.startswith("  *")])
EOF
)" "[('1000', '1000'), ('1001', '1001')]" "the pid column lines up after a long executable name"

# 2. JSON: the merge.
$R --format json "$G/parent.json" "$G/child.json" >"$T/m.json"
is "$?" 0 "--format json: exit 0"
is "$(jpy "$T/m.json" '"%d %d %d %d" % (len(r["processes"]), r["totals"]["injected"], r["totals"]["calls"]["malloc"], r["totals"]["eligible"])')" \
	"2 11 200 220" "processes listed, totals summed"
is "$(jpy "$T/m.json" '[(s["id"], s["calls"], s["injected"], s["pool"]) for s in r["sites"]]')" \
	"[('00000000000000bb', 70, 7, 'net'), ('00000000000000aa', 70, 4, None), ('00000000000000cc', 8, 0, None)]" \
	"sites merged by id, most injected first"
is "$(jpy "$T/m.json" '[(p["name"], p["min"], p["low"], p["hits"], p["exhausted"], p["wait_ns_max"], p["suggested_min"], p["suggested_min_is_floor"]) for p in r["pools"]]')" \
	"[('net', 16, 4, 7, 1, 1500000, 17, True)]" "pools merged by name: low the lowest, counts summed, a suggested min"
is "$(jpy "$T/m.json" '[(p["pid"], p["exit"]["how"], p["crash"]["name"] if p["crash"] else None) for p in r["processes"]]')" \
	"[(1000, 'exit', None), (1001, 'signal', 'SIGSEGV')]" "each process: how it ended, its crash"

# 3. HTML: parses, two icicles (calls, injected failures), no network; what
#    the page shows in a browser is html-browser.sh's.
$R --format html -o "$T/r.html" "$G/parent.json" "$G/child.json"
is "$?" 0 "--format html -o FILE: exit 0"
is "$("$PYTHON3" - "$T/r.html" <<'EOF'
import sys
from html.parser import HTMLParser
VOID = ("meta", "br", "input", "rect", "line")
class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.svg, self.bad, self.net = [], 0, 0, 0
    def handle_starttag(self, tag, attrs):
        if tag == "svg" and ("class", "icicle") in attrs:
            self.svg += 1
        if any(k in ("src", "href") and v and "://" in v for k, v in attrs):
            self.net += 1
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack.pop() != tag:
            self.bad += 1
p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
print(p.svg, p.bad, len(p.stack), p.net)
EOF
)" "2 0 0 0" "the page parses with balanced tags: 2 <svg> icicles, nothing fetched"
ok "the page names the crash, its signal and injection, and the pool" sh -c "grep -q 'Crash in app-worker-with-a-long-name (pid 1001): killed by signal 11 (SIGSEGV) after injected failure #2 at site' '$T/r.html' && grep -q '<tr class=hot><td>net</td>' '$T/r.html'"

# A process that survived with a pool that ran out: the verdict says so (soak calls it a finding).
"$PYTHON3" -c 'import json, sys; r = json.load(open(sys.argv[1])); r["pools"][0]["exhausted"] = 2; json.dump(r, open(sys.argv[2], "w"))' \
	"$G/parent.json" "$T/ran-out.json"
is "$($R "$T/ran-out.json" | sed -n 2p)" "  survived: the process ended normally, 5 failures injected; pool net ran out 2 times" \
	"text: a pool that ran out is in the verdict"
ok "html: ... and in the banner" grep -q '<div id="verdict" class="verdict ok">survived: the process ended normally, 5 failures injected; pool net ran out 2 times</div>' \
	"$(mkdir -p "$T/ro" && $R --format html -o "$T/ro/r.html" "$T/ran-out.json" && echo "$T/ro/r.html")"

# A script's shell exits 2 because its child did, after an injected failure: the verdict names the child.
"$PYTHON3" - "$G/parent.json" "$G/child.json" "$T/vp.json" "$T/vc.json" <<'EOF'
import json, sys
p, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
p["exit"] = c["exit"] = {"how": "exit", "code": 2, "signal": None}
p["totals"]["injected"], p["injections"], c["crash"] = 0, [], None
json.dump(p, open(sys.argv[3], "w")); json.dump(c, open(sys.argv[4], "w"))
EOF
is "$($R "$T/vp.json" "$T/vc.json" | sed -n 2p)" "  failed: app-worker-with-a-long-name (pid 1001) exited with status 2" \
	"a failed parent that injected nothing and its failed child that did: the verdict names the child"

# The processes table as the tree too, whatever order the reports are given in.
is "$($R --format html "$G/child.json" "$G/parent.json" | sed -n '/id="process-table"/,/<\/table>/p' |
	sed -n 's/^<tr[^>]*><td\([^>]*\)>\([^<]*\)<.*/\2\1/p')" \
	"app
app-worker-with-a-long-name style=\"padding-left:calc(8px + 1em)\"" \
	"html: the child's report given first, the parent's row still first and the child's indented"

# Sites of one wrapper read alike but for their ids ("xmalloc+0xe (app)"):
# the page adds the callers that tell them apart, one frame at a time, and
# leaves a label that differs as it is.
cat >"$T/wrapper.py" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
def f(sym, off):
    return {"object": "app", "offset": off, "symbol": sym}
xm = f("xmalloc+0xe", "0x100e")
for sid, frames in [("d1", [xm, f("expand_word+0x5d", "0x205d"), f("main+0x40", "0x2000")]),
                    ("d2", [xm, f("parse_line+0x21", "0x3021"), f("main+0x40", "0x2000")]),
                    ("d3", [xm, f("read_file+0x9", "0x4009"), f("main+0x50", "0x2010")]),
                    ("d4", [xm, f("read_file+0x9", "0x4009"), f("main+0x60", "0x2020")]),
                    ("d5", [f("alone+0x3", "0x5003"), f("main+0x70", "0x2030")])]:
    r["sites"].append({"id": "00000000000000" + sid, "frames": frames, "calls": 5, "bytes": 80,
                       "injected": 0, "pool": None})
json.dump(r, open(sys.argv[2], "w"))
EOF
cat >"$T/labels.py" <<'EOF'
import html, re, sys
table = open(sys.argv[1], encoding="utf-8").read().split('id="site-table"')[1].split("</table>")[0]
labels = [html.unescape(m) for m in re.findall(r"<td class=mono>(.*?)</td>", table)]
print("\n".join(labels))
bodies = [l.rsplit(" #", 1)[0] for l in labels]
print("alike:", len(bodies) - len(set(bodies)))
EOF
"$PYTHON3" "$T/wrapper.py" "$G/parent.json" "$T/wrapper.json"
$R --format html -o "$T/wrapper.html" "$T/wrapper.json"
is "$("$PYTHON3" "$T/labels.py" "$T/wrapper.html" | grep -v '^parse_config\|^net_rx\|^app+')" \
"xmalloc+0xe (app) < expand_word+0x5d (app) #00000000000000d1
xmalloc+0xe (app) < parse_line+0x21 (app) #00000000000000d2
xmalloc+0xe (app) < read_file+0x9 (app) < main+0x50 (app) #00000000000000d3
xmalloc+0xe (app) < read_file+0x9 (app) < main+0x60 (app) #00000000000000d4
alone+0x3 (app) #00000000000000d5
alike: 0" \
	"html: sites of one wrapper labelled with the callers that tell them apart, no two labels alike but for the id"
# The text report's injected failures tell them apart the same way.
"$PYTHON3" - "$T/wrapper.json" "$T/wrapper-inj.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["injections"] = [{"seq": k + 1, "call": "malloc", "size": 16, "site": "00000000000000" + sid}
                   for k, sid in enumerate(["d1", "d2", "d3", "d4"])]
r["totals"]["injected"] = 4
for s in r["sites"]:
    if s["id"] in ("00000000000000d1", "00000000000000d2", "00000000000000d3", "00000000000000d4"):
        s["injected"] = 1
json.dump(r, open(sys.argv[2], "w"))
EOF
$R "$T/wrapper-inj.json" >"$T/wrapper.txt" 2>&1
is "$(sed -n '/^Injected failures in/,/^$/p' "$T/wrapper.txt" | grep 'malloc' | sed 's/^ *[0-9]*  malloc *16 B  //')" \
"xmalloc+0xe (app) < expand_word+0x5d (app) #00000000000000d1
xmalloc+0xe (app) < parse_line+0x21 (app) #00000000000000d2
xmalloc+0xe (app) < read_file+0x9 (app) < main+0x50 (app) #00000000000000d3
xmalloc+0xe (app) < read_file+0x9 (app) < main+0x60 (app) #00000000000000d4" \
	"text: injected failures at one wrapper's sites labelled with the callers that tell them apart"

# 4. A real run: frames with file:line from the probe's DWARF.
run_shim FAILPOOL_EVERY=1 FAILPOOL_SITES=func:use_unchecked FAILPOOL_REPORT="$T/c.json" -- "$PROGS/crashy" unchecked >/dev/null 2>&1
$R "$T/c.json" >"$T/out" 2>&1
$R --format html "$T/c.json" >"$T/c.html" 2>&1
ok "the page's totals in the right number: 1 eligible allocation, 1 injected failure, 0 real failures" \
	grep -q '<dd>1 eligible allocation, 1 injected failure, 0 real failures; 1 process, [0-9]* sites</dd>' "$T/c.html"
if command -v addr2line >/dev/null 2>&1; then
	ok "the crash frame as function file:line (crashy.c)" grep -q "^  use_unchecked /.*crashy\.c:[0-9]*$" "$T/out"
	is "$($R --format json "$T/c.json" | "$PYTHON3" -c 'import json, sys; r = json.load(sys.stdin); print([(f["file"].rsplit("/", 1)[-1], f["line"] > 0) for f in r["sites"][0]["frames"][:1]])')" \
		"[('crashy.c', True)]" "JSON frames carry file and line"
	# libc's frames too, with their function: "setlocale ./locale/setlocale.c:337".
	run_shim FAILPOOL_NTH=1 FAILPOOL_REPORT="$T/s.json" -- sort /dev/null >/dev/null 2>&1
	$R "$T/s.json" >"$T/out" 2>&1
	is "$(grep -c 'libc\.so\.6+0x' "$T/out"):$(grep -c '^ .* [A-Za-z_][A-Za-z0-9_]* [^ ]*\.c:[0-9]*$' "$T/out" | sed 's/^[1-9][0-9]*$/some/')" \
		"0:some" "libc's frames named with function and file:line, none left as libc.so.6+0x..."
else
	skip "file:line" "addr2line not installed"
	skip "file:line in JSON" "addr2line not installed"
	skip "libc's frames named" "addr2line not installed"
fi

# 5. Bad input: exit 2 and the file named.
head -c 200 "$G/parent.json" >"$T/trunc.json"
$R "$G/parent.json" "$T/trunc.json" >"$T/out" 2>"$T/err"
is "$?:$(sed "s|$T|T|" "$T/err")" "2:failpool: T/trunc.json: line 15 column 3: unterminated string" "a truncated report: exit 2, the file named"
echo '{"schema": "something-else"}' >"$T/other.json"
$R "$T/other.json" >/dev/null 2>"$T/err"
is "$?:$(sed "s|$T|T|" "$T/err")" "2:failpool: T/other.json: not a failpool report (no \"schema\": \"failpool-report/1\")" \
	"a JSON file that is not a report: exit 2"
$R "$T/missing.json" >/dev/null 2>"$T/err"
is "$?:$(sed "s|$T|T|" "$T/err")" "2:failpool: T/missing.json: cannot open: No such file or directory" "a missing file: exit 2"
$R --format pdf "$G/parent.json" >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: --format: not text, json or html: 'pdf'" "--format pdf: exit 2"
$R >/dev/null 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" "2:failpool: no report to read" "no report: exit 2"

# The verdict tells a crash (a fault's signal) from a process killed by
# another signal (the end of a pipe, SIGTERM), which is no crash.
run_shim FAILPOOL_REPORT="$T/pipe.json" -- sh -c 'kill -PIPE $$' >/dev/null 2>&1
run_shim FAILPOOL_REPORT="$T/segv.json" -- sh -c 'kill -SEGV $$' >/dev/null 2>&1
is "$($R "$T/pipe.json" 2>&1 | sed -n '2s/: [^ ]* (pid [0-9]*)/: SH/p')" "  killed: SH killed by signal 13 (SIGPIPE)" \
	"verdict: SIGPIPE is 'killed', not 'crashed'"
is "$($R "$T/segv.json" 2>&1 | sed -n '2s/: [^ ]* (pid [0-9]*)/: SH/p' | cut -d' ' -f1-9)" "  crashed: SH killed by signal 11 (SIGSEGV)" \
	"verdict: SIGSEGV is 'crashed'"
is "$($R "$T/pipe.json" "$T/segv.json" 2>/dev/null | sed -n '2s/: [^ ]* (pid [0-9]*)/: SH/p' | cut -d' ' -f1-9)" "  crashed: SH killed by signal 11 (SIGSEGV)" \
	"verdict of both: the crash comes first"

done_testing

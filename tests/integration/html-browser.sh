#!/bin/sh
# The HTML report in a real browser (README, "`failpool report` and
# `failpool soak`"): headless Chromium loads the page and the test reads
# the DOM after its script ran: the verdict banner, the title, the tables
# filtered from the address (#q=TEXT) with "showing N of M" updated, a
# column heading that sorts when clicked, the charts as SVG (the run over time when the report has a
# series, a plain sentence when it has none), and no horizontal scrolling
# in an 800 px window. Skipped when Chromium is not installed.
. "$TESTLIB"

CHROMIUM=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null 2>&1 && { CHROMIUM=$(command -v "$c"); break; }
done
[ -n "$CHROMIUM" ] || skip_all "chromium not installed (Debian: apt-get install chromium)"

G=$(dirname "$TESTLIB")/../golden
# dom URL: the document after load and a few (virtual) seconds of script.
dom() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/profile" --allow-file-access-from-files \
		--virtual-time-budget=3000 --dump-dom "$1" 2>/dev/null
}

# A browser that is installed but cannot run here (no sandbox support, no
# /dev/shm) says nothing of the page: skipped, with its first error line.
echo '<!DOCTYPE html><body><script>document.body.id="ran"</script></body>' >"$T/probe.html"
timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$T/profile" --dump-dom "file://$T/probe.html" >"$T/probe.dom" 2>"$T/probe.err"
grep -q 'id="ran"' "$T/probe.dom" ||
	skip_all "$CHROMIUM cannot run headless here: $(grep -v '^$' "$T/probe.err" | head -n 1)"

"$FAILPOOL" report --format html -o "$T/r.html" "$G/parent.json" "$G/child.json" || bail "cannot render"
"$FAILPOOL" report --format html -o "$T/s.html" "$G/series.json" || bail "cannot render"

# 1. The page as loaded, its script run.
dom "file://$T/r.html" >"$T/r.dom"
ok "Chromium rendered the page" test -s "$T/r.dom"
is "$(grep -c '<body data-ready="1"' "$T/r.dom")" 1 "the page's script ran"
is "$(sed -n 's|.*<div id="verdict" class="verdict \([a-z]*\)">\([^<]*\)</div>.*|\1: \2|p' "$T/r.dom")" \
	"bad: crashed: app-worker-with-a-long-name (pid 1001) killed by signal 11 (SIGSEGV) after injected failure #2 at site 00000000000000aa" \
	"the verdict banner: which process crashed, by which signal, after which injection, at which site"
is "$(sed -n 's|.*<title>\(.*\)</title>.*|\1|p' "$T/r.dom")" "failpool: app (pid 1000) and 1 more process" \
	"the title names the program and its pid"
is "$(grep -o '<span class="shown" data-table="[a-z-]*">[0-9]*' "$T/r.dom" | sed 's/.*data-table="\([a-z-]*\)">/\1 /' | tr '\n' ,)" \
	"site-table 3,process-table 2,injection-table 11," "showing N of M: every row of every table"
is "$(grep -c '<svg class="icicle"' "$T/r.dom"):$(grep -c '<svg class="series"' "$T/r.dom"):$(grep -c '<p class="none">no time series in this report</p>' "$T/r.dom")" \
	"2:0:1" "two icicles (calls, injected failures); no series: said so"

# 2. Filtered from the address: the rows without the text are hidden.
dom "file://$T/r.html#q=net_rx" >"$T/f.dom"
is "$(grep -o '<span class="shown" data-table="[a-z-]*">[0-9]*' "$T/f.dom" | sed 's/.*data-table="\([a-z-]*\)">/\1 /' | tr '\n' ,)" \
	"site-table 1,process-table 2,injection-table 7," "#q=net_rx: showing 1 of 3 sites, 7 of 11 injected failures (the processes unfiltered)"
is "$("$PYTHON3" - "$T/f.dom" <<'PYEOF'
import re, sys
d = open(sys.argv[1]).read()
t = d[d.index('id="site-table"'):]
t = t[:t.index("</table>")]
print([(("hidden" in r), re.search(r"#([0-9a-f]{16})", r).group(1)[-2:]) for r in re.findall(r"<tr[^>]*>.*?</tr>", t, re.S)[1:]])
PYEOF
)" "[(False, 'bb'), (True, 'aa'), (True, 'cc')]" "... the site rows without it hidden, the one with it shown"

# 3. A report with a series: the run over time, drawn.
dom "file://$T/s.html" >"$T/s.dom"
is "$(grep -c '<svg class="series"' "$T/s.dom"):$(grep -c 'no time series' "$T/s.dom"):$(grep -c '<polyline' "$T/s.dom")" \
	"3:0:4" "a series: live bytes, injected failures, pool net's level and its min (3 charts, 4 lines)"
ok "... with axes in seconds and round values" grep -q '>seconds</text>.*' "$T/s.dom"
ok "... the duration from the series" grep -q '<dt>duration</dt><dd>2.5 s</dd>' "$T/s.dom"

# 3b. More sites than the table holds: it says how many it shows of how
#     many. (Half of them with long C++ names, for 4.)
"$PYTHON3" - "$G/parent.json" "$T/many.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["sites"] = [{"id": "%016x" % (0x1000 + i), "calls": 3000 - i, "bytes": 16, "injected": 0, "pool": None,
               "frames": [{"object": "app", "offset": hex(0x1000 + i), "symbol": ("f%d+0x1" if i % 2 else
                           "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"
                           "::_M_construct%d(unsigned long, char)+0x1") % (i % 40)},
                          {"object": "app", "offset": "0x2000", "symbol": "main+0x40"}]} for i in range(2500)]
r["totals"]["injected"] = 0
r["injections"] = []
json.dump(r, open(sys.argv[2], "w"))
PYEOF
"$FAILPOOL" report --format html -o "$T/many.html" "$T/many.json" || bail "cannot render"
dom "file://$T/many.html" >"$T/many.dom"
is "$(sed -n 's|.*showing <span class="shown" data-table="site-table">\([0-9]*\)</span> of \([0-9]*\) sites.*|\1 of \2|p' "$T/many.dom")" \
	"2000 of 2500" "2500 sites: showing 2000 of 2500, said so"

# 4. In an 800 px frame: nothing wider than the window, no table wider
#    than its box (which would scroll on its own); a click on a
#    column heading sorts by it, a second click the other way.
cp "$T/r.html" "$T/w-r.html"
cat >"$T/w.html" <<'HTMLEOF'
<!DOCTYPE html><html><body style="margin:0"><iframe src="w-r.html" style="width:800px;height:600px;border:0"
onload="var d=this.contentDocument,e=d.documentElement,b=document.body,th=d.querySelector('#site-table th:nth-child(2)');
function ids(){return [].map.call(d.querySelectorAll('#site-table tbody tr'),function(r){return r.cells[3].textContent.slice(-2);}).join(' ');}
var wide=[].filter.call(d.querySelectorAll('.scroll'),function(s){return s.scrollWidth>s.clientWidth;}).map(function(s){return s.firstChild.id;});
b.setAttribute('data-fits',e.scrollWidth<=e.clientWidth&&!wide.length?'yes':'no '+e.scrollWidth+'>'+e.clientWidth+' '+wide.join(' '));
th.click();b.setAttribute('data-up',ids()+' '+th.getAttribute('aria-sort'));
th.click();b.setAttribute('data-down',ids()+' '+th.getAttribute('aria-sort'));"></iframe></body></html>
HTMLEOF
dom "file://$T/w.html" >"$T/w.dom"
is "$(sed -n 's/.*data-fits="\([^"]*\)".*/\1/p' "$T/w.dom")" "yes" "800 px wide: no horizontal scrolling"
sed 's/w-r\.html/many.html/' "$T/w.html" >"$T/w2.html"
dom "file://$T/w2.html" >"$T/w2.dom"
is "$(sed -n 's/.*data-fits="\([^"]*\)".*/\1/p' "$T/w2.dom")" "yes" "... nor with long C++ names in the sites table and the icicle"
is "$(sed -n 's/.*data-up="\([^"]*\)".*/\1/p' "$T/w.dom")" "cc bb aa ascending" \
	"a click on 'calls' sorts the sites by calls, fewest first (8, 70, 70)"
is "$(sed -n 's/.*data-down="\([^"]*\)".*/\1/p' "$T/w.dom")" "bb aa cc descending" "a second click: most first"

done_testing

#!/bin/sh
# failpool report rejects a report whose values have the wrong types (README,
# "Compatibility and limits"): exit 2, one line naming the file and the value,
# in every format, never a crash nor a string read as 0; and the HTML escapes
# every string it prints.
. "$TESTLIB"

G=$(dirname "$TESTLIB")/../golden

# bad NAME PYTHON-STATEMENT: a copy of the golden parent report, changed.
bad() {
	"$PYTHON3" - "$G/parent.json" "$T/$1.json" "$2" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(r, open(sys.argv[2], "w"))
PYEOF
}

bad pid-string 'r["pid"] = "abc"'
bad frame-number 'r["sites"][0]["frames"][0] = 7'
bad crash-frame 'r["crash"] = {"signal": 11, "kind": "signal", "last_injection_seq": None, "frames": ["x"]}'
bad seed-string 'r["seed"] = "<script>alert(1)</script>"'
bad complete-string 'r["complete"] = "yes"'
bad exit-how 'r["exit"]["how"] = 1'
bad calls-string 'r["totals"]["calls"]["malloc"] = "100"'
bad pool-negative 'r["pools"][0]["min"] = -1'
bad injection-number 'r["injections"] = [3]'
bad site-id 'r["sites"][0]["id"] = 170'
bad crash-array 'r["crash"] = []'

for case in "pid-string:pid is not a non-negative integer" \
	"frame-number:sites[0].frames[0] is not an object" \
	"crash-frame:crash.frames[0] is not an object" \
	"seed-string:seed is not a non-negative integer" \
	"complete-string:complete is not true or false" \
	"exit-how:exit.how is not a string" \
	"calls-string:totals.calls.malloc is not a non-negative integer" \
	"pool-negative:pools[0].min is not a non-negative integer" \
	"injection-number:injections[0] is not an object" \
	"site-id:sites[0].id is not a string" \
	"crash-array:crash is not an object or null"; do
	name=${case%%:*}
	what=${case#*:}
	for format in text json html; do
		"$FAILPOOL" report --format "$format" "$T/$name.json" >"$T/out" 2>"$T/err"
		rc=$?
		is "$rc:$(cat "$T/err")" \
			"2:failpool: $T/$name.json: not a failpool report ($what)" \
			"$name, --format $format: exit 2, the file and the value named"
	done
done

# Strings where strings belong are escaped in the HTML.
bad markup 'r["exe"] = "<b>app</b>"; r["sites"][0]["pool"] = "p&<i>"; r["sites"][0]["frames"][0]["object"] = "\"o\x27"'
"$FAILPOOL" report --format html "$T/markup.json" >"$T/out" 2>"$T/err"
is "$?" 0 "markup in strings: rendered"
is "$(grep -c '<b>\|<i>\|"o'"'" "$T/out")" 0 "markup in strings: none of it raw in the HTML"
ok "markup in strings: escaped in the HTML" grep -q '&lt;b&gt;app&lt;/b&gt;' "$T/out"

done_testing

#!/bin/sh
# Files written where others may plant symbolic links (README "Compatibility
# and limits", failpool(1) FILES): the report goes through a temporary file
# with an unpredictable name, created exclusively without following a link,
# renamed into place (a link at the report's name is replaced, not followed);
# FAILPOOL_LOG refuses a link at its last component, loudly, once; `failpool
# report -o` refuses a link with exit 2. A planted link's target is never
# written.
. "$TESTLIB"

P=$PROGS/probe

victim() {	# NAME: a file nobody but its owner should see changed
	printf 'secret\n' >"$T/$1"
	chmod 600 "$T/$1"
}

# The report's final name is a planted link: replaced, not followed.
victim v1
ln -s v1 "$T/r1.json"
run_shim FAILPOOL_REPORT="$T/r1.json" -- "$P" malloc 3 16 >/dev/null 2>"$T/err1"
is "$?|$(cat "$T/v1")" "0|secret" "report: a link at the report's name: its target untouched"
ok "report: the report replaced the link" test -f "$T/r1.json" -a ! -L "$T/r1.json"
is "$(jget "$T/r1.json" schema)" "failpool-report/1" "report: the report is whole"
is "$(cat "$T/err1")" "" "report: nothing said"
is "$(ls "$T" | grep -c '^r1\.json\.tmp\.')" 0 "report: no temporary file left"

# The old predictable temporary name, PATH.tmp.PID, planted for the pid the
# program will have (sh execs it): not followed.
victim v2
run_bare FAILPOOL_REPORT="$T/r2.json" -- /bin/sh -c \
	'ln -s "$0/v2" "$0/r2.json.tmp.$$" && LD_PRELOAD="$FAILPOOL_LIB" exec "$@"' \
	"$T" "$P" malloc 3 16 >/dev/null 2>"$T/err2"
is "$?|$(cat "$T/v2")" "0|secret" "report: a link at PATH.tmp.PID: its target untouched"
ok "report: the report landed as a file" test -f "$T/r2.json" -a ! -L "$T/r2.json"
is "$(jget "$T/r2.json" schema)" "failpool-report/1" "report: the report is whole beside the planted link"

# The same from a fatal-signal handler (crashy abort: the report of a crash).
victim v7
run_bare FAILPOOL_REPORT="$T/r7.json" -- /bin/sh -c \
	'ln -s "$0/v7" "$0/r7.json.tmp.$$" && ln -s "$0/v7" "$0/r7.json" &&
	 LD_PRELOAD="$FAILPOOL_LIB" exec "$@"' \
	"$T" "$PROGS/crashy" abort >/dev/null 2>&1
is "$(cat "$T/v7")" "secret" "crash report: links at PATH and PATH.tmp.PID: their target untouched"
is "$(jget "$T/r7.json" crash.kind)" "signal" "crash report: written in place of the link"

# FAILPOOL_LOG: a link at the last component is refused, once, loudly.
victim v3
ln -s v3 "$T/l.log"
run_shim FAILPOOL_LOG="$T/l.log" FAILPOOL_EVERY=1 -- "$P" malloc 3 16 >"$T/out4" 2>"$T/err4"
is "$?|$(cat "$T/v3")" "0|secret" "log: a link at the log's name: its target untouched"
is "$(tail -n 1 "$T/out4")" "done 3 failed 3" "log: the program runs on"
is "$(cat "$T/err4")" "failpool: FAILPOOL_LOG: cannot open '$T/l.log': Too many levels of symbolic links" \
	"log: refused once, on stderr"
ok "log: the link is left alone" test -L "$T/l.log"
run_shim FAILPOOL_LOG="$T/l2.log" FAILPOOL_EVERY=1 -- "$P" malloc 2 16 >/dev/null 2>&1
is "$(wc -l <"$T/l2.log" | tr -d ' ')" 2 "log: a plain name still works"

# failpool report -o: a link is refused with exit 2; a file is written whole.
victim v5
ln -s v5 "$T/out.html"
"$FAILPOOL" report --format html -o "$T/out.html" "$T/r1.json" >/dev/null 2>"$T/err5"
is "$?|$(cat "$T/v5")" "2|secret" "report -o: a link: exit 2, its target untouched"
is "$(cat "$T/err5")" "failpool: -o: $T/out.html is a symbolic link; not writing through it" \
	"report -o: said plainly"
"$FAILPOOL" report --format json -o "$T/out.json" "$T/r1.json" 2>"$T/err6"
is "$?|$(jget "$T/out.json" schema)|$(cat "$T/err6")" "0|failpool-merged/1|" "report -o FILE: written"
ok "report -o FILE: no temporary file left" test -z "$(ls "$T" | grep '^out\.json\.tmp\.')"
"$FAILPOOL" report -o /dev/null "$T/r1.json"
is "$?" 0 "report -o /dev/null: a device is written in place"

# explore --out: links planted in the directory are not written through
# (a used directory is refused; --force removes the links, not their targets).
victim v8
victim v9
mkdir "$T/x"
ln -s ../v8 "$T/x/summary.json"
ln -s ../v9 "$T/x/repro-1.sh"
"$FAILPOOL" explore --out "$T/x" -- "$PROGS/crashy" unchecked >/dev/null 2>"$T/err8"
is "$?|$(cat "$T/v8")|$(cat "$T/v9")" "2|secret|secret" "explore --out: planted links: refused, their targets untouched"
"$FAILPOOL" explore --force --out "$T/x" -- "$PROGS/crashy" unchecked >/dev/null 2>"$T/err8"
is "$?|$(cat "$T/v8")|$(cat "$T/v9")|$(test -L "$T/x/summary.json" && echo link)" "1|secret|secret|" \
	"explore --force: the links removed, not followed"
ln -s v8 "$T/junit.xml"
"$FAILPOOL" explore --force --junit "$T/junit.xml" --out "$T/x" -- "$PROGS/crashy" unchecked >/dev/null 2>"$T/err8"
is "$?|$(cat "$T/v8")" "2|secret" "explore --junit at a link: exit 2, its target untouched"
ok "explore --junit: the link is said" \
	grep -q "^failpool: --junit: cannot write $T/junit.xml: a symbolic link; not writing through it" "$T/err8"

done_testing

#!/bin/sh
# Every variable of lib/vars.def (the one table the shim, the tool's flags
# and explore/soak derive from) is documented: a row of the README's
# "Variables" table and of its `failpool run` option table, an entry in
# failpool(1)'s ENVIRONMENT and OPTIONS OF RUN; and the README's table
# names no variable the table does not have. Adding a variable without its
# docs fails here.
. "$TESTLIB"

SRC=$(dirname "$TESTLIB")/../..
DEF=$SRC/lib/vars.def
README=$SRC/README.md
MAN=$SRC/doc/failpool.1

# "NAME flag" per row of the table, and the flags explore passes on.
sed -n 's/^FP_VAR(\([A-Z_]*\), [a-z_]*, [a-z_]*, "\([a-z-]*\)".*/\1 \2/p' "$DEF" >"$T/rows"
sed -n 's/^FP_VAR([A-Z_]*, [a-z_]*, [a-z_]*, "\([a-z-]*\)", "[^"]*", [^,]*FP_VAR_EXPLORE.*/\1/p' \
	"$DEF" >"$T/explore"
is "$(wc -l <"$T/rows")" "$(grep -c '^FP_VAR(' "$DEF")" "every row of lib/vars.def is read"
ok "the table has the variables the shim has always had" grep -q '^TOGGLE_SIGNAL toggle-signal$' "$T/rows"

# The man page's text between a section heading and the next one.
man_section() {
	awk -v s="$1" '/^\.SH / { on = ($0 == ".SH " s); next } on' "$MAN"
}
man_section ENVIRONMENT >"$T/env"
man_section "OPTIONS OF RUN" >"$T/runopts"

while read -r name flag; do
	var=FAILPOOL_$name
	ok "$var is a row of the README's Variables table" \
		grep -q "^| \`$var\` |" "$README"
	ok "--$flag is a row of the README's \`failpool run\` table, setting $var" \
		grep -q "^| \`--$flag [^\`]*\` | \`$var\`" "$README"
	ok "$var has its entry in failpool(1), ENVIRONMENT" \
		grep -qx "\.B $var" "$T/env"
	mflag=$(printf '%s' "$flag" | sed 's/-/\\\\-/g')
	ok "--$flag has its entry in failpool(1), OPTIONS OF RUN" \
		grep -q "^\.BI \\\\-\\\\-$mflag \"" "$T/runopts"
done <"$T/rows"

# failpool(1)'s explore entry names every flag explore passes on.
awk '/^\.B explore / { on = 1; next } on && /^\.TP/ { exit } on' "$MAN" >"$T/explore-man"
ok "the rows explore passes on are read (--calls among them)" grep -qx calls "$T/explore"
while read -r flag; do
	ok "failpool(1)'s explore entry names --$flag" grep -q "\\\\-\\\\-$flag" "$T/explore-man"
done <"$T/explore"

# The other way round: nothing documented that the shim would reject.
grep '^| `FAILPOOL_[A-Z_]*` |' "$README" | sed 's/^| `FAILPOOL_\([A-Z_]*\)`.*/\1/' >"$T/documented"
for name in $(cat "$T/documented"); do
	ok "the README's FAILPOOL_$name is in lib/vars.def" grep -q "^$name " "$T/rows"
done
is "$(wc -l <"$T/documented")" "$(wc -l <"$T/rows")" "the README's Variables table has one row per variable"

done_testing

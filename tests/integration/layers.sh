#!/bin/sh
# The layering of lib/ (doc/ARCHITECTURE.md) as lib/LAYERS declares it: no
# file of lib/ includes a header of a higher layer or anything of preload/,
# every lib/ file has a layer, and preload/ includes only lib/ headers.
. "$TESTLIB"
src=$(cd "$(dirname "$0")/../.." && pwd)
layers=$src/lib/LAYERS

layer_of() {
	awk -v m="$1" '!/^#/ && NF { for (i = 3; i <= NF; i++) if ($i == m) print $1 }' "$layers"
}

# module of a lib/ file or header name: lib/site.c -> site
module() {
	basename "$1" | sed 's/\.[a-z]*$//'
}

unlayered= upward= n=0
for f in "$src"/lib/*.c "$src"/lib/*.h "$src"/lib/*.def; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	mine=$(layer_of "$(module "$f")")
	if [ -z "$mine" ]; then
		unlayered="$unlayered ${f#$src/}"
		continue
	fi
	for h in $(sed -n 's/^#[ 	]*include[ 	]*"\([^"]*\)".*/\1/p' "$f"); do
		case $h in
		config.h) continue ;;
		*/*) upward="$upward ${f#$src/}->$h"; continue ;;
		esac
		theirs=$(layer_of "$(module "$h")")
		if [ -z "$theirs" ]; then
			[ -e "$src/lib/$h" ] && upward="$upward ${f#$src/}->$h(unlayered)"
			[ -e "$src/preload/$h" ] && upward="$upward ${f#$src/}->preload/$h"
			continue
		fi
		[ "$theirs" -gt "$mine" ] && upward="$upward ${f#$src/}($mine)->$h($theirs)"
	done
done
ok "lib/ has files to check ($n)" [ "$n" -gt 40 ]
is "${unlayered# }" "" "every lib/ file has its layer in lib/LAYERS"
is "${upward# }" "" "no lib/ file includes a header of a higher layer or of preload/"

bad=
for f in "$src"/preload/*.c "$src"/preload/*.cc; do
	for h in $(sed -n 's/^#[ 	]*include[ 	]*"\([^"]*\)".*/\1/p' "$f"); do
		[ "$h" = config.h ] || [ -e "$src/lib/$h" ] || bad="$bad ${f#$src/}->$h"
	done
done
is "${bad# }" "" "preload/ includes only lib/ headers"

# The maps a reader sees (doc/ARCHITECTURE.md, README "Design") are lib/LAYERS.
for doc in doc/ARCHITECTURE.md README.md; do
	stale=
	while read -r num name mods; do
		case $num in [1-5]) ;; *) continue ;; esac
		want="$num $name $(echo "$mods" | sed 's/[ 	][ 	]*/, /g')"
		grep -q "^$num $name  *$(echo "$mods" | sed 's/[ 	][ 	]*/, /g')\$" "$src/$doc" || stale="$stale [$want]"
	done < "$src/lib/LAYERS"
	is "${stale# }" "" "$doc shows each layer of lib/LAYERS as it is"
done
done_testing

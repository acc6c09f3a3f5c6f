#!/bin/sh
# Everyday fit (README "failpool run", "Use it in CI"): `failpool help
# CMD`, --version on every command, --shim-path, the pkg-config file and
# the bash completion, from the build tree and from a DESTDIR install.
. "$TESTLIB"

: "${FAILPOOL:?FAILPOOL is not set (run through make check)}"
F=$FAILPOOL
B=$(cd "$(dirname "$F")/.." && pwd)			# the build tree
S=$(cd "$(dirname "$TESTLIB")/../.." && pwd)		# the source tree
V=$("$F" --version | sed 's/^failpool //')

# --- help and versions
for c in run explore report soak; do
	"$F" "$c" --help >"$T/want" 2>&1
	"$F" help "$c" >"$T/got" 2>&1
	is "$?|$(cat "$T/got")" "0|$(cat "$T/want")" "failpool help $c is failpool $c --help"
	is "$("$F" "$c" --version)" "failpool $V" "failpool $c --version"
done
is "$("$F" run --seed 1 --version 2>&1)" "failpool $V" "run: --version among the options"
is "$("$F" run -q -- sh -c 'echo "$1"' sh --version)" "--version" "... but CMD's own --version is CMD's"
"$F" help nosuch >/dev/null 2>"$T/err"
is "$?|$(head -n 1 "$T/err")" "2|failpool: unknown command 'nosuch'" "failpool help of an unknown command: 2"

# --- --shim-path: the shim the tool preloads
is "$("$F" --shim-path)" "$FAILPOOL_LIB" "--shim-path: FAILPOOL_LIB when set"
is "$(env -u FAILPOOL_LIB "$F" --shim-path)" "$(readlink -f "$B/preload/.libs/libfailpool.so")" \
	"--shim-path from the build tree: the build tree's shim"
is "$(env FAILPOOL_LIB="$T/none.so" "$F" --shim-path 2>&1; echo "rc $?")" \
	"failpool: no shim at $T/none.so: No such file or directory
rc 1" "--shim-path with no shim there: said, exit 1"

# --- bash completion
if command -v bash >/dev/null 2>&1; then
	# complete FILE WORD...: what the completion of FILE offers for the last WORD.
	complete_with() {
		PATH="$(dirname "$F"):$PATH" bash -c '
			f=$1; shift
			. "$f"
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			_failpool
			printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd " " -' sh "$@"
	}
	is "$(complete_with "$S/bash-completion/failpool" failpool r)" "report run" "completion: failpool r"
	is "$(complete_with "$S/bash-completion/failpool" failpool run --ra)" "--rate" "completion: failpool run --ra"
	is "$(complete_with "$S/bash-completion/failpool" failpool run --print)" "--print-env" \
		"completion: failpool run --print (options read from run --help)"
	is "$(complete_with "$S/bash-completion/failpool" failpool report --f)" "--format" "completion: failpool report --f"
	is "$(complete_with "$S/bash-completion/failpool" failpool help ex)" "explore" "completion: failpool help ex"
	is "$(complete_with "$S/bash-completion/failpool" failpool run --rate 0.1 -- --ra)" "" \
		"completion: nothing of failpool's after --"
else
	for t in "failpool r" "failpool run --ra" "failpool run --print (options read from run --help)" \
		"failpool report --f" "failpool help ex" "nothing of failpool's after --"; do
		skip "completion: $t" "no bash"
	done
fi

# --- an install (DESTDIR): the shim where pkg-config says, the tool finding it, the completion
if make -C "$B" install DESTDIR="$T/d" >"$T/install.log" 2>&1; then
	pc=$(find "$T/d" -name failpool.pc | head -n 1)
	ok "install: failpool.pc installed under \$(libdir)/pkgconfig" test -n "$pc"
	shim=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=shim failpool)
	ok "install: pkg-config --variable=shim failpool names the installed shim ($shim)" test -f "$T/d$shim"
	is "$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --modversion failpool)" "$V" "install: pkg-config --modversion"
	tool=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=tool failpool)
	ok "install: the tool where pkg-config says ($tool)" test -x "$T/d$tool"
	is "$(env -u FAILPOOL_LIB "$T/d$tool" --shim-path 2>&1 | sed 's/: No such file.*//')" \
		"failpool: no shim at $shim" \
		"install: the installed tool looks for the shim where pkg-config says (not yet there: DESTDIR)"
	comp=$(find "$T/d" -path '*/share/bash-completion/completions/failpool')
	ok "install: the completion in \$(datadir)/bash-completion/completions/failpool" test -n "$comp"
	if command -v bash >/dev/null 2>&1 && [ -n "$comp" ]; then
		is "$(complete_with "$comp" failpool run --ra)" "--rate" "install: the installed completion completes"
	else
		skip "install: the installed completion completes" "no bash or no completion installed"
	fi
else
	diag "$(tail -n 20 "$T/install.log")"
	for t in "failpool.pc installed under \$(libdir)/pkgconfig" "pkg-config --variable=shim failpool names the installed shim" \
		"pkg-config --modversion" "the tool where pkg-config says" "the installed tool looks for the shim where pkg-config says" \
		"the completion in \$(datadir)/bash-completion/completions/failpool" "the installed completion completes"; do
		ok "install: $t" false
	done
fi

done_testing

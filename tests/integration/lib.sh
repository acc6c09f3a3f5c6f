# lib.sh: helpers for the integration tests, sourced by each of them:
#	. "$TESTLIB"
#
# TAP output (the automake harness runs every test through tap-driver.sh):
#	ok DESC CMD [ARG...]      one test: passes when CMD exits 0
#	is GOT EXPECTED DESC      one test: passes when the strings are equal
#	isnt GOT UNEXPECTED DESC
#	skip DESC REASON          one skipped test
#	skip_all REASON           "1..0 # SKIP REASON", exit 0
#	bail REASON               "Bail out! REASON", exit 99
#	diag TEXT...              "# TEXT" lines
#	done_testing              the plan line, "1..N", after the last test
# Reports:
#	jget FILE PATH            a field of a JSON report, PATH like
#	                          totals.injected, sites.0.id, config.rate;
#	                          strings raw, numbers as written, null "null",
#	                          booleans "true"/"false", objects/arrays as JSON
#	jpy FILE EXPR             a Python expression over the report `r`
#	                          (and json, os), printed with print()
#	name_offline FILE         fills in FILE's frames' "symbol" (null as the
#	                          shim writes them) with what `failpool report`
#	                          names offline, as a reader of the report sees
#	                          them; the frames' object and offset unchanged
# Running:
#	run_shim [VAR=VALUE...] -- CMD [ARG...]
#	                          runs CMD with the shim preloaded (LD_PRELOAD set
#	                          for CMD only, through exec) and the given
#	                          FAILPOOL_* settings, under a time limit
#	                          ($FP_TIMEOUT seconds, default 60)
#	run_bare [VAR=VALUE...] -- CMD [ARG...]
#	                          the same without the shim
#	lines FILE                the lines of FILE joined by "," (for `is`)
# $T is a fresh temporary directory, removed when the test exits.
#
# Never export LD_PRELOAD here: the test shell, awk, python3 and the TAP
# driver must not run under the shim.

: "${FAILPOOL_LIB:?FAILPOOL_LIB is not set (run through make check)}"
: "${PROGS:?PROGS is not set (run through make check)}"
: "${PYTHON3:=python3}"
: "${FP_TIMEOUT:=60}"

# Many tests crash programs on purpose: no core file may land in the
# build tree (distcheck's clean-up check would find it), whatever
# core_pattern and the caller's limit say.
ulimit -c 0 2>/dev/null

# Settings from the caller's environment must not leak into the tests.
# (Any FAILPOOL_* but the tool's FAILPOOL_LIB: an unknown one is an error.)
for _v in $(env | sed -n 's/^\(FAILPOOL_[A-Za-z0-9_]*\)=.*/\1/p'); do
	[ "$_v" = FAILPOOL_LIB ] || unset "$_v"
done
unset _v
# Message texts are compared exactly.
LC_ALL=C
export LC_ALL

_tap_n=0
_tap_failed=0

diag() {
	for _l in "$@"; do
		printf '%s\n' "$_l" | sed 's/^/# /'
	done
}

_tap_result() {	# STATUS DESC
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$_tap_n" "$2"
	else
		printf 'not ok %d - %s\n' "$_tap_n" "$2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

ok() {
	_d=$1
	shift
	"$@"
	_tap_result $? "$_d"
}

is() {
	if [ "x$1" = "x$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "     got: '$1'" "expected: '$2'"
	fi
}

isnt() {
	if [ "x$1" != "x$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "got the unexpected '$1'"
	fi
}

skip() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "$2"
}

skip_all() {
	printf '1..0 # SKIP %s\n' "$1"
	exit 0
}

bail() {
	printf 'Bail out! %s\n' "$1"
	exit 99
}

done_testing() {
	printf '1..%d\n' "$_tap_n"
	# The "not ok" lines already tell: a non-zero exit would add an ERROR.
	return 0
}

T=$(mktemp -d "${TMPDIR:-/tmp}/failpool-test.XXXXXX") || bail "mktemp failed"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

[ -f "$FAILPOOL_LIB" ] || bail "shim not built: $FAILPOOL_LIB"

jget() {
	"$PYTHON3" - "$1" "$2" <<'EOF'
import json, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        v = json.load(f)
except Exception as e:
    print("UNREADABLE: %s" % e)
    sys.exit(1)
for k in sys.argv[2].split(".") if sys.argv[2] else []:
    try:
        v = v[int(k)] if isinstance(v, list) else v[k]
    except (KeyError, IndexError, ValueError, TypeError):
        print("MISSING")
        sys.exit(1)
if v is None:
    print("null")
elif v is True:
    print("true")
elif v is False:
    print("false")
elif isinstance(v, str):
    print(v)
elif isinstance(v, (dict, list)):
    print(json.dumps(v, separators=(",", ":")))
else:
    print(v)
EOF
}

name_offline() {
	"$FAILPOOL" report --format json "$1" >"$1.named" && "$PYTHON3" - "$1" "$1.named" <<'EOF'
import json, sys
r, m = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
names = {}
def frame_lists(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k.endswith("frames") and isinstance(v, list):
                yield v
            else:
                yield from frame_lists(v)
    elif isinstance(x, list):
        for v in x:
            yield from frame_lists(v)
for fs in frame_lists(m):
    for f in fs:
        if f.get("symbol"):
            names[(f["object"], f["offset"])] = f["symbol"]
for fs in frame_lists(r):
    for f in fs:
        if not f.get("symbol"):
            f["symbol"] = names.get((f["object"], f["offset"]))
json.dump(r, open(sys.argv[1], "w"))
EOF
}

jpy() {
	"$PYTHON3" - "$1" "$2" <<'EOF'
import json, os, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        r = json.load(f)
except Exception as e:
    print("UNREADABLE: %s" % e)
    sys.exit(1)
try:
    v = eval(sys.argv[2])
except Exception as e:
    print("ERROR: %s: %s" % (type(e).__name__, e))
    sys.exit(1)
print(v)
EOF
}

# _run PRELOAD [VAR=VALUE...] -- CMD [ARG...]
_run() {
	_pre=$1
	shift
	(
		while [ $# -gt 0 ] && [ "x$1" != "x--" ]; do
			case $1 in
			*=*) export "$1" ;;
			*) echo "run_shim: not VAR=VALUE: $1" >&2; exit 126 ;;
			esac
			shift
		done
		[ $# -gt 0 ] || { echo "run_shim: no -- CMD" >&2; exit 126; }
		shift
		# timeout and sh run without the shim; sh sets LD_PRELOAD for
		# CMD alone as it execs it.
		if [ -n "$_pre" ]; then
			exec timeout -k 5 "$FP_TIMEOUT" /bin/sh -c \
				'LD_PRELOAD="$0" exec "$@"' "$_pre" "$@"
		else
			exec timeout -k 5 "$FP_TIMEOUT" "$@"
		fi
	)
}

run_shim() {
	_run "$FAILPOOL_LIB" "$@"
}

run_bare() {
	_run "" "$@"
}

lines() {
	paste -sd, "$1"
}

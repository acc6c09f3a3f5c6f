#!/bin/sh
# A real program: CPython with PYTHONMALLOC=malloc (every allocation through
# malloc) runs normally under the shim, and under a memory ceiling
# (FAILPOOL_LIMIT) a 300 MiB bytearray raises MemoryError, which the script
# catches and goes on.
. "$TESTLIB"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "$PY not installed"

cat >"$T/big.py" <<'EOF'
import sys
try:
    x = bytearray(300 * 1024 * 1024)
except MemoryError:
    print("MemoryError caught")
    y = [str(i) for i in range(10000)]
    print("still alive", len(y))
    sys.exit(0)
print("allocated", len(x))
sys.exit(1)
EOF

rm -f "$T/r.json"
run_shim PYTHONMALLOC=malloc FAILPOOL_REPORT="$T/r.json" -- "$PY" -c 'import json; print(json.dumps({"sum": sum(range(10))}))' >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" '0:{"sum": 45}' "python3 under the shim: runs normally"
is "$(jpy "$T/r.json" 'r["totals"]["calls"]["malloc"] > 1000 and r["totals"]["injected"] == 0 and r["exe"].startswith("python3")')" True \
	"python3 under the shim: its allocations go through the shim"

rm -f "$T/r.json"
run_shim PYTHONMALLOC=malloc FAILPOOL_LIMIT=200M FAILPOOL_REPORT="$T/r.json" -- "$PY" "$T/big.py" >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:MemoryError caught,still alive 10000" "LIMIT=200M: bytearray(300 MiB) raises MemoryError, caught"
is "$(jpy "$T/r.json" 'any(i["size"] >= 300 << 20 for i in r["injections"]) and r["totals"]["injected"] == len(r["injections"])')" True \
	"LIMIT=200M: the report shows the refused 300 MiB request"
is "$(jpy "$T/r.json" 'r["totals"]["peak_live_bytes"] <= 200 << 20')" True "LIMIT=200M: the heap stayed under 200 MiB"
ok "LIMIT=200M: python3 printed no error" test ! -s "$T/err"

# Only the one big request hits the ceiling: the small ones after it pass.
is "$(jget "$T/r.json" totals.injected)" 1 "LIMIT=200M: exactly one failure injected"

done_testing

#!/bin/sh
# Every report says which failpool wrote it (README, "The report"): a
# top-level "version" right after "schema", the number `failpool --version`
# prints.
. "$TESTLIB"

run_shim FAILPOOL_REPORT="$T/r.json" -- "$PROGS/probe" malloc 3 16 >/dev/null 2>&1
want=$("$FAILPOOL" --version | sed 's/^failpool //')
is "$(jget "$T/r.json" version)" "$want" "report's version is failpool --version's ($want)"
is "$(jpy "$T/r.json" 'list(r)[:2]')" "['schema', 'version']" "version comes right after schema"

done_testing

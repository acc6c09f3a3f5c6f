#!/bin/sh
# The README's "Use it in CI" recipes, run as written: the pytest fixture
# (doc/examples/pytest), the ctest properties (doc/examples/ctest) and the
# GitHub Actions workflow's shape (doc/examples/github-actions.yml).
. "$TESTLIB"

: "${FAILPOOL:?FAILPOOL is not set (run through make check)}"
S=$(cd "$(dirname "$TESTLIB")/../.." && pwd)		# the source tree
TOOLS=$(dirname "$FAILPOOL")

# --- pytest: the fixture runs programs under failpool run
if "$PYTHON3" -c 'import pytest' 2>/dev/null; then
	(cd "$T" && FAILPOOL=$FAILPOOL PYTHONDONTWRITEBYTECODE=1 "$PYTHON3" -m pytest -q \
		-p no:cacheprovider --rootdir "$T" "$S/doc/examples/pytest") >"$T/pytest.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || diag "$(cat "$T/pytest.out")"
	is "$rc|$(grep -Eo '[0-9]+ passed' "$T/pytest.out")" "0|3 passed" \
		"pytest: the failpool fixture's three example tests pass"
else
	skip "pytest: the failpool fixture's three example tests pass" "no pytest for $PYTHON3 (Debian: python3-pytest)"
fi

# --- ctest: ENVIRONMENT from --print-env, and failpool run as the command
if command -v cmake >/dev/null 2>&1 && command -v ctest >/dev/null 2>&1; then
	(cd "$T" && PATH=$TOOLS:$PATH cmake -S "$S/doc/examples/ctest" -B "$T/build" &&
		cd "$T/build" && PATH=$TOOLS:$PATH ctest --output-on-failure) >"$T/ctest.out" 2>&1
	rc=$?
	diag "$(tail -n 5 "$T/ctest.out")"
	is "$rc|$(grep 'tests passed' "$T/ctest.out")" "0|100% tests passed, 0 tests failed out of 3" \
		"ctest: the three example tests pass"
	ok "ctest: sort_oom ran under the shim (sort said memory exhausted)" \
		grep -q 'Test #2: sort_oom .* Passed' "$T/ctest.out"
else
	skip "ctest: the three example tests pass" "no cmake/ctest"
	skip "ctest: sort_oom ran under the shim (sort said memory exhausted)" "no cmake/ctest"
fi

# --- the GitHub Actions workflow: valid YAML, a 4-shard matrix, a merge with --junit
if "$PYTHON3" -c 'import yaml' 2>/dev/null; then
	is "$("$PYTHON3" -c '
import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
j = w["jobs"]
runs = lambda job: " ".join(s.get("run", "") for s in j[job]["steps"])
print(j["explore"]["strategy"]["matrix"]["shard"], j["merge"]["needs"],
      "--shard ${{ matrix.shard }}/4" in runs("explore"),
      "failpool explore --merge" in runs("merge") and "--junit" in runs("merge"))
' "$S/doc/examples/github-actions.yml")" "[1, 2, 3, 4] explore True True" \
		"GitHub Actions: shards 1..4 in a matrix, then one merge job with --junit"
else
	skip "GitHub Actions: shards 1..4 in a matrix, then one merge job with --junit" "no python3-yaml"
fi

done_testing

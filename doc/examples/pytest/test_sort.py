"""Examples of the failpool fixture (conftest.py) on GNU sort."""


def test_sort_survives_without_failures(failpool):
    run = failpool(["sort", "/etc/services"])
    assert run.returncode == 0
    assert run.report["exit"] == {"how": "exit", "code": 0, "signal": None}
    assert run.report["totals"]["injected"] == 0


def test_sort_says_memory_exhausted(failpool):
    # Every allocation fails: sort must say so and exit 2, not crash.
    run = failpool(["sort", "/etc/services"], "--every", "1")
    assert run.returncode == 2
    assert "memory exhausted" in run.stderr
    assert run.report["totals"]["injected"] > 0
    assert run.crashes == []


def test_every_process_of_a_script(failpool):
    run = failpool(["sh", "-c", "sort /etc/services | wc -l >/dev/null"], "--seed", "1")
    assert run.returncode == 0
    assert sorted(r["exe"] for r in run.reports if r is not run.report) == ["sort", "wc"]
    assert all(r["seed"] == 1 for r in run.reports)

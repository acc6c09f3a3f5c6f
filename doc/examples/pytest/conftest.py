"""A pytest fixture that runs a program under `failpool run` and hands the
test the program's status, output and every report of its process tree.

    def test_sort_says_memory_exhausted(failpool):
        run = failpool(["sort", "/etc/services"], "--every", "1")
        assert run.returncode == 2
        assert run.report["totals"]["injected"] > 0

The tool is $FAILPOOL, else `failpool` from PATH. Each call keeps its
reports in a directory of its own under the test's tmp_path, one per
process (PID.json: a process that execs another program keeps the last
program's report).
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

FAILPOOL = os.environ.get("FAILPOOL") or shutil.which("failpool") or "failpool"


class FailpoolRun:
    """One `failpool run`: the program's status and output, the reports."""

    def __init__(self, proc, stdout, stderr, reports):
        self.returncode = proc.returncode
        self.stdout = stdout
        self.stderr = stderr
        # Every process of the tree, by pid; CMD's own is the one whose
        # parent is the tool.
        self.reports = reports
        own = [r for r in reports if r["ppid"] == proc.pid]
        self.report = own[0] if own else None

    @property
    def crashes(self):
        """The reports of processes that crashed, with their crash record."""
        return [r for r in self.reports if r["crash"] is not None]


@pytest.fixture
def failpool(tmp_path):
    """Call it with the command (a list) and failpool run's options."""
    calls = []

    def run(cmd, *options, **popen_args):
        out = tmp_path / f"failpool-{len(calls)}"
        out.mkdir()
        calls.append(out)
        proc = subprocess.Popen(
            [FAILPOOL, "run", "--report", str(out / "%p.json"), *options, "--", *cmd],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen_args)
        stdout, stderr = proc.communicate()
        reports = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
        return FailpoolRun(proc, stdout, stderr, reports)

    return run

"""The benchmark runs and reports every phase; progress output stays out of pipes and logs."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studykit.progress import progress

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_reports_every_phase():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--facts", "200", "--repeat", "1", "--no-check"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    (size,) = report["sizes"]
    assert size["facts"] == 200
    assert size["questions"] > 200
    for phase in ("load", "generate", "apkg", "html", "json", "lint"):
        assert phase in size["seconds"]
        value = size["seconds"][phase]
        assert value is None or value >= 0
        if value is None:
            assert phase in size["notes"]
    for phase in ("yaml_parse", "genanki_write"):
        assert size["floor_seconds"][phase] > 0
    assert size["total"] > 0 and size["floor"] > 0
    assert abs(size["ratio"] - size["total"] / size["floor"]) < 0.05
    assert 10 < size["peak_rss_mib"] < 4096


class _FakeTerminal(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_is_silent_when_not_a_terminal():
    stream = _FakeTerminal(tty=False)
    with progress("Generating questions", total=10, stream=stream, delay=0) as tick:
        for _ in range(10):
            tick()
    assert stream.getvalue() == ""


def test_progress_is_silent_when_quiet():
    stream = _FakeTerminal(tty=True)
    with progress("Generating questions", total=10, stream=stream, delay=0, quiet=True) as tick:
        for _ in range(10):
            tick()
    assert stream.getvalue() == ""


def test_progress_waits_before_showing_then_clears_its_line():
    stream = _FakeTerminal(tty=True)
    with progress("Generating questions", total=3, stream=stream) as tick:
        tick()  # well within the first two seconds: nothing yet
        assert stream.getvalue() == ""
    stream = _FakeTerminal(tty=True)
    with progress("Generating questions", total=3, stream=stream, delay=0.01) as tick:
        time.sleep(0.02)
        tick(2)
        assert "Generating questions  2/3" in stream.getvalue()
    assert stream.getvalue().endswith("\r")  # the line is blanked for what prints next

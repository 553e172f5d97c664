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


def test_benchmark_reports_every_row():
    """Every phase with its floor, the rebuild, the old floor, the commands and the targets (no time is asserted)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--facts", "100,200", "--repeat", "1", "--check-sizes", "100", "--quiz-sizes", "100,200",
         "--markdown"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    small, size = report["sizes"]
    assert size["facts"] == 200 and size["questions"] > 200
    for phase in ("load", "generate", "apkg", "html", "json", "moodle", "qti", "gift"):
        row = size["phases"][phase]
        assert row["cpu"] > 0 and row["wall"] > 0 and row["floor_cpu"] > 0 and row["floor_wall"] > 0, phase
        assert row["ratio_cpu"] > 0
    for phase in ("lint_errors", "lint"):
        assert size["phases"][phase]["cpu"] > 0
    assert size["total_cpu"] > 0 and size["floor_cpu"] > 0 and size["ratio_cpu"] > 0 and size["ratio_wall"] > 0
    assert set(size["rebuild"]["phases"]) == {"load", "generate", "apkg", "html", "json"} and size["rebuild"]["total_cpu"] > 0
    for phase in ("yaml_parse", "genanki_write"):
        assert size["legacy_floor"]["phases"][phase]["cpu"] > 0
    for key in ("peak_rss_mib", "peak_rss_lms_mib"):
        assert 10 < size[key] < 4096
    assert 10 < size["rebuild"]["peak_rss_mib"] < 4096
    assert report["scaling"]["large"] == 200 and report["scaling"]["cpu"] > 0
    (command,) = report["commands"]
    assert command["facts"] == 100 and command["check"]["wall"] > 0 and command["lint"]["cpu"] > 0
    assert report["check_bundled_deck"]["wall"] > 0
    assert [(q["facts"], q["exit_code"]) for q in report["quizzes"]] == [(100, 0), (200, 0)] and report["quizzes"][1]["cpu"] > 0
    assert any(t["target"].startswith("quiz of every question: time(200)/time(100)") for t in report["targets"])
    assert any(t["target"].startswith("time(200)/time(100)") for t in report["targets"])
    assert "| **build**" in done.stderr and "| target |" in done.stderr and "| quiz of every question" in done.stderr


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

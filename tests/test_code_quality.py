"""The code is type-checked and linted as part of the test run (and so in CI): mypy and ruff,
configured in pyproject.toml, must pass. Both come with the test extra; without them this fails."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def test_mypy_is_clean():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "studykit", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_is_over_700_lines_and_each_names_its_job():
    for path in sorted((ROOT / "studykit").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= 700, f"{path.relative_to(ROOT)} has {text.count(chr(10))} lines"
        assert text.lstrip().startswith('"""'), f"{path.relative_to(ROOT)} has no docstring naming its job"

"""gift-pegjs for the tests: one node process parses a whole batch of GIFT texts.

The parser is the npm package gift-pegjs, pinned in tests/gift/package.json and its lock file,
installed with ``npm ci --prefix tests/gift``. Without node or the package the tests fail (never
skip), saying what to run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lms_moodle import split_category_path

GIFT_DIR = Path(__file__).resolve().parent / "gift"
INSTALL = "npm ci --prefix tests/gift"


def _parser() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"the GIFT tests need Node.js (Debian: apt-get install -y nodejs npm), then `{INSTALL}`")
    installed = GIFT_DIR / "node_modules" / "gift-pegjs" / "package.json"
    if not installed.is_file():
        pytest.fail(f"gift-pegjs is not installed: run `{INSTALL}` in the repository")
    pinned = json.loads((GIFT_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]["gift-pegjs"]
    version = json.loads(installed.read_text(encoding="utf-8"))["version"]
    if version != pinned:
        pytest.fail(f"gift-pegjs {version} is installed, the tests pin {pinned}: run `{INSTALL}`")
    return [node, str(GIFT_DIR / "parse.js"), "--batch"]


def parse_gift(texts: list[str]) -> list[dict]:
    """gift-pegjs's tree for each text: ``{"ok": True, "questions": [...]}`` or ``{"ok": False, "error": …}``."""
    result = subprocess.run(_parser(), input=json.dumps(texts), capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert len(parsed) == len(texts)
    return parsed


def moodle_category(raw: str) -> list[str]:
    """A ``$CATEGORY:`` text as Moodle's GIFT reader takes it: ``escapedchar_pre`` turns ``\\\\``
    into a backslash (other escapes would stay as placeholders, so there must be none), then the
    path is split as qformat_default::split_category_path does."""
    assert not re.search(r"(?<!\\)(?:\\\\)*\\[:#={}~n]", raw), f"an escape Moodle would keep as a placeholder: {raw!r}"
    return split_category_path(raw.replace("\\\\", "\\"))

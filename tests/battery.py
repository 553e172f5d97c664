"""The hostile battery's harness (issue 13): one small project, one run, four assertions.

Every case of ``tests/test_battery_*.py`` runs studykit on a project it has damaged and asserts

1. the exit code;
2. the exact messages, each ``path:line:col`` where it applies (never a traceback or an
   internal error);
3. on failure, that nothing visible changed: every file of the project (outputs, ledger, deck,
   corpus) has the bytes and the kind it had before;
4. that no temporary file is left: no ``.*.tmp``/``.*.old`` anywhere in the project and nothing
   at all in the run's private ``$TMPDIR``.

:func:`where` finds a location by what stands there, so a case reads as the text it changes.
Faults that need a private mount (a read-only bind mount, a tmpfs of a given size) use
:func:`read_only` and :func:`tmpfs`: they need root, as CI has, and fail (never skip) without it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from conftest import ROOT, Project, run

#: A small deck over the conftest document: every section, every kind of node a check looks at.
DECK = """\
deck:
  id: t
  title: T
  description: A deck for the battery.
  corpus: ../seeds
  seed: 3
  topics:
    un: At the UN
  disable_templates: [cloze]
entities:
  - name: Russia
    type: country
    groups: [unsc-permanent-member]
  - name: China
    type: country
  - name: Yair Lapid
    type: person
    aliases: [Lapid]
    since: 1963
templates:
  - id: which-body
    applies_to: [vote]
    prompt: "Which body voted on {{ motion }}?"
    answer: body
    answer_type: organisation
    type: short
facts:
  - id: lapid
    kind: statement
    topic: un
    speaker: Yair Lapid
    said: Israel is not involved in this conflict
    note: A note.
    evidence:
      - source: report
        quote: "Yair Lapid said that “Israel is not involved in this conflict.”"
  - id: veto
    kind: vote
    body: the UN Security Council
    motion: the draft resolution on Ukraine
    date: 2022-02-25
    vetoed: [Russia]
    abstained: [China]
    distractors: {vetoed: [China]}
    evidence:
      - source: report
        quote: "Ultimately, Russia vetoed the resolution, while India, the UAE and China abstained."
  - id: cosponsors
    kind: quantity
    subject: countries signed on as co-sponsors
    value: 81
    aliases: {81: [Eighty-one]}
    paraphrase: [subject]
    evidence:
      - source: report
        quote: "Eighty-one countries answered the US call and signed on as co-sponsors."
"""

DECK_FILE = "decks/test.yaml"
CATALOG_FILE = "seeds/catalog.yaml"


def where(text: str, needle: str, *, nth: int = 1, offset: int = 0) -> str:
    """``line:col`` (1-based) of the ``nth`` occurrence of ``needle`` in ``text``, plus ``offset`` columns."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    at += offset
    line = text.count("\n", 0, at) + 1
    return f"{line}:{at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


# --- the state of a project ------------------------------------------------------------------------

TEMP_NAME = re.compile(r"^\..*\.(tmp|old)$|^studykit-")


def tree(root: Path) -> dict[str, object]:
    """Every entry under ``root``: a file's bytes and mode, a folder's mode, a link's target, a special file's kind."""
    state: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            state[key] = ("file", path.read_bytes(), stat.S_IMODE(info.st_mode))
        elif stat.S_ISDIR(info.st_mode):
            state[key] = ("folder", stat.S_IMODE(info.st_mode))
        elif stat.S_ISLNK(info.st_mode):
            state[key] = ("link", os.readlink(path))
        else:
            state[key] = ("special", stat.S_IFMT(info.st_mode), info.st_rdev)
    return state


def temporary_files(*roots: Path) -> list[str]:
    """Files a writer leaves behind when it fails: hidden ``.tmp``/``.old`` files and ``studykit-*`` folders."""
    return sorted(str(p) for root in roots for p in root.rglob("*") if TEMP_NAME.match(p.name))


def changes(before: dict[str, object], after: dict[str, object]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


@dataclass
class Outcome:
    code: int
    out: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def errors(self) -> list[str]:
        return [line for line in self.lines if ": error: " in line or line.startswith("error: ")]


class Battery:
    """One project (``project``), a private ``$TMPDIR`` (``tmp``) and the runs of one case."""

    def __init__(self, project: Project, tmp: Path, in_dir, capsys, monkeypatch) -> None:
        self.project, self.tmp = project, tmp
        self.in_dir, self.capsys, self.monkeypatch = in_dir, capsys, monkeypatch
        self.before: dict[str, object] = {}

    @property
    def root(self) -> Path:
        return self.project.root

    def deck_text(self) -> str:
        return self.project.deck().read_text(encoding="utf-8")

    def write(self, relative: str, text: str | bytes) -> None:
        path = self.root / relative
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)

    def edit(self, relative: str, old: str, new: str) -> str:
        """Replace ``old`` with ``new`` (once) in a project file; return the new text."""
        path = self.root / relative
        text = replace_once(path.read_text(encoding="utf-8"), old, new)
        path.write_text(text, encoding="utf-8")
        return text

    def add_document(self, source_id: str, text: str | None = None, *, file: str | None = None) -> str:
        """A new catalog entry ``source_id`` for ``file`` (by default ``<source_id>.txt``, holding ``text``)."""
        file = file or f"{source_id}.txt"
        if text is not None:
            (self.root / "seeds" / file).write_text(text, encoding="utf-8")
        catalog = self.root / CATALOG_FILE
        catalog.write_text(
            catalog.read_text(encoding="utf-8")
            + f"- id: {source_id}\n  file: {file}\n  title: {source_id}\n  outlet: The Test Times\n  date_basis: for the battery\n",
            encoding="utf-8",
        )
        return file

    def snapshot(self) -> None:
        self.before = tree(self.root)

    def run(
        self, *args: str, process: bool = False, env: dict[str, str] | None = None, timeout: float = 60, stdout=None, stderr=None, shell: str = ""
    ) -> Outcome:
        """studykit ``args`` in the project folder: in this process (the default) or in a real one
        (``stdout``/``stderr``: a file to write them to instead of a pipe; ``shell``: redirections, for ``>&-``)."""
        if not self.before:
            self.snapshot()
        if not process:
            assert env is None
            code, out = run(self.project, self.in_dir, self.capsys, *args)
            return Outcome(code, out)
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(self.tmp), **(env or {})}
        full_env.pop("STUDYKIT_DEBUG", None)
        command: list[str] | str = [sys.executable, "-m", "studykit", *args]
        if shell:
            command = " ".join(map(shlex.quote, command)) + " " + shell
        result = subprocess.run(
            command, cwd=self.root, env=full_env, shell=bool(shell), executable="/bin/bash" if shell else None, text=True, timeout=timeout,
            stdout=subprocess.PIPE if stdout is None else stdout, stderr=subprocess.PIPE if stderr is None else stderr,
        )
        text = (result.stdout or "") + (result.stderr or "")
        assert "Traceback" not in text and "internal error" not in text, text
        return Outcome(result.returncode, text)

    def assert_failed(self, outcome: Outcome, code: int, *errors: str) -> None:
        """The run failed with ``code`` and exactly ``errors``; nothing changed; no temporary file."""
        assert outcome.code == code, outcome.out
        if errors:
            assert outcome.errors == list(errors), outcome.out
        self.assert_unchanged()

    def assert_unchanged(self) -> None:
        assert changes(self.before, tree(self.root)) == []
        self.assert_no_temporary_files()

    def assert_no_temporary_files(self) -> None:
        assert temporary_files(self.root) == []
        assert sorted(p.name for p in self.tmp.iterdir()) == []


@pytest.fixture
def battery(make_project, tmp_path, in_dir, capsys, monkeypatch) -> Battery:
    """The battery deck in a fresh project, with ``$TMPDIR`` (and :mod:`tempfile`'s folder) private to the case."""
    project = make_project(deck=DECK)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return Battery(project, tmp, in_dir, capsys, monkeypatch)


# --- faults that need a private mount -------------------------------------------------------------


def require_root() -> None:
    """Mount faults need root (CI runs as root): without it they fail, never skip."""
    assert os.geteuid() == 0, "this fault test mounts a read-only bind mount or a tmpfs: run it as root (CI does)"


def _sh(*args: str | os.PathLike[str]) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """``folder`` made read-only for everyone, root included: a read-only bind mount over itself."""
    require_root()
    _sh("mount", "--bind", folder, folder)
    try:
        _sh("mount", "-o", "remount,ro,bind", folder, folder)
        yield folder
    finally:
        _sh("umount", "-l", folder)


@contextlib.contextmanager
def tmpfs(folder: Path, size: int) -> Iterator[Path]:
    """A tmpfs of ``size`` bytes mounted on ``folder`` (its contents copied in and back out)."""
    require_root()
    saved = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()} if folder.exists() else {}
    folder.mkdir(parents=True, exist_ok=True)
    _sh("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", folder)
    try:
        for relative, data in saved.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(data)
        yield folder
    finally:
        _sh("umount", "-l", folder)


def resize(folder: Path, size: int) -> None:
    """Change the size of the tmpfs on ``folder``: the disk fills up at ``size`` bytes."""
    _sh("mount", "-o", f"remount,size={size}", folder)


def used_bytes(folder: Path) -> int:
    info = os.statvfs(folder)
    return (info.f_blocks - info.f_bfree) * info.f_frsize

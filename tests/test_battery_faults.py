"""Battery, faults: a build that fails changes nothing and leaves no temporary file, wherever it fails.

* read-only folders (a read-only bind mount, so that root is refused too) at every output: the
  build folder, the quiz folder, its sources, the ledger's folder;
* full disks (a tmpfs of a chosen size) at every output: while the package, the JSON, the pages,
  the manifest or the ledger is staged, and in ``$TMPDIR`` while the Anki database is built;
* a file name too long, special files where outputs or their records go;
* interrupts (a real SIGINT or SIGTERM sent to the process) at every kind of moment: planning,
  building the database, staging each file, writing into it, moving files into place.

Before each failing run the project holds a complete earlier build and the deck has changed, so
every output would change: afterwards every file is as it was before, or — for an interrupt once
the files are being moved into place — every output is the new one. Mount faults need root (CI has
it) and fail without it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from battery import DECK_FILE, ROOT, changes, read_only, resize, temporary_files, tmpfs, tree, used_bytes
from battery import battery as battery  # noqa: F401  (the fixture)

import studykit.fsio
from studykit.export.anki import AnkiExporter
from studykit.fsio import MANIFEST

EPOCH = "1700000000"
PAGE = 4096
NO_FILE = "no file was changed"


@pytest.fixture
def rebuilt(battery, monkeypatch):
    """The battery project with an earlier build (``--lms``: every format) and a deck changed since:
    returns the tree every output would have after a successful rebuild."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    outcome = battery.run("build", "--quiet", "--lms")
    assert outcome.code == 0, outcome.out
    battery.edit(DECK_FILE, "  title: T\n", "  title: A renamed deck\n")
    reference = battery.root.parent / "reference"
    shutil.copytree(battery.root, reference, symlinks=True)
    with battery.in_dir(reference):
        from studykit.cli import main

        assert main(["build", "--quiet", "--lms"]) == 0
    battery.capsys.readouterr()
    new = tree(reference)
    shutil.rmtree(reference)
    battery.snapshot()
    assert changes(battery.before, new), "the changed deck must change the outputs"
    return new


def build(battery, *args: str, **options):
    return battery.run("build", "--quiet", "--lms", *args, **options)


def assert_all_new(battery, new) -> None:
    assert changes(new, tree(battery.root)) == []
    battery.assert_no_temporary_files()


# --- read-only folders ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder, first",
    [("dist", "dist/t.apkg"), ("dist/t", "dist/t/quiz-v1.html"), ("dist/t/sources", "dist/t/sources/report.html"), ("decks", "decks/test.ledger.json")],
    ids=["build-folder", "quiz-folder", "sources-folder", "ledger-folder"],
)
def test_a_read_only_folder_at_any_output_changes_nothing(battery, rebuilt, folder, first):
    with read_only(battery.root / folder):
        outcome = build(battery)
    parent = first.rsplit("/", 1)[0]
    battery.assert_failed(outcome, 1, f"{first}: error: cannot write to {parent}: Read-only file system; {NO_FILE}")


def test_a_read_only_quiz_folder_changes_nothing_in_a_real_process(battery, rebuilt):
    """The issue's case: with dist/<deck>/ read-only the .apkg, the .json and the ledger were already replaced."""
    with read_only(battery.root / "dist" / "t"):
        outcome = build(battery, process=True, env={"SOURCE_DATE_EPOCH": EPOCH})
    battery.assert_failed(outcome, 1, f"dist/t/quiz-v1.html: error: cannot write to dist/t: Read-only file system; {NO_FILE}")


# --- full disks -------------------------------------------------------------------------------------


def pages(size: int) -> int:
    return -(-size // PAGE) * PAGE


@pytest.mark.parametrize(
    "room, failing",
    [
        (lambda n: pages(n["dist/t.apkg"]) // 2, "dist/t.apkg"),
        (lambda n: pages(n["dist/t.apkg"]) + PAGE, "dist/t.json"),
        (lambda n: pages(n["dist/t.apkg"]) + pages(n["dist/t.json"]) + PAGE, "dist/t/"),
        (lambda n: sum(pages(size) for name, size in n.items() if name.startswith("dist/") and not name.endswith("manifest.json")), "manifest"),
    ],
    ids=["at-the-package", "after-the-package", "at-the-pages", "at-the-manifests"],
)
def test_a_full_disk_at_any_output_changes_nothing(battery, rebuilt, room, failing):
    """The issue's case "a full disk after the .apkg" among them: the .apkg had been replaced."""
    sizes = {name: len(entry[1]) for name, entry in rebuilt.items() if entry[0] == "file"}
    dist = battery.root / "dist"
    with tmpfs(dist, 64 << 20):
        battery.snapshot()
        resize(dist, used_bytes(dist) + room(sizes))
        outcome = build(battery)
        assert outcome.code == 1, outcome.out
        (error,) = outcome.errors
        assert error.endswith(f": No space left on device; {NO_FILE}"), error
        assert f"error: cannot write {failing}" in error or (failing == "dist/t/" and "error: cannot write dist/t/" in error) or (
            failing == "manifest" and ".studykit-manifest.json: No space left" in error
        ), error
        battery.assert_unchanged()


def test_a_full_disk_where_the_ledger_goes_changes_nothing(battery, rebuilt):
    decks = battery.root / "decks"
    with tmpfs(decks, 16 << 20):
        battery.snapshot()
        resize(decks, used_bytes(decks))
        outcome = build(battery)
        battery.assert_failed(outcome, 1, f"decks/test.ledger.json: error: cannot write decks/test.ledger.json: No space left on device; {NO_FILE}")


def test_a_full_tmpdir_while_the_anki_database_is_built(battery, rebuilt):
    """The issue's case: sqlite3.OperationalError ("database or disk is full") was an internal error."""
    with tmpfs(battery.tmp, 2 * PAGE):
        outcome = build(battery, process=True, env={"SOURCE_DATE_EPOCH": EPOCH})
        battery.assert_failed(
            outcome, 1, f"dist/t.apkg: error: cannot write dist/t.apkg: cannot build the Anki database: database or disk is full; {NO_FILE}"
        )


def test_a_file_name_too_long_for_a_source_page_changes_nothing(battery, rebuilt):
    """The issue's case: a source id of 300 characters; the .apkg and the .json had been replaced."""
    long_id = "r" * 300
    battery.edit("seeds/catalog.yaml", "- id: report", f"- id: {long_id}")
    text = (battery.root / DECK_FILE).read_text(encoding="utf-8").replace("source: report", f"source: {long_id}")
    battery.write(DECK_FILE, text)
    battery.snapshot()
    outcome = build(battery)
    page = f"dist/t/sources/{long_id}.html"
    battery.assert_failed(outcome, 1, f"{page}: error: cannot write {page}: File name too long; {NO_FILE}")


# --- special files where outputs keep their records ----------------------------------------------------


def test_a_named_pipe_as_the_ledger_is_refused_without_blocking(battery, rebuilt):
    ledger = battery.root / "decks" / "test.ledger.json"
    ledger.unlink()
    os.mkfifo(ledger)
    battery.snapshot()
    outcome = build(battery, process=True, env={"SOURCE_DATE_EPOCH": EPOCH}, timeout=30)
    battery.assert_failed(
        outcome, 1, "decks/test.ledger.json: error: cannot read decks/test.ledger.json: it is a named pipe, and studykit reads only regular files; remove it"
    )


def test_a_named_pipe_as_a_manifest_is_refused_without_blocking(battery, rebuilt):
    manifest = battery.root / "dist" / "t" / ".studykit-manifest.json"
    manifest.unlink()
    os.mkfifo(manifest)
    battery.snapshot()
    outcome = build(battery, process=True, env={"SOURCE_DATE_EPOCH": EPOCH}, timeout=30)
    assert outcome.code == 1, outcome.out
    assert outcome.errors == [
        "dist/t/.studykit-manifest.json: error: cannot write dist/t/.studykit-manifest.json: it is a named pipe, "
        f"and studykit replaces only regular files; choose another path or remove it; {NO_FILE}"
    ]
    battery.assert_unchanged()


# --- interrupts ---------------------------------------------------------------------------------------


def interrupt_on(monkeypatch, owner, name: str, nth: int = 1, *, when=None, after: bool = False, signum: int = signal.SIGINT) -> list[bool]:
    """Send ``signum`` to this process on the ``nth`` call of ``owner.name`` (counting only calls
    whose first argument ``when`` accepts), before it runs or ``after``; the list returned holds
    True once it was sent."""
    real = getattr(owner, name)
    calls, sent = [0], [False]

    def wrapper(*args, **kwargs):
        if when is not None and not when(str(args[0]) if args else ""):
            return real(*args, **kwargs)
        calls[0] += 1
        if calls[0] == nth and not after:
            sent[0] = True
            os.kill(os.getpid(), signum)
        result = real(*args, **kwargs)
        if calls[0] == nth and after:
            sent[0] = True
            os.kill(os.getpid(), signum)
        return result

    monkeypatch.setattr(owner, name, wrapper)
    return sent


INTERRUPTED = "studykit: interrupted; the outputs are all as they were, or all new if they were already being moved into place"

BEFORE_THE_MOVES = [
    ("while-planning", lambda m: interrupt_on(m, AnkiExporter, "plan", 1)),
    ("while-the-database-is-built", lambda m: interrupt_on(m, studykit.export.anki_package.sqlite3, "connect", 1, after=True)),
    ("while-the-package-is-staged", lambda m: interrupt_on(m, studykit.fsio, "_stage", 1)),
    ("after-the-package-is-staged", lambda m: interrupt_on(m, studykit.fsio, "_stage", 1, after=True)),
    ("while-the-ledger-is-staged", lambda m: interrupt_on(m, studykit.fsio, "_stage", 2)),
    ("while-a-page-is-staged", lambda m: interrupt_on(m, studykit.fsio, "_stage", 5)),
    ("while-the-last-file-is-staged", lambda m: interrupt_on(m, studykit.fsio, "_stage", when=lambda p: p.endswith("t.gift.txt"))),
    ("after-the-last-file-is-staged", lambda m: interrupt_on(m, studykit.fsio, "_stage", when=lambda p: p.endswith("t.gift.txt"), after=True)),
    ("in-the-first-write", lambda m: interrupt_on(m, studykit.fsio._Checked, "write", 1)),
    ("in-the-twentieth-write", lambda m: interrupt_on(m, studykit.fsio._Checked, "write", 20)),
]


@pytest.mark.parametrize("arrange", [c[1] for c in BEFORE_THE_MOVES], ids=[c[0] for c in BEFORE_THE_MOVES])
def test_an_interrupt_before_the_moves_changes_nothing(battery, rebuilt, monkeypatch, arrange):
    sent = arrange(monkeypatch)
    outcome = build(battery)
    assert sent[0], "the interrupt was never sent"
    assert outcome.code == 130, outcome.out
    assert outcome.lines == [INTERRUPTED]
    battery.assert_unchanged()


def test_an_interrupt_while_generating_changes_nothing(battery, rebuilt, monkeypatch):
    import studykit.build

    interrupt_on(monkeypatch, studykit.build, "generate", 1)
    outcome = build(battery)
    assert (outcome.code, outcome.lines) == (130, [INTERRUPTED])
    battery.assert_unchanged()


ONCE_THE_MOVES_BEGIN = [
    ("while-the-manifest-is-staged", lambda m: interrupt_on(m, studykit.fsio, "_stage", when=lambda p: p.endswith(MANIFEST))),
    ("right-after-the-package-is-renamed", lambda m: interrupt_on(m, studykit.fsio.os, "replace", 1, after=True)),
    ("at-the-second-rename", lambda m: interrupt_on(m, studykit.fsio.os, "replace", 2)),
    ("at-the-last-rename", lambda m: interrupt_on(m, studykit.fsio.os, "replace", when=lambda p: MANIFEST in p)),
    ("while-a-backup-link-is-made", lambda m: interrupt_on(m, studykit.fsio.os, "link", 3)),
]


@pytest.mark.parametrize("arrange", [c[1] for c in ONCE_THE_MOVES_BEGIN], ids=[c[0] for c in ONCE_THE_MOVES_BEGIN])
def test_an_interrupt_once_files_are_moved_lets_every_output_be_new(battery, rebuilt, monkeypatch, arrange):
    """The issue's case (right after the package is renamed): Ctrl-C then left
    $TMPDIR/studykit-anki-*/package.apkg behind."""
    sent = arrange(monkeypatch)
    outcome = build(battery)
    assert sent[0], "the interrupt was never sent"
    assert (outcome.code, outcome.lines) == (130, [INTERRUPTED])
    assert_all_new(battery, rebuilt)


def test_sigterm_while_staging_ends_the_process_and_changes_nothing(battery, rebuilt):
    """SIGTERM acts as the signal asks (the process ends by it), once staged files are cleaned up."""
    runner = battery.tmp.parent / "runner.py"
    runner.write_text(textwrap.dedent(f"""\
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        import studykit.fsio
        real, calls = studykit.fsio.tempfile.mkstemp, [0]
        def mkstemp(*args, **kwargs):
            calls[0] += 1
            result = real(*args, **kwargs)
            if calls[0] == 4:
                os.kill(os.getpid(), signal.SIGTERM)
            return result
        studykit.fsio.tempfile.mkstemp = mkstemp
        from studykit.cli import main
        sys.exit(main(["build", "--quiet", "--lms"]))
    """))
    env = {**os.environ, "TMPDIR": str(battery.tmp), "SOURCE_DATE_EPOCH": EPOCH}
    result = subprocess.run([sys.executable, str(runner)], cwd=battery.root, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == -signal.SIGTERM, result.stderr
    assert "Traceback" not in result.stderr
    battery.assert_unchanged()


def test_a_second_interrupt_during_cleanup_changes_nothing(battery, rebuilt, monkeypatch):
    interrupt_on(monkeypatch, studykit.fsio.tempfile, "mkstemp", 2, after=True)
    interrupt_on(monkeypatch, studykit.fsio, "_remove", 1)
    outcome = build(battery)
    assert (outcome.code, outcome.lines) == (130, [INTERRUPTED])
    battery.assert_unchanged()


def test_no_temporary_file_is_left_in_tmpdir_by_a_successful_build(battery, rebuilt):
    outcome = build(battery)
    assert outcome.code == 0, outcome.out
    assert_all_new(battery, rebuilt)
    assert temporary_files(battery.root) == []


def test_an_interrupt_during_the_export_of_one_file(battery, rebuilt, monkeypatch):
    target = battery.root / "out.json"
    target.write_text("previous\n")
    battery.snapshot()
    interrupt_on(monkeypatch, studykit.fsio._Checked, "write", 1)
    outcome = battery.run("export", DECK_FILE, "-o", "out.json")
    assert (outcome.code, outcome.lines) == (130, [INTERRUPTED])
    battery.assert_unchanged()


def test_sqlite_errors_become_a_located_error(battery, rebuilt, monkeypatch):
    """Any sqlite error while the package is built (not only a full disk) is a message, never an internal error."""
    real = sqlite3.connect

    def broken(*args, **kwargs):
        connection = real(*args, **kwargs)
        connection.execute("PRAGMA query_only = ON")  # every write fails: "attempt to write a readonly database"
        return connection

    monkeypatch.setattr(studykit.export.anki_package.sqlite3, "connect", broken)
    outcome = build(battery)
    assert outcome.code == 1, outcome.out
    (error,) = outcome.errors
    assert error.startswith("dist/t.apkg: error: cannot write dist/t.apkg: cannot build the Anki database: "), error
    assert error.endswith(NO_FILE)
    battery.assert_unchanged()


def test_mounts_are_cleaned_up(battery):
    """The fault helpers leave no mount behind, even when the case fails inside them."""
    folder = battery.root / "dist"
    folder.mkdir()
    with pytest.raises(RuntimeError, match="a failing case"):
        with tmpfs(folder, 1 << 20):
            raise RuntimeError("a failing case")
    with pytest.raises(RuntimeError, match="a failing case"):
        with read_only(folder):
            raise RuntimeError("a failing case")
    mounts = Path("/proc/self/mounts").read_text()
    assert str(folder) not in mounts

"""Battery, command line: every user-controlled size bounded with a clear message (``quiz
--versions 1000000`` ran without end), environment variables out of range refused (an internal
error), standard output full, closed or gone (internal errors), and outputs that are not regular
files refused (``export -o`` onto a device replaced it with a regular file)."""

from __future__ import annotations

import os
import stat
import time

import pytest
from battery import DECK_FILE, require_root, tree
from battery import battery as battery  # noqa: F401  (the fixture)

FULL = "error: cannot write to standard output: No space left on device"
CLOSED = "error: cannot write to standard output: it is closed"


# --- bounds -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("versions", ["1000000", "101", "0", "-3"])
def test_quiz_versions_are_bounded(battery, versions):
    started = time.perf_counter()
    outcome = battery.run("quiz", DECK_FILE, "--versions", versions, process=True, timeout=30)
    assert time.perf_counter() - started < 15
    battery.assert_failed(outcome, 2, f"error: --versions must be from 1 to 100, not {versions}")


@pytest.mark.parametrize("count", ["0", "-1"])
def test_quiz_count_must_be_positive(battery, count):
    outcome = battery.run("quiz", DECK_FILE, "--count", count)
    battery.assert_failed(outcome, 2, "error: --count must be at least 1")


def test_a_huge_count_is_bounded_by_the_questions_there_are(battery):
    outcome = battery.run("quiz", DECK_FILE, "--count", "1000000000000")
    assert outcome.code == 0, outcome.out
    # one question per fact, none giving another away: the version holds at most one per fact
    assert ("warning: version 1: asked for 1000000000000 questions but only 3 fit on one sheet without one giving another away "
            "(one question per fact; passed over: same fact: 5)") in outcome.out
    battery.assert_no_temporary_files()


@pytest.mark.parametrize("version", ["0", "-1"])
def test_an_lms_version_must_be_positive(battery, version):
    outcome = battery.run("export", DECK_FILE, "--format", "gift", "--version", version, "-o", "out.gift")
    battery.assert_failed(outcome, 2, f"error: the quiz version must be at least 1, not {version}")


def test_a_far_lms_version_costs_no_more_than_the_first(battery):
    started = time.perf_counter()
    outcome = battery.run("export", DECK_FILE, "--format", "gift", "--version", str(10**15), "-o", "out.gift")
    assert outcome.code == 0 and time.perf_counter() - started < 5, outcome.out


@pytest.mark.parametrize("seed", ["9" * 5000, "1e3", "x"])
def test_a_seed_that_is_not_a_whole_number_of_bounded_size(battery, seed):
    outcome = battery.run("build", "--seed", seed, process=True)
    assert outcome.code == 2 and f"error: argument --seed: invalid int value: '{seed}'" in outcome.out, outcome.out
    battery.assert_unchanged()


# --- the environment --------------------------------------------------------------------------------

EPOCH = "error: SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to 4102444800 (the year 2100), not {!r}"


@pytest.mark.parametrize(
    "value", ["99999999999999999999", "-1", "1e9", "٣", "4102444801", "", "1700000000.5", "9" * 5000], ids=[
        "20-digits", "negative", "exponent", "arabic-indic-digit", "after-2100", "empty", "fraction", "5000-digits"
    ]
)
def test_source_date_epoch_out_of_range_is_a_usage_error(battery, value):
    outcome = battery.run("build", "--quiet", process=True, env={"SOURCE_DATE_EPOCH": value})
    shown = value if len(value) <= 40 else value[:40] + "…"
    battery.assert_failed(outcome, 2, EPOCH.format(shown))
    assert not (battery.root / "dist").exists()


def test_source_date_epoch_with_spaces_around_is_accepted(battery):
    outcome = battery.run("build", "--quiet", process=True, env={"SOURCE_DATE_EPOCH": " 1700000000\n"})
    assert outcome.code == 0, outcome.out


def test_an_ascii_only_output_encoding_is_no_error(battery):
    outcome = battery.run("build", process=True, env={"PYTHONIOENCODING": "ascii"})
    assert outcome.code == 0, outcome.out
    assert "8 questions \\u2192 dist/t.apkg" in outcome.out


def test_an_unusable_tmpdir_falls_back(battery):
    outcome = battery.run("build", "--quiet", process=True, env={"TMPDIR": str(battery.root / "no" / "such" / "folder")})
    assert outcome.code == 0, outcome.out


# --- standard output and error ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [("check",), ("lint",), ("export", DECK_FILE), ("export", DECK_FILE, "--format", "moodle"), ("quiz", DECK_FILE), ("--help",)],
    ids=["check", "lint", "export-json", "export-moodle", "quiz", "help"],
)
def test_a_full_standard_output_is_a_clear_error(battery, args):
    with open("/dev/full", "w") as full:
        outcome = battery.run(*args, process=True, stdout=full)
    assert outcome.code == 1, outcome.out
    assert outcome.out.splitlines()[-1] == FULL, outcome.out
    assert "Exception ignored" not in outcome.out
    battery.assert_no_temporary_files()


def test_a_build_whose_summary_cannot_be_printed_has_written_everything(battery):
    with open("/dev/full", "w") as full:
        outcome = battery.run("build", process=True, stdout=full)
    assert (outcome.code, outcome.out.strip()) == (1, FULL)
    assert sorted(p.name for p in (battery.root / "dist").iterdir()) == ["t", "t.apkg", "t.json"]
    battery.assert_no_temporary_files()


@pytest.mark.parametrize("args", [("check",), ("export", DECK_FILE)], ids=["check", "export"])
def test_a_closed_standard_output_is_a_clear_error(battery, args):
    outcome = battery.run(*args, process=True, shell=">&-")
    assert outcome.code == 1, outcome.out
    assert outcome.out.strip() == CLOSED
    battery.assert_unchanged()


def test_a_reader_that_goes_away_ends_the_export_quietly(battery):
    outcome = battery.run("export", DECK_FILE, process=True, shell="| head -c 10 > /dev/null; exit ${PIPESTATUS[0]}")
    assert outcome.code == 0 and outcome.out == "", outcome.out


def test_a_full_standard_error_keeps_the_exit_code(battery):
    battery.edit(DECK_FILE, "kind: statement", "kind: nope")
    with open("/dev/full", "w") as full:
        outcome = battery.run("build", "--quiet", process=True, stderr=full)
    assert (outcome.code, outcome.out) == (1, "")
    battery.assert_unchanged()


# --- outputs that are not regular files -------------------------------------------------------------

NOT_REGULAR = "error: cannot write {path}: it is {what}, and studykit replaces only regular files; choose another path or remove it; {unchanged}"


def test_export_onto_a_device_is_refused_and_the_device_kept(battery):
    """The issue's case: as root, ``export -o`` onto a device node replaced it with a regular file."""
    require_root()  # mknod
    device = battery.root / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    battery.snapshot()
    outcome = battery.run("export", DECK_FILE, "-o", "null")
    battery.assert_failed(outcome, 1, "null: " + NOT_REGULAR.format(path="null", what="a device", unchanged="the previous file is unchanged"))
    assert stat.S_ISCHR(os.lstat(device).st_mode) and os.lstat(device).st_rdev == os.makedev(1, 3)


@pytest.mark.parametrize(
    "make, what",
    [
        (lambda p: os.mkfifo(p), "a named pipe"),
        (lambda p: p.mkdir(), "a folder"),
        (lambda p: p.symlink_to("elsewhere.json"), "a symbolic link"),
    ],
    ids=["fifo", "folder", "symlink"],
)
def test_export_onto_what_is_not_a_regular_file_is_refused(battery, make, what):
    make(battery.root / "out.json")
    battery.snapshot()
    outcome = battery.run("export", DECK_FILE, "-o", "out.json", process=True, timeout=20)
    battery.assert_failed(outcome, 1, "out.json: " + NOT_REGULAR.format(path="out.json", what=what, unchanged="the previous file is unchanged"))


def test_a_build_onto_a_folder_where_the_package_goes_changes_nothing(battery):
    assert battery.run("build", "--quiet").code == 0
    battery.edit(DECK_FILE, "title: T\n", "title: U\n")
    (battery.root / "dist" / "t.apkg").unlink()
    (battery.root / "dist" / "t.apkg").mkdir()
    battery.snapshot()
    outcome = battery.run("build", "--quiet")
    battery.assert_failed(
        outcome, 1, "dist/t.apkg: " + NOT_REGULAR.format(path="dist/t.apkg", what="a folder", unchanged="no file was changed")
    )


def test_a_quiz_whose_sources_folder_is_a_file_changes_nothing(battery):
    (battery.root / "dist" / "t").mkdir(parents=True)
    (battery.root / "dist" / "t" / "sources").write_text("a file\n")
    battery.snapshot()
    outcome = battery.run("quiz", DECK_FILE, "--out", "dist/t")
    battery.assert_failed(
        outcome, 1, "dist/t/sources/report.html: error: cannot write to dist/t/sources: Not a directory; no file was changed"
    )
    assert tree(battery.root)["dist/t/sources"][0] == "file"

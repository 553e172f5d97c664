"""What the three LMS exporters share (issue 15): the exporter interface and registry, options,
reproducible output, bounds, and text made safe for XML 1.0 and shown as HTML."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from lms_moodle import import_xml
from lms_qti import dtd_errors, read_package
from lms_samples import Spec, build, bundled, html_blocks, links

from studykit.errors import UsageError
from studykit.export import EXPORTERS, LMS_FORMATS
from studykit.export.base import Exporter, target_for
from studykit.export.gift import GiftExporter
from studykit.export.lmsbase import (
    MAX_ACCEPTED,
    MAX_QUOTE,
    QUOTE_CUT,
    SEVERAL_KEYS,
    TOO_MANY_SPELLINGS,
    Findings,
    accepted_answers,
    feedback_html,
    html_text,
    representable,
    source_html,
)
from studykit.export.moodle import MoodleExporter
from studykit.export.qti import QtiExporter

LMS_EXPORTERS = {name: EXPORTERS[name] for name in LMS_FORMATS}

EXPORTERS = [MoodleExporter, QtiExporter, GiftExporter]


def test_registry_names_and_targets():
    assert LMS_EXPORTERS == {"moodle": MoodleExporter, "qti": QtiExporter, "gift": GiftExporter}
    targets = {name: target_for(cls(), Path("dist"), "my-deck") for name, cls in LMS_EXPORTERS.items()}
    assert targets == {"moodle": Path("dist/my-deck.moodle.xml"), "qti": Path("dist/my-deck.qti.zip"), "gift": Path("dist/my-deck.gift.txt")}
    for cls in EXPORTERS:
        exporter: Exporter = cls()  # the Protocol: name, default_target, plan
        assert exporter.name in LMS_EXPORTERS and exporter.default_target.startswith("{deck}.")


@pytest.mark.parametrize("cls", EXPORTERS)
def test_plan_writes_nothing_and_reports_one_file(cls, tmp_path):
    target = tmp_path / "out" / "deck.file"
    output = cls().plan(bundled(), target)
    assert list(tmp_path.iterdir()) == []
    assert list(output.files) == [target] and output.exporter == cls.name and output.folder is None
    assert output.summary.count("\n") == 0 and f"{len(bundled())} questions" in output.summary


@pytest.mark.parametrize("cls", EXPORTERS)
def test_options_are_checked(cls):
    with pytest.raises(UsageError, match="at least 1"):
        cls(version=0)
    with pytest.raises(UsageError, match="at least 1"):
        cls(version=1, count=0)
    with pytest.raises(UsageError, match="give the version too"):
        cls(count=10)
    with pytest.raises(UsageError, match="give the version too"):
        cls(families=["who"])
    with pytest.raises(UsageError, match="unknown question family 'nope'"):
        cls(version=1, families=["nope"]).plan(bundled(), Path("x"))
    output = cls(version=1, count=10_000).plan(bundled(), Path("x"))
    facts = len(bundled().deck.facts)
    [message] = [p.message for p in output.problems if "asked for" in p.message]
    # one question per fact, none giving another away: the version holds at most as many as there are facts
    assert re.fullmatch(r"version 1: asked for 10000 questions but only (\d+) fit on one sheet without one giving another away .*", message)
    assert int(re.search(r"only (\d+)", message).group(1)) <= facts


@pytest.mark.parametrize("cls", EXPORTERS)
def test_an_empty_question_set_is_a_valid_empty_file(cls):
    qset = build([])
    [data] = cls().plan(qset, Path("x")).files.values()
    if cls is MoodleExporter:
        assert import_xml(data) == ([], [])
    elif cls is QtiExporter:
        package = read_package(data)
        assert package.errors == [] and dtd_errors(package.assessment) == []
    else:
        assert data == b"// studykit: deck lms-test, 0 questions\n"


_HASHES = """
import hashlib, pathlib, studykit
from studykit.export import EXPORTERS, LMS_FORMATS
LMS_EXPORTERS = {{name: EXPORTERS[name] for name in LMS_FORMATS}}
qset = studykit.generate(studykit.load_deck(pathlib.Path({deck!r})))
for name, cls in sorted(LMS_EXPORTERS.items()):
    for options in ({{}}, {{"version": 2, "count": 7}}):
        [data] = cls(**options).plan(qset, pathlib.Path("x")).files.values()
        print(name, sorted(options), hashlib.sha256(data).hexdigest())
"""


def test_output_is_byte_identical_across_processes():
    script = _HASHES.format(deck=str(ROOT / "decks" / "israel-russia-ukraine.yaml"))
    runs = []
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        runs.append(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True, timeout=120).stdout)
    assert runs[0] == runs[1] and len(runs[0].splitlines()) == 6
    here = []
    for name, cls in sorted(LMS_EXPORTERS.items()):
        for options in ({}, {"version": 2, "count": 7}):
            [data] = cls(**options).plan(bundled(), Path("x")).files.values()
            here.append(f"{name} {sorted(options)} {hashlib.sha256(data).hexdigest()}")
    assert runs[0].splitlines() == here


# --- text ------------------------------------------------------------------------------------


def test_representable_replaces_exactly_what_xml_1_0_forbids():
    assert representable("tab\tLF\nCR\r ok é 中 \u202e 🙂 \x7f \x85") == "tab\tLF\nCR\r ok é 中 \u202e 🙂 \x7f \x85"
    assert representable("a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\uffffi") == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\ufffdh\ufffdi"


def test_html_text_shows_the_text():
    assert html_text("<b>x</b> & \"y\" 'z'\r\nnext\rline\nend") == "&lt;b&gt;x&lt;/b&gt; &amp; \"y\" 'z'<br>next<br>line<br>end"
    assert html_text("{a}", str.maketrans({"{": "&#123;"})) == "&#123;a}"
    assert html_blocks(f"<p>{html_text('<script>x</script> & ]]>')}</p>") == ["<script>x</script> & ]]>"]


def test_accepted_answers_add_every_spelling_once_and_warn_when_bounded():
    many = tuple(f"alias {i}" for i in range(30))
    qset = build([
        Spec("uae/cloze", "cloze", answers=("the UAE",), cloze=("India, ", "the UAE", " and China abstained."),
             aliases={"United Arab Emirates": ("the UAE", "UAE")}),
        Spec("many/why", "short", "Why?", answers=("key",), aliases={"key": many + ("key", "  alias   0 ")}),
        Spec("two/who", "short", "Who?", answers=("India", "China")),
        Spec("pmo/who", "short", "Who?", answers=("the Prime Minister’s Office",), aliases={"the Prime Minister's Office": ("the PMO",)}),
    ])
    findings = Findings()
    by_id = {q.id: accepted_answers(qset, q, findings) for q in qset}
    # the key as printed, and as a keyboard types it; the aliases the deck wrote with "'"
    assert by_id["pmo/who"] == ["the Prime Minister’s Office", "the Prime Minister's Office", "the PMO"]
    assert by_id["uae/cloze"] == ["the UAE", "United Arab Emirates", "UAE"]
    assert by_id["many/why"] == ["key", *many[: MAX_ACCEPTED - 1]]
    assert by_id["two/who"] == ["India", "China"]
    assert findings.ids(TOO_MANY_SPELLINGS) == ["many/why"] and findings.ids(SEVERAL_KEYS) == ["two/who"]


def test_feedback_has_quote_and_source_and_links_only_http():
    sources = [
        {"title": "T & <i>", "outlet": "O", "published": "2022-02-25", "url": "https://example.org/x?a=1&b=2"},
        {"title": "U", "outlet": "P", "published": None, "url": "javascript:alert(1)"},
    ]
    long_quote = "word " * 300
    qset = build([Spec("a/b", "single", "Q?", ("x", "y"), ("x",), explanation="E <b>", quote=long_quote.strip()),
                  Spec("c/d", "single", "Q?", ("x", "y"), ("x",), source=1)], sources=sources)
    findings = Findings()
    first = feedback_html(qset, qset.questions[0], findings)
    blocks = html_blocks(first)
    assert blocks[0] == "E <b>" and len(blocks[1]) == MAX_QUOTE and blocks[1].endswith("…")
    assert blocks[2] == "— T & <i>, O, 25 February 2022" and links(first) == ["https://example.org/x?a=1&b=2"]
    assert findings.ids(QUOTE_CUT) == ["a/b"]
    assert source_html(qset.deck.source("src-1")) == "— U, P"


@pytest.mark.parametrize("cls", EXPORTERS)
def test_warnings_name_their_questions(cls):
    long_id = "f" * 120 + "/t"
    specs = [Spec(f"q{i}/c", "cloze", answers=("x",), cloze=("a ", "x", " b")) for i in range(12)]
    specs.append(Spec(long_id, "short", "Why \x01?", answers=("y",)))
    output = cls().plan(build(specs), Path("x"))
    messages = [p.message for p in output.problems]
    assert all(p.severity == "warning" and str(p.location) == "/nonexistent/decks/t.yaml" for p in output.problems)
    assert any("control characters" in m and f"(1 question: {long_id})" in m for m in messages), messages
    if cls is GiftExporter:
        [cloze] = [m for m in messages if m.startswith("GIFT has no embedded-answer")]
        assert cloze.endswith("(12 questions: q0/c, q1/c, q2/c, q3/c, q4/c, q5/c, q6/c, q7/c, q8/c, q9/c and 2 more)")
    if cls is MoodleExporter:
        assert any(m.startswith("an id longer than 100 characters is not written as the idnumber") for m in messages)


def test_the_text_around_a_cloze_blank_is_the_prompts():
    from dataclasses import replace

    from studykit.export.lmsbase import cloze_parts

    [q] = build([Spec("c/cloze", "cloze", answers=("x",), cloze=("a _____ ", "x", " b"))]).questions
    assert q.prompt == "a _____ _____ b" and cloze_parts(q) == ("a _____ ", " b")  # the quote's own blank stays
    wider = replace(q, prompt="More: a _____ _____ b.", cloze=("a ", "x", " b"))
    assert cloze_parts(wider) == ("More: a ", " _____ b.")
    assert cloze_parts(replace(q, prompt="no blank", cloze=None)) == ("no blank ", "")


@pytest.mark.parametrize("cls", EXPORTERS)
def test_a_large_file_is_spooled_to_disk_and_committed_the_same(cls, tmp_path, monkeypatch):
    """Beyond SPOOL_IN_MEMORY bytes the planned file lives in an anonymous temporary file, not in
    memory; what the commit writes is the same bytes, and the warnings are known at plan time."""
    import studykit
    from studykit.export import base

    qset = bundled()
    small = cls().plan(qset, tmp_path / "a")
    [in_memory] = small.files.values()
    assert isinstance(in_memory, bytes)
    monkeypatch.setattr(base, "SPOOL_IN_MEMORY", 1024)
    monkeypatch.setattr(base, "SPOOL_CHUNK", 100)  # the copy in many pieces
    large = cls().plan(qset, tmp_path / "b")
    [spooled] = large.files.values()
    assert callable(spooled) and len(in_memory) > 1024
    assert large.problems == small.problems and large.summary == small.summary
    assert list(tmp_path.iterdir()) == []  # the spool is invisible
    studykit.commit([large])
    assert (tmp_path / "b").read_bytes() == in_memory


@pytest.mark.parametrize("cls", EXPORTERS)
def test_a_failing_spool_is_a_clear_error_and_writes_nothing(cls, tmp_path, monkeypatch):
    import errno
    import tempfile

    from studykit.errors import ExportError
    from studykit.export import base

    class Full(tempfile.SpooledTemporaryFile):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(base.tempfile, "SpooledTemporaryFile", Full)
    target = tmp_path / "deck.out"
    with pytest.raises(ExportError) as raised:
        cls().plan(bundled(), target)
    [problem] = raised.value.problems
    assert str(problem.location) == str(target)
    assert "No space left on device" in problem.message and "TMPDIR" in problem.message and "nothing was written" in problem.message
    assert list(tmp_path.iterdir()) == []

"""Moodle XML (issue 15): every export parses with lxml and passes Moodle's own import rules
(tests/lms_moodle.py, ported from Moodle's code), and reads back as the JSON export says."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from lms_moodle import Imported, extract_cloze, import_xml, shortanswer_literal
from lms_samples import (
    Spec,
    build,
    bundled,
    check_feedback,
    evil_sample,
    expected,
    expected_stem,
    hostile,
    html_blocks,
    html_inline,
    known_spellings,
    typed,
)

from studykit.export.json import to_data
from studykit.export.lmsbase import UNREPRESENTABLE
from studykit.export.moodle import BAD_FRACTION, CLOZE_BACKSLASH, MoodleExporter
from studykit.model import CLOZE_BLANK, QuestionSet

MOODLE_TYPES = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse", "short": "shortanswer", "cloze": "cloze"}


def export(qset: QuestionSet, **options):
    output = MoodleExporter(**options).plan(qset, Path("out.moodle.xml"))
    [(path, data)] = output.files.items()
    assert path == Path("out.moodle.xml") and isinstance(data, bytes)
    return data, output


def imported(data: bytes) -> list[Imported]:
    questions, errors = import_xml(data)
    assert errors == []
    return questions


def named(problems, message: str) -> set[str]:
    """The question ids a warning names."""
    for problem in problems:
        if problem.message.startswith(message + " ("):
            return set(problem.message[len(message) + 2 : -1].split(": ", 1)[1].split(", "))
    return set()


def round_trip(qset: QuestionSet, data: bytes, problems=()) -> None:
    """What Moodle imports equals the JSON export: stem, options, keys; feedback, ids, categories, tags.
    A cloze that a warning names as written as a short answer must be one."""
    questions = imported(data)
    json_questions = to_data(qset)["questions"]
    assert [html.unescape(q.name) for q in questions] == [j["id"] for j in json_questions]
    fallback = named(problems, CLOZE_BACKSLASH)
    for j, q in zip(json_questions, questions, strict=True):
        assert q.type == ("shortanswer" if j["id"] in fallback else MOODLE_TYPES[j["type"]]), j["id"]
        assert q.idnumber == j["id"]
        text = q.text.replace("{#1}", CLOZE_BLANK) if q.type == "cloze" else q.text
        assert html_blocks(text) == expected_stem(j), j["id"]
        if j["type"] in ("single", "multiple"):
            assert q.single is (j["type"] == "single")
            assert [html_inline(t) for t, _ in q.answers] == [expected(o) for o in j["options"]]
            keys = [html_inline(t) for t, f in q.answers if f > 0]
            assert keys == [expected(o) for o in j["options"] if o in j["answers"]]
            if j["type"] == "multiple":  # each key its share, each wrong pick the same share off
                k = len(j["answers"])
                assert all(abs(abs(f) - 1 / k) < 1e-5 and (f > 0) == (html_inline(t) in keys) for t, f in q.answers)
        elif j["type"] == "true_false":
            truth = dict(q.answers)
            assert {"True": truth["true"], "False": truth["false"]}[j["answers"][0]] == 1
        else:
            if q.type == "cloze":
                [gap] = q.gaps
                assert gap.qtype == "shortanswer"
                answers = [shortanswer_literal(a) for a, f in gap.answers if f == 1]
            else:
                answers = [shortanswer_literal(a) for a, f in q.answers if f == 1]
            assert answers[0] == typed(j["answers"][0])
            fact = qset.deck.fact(j["fact"])
            assert {typed(s) for s in fact.spellings(j["answers"][0])} <= set(answers) <= known_spellings(qset, j)
        check_feedback(qset, j, q.feedback)
        topic = qset.deck.topics.get(j["topic"]) if j["topic"] else None
        assert [html.unescape(n) for n in q.category] == ["$course$", typed(qset.deck.title), *([typed(topic)] if topic else [])]
        fact = qset.deck.fact(j["fact"])
        assert q.tags == list(dict.fromkeys([fact.kind, j["family"], *(e["source"] for e in j["evidence"])]))


# --- the checker itself: it must refuse what Moodle refuses ---------------------------------------


def _quiz(*questions: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8'?><quiz>" + "".join(questions) + "</quiz>").encode()


def _question(qtype: str, text: str, answers: str = "", extra: str = "") -> str:
    return (f'<question type="{qtype}"><name><text>q</text></name><questiontext format="html"><text>{text}</text>'
            f"</questiontext>{extra}{answers}</question>")


def _answer(text: str, fraction: str) -> str:
    return f'<answer fraction="{fraction}" format="html"><text>{text}</text></answer>'


def test_checker_reads_gaps_as_moodles_regex_does():
    # an unescaped } ends the gap answer early; its reference &#125; does not
    assert extract_cloze("x {1:SHORTANSWER:=a}b} y")[1][0].answers == [("a", 1.0)]
    assert extract_cloze("x {1:SHORTANSWER:=a&#125;b} y")[1][0].answers == [("a}b", 1.0)]
    # ~ starts another (wrong) answer, # starts feedback, \} keeps the gap open
    assert extract_cloze("{1:SA:=a~b}")[1][0].answers == [("a", 1.0), ("b", 0.0)]
    assert extract_cloze("{1:SA:=C#sharp}")[1][0].answers == [("C", 1.0)]
    assert extract_cloze("{1:SA:=a\\}")[1] == []
    # only \} and \# are unescaped: \~ stays as typed
    assert extract_cloze("{1:SA:=a\\#b}")[1][0].answers == [("a#b", 1.0)]
    text, gaps = extract_cloze("<p>one {1:MULTICHOICE:=x~y} two {2:SA:%50%z~=w}</p>")
    assert text == "<p>one {#1} two {#2}</p>"
    assert [(g.qtype, g.answers) for g in gaps] == [("multichoice", [("x", 1.0), ("y", 0.0)]), ("shortanswer", [("z", 0.5), ("w", 1.0)])]


@pytest.mark.parametrize(
    "question, error",
    [
        (_question("cloze", "a {1:SHORTANSWER:%50%x} b"), "fractionsnomax"),
        (_question("cloze", "no gap at all"), "questionsmissing"),
        (_question("cloze", "a {1:MULTICHOICE:=x} b"), "notenoughanswers (2)"),
        (_question("multichoice", "q", _answer("a", "33.3") * 3, "<single>false</single>"), "invalidgrade"),
        (_question("multichoice", "q", _answer("a", "33.33333") * 2 + _answer("b", "0"), "<single>false</single>"), "fractionsaddwrong"),
        (_question("multichoice", "q", _answer("a", "9.09091") * 11, "<single>false</single>"), "invalidgrade"),
        (_question("multichoice", "q", _answer("a", "50") + _answer("b", "0")), "fractionsnomax"),
        (_question("multichoice", "q", _answer("a", "100")), "notenoughanswers (2)"),
        (_question("truefalse", "q", _answer("true", "100") + _answer("false", "100")), "exactly one of true and false"),
        (_question("truefalse", "q", _answer("True", "100") + _answer("False", "0")), "truefalseimporterror"),
        (_question("shortanswer", "q", _answer("a*b", "100")), "unescaped wildcard"),
        (_question("shortanswer", "q", _answer("a", "50")), "fractionsnomax"),
        (_question("matching", "q"), "xmltypeunsupported"),
        (_question("shortanswer", "", _answer("a", "100")), "empty question text"),
        ('<question type="category"><category><text>$course$/Deck//x/</text></category></question>', "bad category path"),
        ('<question type="category"><category><text>Deck/Topic</text></category></question>', "bad category path"),
    ],
)
def test_checker_refuses_what_moodle_refuses(question, error):
    _, errors = import_xml(_quiz(question))
    assert any(error in e for e in errors), errors


def test_checker_accepts_a_good_file():
    good = _quiz(
        '<question type="category"><category><text>$course$/Deck/A // B</text></category></question>',
        _question("multichoice", "q", _answer("a", "33.33333") * 3 + _answer("b", "-33.33333"), "<single>false</single>"),
        _question("shortanswer", "q", _answer("a\\*b", "100")),
        _question("cloze", "a {1:SHORTANSWER:=x&#125;~=y} b"),
    )
    questions, errors = import_xml(good)
    assert errors == []
    assert questions[0].category == ["$course$", "Deck", "A / B"]
    assert shortanswer_literal(questions[1].answers[0][0]) == "a*b"


# --- the exports ---------------------------------------------------------------------------------


def test_bundled_deck_imports_and_reads_back_as_the_json_export():
    qset = bundled()
    data, output = export(qset)
    round_trip(qset, data)
    assert output.problems == ()
    assert output.summary.startswith(f"Moodle XML: {len(qset)} questions (")
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<quiz>")


def test_hostile_text_reads_back_as_text():
    qset = hostile()
    data, output = export(qset)
    round_trip(qset, data)
    # nothing of the hostile text became markup: no element but the ones Moodle's format has
    from lxml import etree

    tags = {e.tag for e in etree.fromstring(data).iter()}
    assert tags <= {"quiz", "question", "category", "text", "name", "questiontext", "generalfeedback", "defaultgrade",
                    "penalty", "hidden", "idnumber", "single", "shuffleanswers", "answernumbering",
                    "showstandardinstruction", "answer", "feedback", "usecase", "tags", "tag"}
    for q in imported(data):  # and inside the HTML fields, only the markup studykit writes
        from lxml import html as lxml_html

        for fragment in (q.text, q.feedback, *(t for t, _ in q.answers if q.type == "multichoice")):
            found = {e.tag for e in lxml_html.fragment_fromstring(fragment, create_parent="div").iter()}
            assert found <= {"div", "p", "br", "blockquote", "a"}, (q.name, found)
    warned = [p.message for p in output.problems]
    assert any(m.startswith(UNREPRESENTABLE) and "evil-tf/true-false" in m for m in warned), warned


def test_a_cloze_answer_moodle_cannot_hold_becomes_a_short_answer_with_a_warning():
    qset = build([Spec("bs/cloze", "cloze", answers=("x\\}y",), cloze=("Say ", "x\\}y", " now."))])
    data, output = export(qset)
    [q] = imported(data)
    assert q.type == "shortanswer" and [shortanswer_literal(a) for a, _ in q.answers] == ["x\\}y"]
    assert html_blocks(q.text) == ["Say _____ now."]
    [problem] = output.problems
    assert problem.severity == "warning" and problem.message == f"{CLOZE_BACKSLASH} (1 question: bs/cloze)"


def test_select_all_that_moodle_cannot_grade_is_left_out_with_a_warning():
    keys = tuple(f"k{i}" for i in range(11))
    qset = build([Spec("many/keys", "multiple", "Which?", keys + ("w",), keys), Spec("ok/one", "single", "Which?", ("a", "b"), ("a",))])
    data, output = export(qset)
    assert [q.name for q in imported(data)] == ["ok/one"]
    assert [p.message for p in output.problems] == [f"{BAD_FRACTION} (1 question: many/keys)"]


def test_version_is_the_printed_quiz_version():
    from studykit.quiz import plan_version, select_questions

    qset = bundled()
    data, output = export(qset, version=2, count=12, seed=5)
    planned = plan_version(select_questions(qset), count=12, seed=5, version=2, deck=qset.deck)
    questions = imported(data)
    assert [q.name for q in questions] == [p.question.id for p in planned]
    for q, p in zip(questions, planned, strict=True):
        if q.type == "multichoice":
            assert [html_inline(t) for t, _ in q.answers] == list(p.options)
        assert q.category[:3] == ["$course$", qset.deck.title, "Version 2, seed 5"]
    assert output.summary.endswith(", version 2, seed 5")


def test_the_html_tests_hostile_sample_reads_back_as_text():
    qset = evil_sample()
    data, output = export(qset)
    round_trip(qset, data, output.problems)
    assert b"<script" not in data and b"<img" not in data

"""GIFT (issue 15): every export parses with gift-pegjs, and the parsed tree gives back each
question's stem, options, keys and feedback as the JSON export says."""

from __future__ import annotations

import html
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lms_gift import moodle_category, parse_gift
from lms_moodle import shortanswer_literal
from lms_moodle_gift import read_gift
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

from studykit.export.gift import ARROW_KEY, ARROW_SPELLING, NO_CLOZE, GiftExporter, escape
from studykit.export.json import to_data
from studykit.model import QuestionSet

GIFT_TYPES = {"single": "MC", "multiple": "MC", "true_false": "TF", "short": "Short", "cloze": "Short"}


def export(qset: QuestionSet, **options):
    output = GiftExporter(**options).plan(qset, Path("out.gift.txt"))
    [(path, data)] = output.files.items()
    assert path == Path("out.gift.txt") and isinstance(data, bytes)
    return data.decode("utf-8"), output


def round_trip(qset: QuestionSet, parsed: dict) -> None:
    assert parsed["ok"], parsed.get("error")
    json_questions = to_data(qset)["questions"]
    category: list[str] = []
    questions = []
    for node in parsed["questions"]:
        if node["type"] == "Category":
            category = moodle_category(node["title"])
        else:
            questions.append((node, category))
    assert [q["title"] for q, _ in questions] == [j["id"] for j in json_questions]
    for j, (g, path) in zip(json_questions, questions, strict=True):
        fact = qset.deck.fact(j["fact"])
        assert g["type"] == GIFT_TYPES[j["type"]], j["id"]
        assert g["id"] == j["id"]
        assert g["tags"] == list(dict.fromkeys([fact.kind, j["family"], *(e["source"] for e in j["evidence"])]))
        topic = qset.deck.topics.get(j["topic"]) if j["topic"] else None
        assert [html.unescape(n) for n in path] == ["$course$", typed(qset.deck.title), *([typed(topic)] if topic else [])]
        assert g["stem"]["format"] == "html" and not g["hasEmbeddedAnswers"]
        assert html_blocks(g["stem"]["text"]) == expected_stem(j), j["id"]
        assert g["globalFeedback"]["format"] == "html"
        check_feedback(qset, j, g["globalFeedback"]["text"])
        if j["type"] in ("single", "multiple"):
            choices = g["choices"]
            assert [c["text"]["format"] for c in choices] == ["html"] * len(choices)
            assert [html_inline(c["text"]["text"]) for c in choices] == [expected(o) for o in j["options"]]
            keys = [o in j["answers"] for o in j["options"]]
            if j["type"] == "single":
                assert [c["isCorrect"] for c in choices] == keys and {c["weight"] for c in choices} == {None}
            else:  # no '=' at all (Moodle's "single" is false), the keys' weights add up to 100
                k = len(j["answers"])
                assert not any(c["isCorrect"] for c in choices)
                assert [c["weight"] > 0 for c in choices] == keys
                assert all(abs(abs(c["weight"]) - 100 / k) < 1e-3 for c in choices)
        elif j["type"] == "true_false":
            assert g["isTrue"] is (j["answers"][0] == "True")
        else:
            choices = g["choices"]
            assert all(c["isCorrect"] and c["text"]["format"] == "plain" for c in choices)
            accepted = [shortanswer_literal(c["text"]["text"]) for c in choices]
            assert accepted[0] == typed(j["answers"][0])
            assert set(accepted) <= known_spellings(qset, j)
            if not any("->" in s for s in fact.spellings(j["answers"][0])):
                assert {typed(s) for s in fact.spellings(j["answers"][0])} <= set(accepted)


MOODLE_TYPES = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse", "short": "shortanswer", "cloze": "shortanswer"}


def moodle_round_trip(qset: QuestionSet, text: str) -> None:
    """What Moodle's own GIFT reader (tests/lms_moodle_gift.py) imports equals the JSON export too."""
    questions, errors = read_gift(text)
    assert errors == []
    json_questions = to_data(qset)["questions"]
    assert [q.name for q in questions] == [j["id"] for j in json_questions]
    for j, q in zip(json_questions, questions, strict=True):
        fact = qset.deck.fact(j["fact"])
        assert q.type == MOODLE_TYPES[j["type"]] and q.idnumber == j["id"], j["id"]
        assert q.tags == list(dict.fromkeys([fact.kind, j["family"], *(e["source"] for e in j["evidence"])]))
        topic = qset.deck.topics.get(j["topic"]) if j["topic"] else None
        assert [html.unescape(n) for n in q.category] == ["$course$", typed(qset.deck.title), *([typed(topic)] if topic else [])]
        assert q.text_format == "html" and html_blocks(q.text) == expected_stem(j), j["id"]
        check_feedback(qset, j, q.feedback)
        if q.type == "multichoice":
            assert q.single is (j["type"] == "single")
            assert [html_inline(t) for t, _ in q.answers] == [expected(o) for o in j["options"]]
            k = len(j["answers"]) if j["type"] == "multiple" else 1
            signs = [1 if o in j["answers"] else (-1 if k > 1 else 0) for o in j["options"]]
            assert all(abs(f - sign / k) < 1e-5 for (_, f), sign in zip(q.answers, signs, strict=True)), j["id"]
        elif q.type == "truefalse":
            assert q.true is (j["answers"][0] == "True")
        else:
            accepted = [shortanswer_literal(t) for t, f in q.answers if f == 1]
            assert accepted[0] == typed(j["answers"][0]) and set(accepted) <= known_spellings(qset, j)


def test_bundled_and_hostile_decks_parse_and_read_back_as_the_json_export():
    """The bundled deck, the hostile sample and the HTML tests' hostile sample, in one node process."""
    sets = [bundled(), hostile(), evil_sample()]
    exports = [export(qset) for qset in sets]
    for qset, (text, output), parsed in zip(sets, exports, parse_gift([text for text, _ in exports]), strict=True):
        round_trip(qset, parsed)
        moodle_round_trip(qset, text)
        clozes = [q.id for q in qset if q.type == "cloze"]
        warnings = [p.message for p in output.problems]
        count = f"{len(clozes)} question{'' if len(clozes) == 1 else 's'}"
        assert any(m.startswith(NO_CLOZE) and f"({count}: {clozes[0]}" in m for m in warnings), warnings


def test_hostile_hazards_are_handled_and_warned():
    text, output = export(hostile())
    warnings = {p.message.split(" (")[0]: p.message for p in output.problems}
    assert "(1 question: evil-short/why)" in warnings[ARROW_KEY]
    # a line never starts with '//' but for studykit's own comments, nor a text with a marker
    for line in text.splitlines():
        assert not line.lstrip().startswith("//") or line.startswith(("// [id:", "// studykit: deck"))
    assert "\t~&\\#37;50% off" not in text and "\t=&\\#37;50% off" in text
    assert "=&\\#91;html]&lt;b&gt;bold&lt;/b&gt;" not in text and "~&\\#91;html]&lt;b&gt;bold&lt;/b&gt;" in text
    # every question is one block: no blank line inside one
    blocks = text.strip().split("\n\n")
    assert len([b for b in blocks if "::" in b]) == len(hostile())


def test_a_spelling_with_an_arrow_is_left_out_with_a_warning():
    qset = build([Spec("arrow/why", "short", "Why?", answers=("because",), aliases={"because": ("x -> y", "since")})])
    text, output = export(qset)
    [parsed] = parse_gift([text])
    [question] = [q for q in parsed["questions"] if q["type"] != "Category"]
    assert [c["text"]["text"] for c in question["choices"]] == ["because", "since"]
    assert [p.message for p in output.problems] == [f"{ARROW_SPELLING} (1 question: arrow/why)"]


def test_escaping():
    assert escape("a~b=c#d{e}f:g\\h") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h"
    assert escape("line\nbreak") == "line\\nbreak"
    # what gift-pegjs reads back from each escape is the character itself
    samples = ["~", "=", "#", "{", "}", ":", "\\", "\\n", "->", "%50%", "a\\\\b"]
    texts = [f"::t::[plain]{escape(s)} {{=x}}\n" for s in samples]
    for sample, parsed in zip(samples, parse_gift(texts), strict=True):
        assert parsed["ok"], (sample, parsed)
        [question] = parsed["questions"]
        assert question["stem"]["text"] == sample


def test_the_parser_is_real_and_refuses_broken_gift():
    broken = ["::t::Q {=a ~b", "::t::Q {=a -> b ~c}", "::t::Q {~%x%a ~b}"]
    assert [r["ok"] for r in parse_gift(broken)] == [False, False, False]
    [good] = parse_gift(["// [id:x/y] [tag:t]\n::x/y::[html]<p>Q</p>{\n\t=a\n\t~b\n\t####fb\n}\n"])
    assert good["ok"] and good["questions"][0]["id"] == "x/y" and good["questions"][0]["tags"] == ["t"]


def test_version_is_the_printed_quiz_version():
    from studykit.quiz import plan_version, select_questions

    qset = bundled()
    text, output = export(qset, version=1, count=20, seed=9)
    planned = plan_version(select_questions(qset), count=20, seed=9, version=1, deck=qset.deck)
    [parsed] = parse_gift([text])
    nodes = parsed["questions"]
    assert {moodle_category(n["title"])[2] for n in nodes if n["type"] == "Category"} == {"Version 1, seed 9"}
    questions = [n for n in nodes if n["type"] != "Category"]
    assert [q["title"] for q in questions] == [p.question.id for p in planned]
    for q, p in zip(questions, planned, strict=True):
        if q["type"] == "MC":
            assert [html_inline(c["text"]["text"]) for c in q["choices"]] == list(p.options)


def test_moodles_gift_reader_misreads_what_moodle_misreads():
    def read(answers: str):
        questions, errors = read_gift(f"::q::Question{{{answers}}}\n")
        return questions[0] if questions else None, errors

    question, errors = read("=a -> b")
    assert question.type == "match" and errors == ["q: read as a match question"]
    assert read("T")[0].type == "truefalse" and read("=T")[0].type == "shortanswer"
    assert read("=%50%half")[0].answers == [("half", 0.5)]  # a leading %50% is a weight
    assert read("=[plain]%50%half")[0].answers == [("%50%half", 1.0)]
    assert read("=[html]x")[0].answers == [("x", 1.0)]  # a leading [html] is a format marker
    multi = read("~%50%a ~%50%b ~%-50%c")[0]
    assert multi.single is False and multi.answers == [("a", 0.5), ("b", 0.5), ("c", -0.5)]
    errors = read("~%33.3%a ~%33.3%b ~%33.3%c")[1]  # 0.333 is no grade (0.999 rounds to 1: no sum error)
    assert len(errors) == 3 and all(e.startswith("q: invalidgrade 0.33") for e in errors)
    assert read("~%50%a ~%40%b ~%-50%c")[1] == ["q: fractionsaddwrong"]
    assert read("=a\\~b ~c")[0].answers == [("a~b", 1.0), ("c", 0.0)]
    assert read_gift("// [id:x/y] [tag:t1] [tag:t2]\n::n::Q{=a}\n")[0][0].tags == ["t1", "t2"]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("\\~=#{}:\n\r\r\nab ->é")), max_size=30))
def test_escape_writes_each_special_character_as_gift_reads_it(text):
    """Every special character, the backslash first among them, escaped at once (as a translate table would)."""
    table = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:", "\n": "\\n", "\r": ""})
    assert escape(text) == text.translate(table)

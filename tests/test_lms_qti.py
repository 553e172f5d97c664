"""QTI 1.2 for Canvas (issue 15): the package layout Canvas reads, every item valid against the
IMS QTI ASI 1.2.1 DTD, response processing that scores exactly the keys, and items that read
back as the JSON export says."""

from __future__ import annotations

import io
import itertools
import zipfile
from pathlib import Path

from lms_qti import dtd_errors, local, metadata, read_package, score
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
    known_spellings,
    typed,
)
from lxml import etree

from studykit.export.json import to_data
from studykit.export.qti import QtiExporter
from studykit.model import CLOZE_BLANK, QuestionSet

CANVAS_TYPES = {
    "single": "multiple_choice_question",
    "multiple": "multiple_answers_question",
    "true_false": "true_false_question",
    "short": "short_answer_question",
    "cloze": "fill_in_multiple_blanks_question",
}


def export(qset: QuestionSet, **options):
    output = QtiExporter(**options).plan(qset, Path("out.qti.zip"))
    [(path, data)] = output.files.items()
    assert path == Path("out.qti.zip") and isinstance(data, bytes)
    return data, output


def labels(response: etree._Element) -> list[tuple[str, str]]:
    return [(label.get("ident"), label.findtext("material/mattext")) for label in response.iter("response_label")]


def round_trip(qset: QuestionSet, data: bytes) -> None:
    package = read_package(data)
    assert package.errors == []
    assert dtd_errors(package.assessment) == []
    items = package.assessment.findall("assessment/section/item")
    json_questions = to_data(qset)["questions"]
    assert [item.get("title") for item in items] == [j["id"] for j in json_questions]
    assert len({item.get("ident") for item in items}) == len(items)
    for j, item in zip(json_questions, items, strict=True):
        assert metadata(item)["question_type"] == CANVAS_TYPES[j["type"]], j["id"]
        assert metadata(item)["points_possible"] == "1"
        [stem] = item.findall("presentation/material/mattext")
        assert stem.get("texttype") == "text/html"
        text = stem.text
        responses = item.findall("presentation/response_lid") + item.findall("presentation/response_str")
        [response] = responses
        if j["type"] == "cloze":
            blank = response.get("ident").removeprefix("response_")
            assert text.count(f"[{blank}]") == 1
            text = text.replace(f"[{blank}]", CLOZE_BLANK)
        assert html_blocks(text) == expected_stem(j), j["id"]
        # the feedback: shown whatever the response, with the quote and its source
        [feedback] = item.findall("itemfeedback")
        assert feedback.get("ident") == "general_fb"
        check_feedback(qset, j, feedback.findtext("flow_mat/material/mattext"))
        assert "general_fb" in score(item, {})[1]
        rid = response.get("ident")
        if j["type"] in ("single", "true_false", "multiple"):
            assert response.tag == "response_lid" and rid == "response1"
            assert response.get("rcardinality") == ("Multiple" if j["type"] == "multiple" else "Single")
            shown = labels(response)
            assert [t for _, t in shown] == [expected(o) for o in j["options"]]
            idents = [i for i, _ in shown]
            # exactly one set of picks scores 100, and it is the set of keys
            sizes = range(1, len(idents) + 1) if j["type"] == "multiple" else [1]
            full = [set(c) for n in sizes for c in itertools.combinations(idents, n) if score(item, {rid: set(c)})[0] == 100]
            assert full == [{i for i, t in shown if t in {expected(a) for a in j["answers"]}}], j["id"]
            assert score(item, {rid: set()})[0] == 0
        elif j["type"] == "short":
            assert response.tag == "response_str" and rid == "response1"
            accepted = [v.text for v in item.iter("varequal")]
            assert accepted[0] == typed(j["answers"][0])
            assert set(accepted) <= known_spellings(qset, j)
            for text in accepted:
                assert score(item, {rid: text})[0] == 100
                assert score(item, {rid: text.upper()})[0] == 100  # Canvas compares without case
            assert score(item, {rid: "certainly not " + accepted[0]})[0] == 0
        else:
            assert response.tag == "response_lid"
            assert response.findtext("material/mattext") == blank
            shown = labels(response)
            assert shown[0][1] == typed(j["answers"][0])
            fact = qset.deck.fact(j["fact"])
            assert {typed(s) for s in fact.spellings(j["answers"][0])} <= {t for _, t in shown} <= known_spellings(qset, j)
            for ident, _ in shown:
                assert score(item, {rid: {ident}})[0] == 100
            assert score(item, {rid: set()})[0] == 0


def test_bundled_deck_is_a_canvas_package_that_reads_back_as_the_json_export():
    qset = bundled()
    data, output = export(qset)
    round_trip(qset, data)
    assert output.problems == ()
    package = read_package(data)
    assert package.names == ["imsmanifest.xml", f"{package.ident}/{package.ident}.xml", f"{package.ident}/assessment_meta.xml"]
    assert package.meta.findtext("title") == qset.deck.title
    assert package.meta.findtext("shuffle_answers") == "false"
    assert package.meta.findtext("points_possible") == f"{len(qset)}.0"


def test_hostile_text_is_text_in_every_item():
    qset = hostile()
    data, output = export(qset)
    round_trip(qset, data)
    package = read_package(data)
    assert package.meta.findtext("title") == " ".join(expected(qset.deck.title).split())
    from lxml import html as lxml_html

    for mattext in package.assessment.iter("mattext"):
        if mattext.get("texttype") == "text/html":
            found = {e.tag for e in lxml_html.fragment_fromstring(mattext.text, create_parent="span").iter()}
            assert found <= {"span", "div", "p", "br", "blockquote", "a"}, found
    # the "javascript:" url is not a link; the https one is, with its & and <> escaped
    feedback = "".join(m.text for m in package.assessment.iter("mattext"))
    assert "javascript" not in feedback and 'href="https://example.org/a?b=1&amp;c=&lt;2&gt;"' in feedback


def test_the_dtd_check_fails_on_an_invalid_item():
    data, _ = export(build([Spec("a/b", "single", "Which?", ("x", "y"), ("x",))]))
    assessment = read_package(data).assessment
    item = assessment.find("assessment/section/item")
    item.insert(0, item.find("presentation"))  # presentation before itemmetadata: the DTD's order broken
    assert any("a/b" in e for e in dtd_errors(assessment))
    etree.SubElement(assessment.find("assessment/section/item/resprocessing"), "bogus")
    assert dtd_errors(assessment)


def test_the_layout_check_fails_when_the_meta_file_is_elsewhere():
    data, _ = export(build([Spec("a/b", "single", "Which?", ("x", "y"), ("x",))]))
    source = zipfile.ZipFile(io.BytesIO(data))
    moved = io.BytesIO()
    with zipfile.ZipFile(moved, "w") as archive:
        for name in source.namelist():
            archive.writestr(name.replace("assessment_meta.xml", "meta.xml"), source.read(name))
    errors = read_package(moved.getvalue()).errors
    assert any("assessment_meta.xml" in e for e in errors), errors


def test_zip_is_reproducible_and_identifiers_are_derived():
    qset = bundled()
    first, _ = export(qset)
    assert export(qset)[0] == first
    infos = zipfile.ZipFile(io.BytesIO(first)).infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o644}
    # another version is another quiz, with other identifiers; the same version, the same ones
    other, _ = export(qset, version=1)
    assert read_package(other).ident != read_package(first).ident
    assert export(qset, version=1)[0] == other


def test_version_is_the_printed_quiz_version():
    from studykit.quiz import plan_version, select_questions

    qset = bundled()
    data, output = export(qset, version=3, count=15, families=["who", "year"])
    planned = plan_version(select_questions(qset, families=["who", "year"]), count=15, seed=qset.seed, version=3, deck=qset.deck)
    package = read_package(data)
    assert package.errors == [] and dtd_errors(package.assessment) == []
    items = package.assessment.findall("assessment/section/item")
    assert [i.get("title") for i in items] == [p.question.id for p in planned]
    for item, p in zip(items, planned, strict=True):
        response = item.find("presentation/response_lid")
        if p.question.type in ("single", "multiple", "true_false"):
            assert [t for _, t in labels(response)] == list(p.options)
    assert package.meta.findtext("title") == f"{qset.deck.title} — Version 3"
    assert local(etree.fromstring(package.assessment_bytes)).find("assessment").get("title") == f"{qset.deck.title} — Version 3"


def test_the_html_tests_hostile_sample_reads_back_as_text():
    qset = evil_sample()
    data, output = export(qset)
    round_trip(qset, data)
    assert b"<script" not in data and b"<img" not in data

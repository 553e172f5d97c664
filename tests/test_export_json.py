"""The JSON export contract (version 1) and the Python API example of the README."""

from __future__ import annotations

import hashlib
import json

import studykit
from studykit.cli import main
from studykit.model import QUESTION_TYPES


def export(project, in_dir, capsys, *extra):
    with in_dir(project.root):
        code = main(["export", "decks/test.yaml", "--format", "json", *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_json_contract(make_project, in_dir, capsys):
    project = make_project()
    data = json.loads(export(project, in_dir, capsys))
    assert data["format"] == "studykit-export" and data["version"] == 1
    assert data["deck"] == {"id": "test-deck", "title": "Test deck", "description": "A deck for tests."}
    [source] = data["sources"]
    assert set(source) == {"id", "path", "title", "outlet", "author", "published", "sha256"}
    assert source["path"] == "seeds/000_report.txt" and source["published"] == "2022-02-25"
    document = (project.root / source["path"]).read_bytes()
    assert source["sha256"] == hashlib.sha256(document).hexdigest()
    text = document.decode("utf-8")
    assert [f["id"] for f in data["facts"]][:2] == ["unsc-vote", "partition-vote"]
    assert data["facts"][0]["fields"]["abstained"] == ["India", "United Arab Emirates", "China"]
    for item in data["facts"] + data["questions"]:
        for e in item["evidence"]:
            assert set(e) == {"source", "quote", "start", "end"}
            assert text[e["start"] : e["end"]] == e["quote"]
    for q in data["questions"]:
        assert q["id"] == f"{q['fact']}/{q['template']}"
        assert q["type"] in QUESTION_TYPES
        if q["type"] in ("short", "cloze"):
            assert q["options"] == []
            # the other spellings a marker accepts, never the key itself
            assert not {a.casefold() for a in q["accepted"]} & {a.casefold() for a in q["answers"]}, q
        else:
            assert set(q["answers"]) <= set(q["options"]) and q["accepted"] == []
        assert q["prompt"] and q["explanation"] and q["answer_type"]
        # ordered options (years, dates, figures) say so, and are ascending
        assert q["ordered"] is (q["answer_type"] in ("year", "date", "number") and bool(q["options"])), q
        if q["ordered"] and q["answer_type"] != "date":
            values = [float(o.replace(",", "").split()[-1]) for o in q["options"] if o.replace(",", "").split()[-1].replace(".", "").isdigit()]
            assert values == sorted(values), q["options"]


def test_export_to_file_equals_stdout(make_project, in_dir, capsys):
    project = make_project()
    printed = export(project, in_dir, capsys)
    export(project, in_dir, capsys, "-o", "out/deck.json")
    assert (project.root / "out" / "deck.json").read_text(encoding="utf-8") == printed


def test_seed_changes_option_order_only(make_project, in_dir, capsys):
    project = make_project()
    one = json.loads(export(project, in_dir, capsys, "--seed", "1"))["questions"]
    two = json.loads(export(project, in_dir, capsys, "--seed", "2"))["questions"]
    assert [q["id"] for q in one] == [q["id"] for q in two]
    assert [q["options"] for q in one] != [q["options"] for q in two]
    assert [sorted(q["answers"]) for q in one] == [sorted(q["answers"]) for q in two]


def test_api_is_flat():
    for name in ("load_deck", "generate", "write_json", "to_json", "LoadError", "StudykitError", "Location", "Question"):
        assert hasattr(studykit, name), name


def test_streamed_json_is_the_data_one_item_a_line(make_project):
    from studykit.export.json import to_data

    qset = studykit.generate(studykit.load_deck(make_project().deck()))
    text = studykit.to_json(qset)
    assert json.loads(text) == to_data(qset)
    question_lines = [line for line in text.splitlines() if line.startswith('    {"id": "') and '"template"' in line]
    assert len(question_lines) == len(qset)


def test_a_written_answer_carries_the_spellings_a_marker_accepts(make_project):
    """A free answer or a cloze says which other spellings count ("Furman" for "Noa Furman"), so a
    tool marking it needs no second source; a choice question accepts only its options."""
    from conftest import facts_with

    qset = studykit.generate(studykit.load_deck(make_project(facts_with(furman={"aliases": {"Noa Furman": ["Furman"]}})).deck()))
    data = json.loads(studykit.to_json(qset))
    accepted = {q["id"]: (q["answers"], q["accepted"]) for q in data["questions"]}
    assert accepted["furman/cloze"] == (["Noa Furman"], ["Furman"])
    assert all(q["accepted"] == [] for q in data["questions"] if q["type"] not in ("short", "cloze"))


"""The Anki exporter against real Anki: every package here is imported into a fresh collection.

``anki`` is imported at the top on purpose: without it these tests fail, they are never skipped.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition
from anki_helpers import (
    ADDED_FACTS,
    REPORT_URL,
    base_facts,
    fact,
    import_apkg,
    new_project,
    notes_by_guid,
    questions,
    review,
    revlog,
)

import studykit
from studykit.errors import ExportError
from studykit.export import anki as exporter
from studykit.export.anki import AnkiReport, note_guid, stable_id, write_apkg

pytestmark = pytest.mark.anki

ROOT = Path(__file__).resolve().parent.parent
T0 = 1_750_000_000  # a fixed "now" for the first build
ALWAYS = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS


@pytest.fixture
def project(make_project):
    return new_project(make_project)


@pytest.fixture
def col(tmp_path):
    folder = tmp_path / "collection"
    folder.mkdir()
    collection = Collection(str(folder / "c.anki2"))
    yield collection
    collection.close()


def build(qset, path: Path, now: float = T0, **kwargs) -> AnkiReport:
    """write_apkg, failing the test on any warning (genanki warns about unescaped HTML)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return write_apkg(qset, path, now=now, **kwargs)


def guids_of(qset, fact_ids) -> set[str]:
    return {note_guid(qset.deck.id, q) for q in qset if q.fact in fact_ids}


# --- first import, re-import ------------------------------------------------------------------


def test_first_import_adds_every_note_and_the_same_file_again_changes_nothing(project, col, tmp_path):
    qset = questions(project)
    assert any(q.type == "cloze" for q in qset) and any(q.type == "short" for q in qset)
    report = build(qset, tmp_path / "out.apkg")
    assert (report.notes, report.cards, report.new, report.changed, report.unchanged) == (len(qset), len(qset), len(qset), 0, 0)

    first = import_apkg(col, report.path)
    assert (first.new, first.updated, first.conflicting) == (len(qset), 0, 0)
    assert col.note_count() == len(qset)
    assert col.card_count() == report.cards  # one card per note, clozes included
    notes = notes_by_guid(col)
    assert set(notes) == {note_guid(qset.deck.id, q) for q in qset}
    assert {n["model"] for n in notes.values()} == {"Studykit Question", "Studykit Cloze"}
    for q in qset:
        assert len(notes[note_guid(qset.deck.id, q)]["cards"]) == 1, q.id

    again = import_apkg(col, report.path)
    assert (again.new, again.updated, again.conflicting, again.duplicate) == (0, 0, 0, len(qset))
    assert col.note_count() == len(qset)


def test_rebuild_without_changes_is_byte_identical_and_imports_as_unchanged(project, col, tmp_path):
    qset = questions(project)
    first = build(qset, tmp_path / "a.apkg", now=T0)
    ledger_before = first.ledger_path.read_bytes()
    second = build(questions(project), tmp_path / "b.apkg", now=T0 + 3600)
    assert (second.new, second.changed, second.unchanged) == (0, 0, len(qset))
    assert second.timestamp == first.timestamp == T0
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()
    assert first.ledger_path.read_bytes() == ledger_before

    import_apkg(col, tmp_path / "a.apkg")
    result = import_apkg(col, tmp_path / "b.apkg")
    assert (result.new, result.updated, result.conflicting) == (0, 0, 0)


_GUID_SCRIPT = """
import json, sys
from pathlib import Path
import studykit
from studykit.export.anki import note_guid, write_apkg
qset = studykit.generate(studykit.load_deck(sys.argv[1]), seed=0)
out = Path(sys.argv[2])
write_apkg(qset, out / "deck.apkg", ledger_path=out / "ledger.json", now=1750000000)
print(json.dumps({q.id: note_guid(qset.deck.id, q) for q in qset}))
"""


def test_guids_and_package_bytes_are_the_same_in_other_processes(project, tmp_path):
    results = []
    for seed in ("1", "4242"):
        out = tmp_path / f"run-{seed}"
        out.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", _GUID_SCRIPT, str(project.deck()), str(out)],
            env=env, capture_output=True, text=True, check=True,
        )
        results.append((json.loads(done.stdout), (out / "deck.apkg").read_bytes()))
    (guids_a, bytes_a), (guids_b, bytes_b) = results
    assert guids_a == guids_b
    assert len(set(guids_a.values())) == len(guids_a)
    assert bytes_a == bytes_b
    qset = questions(project)
    assert guids_a == {q.id: note_guid(qset.deck.id, q) for q in qset}


# --- updates in place ---------------------------------------------------------------------------


def test_rebuild_after_editing_and_adding_facts_updates_in_place_and_keeps_reviews(project, col, tmp_path):
    facts = base_facts()
    qset1 = questions(project, facts)
    build(qset1, tmp_path / "v1.apkg", now=T0)
    assert import_apkg(col, tmp_path / "v1.apkg").new == len(qset1)

    # review a card of a fact that is about to be edited
    edited_ids = {"ties-cut", "strike"}
    reviewed_guid = note_guid(qset1.deck.id, qset1.by_id("ties-cut/who-did"))
    reviewed_card = notes_by_guid(col)[reviewed_guid]["cards"][0]
    review(col, reviewed_card)
    history = revlog(col, reviewed_card)
    assert len(history) == 1
    scheduled = col.get_card(reviewed_card)
    assert scheduled.reps == 1

    # edit k = 2 facts, add m = 2
    fact(facts, "ties-cut")["action"] = "broke off diplomatic ties with Israel"
    fact(facts, "strike")["according_to"] = "an Israeli official"
    facts += ADDED_FACTS
    qset2 = questions(project, facts)
    added_ids = {f["id"] for f in ADDED_FACTS}
    expected_new = guids_of(qset2, added_ids)
    expected_updated = guids_of(qset2, edited_ids)
    assert expected_new and expected_updated

    report = build(qset2, tmp_path / "v2.apkg", now=T0 + 86400)
    assert (report.new, report.changed) == (len(expected_new), len(expected_updated))
    assert report.unchanged == len(qset1) - len(expected_updated)

    notes_before = col.note_count()
    result = import_apkg(col, tmp_path / "v2.apkg")
    assert (result.new, result.updated, result.conflicting) == (len(expected_new), len(expected_updated), 0)
    assert result.duplicate == report.unchanged
    assert col.note_count() == notes_before + len(expected_new)

    notes = notes_by_guid(col)
    assert expected_new <= set(notes)
    assert "broke off diplomatic ties" in notes[reviewed_guid]["fields"]["Question"]
    assert "an Israeli official" in notes[note_guid(qset2.deck.id, qset2.by_id("strike/which-rationale"))]["fields"]["Question"]
    # the reviewed card is the same card, with its scheduling and review history
    assert notes[reviewed_guid]["cards"] == [reviewed_card]
    assert revlog(col, reviewed_card) == history
    after = col.get_card(reviewed_card)
    assert (after.reps, after.type, after.queue, after.due, after.ivl) == (
        scheduled.reps, scheduled.type, scheduled.queue, scheduled.due, scheduled.ivl
    )


def test_a_change_within_the_same_second_still_updates(project, col, tmp_path):
    facts = base_facts()
    build(questions(project, facts), tmp_path / "v1.apkg", now=T0)
    import_apkg(col, tmp_path / "v1.apkg")
    fact(facts, "ties-cut")["action"] = "broke off diplomatic ties with Israel"
    qset = questions(project, facts)
    report = build(qset, tmp_path / "v2.apkg", now=T0)  # same clock reading as the first build
    assert report.changed == len(guids_of(qset, {"ties-cut"}))
    result = import_apkg(col, tmp_path / "v2.apkg")
    assert (result.updated, result.conflicting) == (report.changed, 0)


def test_a_question_that_becomes_multiple_choice_updates_instead_of_conflicting(project, col, tmp_path):
    # Without a third speaker, 'who said' has one provably wrong option and falls back to a short
    # answer; adding the third statement makes it a choice question. One note type serves both.
    facts = [f for f in base_facts() if f["id"] not in ("lapid", "odd-minister")]
    qset1 = questions(project, facts)
    assert qset1.by_id("furman/who-said").type == "short"
    build(qset1, tmp_path / "v1.apkg", now=T0)
    import_apkg(col, tmp_path / "v1.apkg")

    qset2 = questions(project, [f for f in base_facts() if f["id"] != "odd-minister"])
    assert qset2.by_id("furman/who-said").type == "single"
    report = build(qset2, tmp_path / "v2.apkg", now=T0 + 60)
    result = import_apkg(col, tmp_path / "v2.apkg")
    assert result.conflicting == 0
    assert result.updated == report.changed >= 1
    stored = notes_by_guid(col)[note_guid(qset2.deck.id, qset2.by_id("furman/who-said"))]["fields"]
    assert "sk-key" in stored["Key"] and "Amos Gilad" in stored["Options"]


def test_a_css_change_updates_the_note_types_in_place(project, col, tmp_path, monkeypatch):
    qset = questions(project)
    build(qset, tmp_path / "v1.apkg", now=T0)
    import_apkg(col, tmp_path / "v1.apkg")
    note_types_before = sorted((m.id, m.name) for m in col.models.all_names_and_ids())

    monkeypatch.setattr(exporter, "CSS", exporter.CSS + "\n.sk-card { letter-spacing: 0.01em; }\n")
    report = build(qset, tmp_path / "v2.apkg", now=T0 + 60)
    assert report.note_types_changed == 2 and report.changed == 0
    result = import_apkg(col, tmp_path / "v2.apkg")
    assert (result.new, result.updated, result.conflicting) == (0, 0, 0)
    assert sorted((m.id, m.name) for m in col.models.all_names_and_ids()) == note_types_before
    assert not any(m.name.endswith("+") for m in col.models.all_names_and_ids())
    for note_type in exporter.NOTE_TYPES:
        assert "letter-spacing: 0.01em" in col.models.get(note_type.id)["css"]


def test_a_new_field_merges_into_the_note_type_when_imported_with_merge(project, col, tmp_path, monkeypatch):
    qset = questions(project)
    build(qset, tmp_path / "v1.apkg", now=T0)
    import_apkg(col, tmp_path / "v1.apkg")
    old_ids = {f["name"]: f["id"] for f in col.models.get(exporter.QUESTION.id)["flds"]}

    grown = dataclasses.replace(exporter.QUESTION, fields=exporter.QUESTION.fields + ("Notes",))
    monkeypatch.setattr(exporter, "QUESTION", grown)
    monkeypatch.setattr(exporter, "NOTE_TYPES", (grown, exporter.CLOZE))
    report = build(qset, tmp_path / "v2.apkg", now=T0 + 60)
    question_notes = sum(1 for q in qset if q.type != "cloze")
    assert report.changed == question_notes  # the schema is part of every note's content
    # Merging stamps the existing notes with the import time, so they are newer than the file:
    # after a schema change the user imports with "Merge note types" and "Update notes: always".
    result = import_apkg(col, tmp_path / "v2.apkg", merge_notetypes=True, update_notes=ALWAYS)
    assert (result.new, result.updated, result.conflicting) == (0, question_notes, 0)
    names = [m.name for m in col.models.all_names_and_ids()]
    assert not any(name.endswith("+") for name in names)
    fields = {f["name"]: f["id"] for f in col.models.get(exporter.QUESTION.id)["flds"]}
    assert fields == {**old_ids, "Notes": grown.field_id("Notes")}


def test_note_types_have_stable_ids_for_the_type_its_fields_and_its_template(project, col, tmp_path):
    build(questions(project), tmp_path / "out.apkg")
    import_apkg(col, tmp_path / "out.apkg")
    for note_type in exporter.NOTE_TYPES:
        model = col.models.get(note_type.id)
        assert model is not None and model["name"] == note_type.name
        assert note_type.id == stable_id(note_type.key)
        assert [(f["name"], f["id"]) for f in model["flds"]] == [(n, note_type.field_id(n)) for n in note_type.fields]
        assert [(t["name"], t["id"]) for t in model["tmpls"]] == [(note_type.template, note_type.template_id)]
    assert col.models.get(exporter.CLOZE.id)["type"] == 1  # Anki's cloze type


# --- organisation and content -------------------------------------------------------------------


def test_decks_subdecks_and_tags(project, col, tmp_path):
    qset = questions(project)
    report = build(qset, tmp_path / "out.apkg")
    assert report.decks == ("Test deck", "Test deck::At the UN", "Test deck::History")
    import_apkg(col, tmp_path / "out.apkg")
    assert {"Test deck", "Test deck::At the UN", "Test deck::History"} <= {d.name for d in col.decks.all_names_and_ids()}
    notes = notes_by_guid(col)
    facts = {f.id: f for f in qset.deck.facts}
    for q in qset:
        note = notes[note_guid(qset.deck.id, q)]
        expected_deck = f"Test deck::{qset.deck.topics[q.topic]}" if q.topic else "Test deck"
        assert note["decks"] == [expected_deck], q.id
        assert f"studykit::family::{q.family}" in note["tags"]
        assert f"kind::{facts[q.fact].kind}" in note["tags"]
        for evidence in q.evidence:
            assert f"source::{evidence.source}" in note["tags"]
        assert all(" " not in tag for tag in note["tags"])


def test_the_back_shows_answer_explanation_quote_and_source(project, col, tmp_path):
    qset = questions(project)
    build(qset, tmp_path / "out.apkg")
    import_apkg(col, tmp_path / "out.apkg")
    notes = notes_by_guid(col)

    q = qset.by_id("unsc-vote/who-abstained")
    card = col.get_card(notes[note_guid(qset.deck.id, q)]["cards"][0])
    front, back = card.question(), card.answer()
    assert "<li dir=\"auto\">China</li>" in front and "class=\"sk-key\"" not in front  # options, unmarked
    assert '<li class="sk-key" dir="auto"><span class="sk-mark">✓</span> China</li>' in back
    assert "Russia vetoed the resolution, while India, the UAE and China abstained." in back  # the quote
    assert "Israel &amp; the UN &lt;vote&gt;" in back  # headline, escaped
    assert "The Test Times" in back and "25 February 2022" in back
    assert f'href="{REPORT_URL.replace("&", "&amp;")}"' in back
    assert q.explanation.split(":")[0] in back

    short = next(q for q in qset if q.type == "short")
    back = col.get_card(notes[note_guid(qset.deck.id, short)]["cards"][0]).answer()
    assert f'<div class="sk-answer" dir="auto">{short.answers[0]}</div>' in back

    odd = col.get_card(notes[note_guid(qset.deck.id, qset.by_id("odd-minister/who-said"))]["cards"][0]).answer()
    assert "A forum · date unknown" in odd
    assert "<sup>[1]</sup>" in odd and "<sup>[2]</sup>" in odd  # two sources, each quote numbered
    assert 'class="sk-title">Report odd</span>' in odd  # no URL: no link


def test_user_text_is_escaped_and_cannot_act_as_template_or_cloze_syntax(project, col, tmp_path):
    qset = questions(project)
    build(qset, tmp_path / "out.apkg")  # fails on any genanki warning
    import_apkg(col, tmp_path / "out.apkg")
    notes = notes_by_guid(col)

    who = notes[note_guid(qset.deck.id, qset.by_id("odd-minister/who-said"))]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in who["fields"]["Question"]
    assert "&#123;&#123;c1::never&#125;&#125;" in who["fields"]["Question"]
    assert "<script" not in "".join(who["fields"].values())
    rendered = col.get_card(who["cards"][0]).question()
    assert "<script" not in rendered and "&lt;script&gt;" in rendered

    cloze_q = qset.by_id("odd-minister/cloze")
    cloze = notes[note_guid(qset.deck.id, cloze_q)]
    assert cloze["fields"]["Text"].count("{{c1::") == 1  # only the real deletion; the quoted one is text
    assert len(cloze["cards"]) == 1
    card = col.get_card(cloze["cards"][0])
    assert "[...]" in card.question() and "never" in card.question()  # the quoted cloze is not a blank
    assert "<script" not in card.answer()


def test_a_cloze_deletion_with_colons_is_not_read_as_a_hint(project, col, tmp_path):
    qset = questions(project)
    cloze = next(q for q in qset if q.type == "cloze")
    before, deleted, after = cloze.cloze
    tricky = dataclasses.replace(cloze, cloze=(before, "A::B {x}", after))
    odd_set = studykit.QuestionSet(qset.deck, (tricky,), qset.seed)
    build(odd_set, tmp_path / "out.apkg")
    import_apkg(col, tmp_path / "out.apkg")
    (note,) = notes_by_guid(col).values()
    assert "{{c1::A&#58;&#58;B &#123;x&#125;}}" in note["fields"]["Text"]
    answer = col.get_card(note["cards"][0]).answer()
    assert "A&#58;&#58;B &#123;x&#125;" in answer


def test_the_report_counts_questions_no_longer_generated(project, tmp_path):
    facts = base_facts()
    first = build(questions(project, facts), tmp_path / "out.apkg")
    assert first.summary() == f"{first.notes} notes, {first.cards} cards; {first.notes} new, 0 changed, 0 unchanged"
    qset = questions(project, [f for f in facts if f["id"] != "lapid"])
    second = build(qset, tmp_path / "out.apkg", now=T0 + 60)
    gone = first.notes - second.notes
    assert gone > 0 and second.removed == gone
    assert f"{gone} no longer generated" in second.summary()
    ledger = json.loads(second.ledger_path.read_text(encoding="utf-8"))
    assert len(ledger["notes"]) == first.notes  # kept: a question that comes back keeps its mod


# --- files: ledger, atomic writes, errors --------------------------------------------------------


def test_ledger_lives_beside_the_deck_and_is_deterministic(project, tmp_path):
    qset = questions(project)
    report = build(qset, tmp_path / "out.apkg")
    assert report.ledger_path == project.deck().with_suffix(".ledger.json")
    text = report.ledger_path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data) == sorted(data)  # keys in order, one note a line
    assert [line.strip().rsplit(": {", 1)[0] for line in text.splitlines()[5:-2]] == [json.dumps(g) for g in sorted(data["notes"])]
    assert build(qset, tmp_path / "again.apkg").ledger_path.read_text(encoding="utf-8") == text
    assert set(data["notes"]) == {note_guid(qset.deck.id, q) for q in qset}
    assert all(entry["mod"] == T0 for entry in data["notes"].values())
    assert {entry["id"] for entry in data["notes"].values()} == {q.id for q in qset}


def test_a_damaged_ledger_is_a_user_error(project, tmp_path):
    qset = questions(project)
    ledger = tmp_path / "ledger.json"
    ledger.write_text("{not json", encoding="utf-8")
    with pytest.raises(ExportError) as info:
        build(qset, tmp_path / "out.apkg", ledger_path=ledger)
    assert str(ledger) in str(info.value) and "not valid JSON" in str(info.value)
    assert not (tmp_path / "out.apkg").exists()


def test_an_unwritable_destination_raises_export_error_and_leaves_no_temp_file(project, tmp_path):
    qset = questions(project)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ExportError) as info:
        build(qset, blocker / "out.apkg")
    assert "cannot write" in str(info.value)


def test_a_failed_write_keeps_the_previous_package(project, tmp_path, monkeypatch):
    qset = questions(project)
    target = tmp_path / "out" / "deck.apkg"
    build(qset, target)
    before = target.read_bytes()

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ExportError) as info:
        build(qset, target, now=T0 + 60)
    assert "No space left on device" in str(info.value)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["deck.apkg"]


def test_duplicate_question_ids_are_refused(project, tmp_path):
    qset = questions(project)
    doubled = studykit.QuestionSet(qset.deck, qset.questions + qset.questions[:1], qset.seed)
    with pytest.raises(ExportError, match="same Anki note"):
        build(doubled, tmp_path / "out.apkg")

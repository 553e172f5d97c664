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


def test_the_summary_compares_with_the_last_build_in_words_unlike_ankis_own(project, tmp_path):
    facts = base_facts()
    first = build(questions(project, facts), tmp_path / "out.apkg")
    assert first.summary() == f"{first.notes} notes, {first.cards} cards; first build: no ledger yet, so every note is new to it"
    again = build(questions(project, facts), tmp_path / "out.apkg", now=T0 + 60)
    assert again.summary() == f"{again.notes} notes, {again.cards} cards; since the last build: 0 new, 0 changed, {again.notes} unchanged"
    qset = questions(project, [f for f in facts if f["id"] != "lapid"])
    second = build(qset, tmp_path / "out.apkg", now=T0 + 120)
    gone = first.notes - second.notes
    assert gone > 0 and second.retired == gone and second.retired_before == 0
    assert f", {gone} retired; {gone} retired notes shipped (tag studykit::retired)" in second.summary()
    assert "since the last build: 0 new, " in second.summary()
    third = build(qset, tmp_path / "out.apkg", now=T0 + 180)
    assert (third.retired, third.retired_before, third.changed) == (0, gone, 0)
    assert third.summary().endswith(f"{third.notes} unchanged; {gone} retired notes shipped (tag studykit::retired)")
    ledger = json.loads(third.ledger_path.read_text(encoding="utf-8"))
    assert len(ledger["notes"]) == first.notes  # kept: a question that comes back keeps its identity
    retired = {g: e for g, e in ledger["notes"].items() if "retired" in e}
    assert len(retired) == gone
    assert {e["retired"] for e in retired.values()} == {"2025-06-15"}  # the day of the build that retired them (T0 + 120)
    assert {e["reason"] for e in retired.values()} == {"its fact ‘lapid’ is no longer in the deck"}
    assert all(e["type"] in ("studykit/question/v1", "studykit/cloze/v1") for e in ledger["notes"].values())


def _hashes(qset) -> dict[str, str]:
    from studykit.export.anki_package import Staging

    return {p.guid: p.hash for p in exporter._plan(qset, Staging(), {})}


def test_a_removed_fact_is_shipped_as_retired_notes_that_update_in_place(project, col, tmp_path):
    """Real Anki: after a fact is removed, re-importing updates its notes (now retired, same GUID,
    same note type) and the notes whose content changed with it, and no other."""
    facts = base_facts()
    qset1 = questions(project, facts)
    build(qset1, tmp_path / "v1.apkg", now=T0)
    assert import_apkg(col, tmp_path / "v1.apkg").new == len(qset1)
    before = notes_by_guid(col)
    gone = guids_of(qset1, {"lapid"})
    assert len(gone) >= 2 and {before[g]["model"] for g in gone} == {"Studykit Question", "Studykit Cloze"}
    reviewed = before[sorted(gone)[0]]["cards"][0]
    review(col, reviewed)
    history = revlog(col, reviewed)

    qset2 = questions(project, [f for f in facts if f["id"] != "lapid"])
    old, new = _hashes(qset1), _hashes(qset2)
    changed = {g for g in new if old.get(g) != new[g]}
    assert changed, "removing a speaker changes the who-said options of the others"
    report = build(qset2, tmp_path / "v2.apkg", now=T0 + 86400)
    assert (report.new, report.changed, report.retired) == (0, len(changed), len(gone))

    result = import_apkg(col, tmp_path / "v2.apkg")
    assert (result.new, result.updated, result.conflicting) == (0, len(gone) + len(changed), 0)
    assert result.duplicate == len(qset2) - len(changed)
    after = notes_by_guid(col)
    assert set(after) == set(before)  # nothing added, nothing lost
    for guid in gone:
        note = after[guid]
        assert note["mid"] == before[guid]["mid"] and note["cards"] == before[guid]["cards"]
        assert note["tags"] == ["studykit::deck::test-deck", "studykit::retired"]
        text = " ".join(note["fields"].values())
        assert "This question was removed from the deck on 16 June 2025: its fact ‘lapid’ is no longer in the deck." in text
        assert "tag:studykit::retired" in text
    for guid in set(after) - gone:
        assert "studykit::retired" not in after[guid]["tags"]
        if guid not in changed:
            assert after[guid]["fields"] == before[guid]["fields"]
    # the learner deletes them all with one search; a reviewed card kept its history until then
    assert set(col.find_notes("tag:studykit::retired")) == {after[g]["id"] for g in gone}
    assert revlog(col, reviewed) == history
    cloze = next(after[g] for g in gone if after[g]["model"] == "Studykit Cloze")
    assert "{{c1::retired}}" in cloze["fields"]["Text"]
    assert "retired" in col.get_card(cloze["cards"][0]).answer()

    # the next build ships them again, unchanged: Anki leaves them alone
    report3 = build(qset2, tmp_path / "v3.apkg", now=T0 + 2 * 86400)
    assert (report3.retired, report3.retired_before, report3.changed) == (0, len(gone), 0)
    result = import_apkg(col, tmp_path / "v3.apkg")
    assert (result.new, result.updated, result.conflicting) == (0, 0, 0)

    # a learner who imports only this later package gets them updated too: as retired notes, in their own subdeck
    fresh_folder = tmp_path / "fresh"
    fresh_folder.mkdir()
    fresh = Collection(str(fresh_folder / "c.anki2"))
    try:
        assert import_apkg(fresh, tmp_path / "v3.apkg").new == len(qset2) + len(gone)
        retired_notes = notes_by_guid(fresh)
        assert {g for g, n in retired_notes.items() if "studykit::retired" in n["tags"]} == gone
        assert {tuple(retired_notes[g]["decks"]) for g in gone} == {("Test deck::Retired questions",)}
    finally:
        fresh.close()

    # the fact comes back: its notes update in place and are no longer retired
    report4 = build(questions(project, facts), tmp_path / "v4.apkg", now=T0 + 3 * 86400)
    assert report4.changed == len(gone) + len(changed) and report4.retired_before == 0
    result = import_apkg(col, tmp_path / "v4.apkg")
    assert (result.new, result.updated, result.conflicting) == (0, len(gone) + len(changed), 0)
    back = notes_by_guid(col)
    assert not col.find_notes("tag:studykit::retired")
    assert all(back[g]["fields"] == before[g]["fields"] for g in gone)


def test_a_switched_off_template_retires_its_notes_as_their_own_note_type(project, col, tmp_path):
    qset1 = questions(project)
    build(qset1, tmp_path / "v1.apkg", now=T0)
    import_apkg(col, tmp_path / "v1.apkg")
    clozes = {note_guid(qset1.deck.id, q) for q in qset1 if q.type == "cloze"}
    qset2 = questions(project, base_facts(), disable_templates=["cloze"])
    report = build(qset2, tmp_path / "v2.apkg", now=T0 + 60)
    assert report.retired == len(clozes) and report.changed == 0
    result = import_apkg(col, tmp_path / "v2.apkg")
    assert (result.updated, result.conflicting) == (len(clozes), 0)
    notes = notes_by_guid(col)
    for guid in clozes:
        assert notes[guid]["model"] == "Studykit Cloze"
        assert "the question template ‘cloze’ was switched off" in notes[guid]["fields"]["Text"]


def test_a_ledger_from_before_note_types_were_kept_retires_cloze_notes_as_clozes(project, col, tmp_path):
    qset1 = questions(project)
    first = build(qset1, tmp_path / "v1.apkg", now=T0)
    import_apkg(col, tmp_path / "v1.apkg")
    ledger = json.loads(first.ledger_path.read_text(encoding="utf-8"))
    for entry in ledger["notes"].values():
        del entry["type"]
    first.ledger_path.write_text(json.dumps(ledger), encoding="utf-8")
    facts = [f for f in base_facts() if f["id"] != "gilad"]
    report = build(questions(project, facts), tmp_path / "v2.apkg", now=T0 + 60)
    gone = guids_of(qset1, {"gilad"})
    assert report.retired == len(gone)
    result = import_apkg(col, tmp_path / "v2.apkg")
    assert result.conflicting == 0 and result.updated >= len(gone)
    assert set(col.find_notes("tag:studykit::retired")) == {notes_by_guid(col)[g]["id"] for g in gone}


# --- the back: evidence as a learner reads it ---------------------------------------------------------


PHOTO_DOCUMENT = (
    "Header: Noa Furman, Israel’s deputy ambassador, speaks during a General Assembly meeting at United Nations "
    "headquarters, Friday, Feb. 25, 2022. (AP Photo/Jane Doe)\n\n"
    "The envoy's remarks came late. Noa Furman told the assembly that Israel \"stands with Ukraine\" and left.\n"
)


def test_the_back_shows_whole_sentences_typeset_without_added_quotation_marks_or_captions(make_project, col, tmp_path):
    from anki_helpers import DOCUMENTS

    facts = base_facts()
    fact(facts, "ties-cut")["evidence"] = [{"source": "report", "quote": "as the Soviet Union cut diplomatic ties with Israel"}]
    fact(facts, "ties-cut")["paraphrase"] = ["date"]
    facts.append({
        "id": "furman-stands",
        "kind": "statement",
        "speaker": "Noa Furman",
        "said": "stands with Ukraine",
        "evidence": [
            {"source": "photo", "quote": "Noa Furman told the assembly that Israel \"stands with Ukraine\""},
            {"source": "photo", "quote": "speaks during a General Assembly meeting at United Nations headquarters, Friday, Feb. 25, 2022."},
        ],
    })
    project = new_project(make_project, facts)
    import yaml

    (project.seeds / "009_photo.txt").write_text(PHOTO_DOCUMENT, encoding="utf-8")
    catalog = yaml.safe_load((project.seeds / "catalog.yaml").read_text(encoding="utf-8"))
    catalog["sources"].append({**catalog["sources"][0], "id": "photo", "file": "009_photo.txt", "title": "Photo report", "url": None})
    (project.seeds / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert set(DOCUMENTS) <= {s["id"] for s in catalog["sources"]}
    qset = questions(project)
    build(qset, tmp_path / "out.apkg")
    import_apkg(col, tmp_path / "out.apkg")
    notes = notes_by_guid(col)

    def quote_field(question_id: str) -> str:
        return notes[note_guid(qset.deck.id, qset.by_id(question_id))]["fields"]["Quote"]

    # a fragment is shown as its whole sentence
    ties = quote_field("ties-cut/who-did")
    assert ties == '<blockquote dir="auto">The 1967 Six-Day War marked a pivotal moment as the Soviet Union cut diplomatic ties with Israel.</blockquote>'
    # a quote with its own quotation marks gets none added: never doubled
    gilad = quote_field("gilad/who-said")
    assert gilad == (
        '<blockquote dir="auto">Amos Gilad said: “we don’t have to define our interest as identical to the interest of another entity.”</blockquote>'
    )
    for guid, note in notes.items():
        text = note["fields"].get("Quote", "")
        assert "““" not in text and "””" not in text and "<blockquote dir=\"auto\">“" not in text.replace("“we", ""), guid
    # the caption is left out; straight marks of the document are typeset
    furman = quote_field("furman-stands/who-said")
    assert "United Nations headquarters" not in furman and "AP Photo" not in furman
    assert furman == '<blockquote dir="auto">Noa Furman told the assembly that Israel “stands with Ukraine” and left.</blockquote>'
    # a cloze shows its sentence typeset too, and does not repeat it below
    cloze_q = next(q for q in qset if q.type == "cloze" and q.fact == "furman-stands")
    cloze = notes[note_guid(qset.deck.id, cloze_q)]["fields"]
    assert "“" in cloze["Text"] and '"' not in cloze["Text"].replace('class="', "")
    assert cloze["Quote"] == ""


@pytest.mark.parametrize(
    "line, caption",
    [
        ("Header: Vasily Nebenzya, Russian ambassador to the United Nations, participates in a vote during a Security Council "
         "meeting at United Nations headquarters, Friday, Feb. 25, 2022. (AP Photo/Seth Wenig)", True),
        ("The UN Security Council convenes during an emergency meeting, Sunday, April 13, 2014, at United Nations headquarters. Photo by AP", True),
        ("Israel's Prime Minister Naftali Bennett at a cabinet meeting, Sunday, Feb. 27, 2022.", True),
        ("Soldiers at a checkpoint near Kyiv (Getty Images)", True),
        ("participates in a vote during a Security Council meeting", True),
        ("Ultimately, Russia vetoed the resolution, while India, the UAE and China abstained.", False),
        ("The vote came late. It was held on Friday, Feb. 25, 2022.", False),
        ("A US official said earlier Friday that Washington was aware that Russia would veto the resolution.", False),
    ],
)
def test_caption_like_lines(line, caption):
    from studykit.export.evidence import is_caption

    text = f"Before.\n{line}\nAfter."
    start = text.index(line) + 5
    assert is_caption(text, start, start + 10) is caption


def test_typesetting_keeps_the_length_and_reads_as_print():
    from studykit.phrasing import typeset, typeset_document

    assert typeset("Israel's \"strong\" words") == "Israel’s \"strong\" words"  # a curator's quotes stay verbatim
    for text, expected in [
        ("Israel's \"strong\" words", "Israel’s “strong” words"),
        ("He said: 'no'.", "He said: ‘no’."),
        ("(\"a\")", "(“a”)"),
        ("no marks", "no marks"),
    ]:
        assert typeset_document(text) == expected and len(typeset_document(text)) == len(text)


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


@pytest.mark.parametrize("n", [0, 1, 1999, 2000, 2001, 4500])
def test_the_ledger_is_written_in_pieces_that_make_one_note_a_line(n):
    """The ledger's text is made piece by piece as it is written (never whole in memory), and the
    pieces join into JSON with one note a line, whatever the count at a piece's edge."""
    import json

    from studykit.export.anki_ledger import LEDGER_FORMAT, ledger_pieces

    ledger = {"format": LEDGER_FORMAT, "deck": "d", "note_types": {"basic": {"hash": "h", "mod": 1}},
              "notes": {f"g{i:05d}": {"hash": f"{i}", "id": f"f{i}/t", "mod": i, "type": "basic"} for i in range(n)}}
    pieces = list(ledger_pieces(ledger))
    text = "".join(pieces)
    assert json.loads(text) == ledger
    assert len(text.splitlines()) == n + 7 + (n == 0)  # header lines, a note a line (an empty one for none), closing lines
    assert len(pieces) == 2 + -(-n // 2000)


def test_a_read_ledger_holds_live_notes_compactly_and_writes_back_the_same_bytes(tmp_path):
    """A rebuild reads the whole ledger: each live note's entry becomes a NoteEntry (a quarter of a
    dictionary's memory) as it is parsed, a retired note's stays a dictionary, equal mods and types
    are one object, and the ledger written back from what was read is the file read, byte for byte."""
    import sys

    from studykit.export.anki_ledger import LEDGER_FORMAT, NoteEntry, ledger_text, read_ledger

    notes: dict = {f"g{i:04d}": {"hash": f"h{i}", "id": f"f{i}/who", "mod": 1_700_000_000, "type": "question"} for i in range(50)}
    notes["gone"] = {"hash": "x", "id": "f9/cloze", "mod": 1_700_000_001, "type": "cloze", "retired": "2026-01-01", "reason": "its fact changed"}
    notes["odd"] = {"hash": "y", "id": "f8/who", "mod": True, "type": "question"}  # a bool mod is read as it always was
    ledger = {"format": LEDGER_FORMAT, "deck": "d", "note_types": {"question": {"hash": "h", "mod": 1}}, "notes": notes}
    path = tmp_path / "deck.ledger.json"
    path.write_text(ledger_text(ledger), encoding="utf-8")
    read = read_ledger(path)
    live = [read["notes"][f"g{i:04d}"] for i in range(50)]
    assert all(type(e) is NoteEntry for e in live)
    assert type(read["notes"]["gone"]) is dict and type(read["notes"]["odd"]) is dict
    assert len({id(e["mod"]) for e in live}) == 1 and len({id(e["type"]) for e in live}) == 1
    assert live[3] == notes["g0003"] and live[3].get("retired") is None and dict(live[3]) == notes["g0003"]
    assert sys.getsizeof(live[0]) < sys.getsizeof(dict(notes["g0000"])) / 2
    with pytest.raises(KeyError):
        live[0]["retired"]
    rewritten = ledger_text({"format": LEDGER_FORMAT, "deck": "d", **read})
    assert rewritten == path.read_text(encoding="utf-8")


def test_note_rows_give_back_every_row_in_order_and_hold_a_staged_one_in_machine_words():
    """The rows of a large deck are held compactly (GUID, due, mod and staging offset in arrays):
    iterating gives the same rows in the same order, retired rows with their own fields among
    them, and the note types once each in the order first used (as genanki meets them)."""
    import genanki

    from studykit.export.anki_package import NoteRow, NoteRows

    question = genanki.Model(1, "q", fields=[{"name": "Q"}], templates=[{"name": "c", "qfmt": "{{Q}}", "afmt": "{{Q}}"}])
    cloze = genanki.Model(2, "c", fields=[{"name": "Text"}], templates=[{"name": "c", "qfmt": "{{cloze:Text}}", "afmt": ""}])
    rows = [
        NoteRow(cloze, (), (), "g0", 0, 1_700_000_000, 0),
        NoteRow(question, (), (), "g1", 1, 1_700_000_001, 57),
        NoteRow(question, ("retired",), ("studykit::retired",), "g2", 2, 5, -1),
        NoteRow(cloze, (), (), "g3", 400_000, 2**40, 2**33),
    ]
    held = NoteRows()
    for row in rows:
        held.append(row)
    assert list(held) == rows and len(held) == 4
    assert held.models() == [cloze, question]
    assert list(NoteRows()) == [] and NoteRows().models() == []

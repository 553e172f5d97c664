"""Helpers for tests/test_anki.py: extra test content and a real Anki collection.

Projects are built with the shared ``make_project`` fixture (tests/conftest.py); this module adds
a second document full of text that must stay text in Anki, facts quoting it, and helpers that
import a package into a fresh collection and read back notes, cards and review history.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from conftest import DOCUMENT, FACTS, deck_data

import studykit

#: A document whose text must show as text in Anki: an HTML script tag, Anki field and cloze
#: syntax, a media reference. Its catalog entry has no URL and no publication date.
ODD_DOCUMENT = """\
The minister told reporters: <script>alert('x')</script> {{c1::never}} again, and {{Question}} [sound:boom.mp3] was all.
Yossi Levi met the foreign minister of Ukraine in Kyiv.
Dana Cohen opened a field hospital in western Ukraine.
"""

DOCUMENTS = {"report": DOCUMENT, "odd": ODD_DOCUMENT}
REPORT_URL = "https://example.org/report?a=1&b=2"

ODD_FACT = {
    "id": "odd-minister",
    "kind": "statement",
    "speaker": "The minister",
    "said": "<script>alert('x')</script> {{c1::never}} again",
    "evidence": [
        {"source": "odd", "quote": "The minister told reporters: <script>alert('x')</script> {{c1::never}} again"},
        {"source": "report", "quote": "Yair Lapid said that “Israel is not involved in this conflict.”"},
    ],
}

#: Facts that add questions without touching any other fact's options: events without a date
#: add no year to the pools and their wrong options are their own curated distractors.
ADDED_FACTS = [
    {
        "id": "levi-kyiv",
        "kind": "event",
        "actor": "Yossi Levi",
        "action": "met the foreign minister of Ukraine in Kyiv",
        "distractors": {"actor": ["Dana Cohen", "Amos Gilad", "Noa Furman"]},
        "evidence": [{"source": "odd", "quote": "Yossi Levi met the foreign minister of Ukraine in Kyiv."}],
    },
    {
        "id": "cohen-hospital",
        "kind": "event",
        "actor": "Dana Cohen",
        "action": "opened a field hospital in western Ukraine",
        "distractors": {"actor": ["Yossi Levi", "Amos Gilad", "Noa Furman"]},
        "evidence": [{"source": "odd", "quote": "Dana Cohen opened a field hospital in western Ukraine."}],
    },
]


def base_facts() -> list[dict[str, Any]]:
    return copy.deepcopy(FACTS) + [copy.deepcopy(ODD_FACT)]


def fact(facts: list[dict[str, Any]], fact_id: str) -> dict[str, Any]:
    return next(f for f in facts if f["id"] == fact_id)


def new_project(make_project, facts: list[dict[str, Any]] | None = None, **deck_keys: Any):
    """A project with both documents; the report has a URL, the odd document no date."""
    project = make_project(base_facts() if facts is None else facts, documents=DOCUMENTS, **deck_keys)
    catalog_path = project.seeds / "catalog.yaml"
    catalog = yaml.safe_load(catalog_path.read_text(encoding="utf-8"))
    for source in catalog["sources"]:
        if source["id"] == "report":
            source["url"] = REPORT_URL
            source["title"] = "Israel & the UN <vote>"
        else:
            source["published"] = None
            source["outlet"] = "A forum"
    catalog_path.write_text(yaml.safe_dump(catalog, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return project


def questions(project, facts: list[dict[str, Any]] | None = None, **deck_keys: Any) -> studykit.QuestionSet:
    """Load and generate the project's deck, after rewriting it with ``facts`` if given."""
    if facts is not None:
        project.write_deck(deck_data(facts, **deck_keys))
    return studykit.generate(studykit.load_deck(project.deck()), seed=0)


# --- Anki ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    new: int
    updated: int
    duplicate: int
    conflicting: int


def import_apkg(col: Collection, path: Path, **options: Any) -> Imported:
    """Import with Anki's default options (notes and note types update when the file is newer)
    or with the given ``ImportAnkiPackageOptions`` fields."""
    request = ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions(**options))
    result = col.import_anki_package(request)
    col.models._clear_cache()  # the Python-side note type cache does not see what the import changed
    log = result.log
    return Imported(len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting))


def notes_by_guid(col: Collection) -> dict[str, dict[str, Any]]:
    """Every note: {guid: {id, fields (by name), tags, model, mid, decks, cards}}."""
    result = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        model = col.models.get(note.mid)
        result[note.guid] = {
            "id": nid,
            "fields": dict(zip([f["name"] for f in model["flds"]], note.fields, strict=True)),
            "tags": sorted(note.tags),
            "model": model["name"],
            "mid": note.mid,
            "decks": sorted({col.decks.name(col.get_card(cid).did) for cid in note.card_ids()}),
            "cards": list(note.card_ids()),
        }
    return result


def review(col: Collection, card_id: int, ease: int = 3) -> None:
    """Answer a card with the v3 scheduler as a learner would (3 = Good)."""
    card = col.get_card(card_id)
    card.start_timer()
    col.sched.answerCard(card, ease)


def revlog(col: Collection, card_id: int) -> list[tuple]:
    return col.db.all("select id, ease, ivl, type from revlog where cid = ? order by id", card_id)

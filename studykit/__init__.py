"""studykit: turn a corpus of documents into source-grounded study material.

The public API, flat::

    import studykit
    deck = studykit.load_deck("decks/israel-russia-ukraine.yaml")
    questions = studykit.generate(deck, seed=0)
    studykit.write_json(questions, "dist/deck.json")
    reports = studykit.write(questions, [studykit.exporter("anki"), studykit.exporter("html", versions=2)], "dist")
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Sequence

from . import build
from .build import check, deck_paths, exporter_for, load_decks
from .corpus import Corpus, Document, Source, load_corpus
from .deck import load_deck
from .errors import ExportError, LoadError, Location, Problem, StudykitError, UsageError
from .export import EXPORTERS, Exporter, ExportReport, Output, target_for
from .export.json import to_json, write_json
from .fsio import commit
from .model import KINDS, Deck, Evidence, Fact, Question, QuestionSet
from .questions import generate

__version__ = "0.1.0"

#: ``studykit.exporter("moodle", versions=2)``: an exporter by its format name.
exporter = exporter_for


def write(qset: QuestionSet, exporters: Sequence[Exporter], out_dir: str | Path) -> list[ExportReport]:
    """Write ``qset`` with each exporter to its default place in ``out_dir`` (``<deck id>.apkg``,
    ``<deck id>/`` …), all files or none; return what each wrote."""
    return commit([e.plan(qset, target_for(e, Path(out_dir), qset.deck.id)) for e in exporters])


#: Writers that pull in genanki or the HTML theme, imported on first use.
_LAZY = {
    "write_apkg": "studykit.export.anki",
    "AnkiReport": "studykit.export.anki",
    "write_quiz": "studykit.export.html",
    "QuizReport": "studykit.export.html",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'studykit' has no attribute {name!r}")


__all__ = [
    "AnkiReport",
    "Corpus",
    "Deck",
    "Document",
    "EXPORTERS",
    "Evidence",
    "ExportError",
    "ExportReport",
    "Exporter",
    "Fact",
    "KINDS",
    "LoadError",
    "Location",
    "Output",
    "Problem",
    "Question",
    "QuestionSet",
    "QuizReport",
    "Source",
    "StudykitError",
    "UsageError",
    "build",
    "check",
    "commit",
    "deck_paths",
    "exporter",
    "generate",
    "load_corpus",
    "load_deck",
    "load_decks",
    "to_json",
    "write",
    "write_apkg",
    "write_json",
    "write_quiz",
]

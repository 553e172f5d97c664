"""studykit: turn a corpus of documents into source-grounded study material.

The public API, flat::

    import studykit
    deck = studykit.load_deck("decks/israel-russia-ukraine.yaml")
    questions = studykit.generate(deck, seed=0)
    studykit.write_json(questions, "dist/deck.json")
"""

from .corpus import Corpus, Document, Source, load_corpus
from .deck import load_deck
from .errors import ExportError, LoadError, Location, Problem, StudykitError, UsageError
from .export.json import to_json, write_json
from .model import KINDS, Deck, Evidence, Fact, Question, QuestionSet
from .questions import generate

__version__ = "0.1.0"

#: Exporters that pull in heavy libraries (genanki, jinja2) load on first use, so that
#: ``studykit check`` starts fast.
_LAZY = {
    "write_apkg": "studykit.export.anki",
    "AnkiReport": "studykit.export.anki",
    "write_quiz": "studykit.export.html",
    "QuizReport": "studykit.export.html",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'studykit' has no attribute {name!r}")

__all__ = [
    "AnkiReport",
    "Corpus",
    "Deck",
    "Document",
    "Evidence",
    "ExportError",
    "Fact",
    "KINDS",
    "LoadError",
    "Location",
    "Problem",
    "Question",
    "QuestionSet",
    "QuizReport",
    "Source",
    "StudykitError",
    "UsageError",
    "generate",
    "load_corpus",
    "load_deck",
    "to_json",
    "write_apkg",
    "write_json",
    "write_quiz",
]

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
from .export.anki import AnkiReport, write_apkg
from .export.json import to_json, write_json
from .model import KINDS, Deck, Evidence, Fact, Question, QuestionSet
from .questions import generate

__version__ = "0.1.0"

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
    "Source",
    "StudykitError",
    "UsageError",
    "generate",
    "load_corpus",
    "load_deck",
    "to_json",
    "write_apkg",
    "write_json",
]

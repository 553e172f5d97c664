"""Anki export: a :class:`~studykit.model.QuestionSet` → an ``.apkg`` that updates in place.

What real Anki does on import (``DESIGN.md`` §3) decides the design:

* **Identity.** A note's GUID is ``genanki.guid_for(deck id, fact id, template id)``, never a
  hash of its text, so a corrected fact updates its card instead of adding a second one. Note
  type, deck, field and card-template ids are hashes of stable names (``studykit/question/v1``
  …), the same on every machine and in every process.
* **Two note types.** *Studykit Question* serves short-answer, single/multiple choice and
  true/false questions: the options block appears only when the Options field is filled. One
  type rather than one per question type on purpose: Anki refuses to change a note's type on
  import (the note is logged as "conflicting" and never updated again), and a question can move
  between *single* and *short* between builds when its distractors come or go. *Studykit Cloze*
  is Anki's cloze type (``{{cloze:Text}}``). CSS and template *content* may change freely: the
  note type's own mod moves and Anki updates it in place. Field and template *names* may not:
  Anki matches note types by id, then by the lists of field and template names, and with a
  renamed or added field the default import adds a "Studykit Question+" copy and logs every
  existing note as conflicting (verified with anki 26.x). Every field and template therefore
  carries a stable ``id`` too: importing with "Merge note types" (Anki ≥ 23.10, which matches
  on those ids) and "Update notes: always" then reconciles the schema in place and updates the
  notes (merging stamps existing notes with the import time, so "if newer" would skip them).
  Keep the note type's ``key`` when its fields change: the ids, and so the merge, derive from it.
* **Per-note modification times.** Anki updates a note only when the file's ``mod`` is newer
  than the collection's. genanki stamps one package timestamp on every note, so here each note
  (and note type) carries its own ``mod`` from a *ledger* kept beside the deck file
  (``<deck>.ledger.json``): a content hash and a mod time per GUID. Unchanged content keeps its
  old mod (Anki skips it); new or changed content gets ``now`` — at least one second later
  than the mod it replaces, so two builds within the same second still update.
* **Escaping.** Every piece of user text is HTML-escaped and its ``{ } [ ]`` written as
  character references, so ``{{c1::x}}``, ``{{Field}}``, ``[sound:x.mp3]`` and ``[latex]`` in a
  fact show as text, and ``<script>`` is stored as ``&lt;script&gt;``. Inside a cloze deletion
  ``:`` is written ``&#58;`` as well, so ``::`` cannot start a hint.

Reproducibility: for the same question set and the same ledger the package is byte-identical.
The SQLite database gets every timestamp and id from the notes' mod times (note and card ids
count up from the newest mod × 1000, the collection's own mod is genanki's constant), and the
zip is written here rather than by genanki: fixed entry order, entry dates from the newest mod,
Unix attributes, deflate. What may still differ between two *machines* is the SQLite library
version recorded in the database header and zlib's compressed bytes; the notes in the file
(and so what Anki imports) do not.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterable, Iterator, Mapping, NamedTuple

import genanki

from ..corpus import http_url
from ..dates import display_date
from ..errors import ExportError, Location
from ..fsio import commit
from ..model import Fact, Question, QuestionSet
from ..phrasing import typeset_document
from .anki_ledger import LEDGER_FORMAT, NoteEntry, content_hash, ledger_pieces, read_ledger, stamp
from .anki_package import NoteRow, NoteRows, Staging, package_writer
from .base import Content, Output
from .evidence import passages

__all__ = [
    "AnkiReport",
    "CSS",
    "NOTE_TYPES",
    "NoteType",
    "note_guid",
    "write_apkg",
]

#: The Anki card templates (mustache, never run through jinja2) and their style sheet.
CARDS_DIR = Path(__file__).resolve().parent.parent / "anki_cards"
CHOICE_TYPES = ("single", "multiple", "true_false")
#: The tag of every retired note: a learner deletes them all with the search ``tag:studykit::retired``.
RETIRED_TAG = "studykit::retired"
#: The subdeck a retired note goes to when it is new to a collection (an existing card stays where it is).
RETIRED_DECK = "Retired questions"
#: Shown above the options unless the stem already says it (a single answer needs no note).
INSTRUCTIONS = {
    "multiple": ("Choose every answer that applies.", "choose every answer"),
    "true_false": ("True or false?", "true or false"),
}


def _data(name: str) -> str:
    return (CARDS_DIR / name).read_text(encoding="utf-8")


#: The style sheet shared by both note types (``studykit/anki/style.css``).
CSS = _data("style.css")


@dataclass(frozen=True)
class NoteType:
    """One Anki note type. ``key`` names it for good: its id and its field ids derive from it."""

    key: str
    name: str
    fields: tuple[str, ...]
    template: str  # the card template's name
    front: str  # file names in studykit/anki/
    back: str
    cloze: bool = False

    @property
    def id(self) -> int:
        return stable_id(self.key)

    def field_id(self, name: str) -> int:
        return stable_id(f"{self.key}/field/{name}", bits=62)

    @property
    def template_id(self) -> int:
        return stable_id(f"{self.key}/template/{self.template}", bits=62)


QUESTION = NoteType(
    key="studykit/question/v1",
    name="Studykit Question",
    fields=("Question", "Instruction", "Options", "Answer", "Key", "Explanation", "Source", "Quote", "Id"),
    template="Question",
    front="question-front.html",
    back="question-back.html",
)
CLOZE = NoteType(
    key="studykit/cloze/v1",
    name="Studykit Cloze",
    fields=("Text", "Explanation", "Source", "Quote", "Id"),
    template="Cloze",
    front="cloze-front.html",
    back="cloze-back.html",
    cloze=True,
)
NOTE_TYPES: tuple[NoteType, ...] = (QUESTION, CLOZE)

_FIELD_HELP = {
    "Question": "The question, as generated from the deck file.",
    "Instruction": "How to answer a choice question; empty for short answers.",
    "Options": "The options as shown on the front; empty for short answers.",
    "Answer": "The correct answer(s).",
    "Key": "The options with the correct one(s) marked, shown on the back.",
    "Explanation": "Why the answer is right.",
    "Source": "Headline, outlet, date and link of each source.",
    "Quote": "The sentence(s) of the source the answer rests on (photo captions left out).",
    "Id": "studykit question id (fact/template); not shown on cards.",
    "Text": "The quote with one cloze deletion.",
}


@dataclass(frozen=True)
class AnkiReport:
    """What :func:`write_apkg` wrote. ``new``, ``changed`` and ``unchanged`` compare the notes
    with the ledger (the last build), not with anyone's collection: Anki counts for itself."""

    path: Path
    ledger_path: Path
    notes: int  # the questions' notes (retired notes aside)
    cards: int  # cards Anki will create for them: one per note (a cloze note has one deletion)
    new: int
    changed: int
    unchanged: int
    retired: int  # notes of questions no longer generated, retired by this build (shipped with a newer mod)
    retired_before: int  # retired by an earlier build, shipped again unchanged
    decks: tuple[str, ...]
    note_types_changed: int
    timestamp: int  # the newest mod in the package
    first_build: bool = False  # no ledger yet: nothing to compare with

    def summary(self) -> str:
        """One line for the CLI, e.g. ``40 notes, 40 cards; since the last build: 2 new, 1 changed,
        37 unchanged, 1 retired``. Worded so it cannot be read as what Anki's import will report."""
        text = f"{self.notes} notes, {self.cards} cards; "
        if self.first_build:
            return text + "first build: no ledger yet, so every note is new to it"
        text += f"since the last build: {self.new} new, {self.changed} changed, {self.unchanged} unchanged"
        if self.retired:
            text += f", {self.retired} retired"
        if self.retired or self.retired_before:
            shipped = self.retired + self.retired_before
            text += f"; {shipped} retired note{'s' * (shipped != 1)} shipped (tag {RETIRED_TAG})"
        return text


# ---------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------


def stable_id(name: str, *, bits: int = 30) -> int:
    """A positive integer id from a name: ``[2**30, 2**31)`` for note types and decks (the range
    genanki recommends, far from Anki's own millisecond ids), 62 bits for fields and templates."""
    number = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return (1 << bits) + number % (1 << bits)


def note_guid(deck_id: str, question: Question) -> str:
    """The Anki GUID of a question's note: from the deck, fact and template ids only."""
    return genanki.guid_for(deck_id, question.fact, question.template)


# ---------------------------------------------------------------------------------------------
# Text → field HTML
# ---------------------------------------------------------------------------------------------

_NEUTRAL = str.maketrans({"{": "&#123;", "}": "&#125;", "[": "&#91;", "]": "&#93;", "\x1f": " "})  # U+001F separates Anki's fields
_NEWLINES = re.compile(r"[ \t]*(?:\r\n?|\n)[\r\n \t]*")


def esc(text: Any) -> str:
    """User text as field HTML: escaped, NFC, mustache/cloze/media neutral, newlines as ``<br>``."""
    return _esc(str(text))


@functools.lru_cache(maxsize=1 << 12)  # titles, quotes, explanations and options recur from note to note, near each other
def _esc(text: str) -> str:
    value = text if text.isascii() else unicodedata.normalize("NFC", text)
    value = html.escape(value, quote=True).translate(_NEUTRAL)
    return _NEWLINES.sub("<br>", value) if "\n" in value or "\r" in value else value


def _cloze_text(before: str, deleted: str, after: str) -> str:
    """The cloze field: the sentence typeset as a whole (one character for one, so the parts
    split again where they were), its deletion escaped so ``::`` cannot start a hint."""
    whole = typeset_document(before + deleted + after)
    before, deleted, after = whole[: len(before)], whole[len(before) : len(before) + len(deleted)], whole[len(before) + len(deleted) :]
    return esc(before) + "{{c1::" + esc(deleted).replace(":", "&#58;") + "}}" + esc(after)


def _options_html(options: Iterable[str], keys: frozenset[str] | None) -> str:
    items = []
    for option in options:
        if keys is None:
            items.append(f'<li dir="auto">{esc(option)}</li>')
        elif option in keys:
            items.append(f'<li class="sk-key" dir="auto"><span class="sk-mark">✓</span> {esc(option)}</li>')
        else:
            items.append(f'<li class="sk-other" dir="auto">{esc(option)}</li>')
    return '<ol class="sk-options" dir="auto">' + "".join(items) + "</ol>"


def _instruction(question: Question) -> str:
    text, already = INSTRUCTIONS.get(question.type, ("", ""))
    return "" if not text or already in question.prompt.casefold() else esc(text)


def _evidence_html(qset: QuestionSet, question: Question, *, skip_quote: str | None = None, memo: dict | None = None) -> tuple[str, str, list[str]]:
    """(Source field, Quote field, source ids) for a question's evidence.

    Each quote is shown as its whole sentence(s), photo captions left out, typeset
    (:mod:`studykit.export.evidence`); the blockquote adds no quotation marks of its own. Sources
    are listed once each, in order of first use; when there is more than one, every passage
    carries the number of its source.
    """
    deck = qset.deck
    order: list[str] = []
    for evidence in question.evidence:
        if evidence.source not in order:
            order.append(evidence.source)
    numbered = len(order) > 1
    quotes = []
    for passage in passages(deck.corpus.documents, question.evidence, skip=skip_quote, memo=memo):
        mark = f"<sup>[{order.index(passage.source) + 1}]</sup>" if numbered else ""
        label = '<span class="sk-caption">Photo caption:</span> ' if passage.caption else ""
        quotes.append(f'<blockquote dir="auto">{label}{esc(passage.text)}{mark}</blockquote>')
    sources = []
    for n, source_id in enumerate(order, 1):
        try:
            source = deck.source(source_id)
        except KeyError:
            raise ExportError(
                f"question {question.id!r}: source {source_id!r} is not in the deck's corpus", _where(deck, question)
            ) from None
        url = http_url(source.url)
        title = esc(source.title or source.id)
        headline = (
            f'<a class="sk-title" href="{esc(url)}">{title}</a>' if url else f'<span class="sk-title">{title}</span>'
        )
        date = display_date(source.published) if source.published else "date unknown"
        meta = " · ".join(esc(part) for part in (source.outlet, date) if part)
        number = f'<span class="sk-n">[{n}]</span> ' if numbered else ""
        sources.append(f'<li dir="auto">{number}{headline}<br><span class="sk-meta">{meta}</span></li>')
    source_html = "<ol>" + "".join(sources) + "</ol>" if sources else ""
    return source_html, "".join(quotes), order


def _fact_of(deck: Any, question: Question) -> Fact | None:
    try:
        return deck.fact(question.fact)
    except KeyError:  # a question set built by hand
        return None


def _where(deck: Any, question: Question) -> Location | None:
    fact = _fact_of(deck, question)
    return fact.location if fact is not None else None


@functools.lru_cache(maxsize=4096)  # a deck has few distinct tags
def _tag(text: str) -> str:
    """Anki tags hold no white space or double quotes."""
    return re.sub(r'[\s"]+', "_", text.strip()) or "_"


def _deck_part(text: str) -> str:
    """One component of a deck name: ``::`` would nest, so it becomes ``:``."""
    cleaned = re.sub(r"\s+", " ", text.replace("::", ":")).strip()
    return cleaned


# ---------------------------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------------------------


class _Planned(NamedTuple):
    question: Question
    guid: str
    note_type: NoteType
    staged: int  # where its fields and tags are in the build's Staging file
    deck_name: str
    hash: str


def _root_deck(deck: Any) -> str:
    return _deck_part(deck.title) or deck.id


def _note_type_for(question: Question) -> NoteType:
    return CLOZE if question.type == "cloze" else QUESTION


def _plan(qset: QuestionSet, staging: Staging, topic_decks: dict[str, str]) -> Iterator[_Planned]:
    """Each note's deck and hash, one at a time, its fields and tags written to ``staging``;
    ``topic_decks`` is filled with topic → deck name."""
    deck = qset.deck
    root = _root_deck(deck)
    # the questions of one fact, which come one after another, share their evidence, and each
    # piece of evidence its sentence (a cloze skips its own): both kept for the last few only
    # (kept for every note, they were some 80 MB at 100,000 facts, at the build's peak)
    rendered: dict[tuple, tuple[str, str, list[str]]] = {}
    sentences: dict = {}

    def evidence_html(question: Question, skip_quote: str | None = None) -> tuple[str, str, list[str]]:
        key = (question.evidence, skip_quote)
        if key not in rendered:
            if len(rendered) >= _RECENT:
                rendered.clear()
            if len(sentences) >= _RECENT:
                sentences.clear()
            rendered[key] = _evidence_html(qset, question, skip_quote=skip_quote, memo=sentences)
        return rendered[key]

    for question in qset.questions:
        guid = note_guid(deck.id, question)
        fact = _fact_of(deck, question)
        if question.type == "cloze":
            if question.cloze is None or not question.cloze[1].strip():
                raise ExportError(f"question {question.id!r}: a cloze question needs text to delete", _where(deck, question))
            before, deleted, after = question.cloze
            source_html, quote_html, source_ids = evidence_html(question, before + deleted + after)
            note_type = _note_type_for(question)
            values = {
                "Text": _cloze_text(before, deleted, after),
                "Explanation": esc(question.explanation),
                "Source": source_html,
                "Quote": quote_html,
                "Id": esc(question.id),
            }
        else:
            source_html, quote_html, source_ids = evidence_html(question)
            note_type = _note_type_for(question)
            choice = question.type in CHOICE_TYPES and bool(question.options)
            keys = frozenset(question.answers)
            values = {
                "Question": esc(question.prompt),
                "Instruction": _instruction(question) if choice else "",
                "Options": _options_html(question.options, None) if choice else "",
                "Answer": "<br>".join(esc(a) for a in question.answers),
                "Key": _options_html(question.options, keys) if choice else "",
                "Explanation": esc(question.explanation),
                "Source": source_html,
                "Quote": quote_html,
                "Id": esc(question.id),
            }
        fields = tuple(values.get(name, "") for name in note_type.fields)
        tags = {f"studykit::family::{_tag(question.family)}", f"studykit::deck::{_tag(deck.id)}"}
        tags.update(f"source::{_tag(source_id)}" for source_id in source_ids)
        if fact is not None:
            tags.add(f"kind::{_tag(fact.kind)}")
        deck_name = root
        if question.topic:
            title = _deck_part(str(deck.topics.get(question.topic) or question.topic)) or question.topic
            deck_name = topic_decks.setdefault(question.topic, f"{root}::{title}")
        # what Anki would see change: note type, its schema, the fields and the tags
        content = "\x1f".join((note_type.key, *note_type.fields, "\x1e", *fields, "\x1e", *sorted(tags)))
        yield _Planned(
            question=question,
            guid=guid,
            note_type=note_type,
            staged=staging.add(fields, sorted(tags)),
            deck_name=deck_name,
            hash=content_hash(content),
        )


#: How many notes' rendered evidence :func:`_plan` keeps.
_RECENT = 64


def _model_json(note_type: NoteType) -> tuple[list[dict], list[dict]]:
    fields = []
    for name in note_type.fields:
        spec: dict[str, Any] = {"name": name, "id": note_type.field_id(name), "description": _FIELD_HELP.get(name, "")}
        if name == "Id":
            spec["collapsed"] = True
        fields.append(spec)
    templates = [
        {
            "name": note_type.template,
            "id": note_type.template_id,
            "qfmt": _data(note_type.front),
            "afmt": _data(note_type.back),
        }
    ]
    return fields, templates


class _Model(genanki.Model):
    """A genanki model whose ``mod`` is its own, not the package timestamp."""

    def __init__(self, *args: Any, mod: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mod = mod

    def to_json(self, timestamp: float, deck_id: int) -> dict:
        return super().to_json(self.mod, deck_id)


# ---------------------------------------------------------------------------------------------
# Retired notes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Retired:
    guid: str
    note_type: NoteType
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    hash: str
    entry: dict[str, Any]  # the ledger entry it leaves
    earlier: bool  # retired by an earlier build


def _note_type_of(entry: Mapping[str, Any]) -> NoteType:
    """The note type a ledger entry was last shipped as (entries from before the ledger kept it:
    a cloze note is the ``cloze`` template's, every other note a *Studykit Question*)."""
    for note_type in NOTE_TYPES:
        if entry.get("type") == note_type.key:
            return note_type
    return CLOZE if str(entry.get("id", "")).rpartition("/")[2] == "cloze" else QUESTION


def _retire_reason(deck: Any, question_id: str) -> str:
    """Why the deck no longer makes ``question_id`` (fact id/template id), in a few words."""
    from ..templates import BUILTIN

    fact_id, _, template = question_id.rpartition("/")
    try:
        fact = deck.fact(fact_id)
    except KeyError:
        return f"its fact ‘{fact_id}’ is no longer in the deck"
    builtin = BUILTIN.get(template)
    if template in deck.disabled or (builtin is not None and builtin.family in deck.disabled):
        return f"the question template ‘{template}’ was switched off"
    kinds = builtin.kinds if builtin is not None else next((t.kinds for t in deck.templates if t.id == template), None)
    if kinds is None:
        return f"the question template ‘{template}’ is no longer in the deck"
    if fact.kind not in kinds:
        return f"its fact ‘{fact_id}’ is now of the kind ‘{fact.kind}’, which ‘{template}’ does not ask about"
    return f"its fact ‘{fact_id}’ changed, and the template ‘{template}’ no longer makes a question from it"


def _retired_fields(note_type: NoteType, question_id: str, date: str, reason: str) -> tuple[str, ...]:
    said = esc(f"This question was removed from the deck on {display_date(date)}: {reason}.")
    how = esc(f"Delete it with the search tag:{RETIRED_TAG} (in the Browser: search, select all, Notes → Delete).")
    if note_type.cloze:
        values = {"Text": f'<span class="sk-retired">This card was {{{{c1::retired}}}}. {said}<br>{how}</span>'}
    else:
        values = {"Question": f'<span class="sk-retired">Retired question. {said}</span>', "Answer": how}
    values["Id"] = esc(question_id)
    return tuple(values.get(name, "") for name in note_type.fields)


class _Shipped(NoteEntry):
    """The entry of a note this build ships: what tells it from the old ledger's entries it
    replaces where they stand (a set of the GUIDs shipped was 16 MB at 100,000 facts)."""

    __slots__ = ()


def _retire(qset: QuestionSet, ledger_notes: Mapping[str, Mapping[str, Any]], now: int) -> list[_Retired]:
    """A retired note for every note of the ledger that this build no longer makes: the same GUID
    and note type, content that says so and how to delete it, the tag ``studykit::retired``. The
    date and reason are kept in the ledger, so the note is the same (unchanged) in later builds.
    ``ledger_notes``: the ledger's entries, those of the notes shipped already replaced (:class:`_Shipped`)."""
    today = time.strftime("%Y-%m-%d", time.gmtime(now))
    tags = tuple(sorted({RETIRED_TAG, f"studykit::deck::{_tag(qset.deck.id)}"}))
    out = []
    for guid in sorted(g for g, e in ledger_notes.items() if type(e) is not _Shipped):
        entry = ledger_notes[guid]
        question_id = str(entry.get("id") or guid)
        note_type = _note_type_of(entry)
        earlier = isinstance(entry.get("retired"), str)
        date = str(entry["retired"]) if earlier else today
        reason = str(entry.get("reason") or _retire_reason(qset.deck, question_id))
        fields = _retired_fields(note_type, question_id, date, reason)
        hashed = content_hash("\x1f".join((note_type.key, *note_type.fields, "\x1e", *fields, "\x1e", *tags)))
        record = {"hash": hashed, "id": question_id, "type": note_type.key, "retired": date, "reason": reason}
        out.append(_Retired(guid, note_type, fields, tags, hashed, record, earlier))
    return out


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnkiExporter:
    """An Anki package (``.apkg``) whose notes update in place when rebuilt, and its ledger.

    ``ledger_path`` defaults to ``<deck file stem>.ledger.json`` beside the deck file; ``now``
    (seconds since the epoch) stamps new and changed notes and defaults to the current time.
    """

    name: ClassVar[str] = "anki"
    default_target: ClassVar[str] = "{deck}.apkg"

    ledger_path: Path | None = None
    now: float | None = None

    @staticmethod
    def _note_types(ledger: Mapping[str, Any], used: set[NoteType], now: int) -> dict[str, tuple[_Model, dict[str, Any], bool]]:
        """Each note type of ``used``: its model (with its own mod), its ledger entry, and whether it changed."""
        out: dict[str, tuple[_Model, dict[str, Any], bool]] = {}
        for note_type in NOTE_TYPES:
            if note_type not in used:
                continue
            fields, templates = _model_json(note_type)
            content = json.dumps(
                {"name": note_type.name, "fields": fields, "templates": templates, "css": CSS, "cloze": note_type.cloze},
                ensure_ascii=False,
                sort_keys=True,
            )
            mod, status = stamp(ledger["note_types"].get(note_type.key), content_hash(content), now)
            model = _Model(
                note_type.id,
                note_type.name,
                fields=fields,
                templates=templates,
                css=CSS,
                model_type=genanki.Model.CLOZE if note_type.cloze else genanki.Model.FRONT_BACK,
                mod=mod,
            )
            out[note_type.key] = (model, {"hash": content_hash(content), "mod": mod}, status != "unchanged")
        return out

    def plan(self, qset: QuestionSet, target: Path) -> Output:
        path = Path(target)
        ledger_path = Path(self.ledger_path) if self.ledger_path is not None else qset.deck.path.with_suffix(".ledger.json")
        stamp_now = int(time.time() if self.now is None else self.now)
        ledger = read_ledger(ledger_path)
        staging = Staging()  # closed once the package is written (or when the plan is dropped)
        root = _root_deck(qset.deck)
        note_types = self._note_types(ledger, {_note_type_for(q) for q in qset.questions}, stamp_now)
        topic_decks: dict[str, str] = {}
        rows: dict[str, NoteRows] = defaultdict(NoteRows)  # each note's own mod, its cards' too
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        first_build = not ledger["notes"]
        # the old ledger's entries are replaced where they stand: a rebuild of 100,000 facts kept
        # the old and the new entry of every note (and a merged copy of both) until the end; and
        # each note becomes its row as it is planned (all the plans were 100 MB at 100,000 facts)
        note_entries = ledger["notes"]
        latest: int | None = None  # of every mod stamped
        shipped = 0
        try:
            for position, item in enumerate(_plan(qset, staging, topic_decks)):
                if type(note_entries.get(item.guid)) is _Shipped:
                    raise ExportError(
                        f"questions {note_entries[item.guid]['id']!r} and {item.question.id!r} would be the same Anki note "
                        "(same fact and template); question ids must be unique",
                        _where(qset.deck, item.question),
                    )
                shipped += 1
                mod, status = stamp(note_entries.get(item.guid), item.hash, stamp_now)
                counts[status] += 1
                latest = mod if latest is None else max(latest, mod)
                note_entries[item.guid] = _Shipped(item.hash, item.question.id, mod, item.note_type.key)
                rows[item.deck_name].append(NoteRow(note_types[item.note_type.key][0], (), (), item.guid, position, mod, item.staged))
        except BaseException:
            staging.close()
            raise
        retired = _retire(qset, note_entries, stamp_now)  # the entries not shipped are the old ledger's
        note_types.update(self._note_types(ledger, {r.note_type for r in retired} - {nt for nt in NOTE_TYPES if nt.key in note_types}, stamp_now))
        models = {key: model for key, (model, _, _) in note_types.items()}
        type_entries = {nt.key: note_types[nt.key][1] for nt in NOTE_TYPES if nt.key in note_types}  # only those in use
        types_changed = sum(changed for _, _, changed in note_types.values())
        for entry in type_entries.values():
            latest = entry["mod"] if latest is None else max(latest, entry["mod"])

        # decks: the deck itself, then one subdeck per topic
        deck_names = [root, *sorted(set(topic_decks.values()))]
        retired_deck = f"{root}::{RETIRED_DECK}"
        if retired:
            deck_names.append(retired_deck)
        used_ids: set[int] = {nt.id for nt in NOTE_TYPES}
        decks: dict[str, genanki.Deck] = {}
        for name in deck_names:
            deck_id = stable_id(f"studykit/deck/{qset.deck.id}/{name}")
            while deck_id in used_ids:
                deck_id += 1
            used_ids.add(deck_id)
            decks[name] = genanki.Deck(deck_id, name, description=esc(qset.deck.description) if name == root else "")

        retired_counts = {True: 0, False: 0}
        for offset, gone in enumerate(retired):
            mod, _ = stamp(note_entries.get(gone.guid), gone.hash, stamp_now)
            retired_counts[gone.earlier] += 1
            latest = mod if latest is None else max(latest, mod)
            note_entries[gone.guid] = {**gone.entry, "mod": mod}
            rows[retired_deck].append(NoteRow(models[gone.note_type.key], gone.fields, gone.tags, gone.guid, shipped + offset, mod))
        timestamp = stamp_now if latest is None else latest

        new_ledger = {
            "format": LEDGER_FORMAT,
            "deck": qset.deck.id,
            "notes": note_entries,
            "note_types": {**ledger["note_types"], **type_entries},
        }
        report = AnkiReport(
            path=path,
            ledger_path=ledger_path,
            notes=shipped,
            cards=shipped,
            new=counts["new"],
            changed=counts["changed"],
            unchanged=counts["unchanged"],
            retired=retired_counts[False],
            retired_before=retired_counts[True],
            decks=tuple(deck_names),
            note_types_changed=types_changed,
            timestamp=timestamp,
            first_build=first_build,
        )
        package = package_writer([(decks[name], rows.get(name, NoteRows())) for name in decks], timestamp, staging)
        # the ledger's text is made as it is written, after the package: never whole in memory
        files: dict[Path, Content] = {path: package, ledger_path: ledger_pieces(new_ledger)}
        return Output(self.name, files, summary=report.summary(), details=report)


def write_apkg(qset: QuestionSet, path: Path, *, ledger_path: Path | None = None, now: float | None = None) -> AnkiReport:
    """Write ``qset`` as an Anki package at ``path`` and update the ledger, both or neither
    (see :class:`AnkiExporter`). Raises :class:`~studykit.errors.ExportError`."""
    (written,) = commit([AnkiExporter(ledger_path, now).plan(qset, Path(path))])
    return written.details  # type: ignore[return-value]

"""The chain of types from YAML to outputs: Fact → Deck → Question → QuestionSet.

Every type is a frozen dataclass; loading (``deck.py``) builds them, generation
(``questions.py``) turns a Deck into a QuestionSet, and exporters only read them.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal, Mapping, Sequence, overload

from .corpus import Corpus, Source, fold
from .errors import Location, Problem

# ---------------------------------------------------------------------------------------------
# Fact kinds: which fields each kind has. A field's ``type`` decides how it is read and checked:
#   text      a short piece of text
#   entity    the name of a person, country or organisation (aliases apply)
#   entities  a list of such names
#   date      YYYY, YYYY-MM or YYYY-MM-DD
#   number    an integer or decimal
# ``grounded`` fields must occur (or one of their aliases must) in one of the fact's quotes,
# unless the fact lists them under ``paraphrase``.
# ---------------------------------------------------------------------------------------------


#: How a field's value is read and checked (see the table above).
FieldType = Literal["text", "entity", "entities", "date", "number"]
#: What an entity is; decides the question word ("Which country", "Who").
EntityType = Literal["country", "person", "organisation", "group", "place"]
ENTITY_TYPES: tuple[EntityType, ...] = ("country", "person", "organisation", "group", "place")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool = False
    grounded: bool = False
    answer_type: str = "text"  # what the value is, for homogeneous distractors
    doc: str = ""


#: The positions an actor can take in a vote; each has its own *who* question.
VOTE_POSITIONS: dict[str, str] = {
    "in_favor": "voted in favour of",
    "against": "voted against",
    "abstained": "abstained on",
    "vetoed": "vetoed",
    "absent": "was absent from the vote on",
    "co_sponsored": "co-sponsored",
}


#: Which recorded positions prove that an actor did *not* take a position. A veto is a vote
#: against, so "against" proves nothing about a veto; co-sponsoring goes with any vote, so
#: nothing but the curator's word proves that an actor did not co-sponsor.
EXCLUDES: dict[str, frozenset[str]] = {
    "in_favor": frozenset({"against", "vetoed", "abstained", "absent"}),
    "against": frozenset({"in_favor", "abstained", "absent"}),
    "vetoed": frozenset({"in_favor", "abstained", "absent"}),
    "abstained": frozenset({"in_favor", "against", "vetoed", "absent"}),
    "absent": frozenset({"in_favor", "against", "vetoed", "abstained"}),
    "co_sponsored": frozenset(),
}


@dataclass(frozen=True)
class Kind:
    name: str
    fields: tuple[FieldSpec, ...]
    doc: str
    one_of: tuple[str, ...] = ()  # at least one of these fields must be given

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "vote",
            (
                FieldSpec("body", "text", required=True, doc="who voted, e.g. 'the UN Security Council'"),
                FieldSpec("motion", "text", required=True, doc="what was voted on, a noun phrase"),
                FieldSpec("date", "date", required=True, grounded=True, answer_type="year", doc="when"),
                *(
                    FieldSpec(p, "entities", grounded=True, answer_type="country", doc=f"who {verb} it")
                    for p, verb in VOTE_POSITIONS.items()
                ),
            ),
            "a recorded vote and who voted how",
            one_of=tuple(VOTE_POSITIONS),
        ),
        Kind(
            "event",
            (
                FieldSpec("actor", "entity", required=True, grounded=True, answer_type="actor", doc="who did it"),
                FieldSpec("action", "text", required=True, doc="what they did, past tense, without the actor"),
                FieldSpec("date", "date", grounded=True, answer_type="year", doc="when"),
            ),
            "something an actor did at a time",
        ),
        Kind(
            "stance",
            (
                FieldSpec("actor", "entity", required=True, grounded=True, answer_type="actor", doc="who took the stance"),
                FieldSpec("position", "text", required=True, doc="what they did or refused to do, past tense"),
                FieldSpec("rationale", "text", required=True, grounded=True, answer_type="rationale", doc="why, as a clause"),
                FieldSpec("according_to", "text", doc="whose account the rationale is"),
                FieldSpec("date", "date", grounded=True, answer_type="year", doc="when"),
            ),
            "a position an actor took and the reason given for it",
        ),
        Kind(
            "statement",
            (
                FieldSpec("speaker", "entity", required=True, grounded=True, answer_type="person", doc="who said it"),
                FieldSpec("role", "text", doc="the speaker's role at the time"),
                FieldSpec("said", "text", required=True, grounded=True, doc="the words, verbatim from the quote"),
                FieldSpec("context", "text", doc="where or to whom it was said"),
                FieldSpec("date", "date", grounded=True, answer_type="year", doc="when"),
            ),
            "words attributed to a speaker",
        ),
        Kind(
            "quantity",
            (
                FieldSpec("subject", "text", required=True, doc="what is counted, read after 'How many'"),
                FieldSpec("value", "number", required=True, grounded=True, answer_type="number", doc="the figure"),
                FieldSpec("qualifier", "text", doc="'over', 'around', 'up to' … as the text hedges it"),
                FieldSpec("unit", "text", doc="unit of the figure when it is not a count"),
                FieldSpec("date", "date", grounded=True, answer_type="year", doc="when"),
            ),
            "a figure the text gives",
        ),
    )
}

#: Keys every fact may have besides its kind's fields.
COMMON_FACT_KEYS = ("id", "kind", "topic", "aliases", "distractors", "paraphrase", "disable_templates", "linked", "evidence", "note")


@dataclass(frozen=True, slots=True)
class Evidence:
    """A verbatim quote and the exact span of its source document it stands for."""

    source: str
    quote: str  # the original text, exactly document.text[start:end]
    start: int
    end: int


@dataclass(frozen=True)
class Entity:
    """A person, country, organisation, group or place named as a value.

    ``aliases`` are other spellings of the same name (they ground it and count as the same
    answer); ``related`` are words that give it away without naming it (Ukraine → Ukrainian,
    Kyiv), which must not be visible beside a blank; ``groups`` are the classes it belongs to
    (``unsc-permanent-member``) that make a wrong option plausible for a role; ``since`` is the
    year it began to exist, so it is never offered for anything earlier.
    """

    name: str
    type: str
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    groups: frozenset[str] = frozenset()
    since: int | None = None


def _same_spelling(text: str) -> str:
    """A spelling as a marker compares it: typography, case and a leading "the" aside
    ("the Prime Minister’s office" is "Prime Minister's Office")."""
    return re.sub(r"^the\s+", "", fold(text))


@dataclass(frozen=True, eq=False, slots=True)
class Fact:
    id: str
    kind: str
    fields: Mapping[str, Any]
    evidence: tuple[Evidence, ...]
    topic: str | None = None
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    distractors: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    paraphrase: frozenset[str] = frozenset()
    #: templates or families never applied to this fact (``disable_templates:`` on the fact)
    disabled: frozenset[str] = frozenset()
    #: facts whose questions never share a sheet with this fact's (``linked:`` on either fact):
    #: one takes the other as given ("why did Israel stay away from the vote?" beside "true or
    #: false: Israel was absent from the vote")
    linked: frozenset[str] = frozenset()
    note: str | None = None
    location: Location | None = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def spellings(self, value: Any) -> tuple[str, ...]:
        """The value and its aliases, as text."""
        text = format_value(value)
        return (text, *self.aliases.get(text, ()))

    def also_accepted(self, answers: tuple[str, ...]) -> tuple[str, ...]:
        """The other spellings of written ``answers`` a marker should also accept ("the US",
        "Washington" for "the United States"), without the answers themselves; case aside (a
        marker does not tell "We" from "we")."""
        seen = {_same_spelling(a) for a in answers}
        out: list[str] = []
        for answer in answers:
            for spelling in self.answer_spellings(answer):
                if _same_spelling(spelling) not in seen:  # nor one that differs by typography or "the"
                    seen.add(_same_spelling(spelling))
                    out.append(spelling)
        return tuple(out)

    def answer_spellings(self, answer: str) -> tuple[str, ...]:
        """``answer`` first, then every other spelling of it the fact knows: its aliases, and the
        canonical value and its aliases when ``answer`` is itself an alias (a cloze deletes the
        quote's own spelling, "the UAE", whose canonical name is "United Arab Emirates")."""
        out = list(self.spellings(answer))
        folded = _same_spelling(answer)
        for canonical, aliases in self.aliases.items():
            if folded == _same_spelling(canonical) or folded in (_same_spelling(a) for a in aliases):
                out += [canonical, *aliases]
        bare = re.sub(r"^an?\s+", "", answer, flags=re.I)  # a cloze's "an Omani": "Omani" is right too
        if bare != answer and bare:
            out += self.answer_spellings(bare)
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True, eq=False)
class UserTemplate:
    """A question template defined in a deck file (compiled by ``templates.py``)."""

    id: str
    kinds: tuple[str, ...]
    prompt: str
    answer: str
    answer_type: str
    type: str
    explanation: str | None
    location: Location
    #: Where the prompt's first line stands (its column unknown for a block scalar): jinja2 counts lines from it.
    prompt_location: Location | None = None


@dataclass(frozen=True, eq=False)
class Deck:
    id: str
    title: str
    description: str
    path: Path
    corpus: Corpus
    facts: tuple[Fact, ...]
    topics: Mapping[str, str] = field(default_factory=dict)
    entities: Mapping[str, Entity] = field(default_factory=dict)
    templates: tuple[UserTemplate, ...] = ()
    disabled: frozenset[str] = frozenset()
    #: entity names the deck is about besides those its title names (``deck: subjects:``)
    subjects: frozenset[str] = frozenset()
    seed: int = 0
    messages: tuple[Problem, ...] = ()  # warnings and infos found while loading (severity on each)

    def source(self, source_id: str) -> Source:
        return self.corpus[source_id].source

    def __post_init__(self) -> None:
        object.__setattr__(self, "_facts_by_id", {f.id: f for f in self.facts})

    def fact(self, fact_id: str) -> Fact:
        """The fact with this id (a dictionary lookup); raises ``KeyError`` for an unknown id."""
        return self._facts_by_id[fact_id]  # type: ignore[attr-defined]

    def also_accepted(self, question: Question) -> tuple[str, ...]:
        """The other spellings a marker accepts for a written answer (:meth:`Fact.also_accepted`);
        none for a question whose fact is not in the deck (a question set built by hand)."""
        try:
            return self.fact(question.fact).also_accepted(question.answers)
        except KeyError:
            return ()

    def entity_type(self, name: str, default: str) -> str:
        entity = self.entities.get(name)
        return entity.type if entity else default


#: single: one key among options; multiple: select every key; true_false; short: a free answer;
#: cloze: a passage with a blank.
QuestionType = Literal["single", "multiple", "true_false", "short", "cloze"]
QUESTION_TYPES: tuple[QuestionType, ...] = ("single", "multiple", "true_false", "short", "cloze")


@dataclass(frozen=True, slots=True)
class WrongOption:
    """A wrong option offered, with why it is false (the proof) and why it was chosen (plausibility)."""

    value: str
    proof: str
    reason: str = ""
    #: how well it fits the key's role: 0 shares all the key's groups (or the key has none), 1 some, 2 none
    tier: int = 0

    def __post_init__(self) -> None:
        # the same few proofs and reasons are worded for option after option: one string each
        # (100,000 facts made some 1.5 million of them)
        object.__setattr__(self, "proof", sys.intern(self.proof))
        object.__setattr__(self, "reason", sys.intern(self.reason))


class ClozeParts(Sequence[str]):
    """A cloze's ``(before, deleted, after)``, sliced from its prompt when asked: the prompt is
    ``before + CLOZE_BLANK + after``, so the sentence is held once (100,000 facts make some 96,000
    clozes, and their sentences twice were about 45 MB). Reads, unpacks, compares and hashes as the
    tuple it stands for."""

    __slots__ = ("_prompt", "_at", "_deleted")

    def __init__(self, prompt: str, at: int, deleted: str) -> None:
        if prompt[at : at + len(CLOZE_BLANK)] != CLOZE_BLANK:
            raise ValueError(f"no blank at {at} of the prompt {prompt!r}")
        self._prompt, self._at, self._deleted = prompt, at, deleted

    def _parts(self) -> tuple[str, str, str]:
        end = self._at + len(CLOZE_BLANK)
        return (self._prompt[: self._at], self._deleted, self._prompt[end:])

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return self._parts()[index]

    def __len__(self) -> int:
        return 3

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClozeParts):
            other = other._parts()
        return self._parts() == other

    def __hash__(self) -> int:
        return hash(self._parts())

    def __repr__(self) -> str:
        return repr(self._parts())

    def __reduce__(self) -> tuple[Any, ...]:
        return (ClozeParts, (self._prompt, self._at, self._deleted))


@dataclass(frozen=True, slots=True)
class Question:
    """One generated question. ``id`` is ``<fact id>/<template id>`` and never changes with content.

    For choice types (single, multiple, true_false) every answer is one of the options; a
    ``multiple`` question has several correct answers and the student picks every one (each
    exporter words that instruction itself: the prompt never carries it). For
    ``short`` and ``cloze`` the options are empty. A cloze's ``prompt`` holds the quote with the
    deleted part replaced by ``CLOZE_BLANK``; ``cloze`` holds (before, deleted, after).
    """

    id: str
    fact: str
    template: str
    family: str
    type: QuestionType
    answer_type: str
    prompt: str
    options: tuple[str, ...]
    answers: tuple[str, ...]
    explanation: str
    evidence: tuple[Evidence, ...]
    topic: str | None = None
    cloze: tuple[str, str, str] | ClozeParts | None = None
    fallback: str | None = None  # why a choice question became ``short``, for lint
    #: The options have a natural order (years, dates, figures, ascending) that every exporter keeps.
    ordered: bool = False
    #: Each wrong option with its proof and plausibility reason (for the curator's review page).
    wrong: tuple[WrongOption, ...] = field(default=(), compare=False, repr=False)


CLOZE_BLANK = "_____"


@dataclass(frozen=True, eq=False)
class QuestionSet:
    deck: Deck
    questions: tuple[Question, ...]
    seed: int

    def __iter__(self):
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})

    def by_id(self, question_id: str) -> Question:
        """The question with this id (a dictionary lookup); raises ``KeyError`` for an unknown id."""
        return self._by_id[question_id]  # type: ignore[attr-defined]


def format_value(value: Any) -> str:
    """A field value as a person reads it: numbers with thousands separators, dates in words."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,}"
    return str(value)


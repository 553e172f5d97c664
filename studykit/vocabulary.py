"""What a deck knows about its values, worked out once per deck: the entity behind every spelling,
how many facts give each value, every spelling of a question's key, and the deck's subject.

Used alike by the generator (no cloze on the subject, no "who" question whose only answer is
it), by quiz selection (which keys another stem would give away) and by lint, so the three agree.
Also here: matching normalisation, quick for text whose only non-ASCII is typography.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections import Counter, defaultdict
from typing import Callable, NamedTuple

from .corpus import _INVISIBLE, _QUOTES, find_words, fold, normalize
from .dates import display_date
from .heap import cache, on_drop
from .model import KINDS, Deck, Entity, Fact, Question, format_value

__all__ = ["Key", "Vocabulary", "deck_subject", "deck_subjects", "fact_values", "normal", "visible", "vocabulary", "words_of"]

RARE_FACTS = 3

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2} [A-Za-z]+) \d{4}")


#: What the matching normalisation does to typography, as one ``str.translate`` table: most
#: stems are ASCII but for their quotes, and then need no slow path.
_TYPOGRAPHY = str.maketrans({**_QUOTES, **dict.fromkeys(_INVISIBLE, None), "…": "..."})


def normal(text: str) -> str:
    """:func:`studykit.corpus.normalize`, quicker for text whose only non-ASCII is typography."""
    return normalize(text if text.isascii() else text.translate(_TYPOGRAPHY))


_normal = cache(maxsize=1 << 14)(normal)


@cache(maxsize=1 << 11)
def words_of(text: str) -> tuple[str, ...]:
    """The words of ``text`` as :func:`studykit.corpus.find_words` sees them: normalised, lower case.

    Kept for the most recent texts: lint and quiz planning ask it of the same stems and quotes
    pair after pair (a tuple, so no caller can change what another is given)."""
    return tuple(_split(text, _normal))


def word_set(text: str) -> set[str]:
    """``set(words_of(text))``, not cached: for one pass over every stem of a deck, which would
    only churn the caches."""
    return set(_split(text, normal))


def _split(text: str, normalised: Callable[[str], str]) -> list[str]:
    """The words of ``text``, normalised, lower case. An ASCII text's are those of its lower case
    as it stands: the normalisation of ASCII only collapses white space, which no word holds."""
    return _WORD.findall(text.lower() if text.isascii() else normalised(text).lower())


def visible(spelling: str, text: str) -> bool:
    """Whether ``spelling`` occurs in ``text`` as whole words, typography-tolerant (acronyms by case)."""
    return find_words(spelling, _normal(text)) is not None


_KEY_CACHE = 1 << 16


class Key(NamedTuple):
    """One answer of a question, every spelling a reader recognises it by, and whether it is rare."""

    answer: str
    canonical: str
    spellings: tuple[str, ...]
    rare: bool


class Vocabulary:
    """What a deck knows about its values, worked out once per deck (:func:`vocabulary`): the
    entity behind every spelling, how many facts give each value, and the deck's main subject."""

    def __init__(self, deck: Deck | None):
        # weakly: the cache of vocabularies is keyed by the deck and must not keep it alive
        self._deck = weakref.ref(deck) if deck is not None else None
        self.entities: dict[str, Entity] = {}
        self.counts: Counter[str] = Counter()
        self._keys: dict[tuple[str, tuple[str, ...]], tuple[Key, ...]] = {}
        self._links: dict[str, frozenset[str]] | None = None
        if deck is None:
            return
        for entity in deck.entities.values():
            for spelling in (entity.name, *entity.aliases):
                self.entities.setdefault(fold(spelling), entity)
        for fact in deck.facts:
            self.counts.update({self.canonical(v, fact) for v in fact_values(fact)})

    @property
    def deck(self) -> Deck | None:
        return self._deck() if self._deck is not None else None

    def linked(self, fact_id: str) -> frozenset[str]:
        """The facts linked to ``fact_id`` (``linked:`` on either fact; see :class:`Fact`)."""
        if self._links is None:
            links: dict[str, set[str]] = defaultdict(set)
            for fact in self.deck.facts if self.deck is not None else ():
                for other in fact.linked:
                    links[fact.id].add(other)
                    links[other].add(fact.id)
            self._links = {fact: frozenset(others) for fact, others in links.items()}
        return self._links.get(fact_id, frozenset())

    def fact(self, fact_id: str) -> Fact | None:
        if self.deck is None:
            return None
        try:
            return self.deck.fact(fact_id)
        except KeyError:
            return None

    def entity(self, text: str, fact: Fact | None = None) -> Entity | None:
        """The deck entity that ``text`` names (its name, an alias, or a fact alias of its name)."""
        folded = fold(text)
        if fact is not None:  # the fact's own aliases first: "Moscow" may stand for the Soviet Union there
            for value, spellings in fact.aliases.items():
                if folded == fold(value) or folded in (fold(s) for s in spellings):
                    return self.entities.get(fold(value))
        return self.entities.get(folded)

    def canonical(self, text: str, fact: Fact | None = None) -> str:
        """One form per value: an entity's name, a fact alias's value, a number without separators."""
        folded = fold(text)
        if fact is not None:
            for value, spellings in fact.aliases.items():
                if folded == fold(value) or folded in (fold(s) for s in spellings):
                    folded = fold(value)
                    break
        entity = self.entities.get(folded)
        if entity is not None:
            return fold(entity.name)
        if _NUMBER.fullmatch(folded):
            return folded.replace(",", "")
        return folded

    def keys(self, q: Question) -> tuple[Key, ...]:
        """The question's answers in every spelling (none for true/false: True and False give nothing away)."""
        if q.type == "true_false":
            return ()
        cache_key = (q.fact, q.answers)
        if cache_key not in self._keys:
            if len(self._keys) >= _KEY_CACHE:
                self._keys.clear()  # a bound on memory; the questions of a sheet are looked at together
            self._keys[cache_key] = tuple(self._key(answer, self.fact(q.fact)) for answer in q.answers)
        return self._keys[cache_key]

    def _key(self, answer: str, fact: Fact | None) -> Key:
        spellings = [answer]
        canonical = self.canonical(answer, fact)
        if fact is not None:
            for value, others in fact.aliases.items():
                if canonical == self.canonical(value, fact):
                    spellings += [value, *others]
        entity = self.entity(answer, fact)
        if entity is not None:
            spellings += [entity.name, *entity.aliases, *entity.related]
        if _NUMBER.fullmatch(answer) and "," in answer:
            spellings.append(answer.replace(",", ""))
        day = _DAY_MONTH_YEAR.fullmatch(answer)
        if day:
            spellings.append(day.group(1))
        unique = tuple(dict.fromkeys(s for s in spellings if words_of(s)))
        rare = self.deck is not None and self.counts[canonical] <= RARE_FACTS
        return Key(answer, canonical, unique, rare)

    def wrong_options(self, q: Question) -> set[str]:
        """The canonical forms of a choice question's wrong options."""
        if q.type not in ("single", "multiple"):
            return set()
        fact = self.fact(q.fact)
        return {self.canonical(o, fact) for o in q.options if o not in q.answers}

    @functools.cached_property
    def subject(self) -> Entity | None:
        """The deck's ubiquitous subject (see :func:`deck_subject`)."""
        return deck_subject(self.deck) if self.deck is not None else None

    @functools.cached_property
    def subjects(self) -> frozenset[str]:
        """The names of what the deck is about (see :func:`deck_subjects`)."""
        return deck_subjects(self.deck) if self.deck is not None else frozenset()


def deck_subjects(deck: Deck) -> frozenset[str]:
    """What the deck is about: its ubiquitous subject (:func:`deck_subject`), the entities its
    title names ("Israel between Russia and Ukraine") and those its ``subjects:`` declares (the
    Soviet Union). A blank on one of them, or a "who" question whose only answer is one of them,
    is answered by guessing what the deck is about."""
    names: set[str] = set(deck.subjects)
    main = deck_subject(deck)
    if main is not None:
        names.add(main.name)
    title = normal(deck.title)
    for entity in deck.entities.values():
        if any(find_words(spelling, title) for spelling in (entity.name, *entity.aliases)):
            names.add(entity.name)
    return frozenset(names)


#: each deck's subject, worked out once (it reads every fact: 1.4 s at 40,000 facts, and
#: generation, lint and the quiz all ask), held as long as the deck is
_SUBJECTS: weakref.WeakKeyDictionary[Deck, tuple[Entity | None]] = weakref.WeakKeyDictionary()


def deck_subject(deck: Deck) -> Entity | None:
    """The deck's ubiquitous subject: the entity named in the most facts' values (text fields
    included: "cut ties with Israel"), when it is named in at least a quarter of them and in three
    facts at least (in a deck of two facts, nothing is ubiquitous)."""
    known = _SUBJECTS.get(deck)
    if known is None:
        known = _SUBJECTS[deck] = (_ubiquitous(deck),)
    return known[0]


def _ubiquitous(deck: Deck) -> Entity | None:
    if not deck.facts:
        return None
    probes: dict[str, list[tuple[Entity, frozenset[str]]]] = defaultdict(list)
    for entity in deck.entities.values():
        for spelling in (entity.name, *entity.aliases):
            words = words_of(spelling)
            if words:
                probes[max(words, key=len)].append((entity, frozenset(words)))
    named: Counter[str] = Counter()
    for fact in deck.facts:
        present: set[str] = set()
        for value in fact.fields.values():
            for v in value if isinstance(value, tuple) else (value,):
                present.update(words_of(str(v)))
        found = {e.name for probe in present & probes.keys() for e, need in probes[probe] if need <= present}
        named.update(found)
    if not named:
        return None
    name, n = min(named.items(), key=lambda item: (-item[1], item[0]))
    return deck.entities[name] if 4 * n >= len(deck.facts) and n >= 3 else None


def fact_values(fact: Fact) -> set[str]:
    """The values a fact gives that a question may ask for: names, figures, years and dates."""
    spec = KINDS.get(fact.kind)
    values: set[str] = set()
    for name, value in fact.fields.items():
        field = spec.field(name) if spec else None
        if field is None or field.type == "text":
            continue
        for v in value if isinstance(value, tuple) else (value,):
            if field.type == "date":
                values.update({str(v)[:4], display_date(str(v))})
            else:
                values.add(format_value(v))
    return values


_VOCABULARIES: weakref.WeakKeyDictionary[Deck, Vocabulary] = weakref.WeakKeyDictionary()
on_drop(_VOCABULARIES.clear)  # a vocabulary is its deck's caches


def vocabulary(deck: Deck | None) -> Vocabulary:
    """The deck's :class:`Vocabulary`, built on first use and kept as long as the deck is."""
    if deck is None:
        return Vocabulary(None)
    if deck not in _VOCABULARIES:
        _VOCABULARIES[deck] = Vocabulary(deck)
    return _VOCABULARIES[deck]

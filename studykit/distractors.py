"""Wrong options: the rules that keep every one of them false, and the ranking that keeps them plausible.

A wrong option is offered only when the deck *proves* it wrong ("not in the data" is not enough):

* **who voted how** — another actor whose recorded position on the same vote (same body, date
  and motion, across every fact that reports it) rules this one out, or the curator's word;
* **who did it, why** — the curator's ``distractors`` only (nothing else can prove that someone
  did not do something, or that a reason was not one);
* **who said it** — speakers of other statements, never one the same words are attributed to;
* **years, dates, figures** — an event has one date and a figure one value, so any other is false;
  never one that any fact gives for the same or a near-identical event, or the same subject.

Among the provably false candidates, :func:`rank_entities` orders by plausibility: the same
entity type; the key's declared ``groups`` (a wrong option must share at least one: only
permanent members are offered for "vetoed"); not named, nor ruled out, by the stem itself; not
from before the entity existed (``since``); recorded in the same vote, cited in the same
document, on the same topic. Ordered values (:func:`ordered_values`) draw the key's rank
uniformly and place wrong values on both sides of it.

Every :class:`Option` carries why it is false and why it was chosen, for the curator's review.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import random
import re
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from .corpus import find_words, fold, normalize
from .dates import display_date, year_of
from .model import EXCLUDES, KINDS, VOTE_POSITIONS, Deck, Entity, Fact, format_value
from .model import WrongOption as Option
from .ordered import AnyOf, RankBalance, factors, nice_step, ordered_values, significant_digits, steps
from .textindex import TextIndex, may_hold, text_words
from .vocabulary import deck_subject, deck_subjects

#: How many wrong options a single-answer question gets (so 4 options in all).
WRONG_OPTIONS = 3
#: Speakers are drawn from a sample of this many (fixed per fact) when the deck has more, so a
#: question costs as much in a deck of 100,000 facts as in one of 100.
MAX_CANDIDATES = 64
#: Hedges that make a figure a bound or an estimate: it is asked as the figure the source gives.
LOWER_BOUNDS = frozenset({"over", "more than", "at least", "upwards of", "in excess of", "over some"})
UPPER_BOUNDS = frozenset({"up to", "under", "fewer than", "less than", "nearly", "almost", "at most"})
#: A key named this often in the documents, with every wrong option named less than half as often,
#: is given away by familiarity alone: the question becomes a free answer.
FAMILIAR_KEY = 3
#: A corpus up to this many characters is counted whole for how familiar an option is.
SMALL_CORPUS = 2_000_000
#: How many of a body's or actor's events are compared for a like event in another year (trivial_year).
LIKE_EVENTS = 1000
#: A wrong speaker the deck dates only more than this many years from the key's words is out of era.
ERA_YEARS = 3
#: Statements shorter than this (in words) are too generic to identify a speaker.
MIN_SAID_WORDS = 3

#: What identifies one event or vote across the facts that report it.
EventKey = tuple[str, ...]


def vote_key(fact: Fact) -> EventKey:
    """A vote is the same vote when body, date and motion agree (two reports of one vote)."""
    return fold(fact.fields["body"]), fact.fields["date"], fold(fact.fields["motion"])


def event_key(fact: Fact) -> EventKey:
    if fact.kind == "vote":
        return vote_key(fact)
    return fold(str(fact.fields.get("actor", ""))), fold(str(fact.fields.get("action", "")))


_WORD = re.compile(r"[a-z0-9]{4,}")


def content_words(text: str) -> frozenset[str]:
    """The words of four letters or more, folded: what tells two events apart."""
    return frozenset(_WORD.findall(fold(text)))


def similar(a: frozenset[str], b: frozenset[str], threshold: float = 0.5) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= threshold


@dataclass
class _TwinIndex:
    """Prefix-filtering index of one subject's events: word → events with that word among their
    rarest; rarity is one global order (how many of the subject's events have the word), the
    same for indexing and for queries, which is what makes the filter exact."""

    counts: Counter[str]
    postings: dict[str, list[EventKey]]
    words: dict[EventKey, frozenset[str]]

    @classmethod
    def build(cls, events: Iterable[tuple[EventKey, frozenset[str]]]) -> _TwinIndex:
        words = dict(events)
        counts: Counter[str] = Counter(w for ws in words.values() for w in ws)
        index = cls(counts, defaultdict(list), words)
        for key, ws in words.items():
            for w in index.prefix(ws):
                index.postings[w].append(key)
        return index

    def prefix(self, words: frozenset[str]) -> list[str]:
        """The rarest ``len - ceil(len/2) + 1`` words: two sets with Jaccard ≥ 0.5 share one of them."""
        ranked = sorted(words, key=lambda w: (self.counts.get(w, 0), w))
        return ranked[: len(ranked) - math.ceil(len(ranked) / 2) + 1]

    def similar_to(self, words: frozenset[str]) -> list[EventKey]:
        candidates = {key for w in self.prefix(words) for key in self.postings.get(w, ())}
        return sorted(key for key in candidates if similar(words, self.words[key]))


@dataclass
class Pools:
    """Everything the deck records, indexed for distractor selection. Built once per deck."""

    deck: Deck
    positions: dict[EventKey, dict[str, set[str]]] = field(default_factory=dict)
    years_by_event: dict[EventKey, set[int]] = field(default_factory=dict)
    dates_by_event: dict[EventKey, set[str]] = field(default_factory=dict)
    #: (kind, body or actor) → [(event key, content words of motion or action)], for near-identical events
    events_by_subject: dict[tuple[str, str], list[tuple[EventKey, frozenset[str]]]] = field(default_factory=dict)
    years_by_topic: dict[str | None, list[int]] = field(default_factory=dict)
    dates_by_topic: dict[str | None, list[int]] = field(default_factory=dict)  # sorted day ordinals
    #: the days of the votes on each topic: another vote's day is a day "a very similar event
    #: really happened" (the Security Council's vote beside the General Assembly's, review 18)
    vote_days_by_topic: dict[str | None, set[int]] = field(default_factory=dict)
    speakers: dict[str, set[str]] = field(default_factory=dict)  # folded words → speakers
    speakers_by_type: dict[str, list[str]] = field(default_factory=dict)
    speaker_years: dict[str, list[int]] = field(default_factory=dict)  # the years the deck dates a speaker's words, ascending
    values_by_subject: dict[str, set[float]] = field(default_factory=dict)
    values_by_unit: dict[str, list[float]] = field(default_factory=dict)  # sorted, distinct
    #: entity name → how many facts name it among their values (rarity), and per topic
    fact_counts: Counter[str] = field(default_factory=Counter)
    topic_names: dict[str | None, set[str]] = field(default_factory=dict)
    #: the entity named by the most facts: the deck's subject, never worth a blank
    subject: str | None = None
    #: everything the deck is about: the subject and the entities its title names
    subjects: frozenset[str] = frozenset()
    #: the latest year a cited source was published (else the latest event year): years up to a few
    #: after it are wrong options too
    latest_publication: int = 1
    #: (kind, subject) → the index that finds an event's near-identical twins
    _twin_index: dict[tuple[str, str], _TwinIndex] = field(default_factory=dict)
    _twins: dict[EventKey, list[EventKey]] = field(default_factory=dict)
    _like: dict[tuple[str, str], tuple[list[tuple[EventKey, frozenset[str]]], dict[str, list[int]]]] = field(default_factory=dict)
    text: TextIndex = field(init=False, repr=False)  # made by build, from the deck's corpus

    @classmethod
    def build(cls, deck: Deck) -> Pools:
        pools = cls(deck)
        positions: dict[EventKey, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        years_by_event: dict[EventKey, set[int]] = defaultdict(set)
        dates_by_event: dict[EventKey, set[str]] = defaultdict(set)
        by_subject: dict[tuple[str, str], dict[EventKey, frozenset[str]]] = defaultdict(dict)
        years_by_topic: dict[str | None, set[int]] = defaultdict(set)
        dates_by_topic: dict[str | None, set[str]] = defaultdict(set)
        speakers: dict[str, set[str]] = defaultdict(set)
        by_type: dict[str, set[str]] = defaultdict(set)
        by_unit: dict[str, set[float]] = defaultdict(set)
        speaker_years: dict[str, set[int]] = defaultdict(set)
        topic_names: dict[str | None, set[str]] = defaultdict(set)
        for fact in deck.facts:
            f = fact.fields
            date = f.get("date")
            names = set(_names(fact))
            pools.fact_counts.update(names)
            topic_names[fact.topic].update(names)
            if fact.kind == "vote":
                for position in VOTE_POSITIONS:
                    for actor in f.get(position, ()):
                        positions[vote_key(fact)][actor].add(position)
            if date and fact.kind in ("vote", "event"):
                key = event_key(fact)
                years_by_event[key].add(year_of(date))
                dates_by_event[key].add(date)
                subject = (fact.kind, fold(f["body"] if fact.kind == "vote" else f["actor"]))
                by_subject[subject][key] = content_words(f["motion"] if fact.kind == "vote" else f["action"])
                years_by_topic[fact.topic].add(year_of(date))
                if date.count("-") == 2:
                    dates_by_topic[fact.topic].add(date)
                    if fact.kind == "vote":
                        pools.vote_days_by_topic.setdefault(fact.topic, set()).add(dt.date.fromisoformat(date).toordinal())
            if fact.kind == "statement":
                speakers[fold(f["said"])].add(f["speaker"])
                by_type[deck.entity_type(f["speaker"], "person")].add(f["speaker"])
                if date:
                    speaker_years[f["speaker"]].add(year_of(date))
            if fact.kind == "quantity":
                subject_key = fold(f["subject"])
                pools.values_by_subject.setdefault(subject_key, set()).add(f["value"])
                by_unit[_count_key(f)].add(f["value"])
        pools.positions = {k: dict(v) for k, v in positions.items()}
        pools.years_by_event, pools.dates_by_event = dict(years_by_event), dict(dates_by_event)
        pools.events_by_subject = {k: list(v.items()) for k, v in by_subject.items()}
        pools.years_by_topic = {k: sorted(v) for k, v in years_by_topic.items()}
        pools.dates_by_topic = {k: sorted(dt.date.fromisoformat(d).toordinal() for d in v) for k, v in dates_by_topic.items()}
        pools.speakers = dict(speakers)
        pools.speaker_years = {speaker: sorted(years) for speaker, years in speaker_years.items()}
        pools.speakers_by_type = {kind: sorted(names) for kind, names in by_type.items()}
        pools.values_by_unit = {unit: sorted(values) for unit, values in by_unit.items()}
        pools.topic_names = dict(topic_names)
        pools.text = TextIndex(deck.corpus, whole=sum(len(d.text) for d in deck.corpus.documents.values()) <= SMALL_CORPUS)
        years = [year_of(s.published) for s in deck.corpus.sources if s.published]
        pools.latest_publication = max(years, default=max([*(y for ys in pools.years_by_event.values() for y in ys), 1]))
        main = deck_subject(deck)
        pools.subject = main.name if main is not None else None
        pools.subjects = deck_subjects(deck)
        return pools

    # --- events and their near-identical twins --------------------------------------------------

    def twin_events(self, fact: Fact) -> list[EventKey]:
        """This event and the deck's near-identical ones: same body or actor, and the words of the
        motion or action mostly the same (Jaccard ≥ 0.5).

        Pairs are found by prefix filtering: two word sets that meet the threshold share one of the
        rarest ``len - ceil(len / 2) + 1`` words of each, so each event is compared only with the
        events indexed under its own rarest words, not with every event of its subject.
        """
        own = event_key(fact)
        if own in self._twins:
            return self._twins[own]
        f = fact.fields
        subject = (fact.kind, fold(f["body"] if fact.kind == "vote" else f.get("actor", "")))
        index = self._twin_index.get(subject)
        if index is None:
            index = self._twin_index[subject] = _TwinIndex.build(self.events_by_subject.get(subject, ()))
        words = content_words(f["motion"] if fact.kind == "vote" else f.get("action", ""))
        twins = [own, *(key for key in index.similar_to(words) if key != own)]
        self._twins[own] = twins
        return twins

    def taken_years(self, fact: Fact) -> set[int]:
        return {y for key in self.twin_events(fact) for y in self.years_by_event.get(key, ())}

    def taken_dates(self, fact: Fact) -> set[str]:
        return {d for key in self.twin_events(fact) for d in self.dates_by_event.get(key, ())}

    # --- entities ---------------------------------------------------------------------------------

    def mentioned_in(self, fact: Fact, name: str) -> bool:
        """Whether one of the fact's source documents names ``name`` (or an alias)."""
        entity = self.deck.entities.get(name)
        spellings = (name, *(entity.aliases if entity else ()))
        return any(self.text.names(source, spellings) for source in _sources(fact))

    def trivial_year(self, fact: Fact) -> bool:
        """Whether asking the fact's year tests nothing but when its source was written: the year
        is the publication year of every cited source, and no like event of the same body or actor
        (three or more words and half of the shorter in common) happened in another year: then
        telling them apart is the point (the General Assembly's votes on Ukraine, 2014 and 2022)."""
        year = year_of(self.deck_fact_date(fact))
        published = [self.deck.source(e.source).published for e in fact.evidence]
        if not published or not all(p and year_of(p) == year for p in published):
            return False
        f = fact.fields
        subject = (fact.kind, fold(f["body"] if fact.kind == "vote" else f.get("actor", "")))
        words = content_words(f["motion"] if fact.kind == "vote" else f.get("action", ""))
        if len(words) < 3:
            return True  # no event shares three words with it
        events, postings = self._like_events(subject)
        # an event sharing three or more words has one of all but the two commonest: only the
        # postings of the rarer words are walked (the commonest, "resolution", lists every vote)
        rarer = sorted(words, key=lambda w: (len(postings.get(w, ())), w))[: len(words) - 2]
        for n in sorted({n for w in rarer for n in postings.get(w, ())}):
            key, other = events[n]
            shared = len(words & other)
            if shared >= 3 and 2 * shared >= min(len(words), len(other)) and self.years_by_event.get(key, set()) - {year}:
                return False
        return True

    def _like_events(self, subject: tuple[str, str]) -> tuple[list[tuple[EventKey, frozenset[str]]], dict[str, list[int]]]:
        """The first :data:`LIKE_EVENTS` events of a body or actor, and word → those that have it."""
        if subject not in self._like:
            events = self.events_by_subject.get(subject, [])[:LIKE_EVENTS]
            postings: dict[str, list[int]] = defaultdict(list)
            for n, (_, words) in enumerate(events):
                for w in words:
                    postings[w].append(n)
            self._like[subject] = (events, dict(postings))
        return self._like[subject]

    def deck_fact_date(self, fact: Fact) -> str:
        return str(fact.fields["date"])

    def document_count(self, fact: Fact, text: str, *, own: bool = False) -> int:
        """How often ``text`` occurs, as whole words, in the documents a reader of the fact has
        seen: the whole corpus when it is small (up to :data:`SMALL_CORPUS` characters), else the
        fact's own sources (counting a large corpus for every name would cost more than it tells);
        with ``own``, the fact's own sources always (a figure means something only where it stands)."""
        if self.text.whole and not own:
            return self.text.corpus_count(text)
        return sum(self.text.count(source, text) for source in _sources(fact))

    def document_years(self, fact: Fact) -> list[int]:
        """The years (1800–2099) written in the fact's source documents."""
        return sorted(set().union(*(self.text.years(source) for source in _sources(fact))))

    def document_numbers(self, fact: Fact) -> list[float]:
        """The figures written in digits in the fact's source documents ("11", "8,500", "2.5")."""
        return sorted(set().union(*(self.text.numbers(source) for source in _sources(fact))))

    def document_dates(self, fact: Fact) -> list[int]:
        """The days written out in the fact's source documents ("25 February 2022", "Feb. 25,
        2022"), as ordinals: dates the reader has seen."""
        return sorted(set().union(*(self.text.days(source) for source in _sources(fact))))

    def rank_entities(
        self,
        fact: Fact,
        keys: Sequence[str],
        candidates: Iterable[tuple[str, str]],
        *,
        stem: str,
        rank: Callable[[str], object],
        same_vote: frozenset[str] = frozenset(),
    ) -> list[Option]:
        """``candidates`` (name, proof) that are plausible wrong options for ``keys``, most plausible first.

        Dropped: another entity type than the key's; sharing none of the key's groups (when it has
        any), unless recorded in the same vote; beginning to exist after the fact's year; named in
        the stem, by name, alias or a related word; a member of a group the stem names ("Arab
        states" rules out an Arab state). Ordered: sharing all of the key's groups, then the most
        of them (so only permanent members are offered for "vetoed" when there are enough), then
        listed by the curator for this fact, recorded in the same vote, named in the same document,
        on the same topic; then the seeded rank.
        """
        deck = self.deck
        key_type = deck.entity_type(keys[0], "") if keys else ""
        # what every key has in common (China is a permanent member, India is not: both were on the council)
        known = [deck.entities[k].groups for k in keys if k in deck.entities]
        key_groups: set[str] = set(known[0]).intersection(*known[1:]) if known else set()
        year = year_of(fact.fields["date"]) if fact.fields.get("date") else None
        shown = Shown(normalize(stem))
        banned = {fold(s) for k in keys for s in fact.spellings(k)}
        curated = {v for values in fact.distractors.values() for v in values if isinstance(v, str)}
        scored: list[tuple[tuple[object, ...], Option]] = []
        seen: set[str] = set()
        for name, proof in candidates:
            folded = fold(name)
            if folded in seen or folded in banned:
                continue
            seen.add(folded)
            entity = deck.entities.get(name)
            if key_type and deck.entity_type(name, key_type) != key_type:
                continue
            groups = entity.groups if entity else frozenset()
            shared = key_groups & groups
            if key_groups and not shared and name not in same_vote:
                continue  # only someone who took part in the same vote may stand outside the key's groups
            if entity and entity.since and year and entity.since > year:
                continue
            if entity and _named_in(entity, shown, key_groups):
                continue
            reasons = []
            if shared:
                reasons.append("shares the key's group" + ("s " if len(shared) > 1 else " ") + ", ".join(sorted(shared)))
            score = 0
            if name in curated:
                score += 10  # the curator chose it for this fact: before any the deck merely records
                reasons.append("listed by the curator")
            if name in same_vote:
                score += 3
                reasons.append("recorded in the same vote")
            if self.mentioned_in(fact, name):
                score += 2
                reasons.append("named in the same document")
            if name in self.topic_names.get(fact.topic, ()):
                score += 1
                reasons.append("on the same topic")
            if not reasons:
                reasons.append(f"a {key_type or 'name'} like the key")
            # the key's groups first (all of them, then as many as possible), then the rest of the evidence
            tier = 0 if not key_groups or shared == key_groups else 1 if shared else 2
            order = (tier > 0, -len(shared), -score, rank(name))
            scored.append((order, Option(name, proof, "; ".join(reasons), tier)))
        scored.sort(key=lambda item: item[0])
        return [option for _, option in scored]

    # --- who voted how --------------------------------------------------------------------------

    def not_in_position(self, fact: Fact, position: str) -> list[tuple[str, str]]:
        """(actor, proof) for actors whose recorded position on this vote rules ``position`` out,
        and the curator's, unless the deck records them in ``position`` after all."""
        recorded = self.positions.get(vote_key(fact), {})
        held_here = set(fact.fields.get(position, ()))
        found: list[tuple[str, str]] = []
        for actor in fact.distractors.get(position, ()):
            if position not in recorded.get(actor, ()) and actor not in held_here:
                found.append((actor, "the curator lists it as not having done so"))
        for actor, held in sorted(recorded.items()):
            if held & EXCLUDES[position] and position not in held and actor not in held_here:
                found.append((actor, f"recorded as {_position_words(held & EXCLUDES[position])} on the same vote"))
        return found

    # --- speakers ---------------------------------------------------------------------------------

    def speakers_of(self, fact: Fact) -> list[str]:
        """Everyone the deck attributes these words to, the fact's own speaker first."""
        attributed = self.speakers.get(fold(fact.fields["said"]), set())
        return [fact.fields["speaker"], *sorted(attributed - {fact.fields["speaker"]})]

    def other_speakers(self, fact: Fact) -> list[tuple[str, str]]:
        attributed = set(self.speakers_of(fact))
        kind = self.deck.entity_type(fact.fields["speaker"], "person")
        found = [(s, "the curator lists them as not the speaker") for s in fact.distractors.get("speaker", ()) if s not in attributed]
        # of the same era: a speaker the deck dates only years away is out of place (a 2014 voice
        # among 2022's speakers, review 11); the curator's choice stands
        year = year_of(fact.fields["date"]) if fact.fields.get("date") else None
        found += [
            (s, "the deck attributes other words to them, and these words to someone else")
            for s in _sample(self.speakers_by_type.get(kind, []), fact)
            if s not in attributed and (year is None or not (years := self.speaker_years.get(s)) or _within(years, year, ERA_YEARS))
        ]
        return found

    # --- years, dates, figures ----------------------------------------------------------------------

    def years(self, fact: Fact, rng: random.Random, count: int = WRONG_OPTIONS, balance: RankBalance | None = None) -> list[int]:
        """``count`` wrong years around the fact's year, the key's rank among them uniform."""
        key = year_of(fact.fields["date"])
        taken = self.taken_years(fact) | {key}
        lowest = max([1, key - 40, *(s for s in self._since(fact))])
        highest = max(self._latest_publication_year() + 3, key + 1)
        # years the reader has seen: other facts' years on the topic (within 12), and years written
        # in the documents (within 25): a year the reader met is as familiar as the key
        siblings = [y for y in self.years_by_topic.get(fact.topic, []) if abs(y - key) <= 12]
        siblings += [y for y in self.document_years(fact) if abs(y - key) <= 25]
        curated = [year_of(d) for d in fact.distractors.get("date", ())]
        seen = self.document_count(fact, str(key))
        familiar = [y for y in self.document_years(fact) if lowest <= y <= highest and self.document_count(fact, str(y)) >= seen]
        return ordered_values(
            key, count, rng, balance=balance, taken=taken, curated=curated, preferred=siblings, steppers=steps(1, 2, 3, 4),
            lowest=lowest, highest=highest, familiar=familiar,
        )

    def dates(self, fact: Fact, rng: random.Random, count: int = WRONG_OPTIONS, balance: RankBalance | None = None) -> list[str]:
        key = fact.fields["date"]
        base = dt.date.fromisoformat(key).toordinal()
        twins = {dt.date.fromisoformat(d).toordinal() for d in self.taken_dates(fact) if d.count("-") == 2} | {base}
        # and every vote's day on the topic: looked up in place, as a topic's votes grow with the deck
        taken = AnyOf(twins, self.vote_days_by_topic.get(fact.topic, frozenset()))
        topic = self.dates_by_topic.get(fact.topic, [])
        siblings = topic[bisect.bisect_left(topic, base - 30) : bisect.bisect_right(topic, base + 30)]
        siblings += self.document_dates(fact)  # days the reader has seen are as familiar as the key
        curated = [dt.date.fromisoformat(d).toordinal() for d in fact.distractors.get("date", ()) if d.count("-") == 2]
        seen = self.document_count(fact, display_date(key))
        familiar = [d for d in self.document_dates(fact) if abs(d - base) <= 366
                    and self.document_count(fact, display_date(dt.date.fromordinal(d).isoformat())) >= seen]
        chosen = ordered_values(
            base, count, rng, balance=balance, taken=taken, curated=curated, preferred=[s for s in siblings if abs(s - base) <= 30],
            steppers=steps(1, 2, 3, 4, 5, 6, 7), lowest=1, highest=dt.date.max.toordinal(), familiar=familiar,
        )
        return [dt.date.fromordinal(o).isoformat() for o in chosen]

    def numbers(self, fact: Fact, rng: random.Random, count: int = WRONG_OPTIONS, balance: RankBalance | None = None) -> list[float]:
        """Wrong figures on both sides of the key. A hedged figure ("over 100,000") is asked as the
        figure the source gives: its wrong values are at least ×1.5 away, so none is close enough to
        pass for it."""
        f = fact.fields
        value = f["value"]
        taken = self.values_by_subject.get(fold(f["subject"]), set()) | {value}
        hedged = bool(f.get("qualifier"))
        whole = isinstance(value, int) or float(value).is_integer()
        unit_values = self.values_by_unit.get(_count_key(f), [])
        factor = 1.5 if hedged else 1.0
        near = unit_values[bisect.bisect_left(unit_values, value / 3) : bisect.bisect_right(unit_values, value * 3)]
        curated = list(fact.distractors.get("value", ()))
        # the siblings below the key (at most key / factor) and above it (at least key × factor),
        # only the nearest few on each side: ordered_values walks a side's siblings nearest first
        # and takes at most ``count``, passing over the taken and the curated ones, so the farther
        # ones never count (in a large deck a unit has thousands: sorting them all a question made
        # how-many quadratic)
        reach = count + len(taken) + len(curated)
        below = bisect.bisect_right(near, value / factor) if factor != 1.0 else bisect.bisect_left(near, value)
        above = bisect.bisect_left(near, value * factor) if factor != 1.0 else bisect.bisect_right(near, value)
        siblings = near[max(0, below - reach) : below] + near[above : above + reach]
        if hedged and whole and value <= 30:  # "up to 5 years": other whole numbers, clearly apart
            steppers = steps(2, 3, 5)
        elif hedged or not whole:  # estimates and fractional figures: other magnitudes, as round as the key
            digits = significant_digits(value) if hedged else max(2, significant_digits(value))
            # at most ×1.8 a step: three steps of ×3 put a wrong figure 27 times the key ("up to 8,500
            # Hryvnias" beside 230,000), which nobody would pick, and ×2 makes the key the visible
            # base of its multiples (17,000, 34,000: review 8)
            ratios = (1.5, 1.8) if hedged else (1.25, 1.5, 2.0)
            steppers = factors(*ratios, digits=digits)
        elif value <= 30:
            steppers = steps(1, 2, 3)  # small counts move by whole steps
        else:
            magnitude = nice_step(value)
            steppers = steps(magnitude, 2 * magnitude)  # round steps, as round as the key
        seen = self.document_count(fact, format_number(value))
        familiar = self._familiar_figures(fact, value, near, seen)
        return ordered_values(
            value, count, rng, balance=balance, taken=taken, curated=curated, preferred=siblings, steppers=steppers, lowest=0, highest=math.inf,
            gap=1.5 if hedged else 1.0, familiar=familiar,
        )

    def _familiar_figures(self, fact: Fact, value: float, near: list[float], seen: int) -> list[float]:
        """The figures written in the documents, then those of ``near`` (sorted), that are within ×4
        of the key and written as often as it: the same list as counting each, but a figure of
        ``near`` is counted only when it is written there at all (:func:`written_figures`)."""

        def familiar(v: float) -> bool:
            return value / 4 <= v <= value * 4 and self.document_count(fact, format_number(v)) >= seen

        chosen = [v for v in self.document_numbers(fact) if familiar(v)]
        if seen <= 0:  # every count is at least 0
            return chosen + [v for v in near if value / 4 <= v <= value * 4]
        # plain figures ("1,234", "0.5") are looked up among those written; the rest (negative, tiny
        # or infinite: "-5", "1e-05", "inf") are counted each
        low, high = bisect.bisect_left(near, 1e-4), bisect.bisect_left(near, math.inf)
        written = self._written_figures(fact)
        if len(written) < high - low:
            hits = sorted({j for w in written if low <= (j := bisect.bisect_left(near, w, low, high)) < high and near[j] == w})
            plain = [near[j] for j in hits]
        else:
            plain = [v for v in near[low:high] if v in written]
        return chosen + [v for v in (*near[:low], *plain, *near[high:]) if familiar(v)]

    def _written_figures(self, fact: Fact) -> set[float]:
        """:func:`written_figures` of the documents :meth:`document_count` counts in for the fact."""
        if self.text.whole:
            return self.text.written(None)
        return set().union(*(self.text.written(source) for source in _sources(fact)))

    def _since(self, fact: Fact) -> list[int]:
        """The years the fact's actor or body began to exist (no event before them)."""
        names = [fact.fields.get("actor"), fact.fields.get("body")]
        return [e.since for e in (self.deck.entities.get(str(n)) for n in names if n) if e is not None and e.since]

    def _latest_publication_year(self) -> int:
        return self.latest_publication


def pick_options(
    keys: Sequence[str],
    wrong: Sequence[Option],
    rng: random.Random,
    *,
    text_options: bool,
    frequency: Callable[[str], int] | None = None,
) -> tuple[list[str], list[Option]] | None:
    """The keys and the wrong options a choice question offers, or None when too few are proved.

    ``wrong`` is in order of preference (most plausible first). A single answer gets
    :data:`WRONG_OPTIONS` wrong options; "select all" gets at most four keys among at most five
    options. With ``text_options`` the key is kept from always being the longest option: if every
    chosen wrong option is shorter, the last is swapped for the best-ranked spare at least as long.
    With ``frequency`` (how often a text occurs in the documents) the key is kept from always being
    the most familiar option the same way: a grounded key is always in the documents, and a
    student who only skimmed them would pick the name seen most. When the key is named at least
    :data:`FAMILIAR_KEY` times and every wrong option less than half as often, no choice of options
    hides it: the question is asked as a free answer (None).
    """
    keys = list(keys)
    multiple = len(keys) > 1
    if len(wrong) < (1 if multiple else 2):
        return None
    if multiple and len(keys) > 4:
        keep = set(rng.sample(range(len(keys)), 4))
        keys = [k for i, k in enumerate(keys) if i in keep]
    room = max(1, min(len(wrong), 5 - len(keys))) if multiple else min(len(wrong), WRONG_OPTIONS)
    chosen = list(wrong[:room])
    if text_options and not multiple and chosen and all(len(o.value) < len(keys[0]) for o in chosen):
        longer = next((o for o in wrong[room:] if len(o.value) >= len(keys[0])), None)
        if longer is not None:
            chosen[-1] = longer
    if frequency is not None and not multiple and chosen:
        seen = frequency(keys[0])
        if seen >= FAMILIAR_KEY and all(2 * frequency(o.value) < seen for o in wrong):
            return None
        if seen and all(frequency(o.value) < seen for o in chosen):
            at = len(chosen) - 1 if len(chosen) < 2 or not text_options else len(chosen) - 2
            # never at the cost of the role: the spare must fit the key's groups as well as the one it replaces
            familiar = next((o for o in wrong[room:] if frequency(o.value) >= seen and o.tier <= chosen[at].tier), None)
            if familiar is not None:
                chosen[at] = familiar
    return keys, chosen


def _position_words(held: set[str]) -> str:
    words = {"in_favor": "voting in favour", "against": "voting against", "abstained": "abstaining", "vetoed": "vetoing",
             "absent": "absent", "co_sponsored": "co-sponsoring"}
    return " and ".join(words[p] for p in sorted(held))


@dataclass(frozen=True)
class Shown:
    """A stem as shown (normalised), with its words: most names are ruled out by a set lookup."""

    text: str

    @functools.cached_property
    def words(self) -> frozenset[str] | None:
        even = len(self.text.lower()) == len(self.text)  # else case-blind search pairs what words cannot
        return text_words(self.text) if even else None

    def names(self, spelling: str) -> bool:
        words = self.words
        return (words is None or may_hold(words, spelling)) and find_words(spelling, self.text) is not None


def _named_in(entity: Entity, shown: Shown, key_groups: Iterable[str] = ()) -> bool:
    """Whether a stem names the entity (name, alias, related word) or a group it belongs to that
    the key does not ("fought against Arab states" rules out an Arab state; "spoke with Russia's
    foreign minister" does not rule out a foreign minister when the key is one too)."""
    for spelling in (entity.name, *entity.aliases, *entity.related):
        if shown.names(spelling):
            return True
    for group in entity.groups - set(key_groups):
        words = group.replace("-", " ")
        if shown.names(words) or shown.names(words + "s"):
            return True
    return False


def _sources(fact: Fact) -> set[str]:
    return {e.source for e in fact.evidence}


def _count_key(fields: Mapping[str, Any]) -> str:
    """Figures are siblings when they have the same unit (a count has none): a figure of another
    fact is offered only as a figure of the same kind of thing, and is one the reader has seen."""
    return fold(str(fields.get("unit", "")))


def _names(fact: Fact) -> list[str]:
    """The names among a fact's values: its actor, speaker or voters (entity fields)."""
    names: list[str] = []
    for spec in KINDS[fact.kind].fields:
        value = fact.fields.get(spec.name)
        if value is not None and spec.type in ("entity", "entities"):
            names.extend(value if isinstance(value, tuple) else (value,))
    return names


def _within(ascending: list[int], year: int, span: int) -> bool:
    """Whether one of ``ascending`` is at most ``span`` from ``year``."""
    at = bisect.bisect_left(ascending, year - span)
    return at < len(ascending) and ascending[at] <= year + span


def _sample(values: list, fact: Fact) -> list:
    """``values`` itself, or a sample of ``MAX_CANDIDATES`` of them in their order, fixed for the fact."""
    if len(values) <= MAX_CANDIDATES:
        return values
    stride = len(values) / MAX_CANDIDATES
    start = zlib.crc32(fact.id.encode()) % len(values)
    return [values[(start + int(k * stride)) % len(values)] for k in range(MAX_CANDIDATES)]


def format_number(value: float) -> str:
    return format_value(int(value) if float(value).is_integer() else value)

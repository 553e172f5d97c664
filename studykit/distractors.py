"""Candidate pools and the rules that keep every distractor false.

A wrong option is offered only when the deck *proves* it wrong:

* **who voted how** — another actor whose recorded position on the same vote (same body and date,
  across every fact that reports it) is a different one, and never this one;
* **years and dates** — other facts' years; an event has one date, so any other year is false for
  it. Years that any fact gives for the same event are never offered;
* **rationales** — other stances' rationales, never one given for the same actor and position;
* **speakers** — speakers of other statements, never one to whom the same words are attributed;
* **numbers** — figures of sibling facts in the same unit, else synthetic values at a sensible
  spacing, never one that any fact gives for the same subject;
* anything the curator lists under the fact's ``distractors``.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

from .corpus import fold
from .dates import year_of
from .model import EXCLUDES, VOTE_POSITIONS, Deck, Fact

#: How many wrong options a single-answer question gets (so 4 options in all).
WRONG_OPTIONS = 3
#: Rationales and speakers are drawn from a sample of this many (fixed per fact) when the deck has
#: more, so a question costs as much in a deck of 100,000 facts as in one of 100.
MAX_CANDIDATES = 64


#: What identifies one event or vote across the facts that report it.
EventKey = tuple[str, ...]


def vote_key(fact: Fact) -> EventKey:
    """A vote is the same vote when body, date and motion agree (two reports of one vote)."""
    return fold(fact.fields["body"]), fact.fields["date"], fold(fact.fields["motion"])


def event_key(fact: Fact) -> EventKey:
    return fold(str(fact.fields.get("actor", ""))), fold(str(fact.fields.get("action", fact.fields.get("motion", ""))))


def stance_key(fact: Fact) -> tuple[str, str]:
    return fold(fact.fields["actor"]), fold(fact.fields["position"])


@dataclass
class Pools:
    """Everything the deck records, indexed for distractor selection. Built once per deck."""

    deck: Deck
    positions: dict[EventKey, dict[str, set[str]]] = field(default_factory=dict)
    years_by_event: dict[EventKey, set[int]] = field(default_factory=dict)
    dates_by_event: dict[EventKey, set[str]] = field(default_factory=dict)
    all_years: list[int] = field(default_factory=list)
    publication_years: list[int] = field(default_factory=list)
    all_dates: list[str] = field(default_factory=list)
    rationales: list[tuple[tuple[str, str], str]] = field(default_factory=list)
    speakers: dict[str, set[str]] = field(default_factory=dict)  # folded words → speakers
    speaker_types: dict[str, str] = field(default_factory=dict)
    speakers_by_type: dict[str, list[str]] = field(default_factory=dict)
    numbers: list[tuple[str, str, float]] = field(default_factory=list)  # (unit, subject, value)
    # indexes of the above, so that no question looks at every fact
    rationales_by_stance: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # → folded rationales
    values_by_subject: dict[str, set[float]] = field(default_factory=dict)
    values_by_unit: dict[str, list[float]] = field(default_factory=dict)  # sorted, distinct

    @classmethod
    def build(cls, deck: Deck) -> "Pools":
        pools = cls(deck)
        positions: dict[EventKey, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        years_by_event: dict[EventKey, set[int]] = defaultdict(set)
        dates_by_event: dict[EventKey, set[str]] = defaultdict(set)
        speakers: dict[str, set[str]] = defaultdict(set)
        years, dates = set(), set()
        for fact in deck.facts:
            date = fact.fields.get("date")
            if fact.kind == "vote":
                for position in VOTE_POSITIONS:
                    for actor in fact.fields.get(position, ()):
                        positions[vote_key(fact)][actor].add(position)
            if date and fact.kind in ("vote", "event"):
                key = event_key(fact) if fact.kind == "event" else vote_key(fact)
                years_by_event[key].add(year_of(date))
                dates_by_event[key].add(date)
                years.add(year_of(date))
                if date.count("-") == 2:
                    dates.add(date)
            if fact.kind == "stance":
                pools.rationales.append((stance_key(fact), fact.fields["rationale"]))
            if fact.kind == "statement":
                speakers[fold(fact.fields["said"])].add(fact.fields["speaker"])
                pools.speaker_types[fact.fields["speaker"]] = deck.entity_type(fact.fields["speaker"], "person")
            if fact.kind == "quantity":
                pools.numbers.append((fold(fact.fields.get("unit", "")), fold(fact.fields["subject"]), fact.fields["value"]))
        pools.positions = {k: dict(v) for k, v in positions.items()}
        pools.years_by_event, pools.dates_by_event = dict(years_by_event), dict(dates_by_event)
        pools.all_years, pools.all_dates = sorted(years), sorted(dates)
        pools.publication_years = sorted({year_of(s.published) for s in deck.corpus.sources if s.published})
        pools.speakers = dict(speakers)
        by_type: dict[str, set[str]] = defaultdict(set)
        for speaker, kind in pools.speaker_types.items():
            by_type[kind].add(speaker)
        pools.speakers_by_type = {kind: sorted(names) for kind, names in by_type.items()}
        for key, rationale in pools.rationales:
            pools.rationales_by_stance.setdefault(key, set()).add(fold(rationale))
        by_unit: dict[str, set[float]] = defaultdict(set)
        for unit, subject, value in pools.numbers:
            pools.values_by_subject.setdefault(subject, set()).add(value)
            by_unit[unit].add(value)
        pools.values_by_unit = {unit: sorted(values) for unit, values in by_unit.items()}
        return pools

    # --- who voted how -------------------------------------------------------------------
    def not_in_position(self, fact: Fact, position: str) -> list[str]:
        """Actors whose recorded position on this vote rules ``position`` out: provably wrong answers.

        Curated values come first, unless the deck records them in ``position`` after all.
        """
        recorded = self.positions.get(vote_key(fact), {})
        proved = [actor for actor, held in recorded.items() if held & EXCLUDES[position] and position not in held]
        curated = [a for a in fact.distractors.get(position, ()) if position not in recorded.get(a, ())]
        return _unique(curated + proved, exclude=fact.fields.get(position, ()), fact=fact)

    # --- years and dates -------------------------------------------------------------------
    def years(self, fact: Fact, key: int, rng: random.Random, count: int = WRONG_OPTIONS) -> list[int]:
        """``count`` wrong years: the key lands at a random position once the options are sorted."""
        event = vote_key(fact) if fact.kind == "vote" else event_key(fact)
        taken = self.years_by_event.get(event, {key}) | {key}
        curated = [year_of(d) for d in fact.distractors.get("date", ())]
        siblings = [y for y in self.all_years if y not in taken and abs(y - key) <= 12]
        # a year after the source was published would be an easy give-away
        published = self._latest_publication(fact)
        latest = max(year_of(published) if published else max([*self.all_years, *self.publication_years, key]), key)
        siblings = [y for y in siblings if y <= latest]
        return _spread(
            key, count, rng, taken, curated=curated, preferred=siblings, advance=_add(lambda r: r.randint(1, 4)),
            whole=True, floor=0, ceiling=latest,
        )

    def _latest_publication(self, fact: Fact) -> str | None:
        """When the last of the fact's sources was published, if all of them are dated."""
        dates = [self.deck.source(e.source).published for e in fact.evidence]
        known = [d for d in dates if d]
        return max(known) if known and len(known) == len(dates) else None

    def dates(self, fact: Fact, key: str, rng: random.Random, count: int = WRONG_OPTIONS) -> list[str]:
        import datetime as dt

        event = vote_key(fact) if fact.kind == "vote" else event_key(fact)
        taken = self.dates_by_event.get(event, {key}) | {key}
        base = dt.date.fromisoformat(key)
        lowest, highest = max(1, base.toordinal() - 60), min(dt.date.max.toordinal(), base.toordinal() + 60)
        window = _between(self.all_dates, dt.date.fromordinal(lowest).isoformat(), dt.date.fromordinal(highest).isoformat())
        siblings = [d for d in window if d not in taken and abs((dt.date.fromisoformat(d) - base).days) <= 60]
        curated = [d for d in fact.distractors.get("date", ()) if d.count("-") == 2]
        ordinal = {dt.date.fromisoformat(d).toordinal(): d for d in siblings + curated}
        # a day after the source was published would be an easy give-away
        published = self._latest_publication(fact)
        latest = dt.date.fromisoformat(published).toordinal() if published and published.count("-") == 2 else dt.date.max.toordinal()
        chosen = _spread(
            base.toordinal(),
            count,
            rng,
            {dt.date.fromisoformat(d).toordinal() for d in taken},
            curated=[dt.date.fromisoformat(d).toordinal() for d in curated],
            preferred=[o for o in (dt.date.fromisoformat(d).toordinal() for d in siblings) if o <= latest],
            advance=_add(lambda r: r.randint(1, 9)),
            whole=True,
            floor=0,
            ceiling=max(latest, base.toordinal()),
        )
        return [ordinal.get(o) or dt.date.fromordinal(o).isoformat() for o in chosen]

    # --- rationales, speakers, numbers ---------------------------------------------------------
    def other_rationales(self, fact: Fact) -> list[str]:
        own = stance_key(fact)
        given_here = self.rationales_by_stance.get(own, set())
        others = [r for key, r in _sample(self.rationales, fact) if key != own and fold(r) not in given_here]
        curated = [r for r in fact.distractors.get("rationale", ()) if fold(r) not in given_here]
        return _unique(curated + others, exclude=(fact.fields["rationale"],), fact=fact)

    def speakers_of(self, fact: Fact) -> list[str]:
        """Everyone the deck attributes these words to, the fact's own speaker first."""
        attributed = self.speakers.get(fold(fact.fields["said"]), set())
        return [fact.fields["speaker"], *sorted(attributed - {fact.fields["speaker"]})]

    def other_speakers(self, fact: Fact) -> list[str]:
        attributed = set(self.speakers_of(fact))
        kind = self.speaker_types.get(fact.fields["speaker"], "person")
        others = [s for s in _sample(self.speakers_by_type.get(kind, []), fact) if s not in attributed]
        curated = [s for s in fact.distractors.get("speaker", ()) if s not in attributed]
        return _unique(curated + others, exclude=tuple(attributed), fact=fact)

    def numbers_for(self, fact: Fact, rng: random.Random, count: int = WRONG_OPTIONS) -> list[float]:
        """Wrong figures; a hedged figure ("over 100,000") only gets values its hedge rules out."""
        value = fact.fields["value"]
        unit, subject = fold(fact.fields.get("unit", "")), fold(fact.fields["subject"])
        taken = self.values_by_subject.get(subject, set()) | {value}
        hedge = fold(fact.fields.get("qualifier", ""))
        sides = (-1,) if hedge in LOWER_BOUNDS else (+1,) if hedge in UPPER_BOUNDS else (-1, +1)
        siblings = self.nearest_values(unit, value, taken, count, hedged=bool(hedge) and sides == (-1, +1))
        whole = isinstance(value, int) or float(value).is_integer()
        if hedge and sides == (-1, +1):  # "around 5": only values at least twice as far off are wrong
            advance = _multiply
            siblings = [v for v in siblings if v >= value * 2 or v <= value / 2]
        elif hedge:  # a bound: walk away from it geometrically, so the values never run out
            advance = _geometric
        elif whole and value <= 30:
            advance = _add(lambda r: r.randint(1, 3))  # small counts move by whole steps
        else:
            magnitude = _nice_step(value)
            advance = _add(lambda r: magnitude * r.randint(1, 3))
        return _spread(
            value, count, rng, taken,
            curated=list(fact.distractors.get("value", ())), preferred=siblings,
            advance=advance, whole=whole, floor=0, sides=sides,
        )

    def nearest_values(self, unit: str, value: float, taken: set, count: int, *, hedged: bool) -> list[float]:
        """Other facts' figures in ``unit`` within ×3 of ``value`` and not ``taken``: the ``count``
        nearest on each side, which are all :func:`_spread` can use. A hedged figure skips those
        within ×2, which its hedge does not rule out.
        """
        values = self.values_by_unit.get(unit, [])
        found: list[float] = []
        below = bisect.bisect_right(values, value / 2 if hedged else value) - 1
        above = bisect.bisect_left(values, value * 2 if hedged else value)
        for indices in (range(below, -1, -1), range(above, len(values))):
            side: list[float] = []
            for i in indices:
                v = values[i]
                if len(side) == count or not value / 3 <= v <= value * 3:
                    break
                if v not in taken and v != value:
                    side.append(v)
            found += side
        return found


#: Hedges that make a figure a lower bound: only smaller values are provably wrong.
LOWER_BOUNDS = frozenset({"over", "more than", "at least", "upwards of", "in excess of", "over some"})
#: Hedges that make a figure an upper bound: only larger values are provably wrong.
UPPER_BOUNDS = frozenset({"up to", "under", "fewer than", "less than", "nearly", "almost", "at most"})


def _nice_step(value: float) -> float:
    """A round spacing for synthetic numbers: a quarter of the value, to one significant digit."""
    quarter = abs(value) / 4 or 1
    unit = 10 ** math.floor(math.log10(quarter))
    return max(unit, round(quarter / unit) * unit)


def _add(step):
    return lambda current, direction, rng: current + direction * step(rng)


def _multiply(current, direction, rng):
    return current * 2 if direction > 0 else current / 2


def _geometric(current, direction, rng):
    factor = rng.choice((1.25, 1.5, 2.0))
    return _round_figure(current * factor if direction > 0 else current / factor)


def _round_figure(value: float) -> float:
    """Two significant digits, as people write figures: 83,333 → 83,000."""
    if value < 100:
        return value
    digits = len(str(int(value))) - 2
    return round(value / 10**digits) * 10**digits


def _spread(
    key: Any,
    count: int,
    rng: random.Random,
    taken: set,
    *,
    preferred: list,
    advance,
    whole: bool,
    curated: Sequence[Any] = (),
    floor: float | None = None,
    ceiling: float | None = None,
    sides: tuple[int, ...] = (-1, +1),
) -> list:
    """Pick ``count`` values around ``key`` so that, sorted, the key sits at a random position.

    On each side, curated values come first, then ``preferred`` (siblings), then synthetic ones
    that walk away from the key with ``advance``, skipping every value in ``taken``. ``sides``
    limits siblings and synthetic values to below (-1) or above (+1) the key; curated values are
    the curator's word and may stand on either side.
    """

    def candidates(direction: int):
        on_side = [v for v in curated if (v - key) * direction > 0]
        if direction in sides:
            on_side += [v for v in preferred if (v - key) * direction > 0]
        pool = sorted({v for v in on_side if v not in taken}, key=lambda v: abs(v - key))
        yield from pool
        if direction not in sides:
            return
        current = key
        for _ in range(200):
            current = advance(current, direction, rng)
            current = round(current) if whole else round(current, 2)
            if (floor is not None and current <= floor) or (ceiling is not None and current > ceiling):
                return
            if current not in taken and current not in pool:
                yield current

    below, above = candidates(-1), candidates(+1)
    below_wanted = rng.randint(0, count) if sides == (-1, +1) else count if sides == (-1,) else 0
    chosen = list(itertools.islice(below, below_wanted))
    chosen += itertools.islice(above, count - len(chosen))
    chosen += itertools.islice(below, count - len(chosen))  # when the upper side ran short
    return sorted(set(chosen))[:count]


def _between(ordered: list[str], low: str, high: str) -> list[str]:
    """The items of a sorted list from ``low`` to ``high``, inclusive."""
    return ordered[bisect.bisect_left(ordered, low) : bisect.bisect_right(ordered, high)]


def _sample(values: list, fact: Fact) -> list:
    """``values`` itself, or a sample of ``MAX_CANDIDATES`` of them in their order, fixed for the fact."""
    if len(values) <= MAX_CANDIDATES:
        return values
    # evenly spaced, from a start fixed by the fact id: cheap, stable, spread over the pool
    stride = len(values) / MAX_CANDIDATES
    start = zlib.crc32(fact.id.encode()) % len(values)
    return [values[(start + int(k * stride)) % len(values)] for k in range(MAX_CANDIDATES)]


def _unique(values: list, *, exclude, fact: Fact) -> list:
    """Drop duplicates and anything equal (after folding and aliases) to an excluded value."""
    banned = {fold(s) for value in exclude for s in fact.spellings(value)}
    seen: set[str] = set()
    result = []
    for value in values:
        folded = fold(str(value))
        if folded in seen or folded in banned:
            continue
        if str(value) in fact.aliases and {fold(s) for s in fact.spellings(value)} & banned:
            continue
        seen.add(folded)
        result.append(value)
    return result

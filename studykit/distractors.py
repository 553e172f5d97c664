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

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .corpus import fold
from .dates import year_of
from .model import VOTE_POSITIONS, Deck, Fact

#: How many wrong options a single-answer question gets (so 4 options in all).
WRONG_OPTIONS = 3


def vote_key(fact: Fact) -> tuple[str, str]:
    return fold(fact.fields["body"]), fact.fields["date"]


def event_key(fact: Fact) -> tuple[str, str]:
    return fold(str(fact.fields.get("actor", ""))), fold(str(fact.fields.get("action", fact.fields.get("motion", ""))))


def stance_key(fact: Fact) -> tuple[str, str]:
    return fold(fact.fields["actor"]), fold(fact.fields["position"])


@dataclass
class Pools:
    """Everything the deck records, indexed for distractor selection. Built once per deck."""

    deck: Deck
    positions: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=dict)
    years_by_event: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    dates_by_event: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    all_years: list[int] = field(default_factory=list)
    publication_years: list[int] = field(default_factory=list)
    all_dates: list[str] = field(default_factory=list)
    rationales: list[tuple[tuple[str, str], str]] = field(default_factory=list)
    speakers: dict[str, set[str]] = field(default_factory=dict)  # folded words → speakers
    speaker_types: dict[str, str] = field(default_factory=dict)
    numbers: list[tuple[str, str, float]] = field(default_factory=list)  # (unit, subject, value)

    @classmethod
    def build(cls, deck: Deck) -> "Pools":
        pools = cls(deck)
        positions: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        years_by_event: dict[tuple[str, str], set[int]] = defaultdict(set)
        dates_by_event: dict[tuple[str, str], set[str]] = defaultdict(set)
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
        return pools

    # --- who voted how -------------------------------------------------------------------
    def not_in_position(self, fact: Fact, position: str) -> list[str]:
        """Actors the deck records on this vote, never in ``position``: provably wrong answers."""
        recorded = self.positions.get(vote_key(fact), {})
        proved = [actor for actor, held in recorded.items() if position not in held]
        return _unique(proved + list(fact.distractors.get(position, ())), exclude=fact.fields.get(position, ()), fact=fact)

    def other_position(self, fact: Fact, actor: str) -> list[str]:
        recorded = self.positions.get(vote_key(fact), {})
        return sorted(recorded.get(actor, set()))

    # --- years and dates -------------------------------------------------------------------
    def years(self, fact: Fact, key: int, rng: random.Random, count: int = WRONG_OPTIONS) -> list[int]:
        """``count`` wrong years: the key lands at a random position once the options are sorted."""
        event = vote_key(fact) if fact.kind == "vote" else event_key(fact)
        taken = self.years_by_event.get(event, {key}) | {key}
        curated = [year_of(d) for d in fact.distractors.get("date", ())]
        siblings = [y for y in self.all_years if y not in taken and abs(y - key) <= 12]
        # a year after everything the deck knows of would be an easy give-away
        latest = max([*self.all_years, *self.publication_years, key])
        return _spread(
            key, count, rng, taken, preferred=curated + siblings, step=lambda r: r.randint(1, 4), whole=True, ceiling=latest
        )

    def dates(self, fact: Fact, key: str, rng: random.Random, count: int = WRONG_OPTIONS) -> list[str]:
        import datetime as dt

        event = vote_key(fact) if fact.kind == "vote" else event_key(fact)
        taken = self.dates_by_event.get(event, {key}) | {key}
        base = dt.date.fromisoformat(key)
        siblings = [d for d in self.all_dates if d not in taken and abs((dt.date.fromisoformat(d) - base).days) <= 60]
        curated = [d for d in fact.distractors.get("date", ()) if d.count("-") == 2]
        ordinal = {dt.date.fromisoformat(d).toordinal(): d for d in siblings + curated}
        chosen = _spread(
            base.toordinal(),
            count,
            rng,
            {dt.date.fromisoformat(d).toordinal() for d in taken},
            preferred=list(ordinal),
            step=lambda r: r.randint(1, 9),
            whole=True,
        )
        return [ordinal.get(o) or dt.date.fromordinal(o).isoformat() for o in chosen]

    # --- rationales, speakers, numbers ---------------------------------------------------------
    def other_rationales(self, fact: Fact) -> list[str]:
        own = stance_key(fact)
        given_here = {fold(r) for key, r in self.rationales if key == own}
        others = [r for key, r in self.rationales if key != own and fold(r) not in given_here]
        return _unique(list(fact.distractors.get("rationale", ())) + others, exclude=(fact.fields["rationale"],), fact=fact)

    def other_speakers(self, fact: Fact) -> list[str]:
        said = fold(fact.fields["said"])
        attributed = self.speakers.get(said, set())
        kind = self.speaker_types.get(fact.fields["speaker"], "person")
        others = sorted(
            {s for ss in self.speakers.values() for s in ss if s not in attributed and self.speaker_types.get(s) == kind}
        )
        return _unique(list(fact.distractors.get("speaker", ())) + others, exclude=(fact.fields["speaker"],), fact=fact)

    def numbers_for(self, fact: Fact, rng: random.Random, count: int = WRONG_OPTIONS) -> list[float]:
        value = fact.fields["value"]
        unit, subject = fold(fact.fields.get("unit", "")), fold(fact.fields["subject"])
        taken = {v for u, s, v in self.numbers if s == subject} | {value}
        siblings = [v for u, s, v in self.numbers if u == unit and s != subject and v not in taken and value / 3 <= v <= value * 3]
        curated = list(fact.distractors.get("value", ()))
        if isinstance(value, int) and value <= 30:
            step = lambda r: r.randint(1, 3)  # noqa: E731 - small counts move by whole steps
        else:
            magnitude = _nice_step(value)
            step = lambda r: magnitude * r.randint(1, 3)  # noqa: E731
        chosen = _spread(value, count, rng, taken, preferred=curated + siblings, step=step, whole=isinstance(value, int), floor=0)
        return chosen


def _nice_step(value: float) -> float:
    """A round spacing for synthetic numbers: a quarter of the value, rounded to one digit."""
    quarter = abs(value) / 4 or 1
    digits = len(str(int(quarter))) - 1
    unit = 10**digits
    return max(1, round(quarter / unit) * unit)


def _spread(
    key: Any,
    count: int,
    rng: random.Random,
    taken: set,
    *,
    preferred: list,
    step,
    whole: bool,
    floor: float | None = None,
    ceiling: float | None = None,
) -> list:
    """Pick ``count`` values around ``key`` so that, sorted, the key sits at a random position.

    Curated and sibling values come first; synthetic ones fill the rest, walking away from the key
    by ``step`` and skipping every value in ``taken``.
    """
    below_wanted = rng.randint(0, count)
    below = sorted({v for v in preferred if v < key and v not in taken}, key=lambda v: key - v)
    above = sorted({v for v in preferred if v > key and v not in taken}, key=lambda v: v - key)
    chosen_below = below[:below_wanted]
    chosen_above = above[: count - below_wanted]

    def extend(side: list, direction: int, wanted: int) -> None:
        current = side[-1] if side else key
        guard = 0
        while len(side) < wanted and guard < 200:
            guard += 1
            current = current + direction * step(rng)
            if not whole:
                current = round(current, 2)
            if (floor is not None and current <= floor) or (ceiling is not None and current > ceiling):
                break
            if current not in taken and current not in side:
                side.append(current)

    extend(chosen_below, -1, below_wanted)
    extend(chosen_above, +1, count - len(chosen_below))
    if len(chosen_above) < count - len(chosen_below):  # the ceiling cut the upper side short
        extend(chosen_below, -1, count - len(chosen_above))
    if len(chosen_below) + len(chosen_above) < count:  # the floor cut the lower side short
        extend(chosen_above, +1, count - len(chosen_below))
    return sorted(chosen_below + chosen_above)[:count]


def _unique(values: list, *, exclude, fact: Fact) -> list:
    """Drop duplicates and anything equal (after folding and aliases) to an excluded value."""
    banned = {fold(s) for value in exclude for s in fact.spellings(value)}
    seen: set[str] = set()
    result = []
    for value in values:
        spellings = {fold(s) for s in fact.spellings(value)}
        if spellings & banned or fold(str(value)) in seen:
            continue
        seen.add(fold(str(value)))
        result.append(value)
    return result

"""Ordered wrong values: years, days and figures around a key, with the key's rank kept level across the deck.

:func:`ordered_values` picks the rank first (how many wrong values lie below the key; :class:`RankBalance`
keeps the ranks level across the deck), then a
spacing that fits it (:func:`steps` for constant steps, :func:`factors` for ratios rounded as
people round figures), siblings first on each side; :func:`written_days` and :data:`FIGURE` find
the days and figures a document writes, which :mod:`studykit.distractors` offers as values the
reader has seen.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import re
from typing import Callable, Collection, Container, Sequence

__all__ = ["FIGURE", "AnyOf", "RankBalance", "Stepper", "spread_keys", "factors", "nice_step", "ordered_values", "significant_digits", "steps", "written_days"]

#: A way to move away from the key: (value, direction) → the next value on that side.
Stepper = Callable[[float, int], float]


class AnyOf:
    """What is in any of some sets, asked in place: ``v in AnyOf(a, b)`` is ``v in a | b`` without the copy."""

    __slots__ = ("sets",)

    def __init__(self, *sets: Container) -> None:
        self.sets = sets

    def __contains__(self, value: object) -> bool:
        return any(value in s for s in self.sets)


class RankBalance:
    """The key ranks the deck's ordered questions have had so far, by number of wrong values.

    Independent uniform draws leave a small deck lopsided (review 15: the key was the second value
    in 4 of the bundled deck's 6 ordered items, and a student who picks a middle value scored 17
    points over chance). With a balance, each question takes the rank used least so far among those
    it can have, then the less used of the extreme and the middle ranks (a guesser picks either), ties
    drawn by its own seed: over the deck the ranks stay within one of each other as far as the
    questions' values allow, while each question's rank stays unpredictable from its options.
    A question's rank depends on the ordered questions before it, so adding a fact can change the
    options of the ordered questions after it (their notes update in place; their ids do not change).
    """

    def __init__(self) -> None:
        self.used: dict[int, list[int]] = {}

    def choose(self, count: int, feasible: Collection[int], rng: random.Random) -> int:
        """The least-used rank of ``feasible`` (wrong values below the key), ties broken by ``rng``."""
        used = self.used.setdefault(count, [0] * (count + 1))
        extremes = used[0] + used[count]
        middles = sum(used) - extremes

        def load(r: int) -> tuple[int, int]:  # then the less used of extreme and middle ranks
            return used[r], extremes if r in (0, count) else middles

        fewest = min(load(r) for r in feasible)
        return rng.choice(sorted(r for r in feasible if load(r) == fewest))

    def record(self, count: int, rank: int) -> None:
        self.used.setdefault(count, [0] * (count + 1))[rank] += 1


def spread_keys(options: list, keys: Collection, rng: random.Random, tries: int = 8) -> list:
    """Shuffled options of a "select all" question, reshuffled (seeded, a few times at most) while
    the keys stand in one block at the top or the bottom: A–C keyed and D–E not reads as a pattern
    (review 17). Unordered options, despite the module's name: the key's place, as its rank."""
    options = list(options)
    for _ in range(tries):
        places = [i for i, o in enumerate(options) if o in keys]
        block = places == list(range(places[0], places[0] + len(places))) if places else False
        if len(places) < 2 or not (block and (places[0] == 0 or places[-1] == len(options) - 1)):
            break
        rng.shuffle(options)
    return options


def ordered_values(
    key: float,
    count: int,
    rng: random.Random,
    *,
    balance: RankBalance | None = None,
    taken: Container,
    curated: Sequence[float],
    preferred: Sequence[float],
    steppers: Sequence[Stepper],
    lowest: float,
    highest: float,
    gap: float = 1.0,
    familiar: Sequence[float] = (),
) -> list:
    """``count`` wrong values around ``key``, the key's rank among them drawn uniformly.

    First the rank: ``r`` wrong values below the key and ``count - r`` above, ``r`` uniform in
    ``0..count``, or with a ``balance`` the least-used rank among those the curator's values and
    ``preferred`` can fill (any spacing's, when they fill none). Then a
    spacing: one of ``steppers`` (constant steps or factors, tried in a seeded order) that fits ``r``
    values below and the rest above within ``lowest``..``highest``; only if none fits does a side that
    runs out give its share to the other. On each side: the curator's values first, then ``preferred``
    (siblings, nearest first), then values stepping away from the key. Never a value in ``taken``, nor
    one within the ratio ``gap`` of the key (a hedged figure: a value that close could pass for it).

    ``familiar`` are values a reader has seen as often as the key (written in the documents): when
    none was chosen, the farthest chosen value on a side that has a familiar one is swapped for the
    nearest familiar one there, so the key's rank stays as drawn and the key is less often the only
    value the reader met (a student who only skimmed the documents would pick it).
    """

    def far(v: float) -> bool:
        return gap <= 1.0 or key <= 0 or v <= 0 or max(v / key, key / v) >= gap

    def nearest_first(values: Sequence[float], direction: int) -> list:
        # on one side of the key, nearest first is ascending above it and descending below it
        return sorted({v for v in values if (v - key) * direction > 0 and lowest <= v <= highest}, reverse=direction < 0)

    # each side's curated values and siblings, nearest first: sorted once, walked by every side()
    pools = {d: (nearest_first(curated, d), nearest_first(preferred, d)) for d in (-1, +1)}

    def side(direction: int, stepper: Stepper | None):
        seen: set = set()
        for values in pools[direction]:  # the curator's first (nearest first), then the siblings
            for v in values:
                if v not in taken and v not in seen and far(v):
                    seen.add(v)
                    yield v
        if stepper is None:
            return
        current = key
        for _ in range(200):
            nxt = stepper(current, direction)
            if nxt == current or not lowest <= nxt <= highest or (nxt <= 0 < key):
                return
            current = nxt
            if current not in taken and current not in seen and far(current):
                seen.add(current)
                yield current

    familiar = [v for v in familiar if v not in taken and far(v) and lowest <= v <= highest]
    order = list(steppers)
    if balance is None:
        below_wanted = rng.randint(0, count)
        rng.shuffle(order)
    else:
        rng.shuffle(order)  # the ranks each spacing can give: r below and count - r above
        # the ranks the curator's values and the siblings can give, if any: a step away from the key
        # is only as plausible as the stem lets it be ("during an Arab–Israeli war" beside 1964, review 16)
        seen_below = len(list(itertools.islice(side(-1, None), count)))
        seen_above = len(list(itertools.islice(side(+1, None), count)))
        feasible = set(range(count - seen_above, seen_below + 1))
        if not feasible:
            reach = [(len(list(itertools.islice(side(-1, s), count))), len(list(itertools.islice(side(+1, s), count)))) for s in order]
            feasible = {r for below, above in reach for r in range(count - above, below + 1)}
        below_wanted = balance.choose(count, feasible, rng) if feasible else rng.randint(0, count)
    for stepper in order:
        below = list(itertools.islice(side(-1, stepper), below_wanted))
        above = list(itertools.islice(side(+1, stepper), count - below_wanted))
        if len(below) == below_wanted and len(above) == count - below_wanted:
            if balance is not None:
                balance.record(count, below_wanted)
            return _with_familiar(key, below, above, familiar, keep=set(curated))
    stepper = order[0]
    below_side, above_side = side(-1, stepper), side(+1, stepper)
    chosen = list(itertools.islice(below_side, below_wanted))
    chosen += itertools.islice(above_side, count - len(chosen))
    chosen += itertools.islice(below_side, count - len(chosen))  # when the upper side ran short
    result = sorted(set(chosen))[:count]
    if balance is not None and len(result) == count:
        balance.record(count, sum(v < key for v in result))
    return result


def _with_familiar(key: float, below: list, above: list, familiar: Sequence[float], *, keep: Collection[float] = ()) -> list:
    """``below + above`` sorted, with a familiar value in place of the farthest on a side that has
    one (nearest familiar first), unless a familiar value is among them already. A value the
    curator chose (``keep``) is never the one replaced: the curator's options were chosen as
    plausible, a familiar figure only as seen (review 10: "5" beside 11, 12 and 13 votes)."""
    chosen = set(below) | set(above)
    if not familiar or chosen & set(familiar):
        return sorted(chosen)
    for values, on_side in ((below, [v for v in familiar if v < key]), (above, [v for v in familiar if v > key])):
        replaceable = [v for v in values if v not in keep]
        if replaceable and on_side:
            nearest = min(on_side, key=lambda v: (abs(v - key), v))
            farthest = max(replaceable, key=lambda v: (abs(v - key), v))
            values[values.index(farthest)] = nearest
            break
    return sorted(set(below) | set(above))


def steps(*sizes: float) -> list[Stepper]:
    """Constant spacings: each moves ``size`` away from the previous value."""

    def step(size: float) -> Stepper:
        return lambda v, d: v + d * size

    return [step(size) for size in sizes]


def factors(*ratios: float, digits: int) -> list[Stepper]:
    """Constant ratios, each value rounded to ``digits`` significant digits as people round figures."""

    def factor(ratio: float) -> Stepper:
        return lambda v, d: _round_to(v * ratio if d > 0 else v / ratio, digits)

    return [factor(ratio) for ratio in ratios]


def nice_step(value: float) -> float:
    """A round spacing for synthetic numbers: a quarter of the value, to one significant digit."""
    quarter = abs(value) / 4 or 1
    unit = 10 ** math.floor(math.log10(quarter))
    return max(unit, round(quarter / unit) * unit)


def _round_to(value: float, digits: int) -> float:
    """``value`` to ``digits`` significant digits: 83,333 → 83,000 (2); 0.237 → 0.24."""
    if value <= 0:
        return value
    shift = math.floor(math.log10(value)) - digits + 1
    rounded = round(value / 10**shift) * 10**shift
    return float(round(rounded)) if rounded >= 1 and float(rounded).is_integer() else round(rounded, max(0, -shift))


def significant_digits(value: float) -> int:
    """How many significant digits a figure is written with: 100,000 → 1; 8,500 → 2; 2.5 → 2."""
    text = f"{value:.10g}".replace(".", "").lstrip("0-") or "0"
    return max(1, len(text.rstrip("0")) if "." not in f"{value:.10g}" else len(text))


#: A figure written in digits, with or without thousands separators, not inside a longer number.
FIGURE = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w]|[.,]\d)")

_MONTH_NUMBERS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTH_NUMBERS.update({name[:3]: i for name, i in list(_MONTH_NUMBERS.items())})
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2}) (january|february|march|april|may|june|july|august|september|october|november|december)\.?,? (\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (\d{1,2}),? (\d{4})\b")


def written_days(text: str) -> set[int]:
    """Ordinals of the days written out in lower-cased text, in either order of day and month."""
    found: set[tuple[int, int, int]] = set()
    for day, month, year in _DAY_MONTH_YEAR.findall(text):
        found.add((int(year), _MONTH_NUMBERS[month], int(day)))
    for month, day, year in _MONTH_DAY_YEAR.findall(text):
        found.add((int(year), _MONTH_NUMBERS[month], int(day)))
    days: set[int] = set()
    for year, month, day in found:
        try:
            days.add(dt.date(year, month, day).toordinal())
        except ValueError:
            continue
    return days

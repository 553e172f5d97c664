"""Choosing and ordering the questions of a quiz version, for print and for an LMS.

A version is deterministic in (question pool, count, seed, version number): version *k* of seed
*S* is the same whether 1 or 10 versions are made, so any one can be made again alone.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from typing import Sequence

from .errors import UsageError
from .model import Question, QuestionSet

__all__ = ["PlannedQuestion", "plan_version", "select_questions", "version_seed"]


def version_seed(seed: int, version: int) -> str:
    """The seed of version ``version`` (1-based): a string, so ``random.Random`` is stable across runs."""
    return f"studykit-quiz:{seed}:v{version}"


@dataclass(frozen=True)
class PlannedQuestion:
    question: Question
    options: tuple[str, ...]  # in the order this version prints them


def select_questions(
    qset: QuestionSet, *, families: Sequence[str] | None = None, topics: Sequence[str] | None = None
) -> list[Question]:
    """The questions that pass the family and topic filters, sorted by id.

    Raises :class:`UsageError` naming the valid values when a filter names none that exist or
    when nothing is left.
    """
    questions = sorted(qset.questions, key=lambda q: q.id)
    if families:
        known = sorted({q.family for q in questions})
        unknown = [f for f in families if f not in known]
        if unknown:
            raise UsageError(
                f"unknown question famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(repr, unknown))}; "
                f"valid: {', '.join(known) or '(none)'}"
            )
        wanted = set(families)
        questions = [q for q in questions if q.family in wanted]
    if topics:
        known = sorted({q.topic for q in qset.questions if q.topic})
        unknown = [t for t in topics if t not in known]
        if unknown:
            raise UsageError(
                f"unknown topic{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                f"valid: {', '.join(known) or '(none: no question has a topic)'}"
            )
        wanted = set(topics)
        questions = [q for q in questions if q.topic in wanted]
    if not questions:
        raise UsageError("no questions left after filtering by family and topic")
    return questions


def plan_version(pool: Sequence[Question], *, count: int | None, seed: int, version: int) -> list[PlannedQuestion]:
    """Version ``version`` of a quiz drawn from ``pool``: deterministic in (pool, count, seed, version).

    * ``count`` questions (all when None), balanced across families round-robin, one question
      per fact as long as there are facts left (two questions on one fact give each other away);
    * shuffled, then questions on the same fact kept apart where possible;
    * text options of single/multiple questions shuffled, the single key's position balanced
      across the version; ordered options (years, numbers) and true/false kept as generated.
    """
    rng = random.Random(version_seed(seed, version))
    pool = sorted(pool, key=lambda q: q.id)
    if count is None or count >= len(pool):
        chosen = list(pool)
    else:
        chosen = _balanced_pick(pool, count, rng)
    rng.shuffle(chosen)
    chosen = _spread_facts(chosen)
    used_slots: Counter[int] = Counter()
    return [PlannedQuestion(q, _order_options(q, rng, used_slots)) for q in chosen]


def _balanced_pick(pool: list[Question], count: int, rng: random.Random) -> list[Question]:
    by_family: dict[str, list[Question]] = defaultdict(list)
    for q in pool:
        by_family[q.family].append(q)
    families = sorted(by_family)
    for name in families:
        rng.shuffle(by_family[name])
    rng.shuffle(families)
    chosen: list[Question] = []
    facts: set[str] = set()
    # first rounds: a new fact each time; later rounds: whatever is left
    for fresh_only in (True, False):
        progress = True
        while len(chosen) < count and progress:
            progress = False
            for name in families:
                if len(chosen) >= count:
                    break
                bucket = by_family[name]
                pick = next((q for q in bucket if not fresh_only or q.fact not in facts), None)
                if pick is None:
                    continue
                bucket.remove(pick)
                chosen.append(pick)
                facts.add(pick.fact)
                progress = True
    return chosen


def _spread_facts(questions: list[Question]) -> list[Question]:
    """Reorder so that consecutive questions are on different facts where possible (stable).

    At each step the earliest remaining question whose fact differs from the last one placed is
    taken (the first remaining one when none differs). The questions passed over always share
    one fact, the last one placed, so they wait in one queue and every question is looked at a
    bounded number of times: linear in the number of questions.
    """
    out: list[Question] = []
    waiting: deque[Question] = deque()  # passed over: all on the fact of out[-1] when passed over
    upcoming = iter(questions)
    while True:
        last = out[-1].fact if out else None
        if waiting and waiting[0].fact != last:
            out.append(waiting.popleft())
            continue
        for q in upcoming:
            if q.fact != last:
                out.append(q)
                break
            waiting.append(q)
        else:
            if not waiting:
                return out
            out.append(waiting.popleft())


def _order_options(q: Question, rng: random.Random, used_slots: Counter[int]) -> tuple[str, ...]:
    options = tuple(q.options)
    if q.type not in ("single", "multiple") or len(options) < 2 or q.ordered:
        return options
    if q.type == "multiple" or len(q.answers) != 1 or q.answers[0] not in options:
        shuffled = list(options)
        rng.shuffle(shuffled)
        return tuple(shuffled)
    key = q.answers[0]
    others = [o for o in options if o != key]
    rng.shuffle(others)
    slots = list(range(len(options)))
    least = min(used_slots[s] for s in slots)
    slot = rng.choice([s for s in slots if used_slots[s] == least])
    used_slots[slot] += 1
    others.insert(slot, key)
    return tuple(others)

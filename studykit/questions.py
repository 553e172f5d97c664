"""Deterministic question generation: Deck × templates → QuestionSet.

Pure: the same deck and seed give the same questions, option order included, on every run and
machine. Every random choice is seeded from (seed, deck id, question id), so adding a fact never
changes the questions of another.
"""

from __future__ import annotations

from typing import Callable

from .distractors import Pools
from .model import Deck, QuestionSet
from .templates import Context, active_templates

DEFAULT_SEED = 0


def generate(deck: Deck, *, seed: int | None = None, progress: Callable[[], object] | None = None) -> QuestionSet:
    """Every question the deck's facts support, in fact order then template order.

    ``progress``, when given, is called once per fact (see :mod:`studykit.progress`).
    """
    seed = deck.seed if seed is None else seed
    ctx = Context(deck, Pools.build(deck), seed)
    templates = active_templates(deck)
    questions = []
    for fact in deck.facts:
        for template in templates:
            if fact.disabled and (template.id in fact.disabled or template.family in fact.disabled):
                continue
            question = template.apply(fact, ctx)
            if question is not None:
                questions.append(question)
        if progress is not None:
            progress()
    return QuestionSet(deck, tuple(questions), seed)

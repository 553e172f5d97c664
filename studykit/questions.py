"""Deterministic question generation: Deck × templates → QuestionSet.

Pure: the same deck and seed give the same questions, option order included, on every run and
machine. Every random choice is seeded from (seed, deck id, question id). Two things are kept level
across the deck, in fact order: the sentences clozes show, and the key's rank or place among the
options (:class:`~studykit.ordered.RankBalance`); and a fact's only question, when it is a true
statement, gives way while true keys outnumber false ones. So adding a fact can change the options'
order or the cloze of a question after it, or leave out such a statement, never change a kept
question's id, stem or key.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from .distractors import Pools
from .model import Deck, Fact, Question, QuestionSet
from .templates import Context, active_templates

DEFAULT_SEED = 0


def generate(deck: Deck, *, seed: int | None = None, progress: Callable[[], object] | None = None) -> QuestionSet:
    """Every question the deck's facts support, in fact order then template order.

    ``progress``, when given, is called once per fact (see :mod:`studykit.progress`).
    """
    seed = deck.seed if seed is None else seed
    ctx = Context(deck, Pools.build(deck), seed)
    templates = active_templates(deck)
    questions: list[Question] = []
    for fact in deck.facts:
        own: list[Question] = []
        for template in templates:
            if fact.disabled and (template.id in fact.disabled or template.family in fact.disabled):
                continue
            question = template.apply(fact, ctx)
            if question is not None:
                own.append(question)
        questions += _without_lone_truth(fact, own)
        if progress is not None:
            progress()
    return QuestionSet(deck, tuple(_statements_balanced(questions)), seed)


def _statements_balanced(questions: list[Question]) -> list[Question]:
    """The questions without the last true statements that are their fact's only question, while
    the deck has more than one true statement more than false ones: "always answer True" scored 9
    points over chance on the bundled deck (review 17: 24 of 40 keyed True, every statement without
    a false twin True). A statement that is its fact's only question is a fact nothing else could
    ask well, often a bare claim nobody would call false (reviews 15 and 17)."""
    keys = Counter(q.answers[0] for q in questions if q.type == "true_false" and q.answers)
    excess = keys["True"] - keys["False"] - 1
    if excess <= 0:
        return questions
    per_fact = Counter(q.fact for q in questions)
    lone = [q.id for q in questions if per_fact[q.fact] == 1 and q.type == "true_false" and q.answers == ("True",)]
    dropped = set(lone[len(lone) - min(excess, len(lone)):])
    return [q for q in questions if q.id not in dropped]


def _without_lone_truth(fact: Fact, questions: list[Question]) -> list[Question]:
    """A fact's questions, without a true statement that has no false twin when the fact is asked
    otherwise: a deck of true statements beside few false ones teaches "answer True" (reviews 9 and
    10: 35 of 51 keyed True). A stance makes its true and its false statement together, so it is left as it is."""
    if fact.kind == "stance":
        return questions
    statements = [q for q in questions if q.type == "true_false"]
    lone = [q for q in statements if q.answers == ("True",)] if all(q.answers == ("True",) for q in statements) else []
    if not lone or len(lone) == len(questions):
        return questions
    dropped = {q.id for q in lone}
    return [q for q in questions if q.id not in dropped]

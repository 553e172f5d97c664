"""Lint rules about printed sheets: does one question of a quiz version give another away?

The rule itself is :func:`studykit.leaks.leaks`, the one quiz selection obeys. Lint plans version
1 of the quiz ``studykit build`` writes (30 questions, the question set's seed) and checks every
pair of it (L024); and it measures what a quiz of every question gives away, where leaks are
allowed ("all questions" means all), as figures (L030).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Any, Iterator

from ..leaks import ANYWHERE, index_term, leak_scopes, leaks, stem_word_counts, terms_of, vote_anchor
from ..model import Question, QuestionSet
from ..quiz import PlannedQuestion, first_leak, plan_sheet, select_questions, value_scopes
from ..vocabulary import Vocabulary, vocabulary

Found = Iterator[tuple[str, str, "str | None"]]  # (code, message, question id)


def version_leaks(planned: list[PlannedQuestion] | list[Question], qset: QuestionSet) -> list[tuple[str, str, str]]:
    """Every pair of a version that leaks: ``(question id, other question id, why)``. Quadratic
    in the version's length, which a printed sheet keeps small."""
    questions = [p.question if isinstance(p, PlannedQuestion) else p for p in planned]
    return [(a.id, b.id, why) for a, b in combinations(questions, 2) if (why := leaks(a, b, qset.deck))]


def sheet_figures(qset: QuestionSet) -> dict[str, Any]:
    """What the build's quiz and a quiz of every question give away, as data::

        {"quiz": {"asked", "questions", "seed", "skipped": {reason: n}, "leaks": [(id, id, why)]},
         "every_question": {"questions", "facts_with_several", "same_fact_pairs",
                            "leaking": {reason: n questions}, "examples": [why, …]}}
    """
    from ..build import DEFAULT_QUIZ_QUESTIONS  # (build imports lint)

    if not qset.questions:
        return {}
    pool = select_questions(qset)
    count = min(DEFAULT_QUIZ_QUESTIONS, len(pool))
    plan = plan_sheet(pool, count=count, seed=qset.seed, version=1, deck=qset.deck)
    per_fact = Counter(q.fact for q in qset.questions)
    leaking, examples = _every_question_leaks(qset)
    return {
        "quiz": {
            "asked": count,
            "questions": len(plan.questions),
            "seed": qset.seed,
            "skipped": dict(plan.skipped),
            "leaks": version_leaks(plan.questions, qset),
        },
        "every_question": {
            "questions": len(qset.questions),
            "facts_with_several": sum(1 for n in per_fact.values() if n > 1),
            "same_fact_pairs": sum(n * (n - 1) // 2 for n in per_fact.values()),
            "leaking": dict(leaking),
            "examples": examples,
        },
    }


def sheet_findings(figures: dict[str, Any]) -> Found:
    if not figures:
        return
    quiz = figures["quiz"]
    for a, b, why in quiz["leaks"]:
        yield "L024", f"version 1 of the build's quiz puts it beside {b!r}: {why}", a
    skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(quiz["skipped"].items())) or "none"
    yield "L030", (
        f"the build's quiz (version 1, seed {quiz['seed']}): {quiz['questions']} of {quiz['asked']} questions, "
        f"none giving another away; passed over: {skipped}"
    ), None
    every = figures["every_question"]
    kinds = ", ".join(f"{reason} {n}" for reason, n in sorted(every["leaking"].items()))
    shown = "; e.g. " + "; ".join(every["examples"]) if every["examples"] else ""
    yield "L030", (
        f"a quiz of every question ({every['questions']}): {every['facts_with_several']} facts have several "
        f"questions ({every['same_fact_pairs']} pairs); {sum(every['leaking'].values())} questions show or offer "
        f"the answer of a question on another fact ({kinds or 'none'}){shown}"
    ), None


_EXAMPLES = 3
_Index = dict[tuple[tuple[str, str], str], list[Question]]


def _every_question_leaks(qset: QuestionSet) -> tuple[Counter[str], list[str]]:
    """For every question, whether some question on another fact leaks with it, and the first
    few reasons. Only keys are indexed (by their rarest term, per scope); each stem and each
    set of wrong options is then looked up once: linear in the deck, plus the comparisons with
    questions that share a key word in the same scope (one per leaking question, as a rule)."""
    vocab = vocabulary(qset.deck)
    key_words: _Index = defaultdict(list)
    keys: _Index = defaultdict(list)
    votes: dict[tuple[str | None, str], list[Question]] = defaultdict(list)  # vote_anchor → questions
    counts = stem_word_counts(qset.questions)
    for x in qset.questions:
        scopes = leak_scopes(x)
        for key in vocab.keys(x):
            for spelling in key.spellings:
                term = index_term(spelling, counts)
                for scope in [ANYWHERE] if key.rare else scopes:
                    key_words[scope, term].append(x)
            for scope in value_scopes(key.canonical, scopes, vocab):
                keys[scope, key.canonical].append(x)
        anchor = vote_anchor(x, vocab)
        if anchor is not None:
            votes[anchor].append(x)
    indexed = {term for _, term in key_words}
    leaking: Counter[str] = Counter()
    examples: list[str] = []
    for y in qset.questions:
        found = first_leak(y, _partners(y, vocab, key_words, indexed, keys, votes), vocab)
        if found is not None:
            leaking[found.kind] += 1
            if len(examples) < _EXAMPLES:
                examples.append(found.why)
    return leaking, examples


def _partners(
    y: Question, vocab: Vocabulary, key_words: _Index, indexed: set[str], keys: _Index,
    votes: dict[tuple[str | None, str], list[Question]],
) -> Iterator[tuple[tuple[str, str], list[Question]]]:
    scopes = leak_scopes(y)
    terms = sorted(terms_of(y.prompt) & indexed)  # in order: the first leak found is the one reported
    for scope in (*scopes, ANYWHERE):
        for term in terms:
            yield scope, key_words.get((scope, term), [])
    for value in sorted(vocab.wrong_options(y)):
        for scope in value_scopes(value, scopes, vocab):
            yield scope, keys.get((scope, value), [])
    anchor = vote_anchor(y, vocab)
    if anchor is not None:
        yield ANYWHERE, votes.get(anchor, [])

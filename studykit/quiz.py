"""Choosing and ordering the questions of a quiz version, for print and for an LMS.

A version is deterministic in (question pool, count, seed, version number): version *k* of seed
*S* is the same whether 1 or 10 versions are made, so any one can be made again alone.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping, Sequence

from .errors import UsageError
from .leaks import (
    ANYWHERE,
    Leak,
    _same_passage,
    index_term,
    leak_between,
    leak_scopes,
    reason_words,
    stem_word_counts,
    terms_of,
    vote_anchor,
)
from .model import Deck, Question, QuestionSet
from .ordered import spread_keys
from .vocabulary import Vocabulary, visible, vocabulary, words_of

__all__ = ["PlannedQuestion", "SheetPlan", "plan_sheet", "plan_version", "select_questions", "version_seed"]


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


def plan_version(
    pool: Sequence[Question],
    *,
    count: int | None,
    seed: int,
    version: int,
    deck: Deck | None = None,
    whole_sheet: bool = True,
) -> list[PlannedQuestion]:
    """Version ``version`` of a quiz drawn from ``pool``: deterministic in (pool, count, seed, version).

    The questions of :func:`plan_sheet` (which also says how many could not be placed).
    """
    return plan_sheet(pool, count=count, seed=seed, version=version, deck=deck, whole_sheet=whole_sheet).questions


@dataclass(frozen=True)
class SheetPlan:
    """One version of a quiz, and what stopped it from reaching the count asked for."""

    questions: list[PlannedQuestion]
    asked: int | None  # the count asked for (None: every question)
    #: why candidates were passed over (:attr:`Leak.kind`: "same fact", "same passage", "same key",
    #: "key in another stem", "key among wrong options", "key in the header")
    skipped: Mapping[str, int]

    @property
    def shortfall(self) -> int:
        """How many questions fewer than asked the version has (0 when it has them all)."""
        return 0 if self.asked is None else max(0, self.asked - len(self.questions))

    def message(self) -> str | None:
        """A warning for the person who asked, or None when the version has every question asked for."""
        if not self.shortfall:
            return None
        why = ", ".join(f"{reason}: {n}" for reason, n in sorted(self.skipped.items()) if n) or "too few questions"
        return (
            f"asked for {self.asked} questions but only {len(self.questions)} fit on one sheet without one "
            f"giving another away (one question per fact; passed over: {why})"
        )


def plan_sheet(
    pool: Sequence[Question],
    *,
    count: int | None,
    seed: int,
    version: int,
    deck: Deck | None = None,
    whole_sheet: bool = True,
) -> SheetPlan:
    """Version ``version`` of a quiz drawn from ``pool``: deterministic in (pool, count, seed, version).

    * With a ``count``, a sheet is a whole: at most ``count`` questions, balanced across families
      round-robin, no two on one fact and no two that :func:`leaks` pairs (one stem showing
      another's key, one key among another's wrong options), and none against the sheet's
      :class:`SheetRules` (its key in the header, a key the sheet has already); true/false keys
      within one, the scarcer key first (two apart only to fill the sheet). When that leaves fewer than
      ``count``, the plan says so (:attr:`SheetPlan.shortfall`, :meth:`SheetPlan.message`).
      With ``count`` None every question is taken, leaks and all ("all questions" means all;
      ``studykit lint`` reports what such a sheet gives away).
    * shuffled, then questions on the same fact kept apart where possible;
    * text options of single/multiple questions shuffled, the single key's letter balanced
      among the questions whose options are shuffled; ordered options (years,
      numbers) and true/false kept as generated.

    ``deck`` (the pool's deck) lets :func:`leaks` see aliases, related forms and which keys are
    rare; without it only the questions' own text is compared. ``whole_sheet`` false keeps the
    earlier rule: ``count`` questions, one per fact while facts last, then any, leaks and all.

    Cost: each question of the pool is looked at once, and taken or dropped for good (a question
    that conflicts with the sheet always will: the sheet only grows). A candidate is compared only with the chosen
    questions that share a word of its key or stem within the same topic or source (or anywhere,
    for a rare key), or an option value, through indexes kept as the sheet grows: near-linear in
    the pool, and a few dictionary look-ups per word of each candidate.
    """
    rng = random.Random(version_seed(seed, version))
    pool = sorted(pool, key=lambda q: q.id)
    skipped: Counter[str] = Counter()
    if count is None:
        chosen = list(pool)
    elif not whole_sheet:
        chosen = _balanced_pick(pool, count, rng, None, skipped)
    else:
        chosen, skipped, rng = _fullest_pick(pool, count, seed, version, deck)
    rng.shuffle(chosen)
    chosen = _spread_facts(chosen)
    # the letters of the free keys balanced among themselves: ordered options keep their order
    # (the key's rank is drawn uniformly); counting their letters first made the free keys avoid
    # the letter the ordered ones happened to take ("never B" beside "B for figures": review 9)
    used_slots: Counter[int] = Counter()
    planned = [PlannedQuestion(q, _order_options(q, rng, used_slots)) for q in chosen]
    return SheetPlan(planned, count, dict(skipped))


#: A sheet that falls short is drawn again in another order, at most this many times in all; the
#: fullest is kept (the first, when several are as full). One pass takes or drops each question
#: for good, so its order decides how full the sheet gets: 23 to 28 of 30 on the bundled deck,
#: whose every version of seeds 0–3 reaches 28, its most, within 4 orders (8 cost `check` a
#: tenth of a second more for nothing).
SHEET_ATTEMPTS = 4


def _fullest_pick(
    pool: list[Question], count: int, seed: int, version: int, deck: Deck | None
) -> tuple[list[Question], Counter[str], random.Random]:
    """:func:`_balanced_pick` until a sheet has ``count`` questions (or :data:`SHEET_ATTEMPTS`
    orders are tried): the fullest sheet, what it passed over, and its random generator (which
    goes on to order the sheet). The first order is the version's own seed, so a sheet that fills
    at once is what it has always been."""
    best: tuple[list[Question], Counter[str], random.Random] | None = None
    shared = _Shared(stem_word_counts(pool))  # what every order asks again: worked out once
    for attempt in range(SHEET_ATTEMPTS):
        name = version_seed(seed, version) + (f"/order {attempt}" if attempt else "")
        rng = random.Random(name)
        skipped: Counter[str] = Counter()
        chosen = _balanced_pick(pool, count, rng, _Sheet(deck, pool, count, shared), skipped)
        if best is None or len(chosen) > len(best[0]):
            best = (chosen, skipped, rng)
        if len(chosen) >= count:
            break
    assert best is not None
    return best


def _balanced_pick(
    pool: list[Question], count: int, rng: random.Random, sheet: _Sheet | None, skipped: Counter[str]
) -> list[Question]:
    """Round-robin over the families (in a seeded order), each taking its next question that fits
    the sheet; a question that does not fit never will (the sheet only grows), so it is dropped."""
    by_family: dict[str, list[Question]] = defaultdict(list)
    for q in pool:
        by_family[q.family].append(q)
    families = sorted(by_family)
    for name in families:
        rng.shuffle(by_family[name])
    rng.shuffle(families)
    if sheet is None:
        return _loose_pick(by_family, families, count)
    queues = {name: deque(by_family[name]) for name in families}
    chosen: list[Question] = []
    truths: Counter[str] = Counter()  # the keys of the true/false questions chosen so far
    letters: Counter[int] = Counter()  # the key positions of the ordered questions chosen so far
    # true/false keys per wording (a stance's "…, in part because …", or plain): "False when it
    # gives a reason, else True" must not pay (it scored 75 % on both sheets of review 14)
    worded: Counter[tuple[str, str]] = Counter()
    # the key fewer true/false questions of the pool have (a deck's false twins are fewer than its
    # true statements): taken first when the sheet is even, before other questions rule them out
    pooled = Counter(q.answers[0] for q in pool if q.type == "true_false")
    scarcer = "False" if pooled["False"] <= pooled["True"] else "True"
    # stage 0, while every round takes something: an even sheet takes the scarcer key or no
    # true/false question; 1, after a round that took nothing: any key that keeps them within
    # one; 2, after another: the sheet is filled with keys up to two apart, never more (a sheet
    # four questions short was worse than "True" for five of eight; "answer True" must never pay much)
    stage = 0
    while len(chosen) < count and any(queues.values()):
        before = len(chosen)
        for name in families:
            if len(chosen) >= count:
                break
            apart = abs(truths["True"] - truths["False"])
            wanted = (_rarer_truth(truths) or (scarcer if stage == 0 else None)) if stage < 2 or apart >= 2 else None
            picked = _next_fitting(queues[name], sheet, skipped, wanted, letters, worded, slack=1 if stage < 2 else 2)
            if picked is not None:
                sheet.add(picked)
                chosen.append(picked)
                if picked.type == "true_false":
                    truths[picked.answers[0]] += 1
                    worded[_wording(picked, sheet.vocab), picked.answers[0]] += 1
                if (rank := key_rank(picked)) is not None:
                    letters[rank] += 1
        if len(chosen) == before:
            if stage == 2:
                break
            stage += 1
    return chosen


def _next_fitting(
    queue: deque[Question], sheet: _Sheet, skipped: Counter[str], wanted: str | None, letters: Counter[int] | None = None,
    worded: Counter[tuple[str, str]] | None = None, *, slack: int = 1,
) -> Question | None:
    """The first question of the queue that fits the sheet — when ``wanted`` is given, one keyed
    ``wanted`` first, then one that is not true/false: never one that would put the sheet's
    true/false keys two apart. Questions that do not fit are dropped: the sheet only grows, so
    they never will.

    An ordered question (years, dates, figures: its key's letter is its rank) whose key sits
    where the sheet's ordered keys already sit more often gives way to one of the next
    :data:`LOOKAHEAD` fitting questions whose key sits where fewer do: ranks are drawn uniformly
    per question, but five of a small deck's eight on one sheet could all be "B" (review 11)."""
    for preference in [wanted, None] if wanted else [None]:
        passed: list[tuple[int, Question]] = []  # looked at and kept, with their place in the queue
        best: tuple[int, int, Question] | None = None  # (excess, place, question)
        fitting = 0
        place = 0
        while queue and fitting <= LOOKAHEAD:
            q = queue.popleft()
            place += 1
            is_tf = q.type == "true_false"
            if (preference is not None and (not is_tf or q.answers[0] != preference)) or (
                preference is None and wanted and is_tf and q.answers[0] != wanted
            ) or (is_tf and worded is not None and not _keeps_wording_even(q, worded, sheet.vocab, slack)):
                passed.append((place, q))
                continue
            conflict = sheet.conflict(q)
            if conflict is not None:
                skipped[conflict.kind] += 1
                continue
            excess = _letter_excess(q, letters)
            if best is None or excess < best[0]:
                if best is not None:
                    passed.append((best[1], best[2]))
                best = (excess, place, q)
            else:
                passed.append((place, q))
            if excess == 0:
                break
            fitting += 1
        queue.extendleft(q for _, q in sorted(passed, key=lambda item: item[0], reverse=True))
        if best is not None:
            return best[2]
    return None


def _wording(q: Question, vocab: Vocabulary) -> str:
    """How a true/false statement is worded: a stance's reason ("…, in part because …") or plain."""
    fact = vocab.fact(q.fact)
    return "reason" if fact is not None and fact.kind == "stance" else "plain"


def _keeps_wording_even(q: Question, worded: Counter[tuple[str, str]], vocab: Vocabulary, slack: int = 1) -> bool:
    """Whether taking true/false ``q`` keeps the rule "False when it gives a reason, else True"
    within ``slack`` answers of scoring half: the statements it would get right (reasons keyed
    False, plain ones keyed True) and those it would get wrong stay within ``slack`` of each other
    (two only while a sheet is filled up with what is left)."""
    cue = worded["reason", "False"] + worded["plain", "True"] - worded["reason", "True"] - worded["plain", "False"]
    rule_right = (_wording(q, vocab) == "reason") == (q.answers[0] == "False")
    return abs(cue + (1 if rule_right else -1)) <= slack


#: How many further fitting questions an ordered one whose key letter the sheet has often is compared with.
LOOKAHEAD = 8


def key_rank(q: Question) -> int | None:
    """Where an ordered question's single key stands among its options (its letter on a sheet)."""
    if q.type != "single" or not q.ordered or len(q.answers) != 1 or q.answers[0] not in q.options:
        return None
    return list(q.options).index(q.answers[0])


def _letter_excess(q: Question, letters: Counter[int] | None) -> int:
    """How many more of the sheet's ordered keys sit at q's key position than at the emptiest one."""
    rank = key_rank(q)
    if rank is None or not letters:
        return 0
    return letters[rank] - min(letters[i] for i in range(len(q.options)))


def _rarer_truth(truths: Counter[str]) -> str | None:
    """The true/false key the sheet has fewer of ("True" or "False"), or None when even: a
    student answering "True" to every one must not score well."""
    if truths["True"] == truths["False"]:
        return None
    return "True" if truths["True"] < truths["False"] else "False"


def _loose_pick(by_family: dict[str, list[Question]], families: list[str], count: int) -> list[Question]:
    """The rule before sheets were wholes: round-robin, one question per fact while facts last
    (one passed over waits, in order, for the second round), then any, leaks and all."""
    chosen: list[Question] = []
    facts: set[str] = set()
    queues = {name: deque(by_family[name]) for name in families}
    later: dict[str, deque[Question]] = {name: deque() for name in families}
    while len(chosen) < count and any(queues.values()):
        for name in families:
            if len(chosen) >= count:
                break
            queue = queues[name]
            while queue:
                q = queue.popleft()
                if q.fact in facts:
                    later[name].append(q)
                    continue
                chosen.append(q)
                facts.add(q.fact)
                break
    while len(chosen) < count and any(later.values()):
        for name in families:
            if len(chosen) < count and later[name]:
                chosen.append(later[name].popleft())
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
        return tuple(spread_keys(shuffled, q.answers, rng))
    key = q.answers[0]
    others = [o for o in options if o != key]
    rng.shuffle(others)
    slots = list(range(len(options)))
    least = min(used_slots[s] for s in slots)
    slot = rng.choice([s for s in slots if used_slots[s] == least])
    used_slots[slot] += 1
    others.insert(slot, key)
    return tuple(others)


class SheetRules:
    """What a candidate must not do to the sheet as a whole, beyond leaking to one question: show
    its key in the sheet's header (the deck's title and description), or repeat a key the sheet
    has already as often as it may (once per :data:`SHEET_LENGTH` questions asked: on a sheet of
    30, writing "the United States" on every line, or ticking 1967 twice, must not pay)."""

    def __init__(self, deck: Deck | None, vocab: Vocabulary, count: int | None):
        self.vocab = vocab
        self.header = f"{deck.title}\n{deck.description}" if deck is not None else ""
        self.key_counts: Counter[str] = Counter()
        self.same_key = max(1, -(-count // SHEET_LENGTH)) if count else 1

    def add(self, q: Question) -> None:
        self.key_counts.update({key.canonical for key in self.vocab.keys(q)})

    def conflict(self, q: Question) -> Leak | None:
        keys = self.vocab.keys(q)
        if self.header:
            for key in keys:
                shown = next((s for s in key.spellings if visible(s, self.header)), None)
                if shown is not None:
                    return Leak("key in the header", f"the sheet's header (the deck's title and description) shows {shown!r}, the answer to {q.id!r}")
        repeated = next((k for k in keys if self.key_counts[k.canonical] >= self.same_key), None)
        if repeated is not None:
            return Leak("same key", f"{repeated.answer!r}, the answer to {q.id!r}, is already the answer of another question on the sheet")
        return None


@dataclass
class _Shared:
    """What the sheets drawn from one pool in several orders share: the pool's stem word counts
    and each pair's leak, once found (a pure function of the two questions and the deck)."""

    stem_counts: Counter[str]
    leaks: dict[tuple[str, str], Leak | None] = field(default_factory=dict)


class _Sheet:
    """The questions placed so far, indexed so that a candidate is compared (by :func:`_leak`)
    only with the few it may leak with: those sharing a word of its key or of its stem, or an
    option value, in one of its scopes (topic, source; anywhere for a rare key)."""

    def __init__(self, deck: Deck | None, pool: Sequence[Question], count: int | None = None, shared: _Shared | None = None):
        self.vocab = vocabulary(deck)
        self.rules = SheetRules(deck, self.vocab, count)
        self.shared = shared if shared is not None else _Shared(stem_word_counts(pool))
        self.stem_counts = self.shared.stem_counts
        self.by_fact: dict[str, Question] = {}
        self.stem_words: dict[tuple[tuple[str, str], str], list[Question]] = defaultdict(list)
        self.key_words: dict[tuple[tuple[str, str], str], list[Question]] = defaultdict(list)
        self.key_terms: set[str] = set()  # every term of key_words, whatever its scope
        self.keys: dict[tuple[tuple[str, str], str], list[Question]] = defaultdict(list)
        self.wrong: dict[tuple[tuple[str, str], str], list[Question]] = defaultdict(list)
        self.passages: dict[tuple[str, int], list[Question]] = defaultdict(list)  # (source, stretch)
        self.reasons: dict[tuple[tuple[str, str], str], list[Question]] = defaultdict(list)  # a reason's telling word
        self.votes: dict[tuple[str | None, str], list[Question]] = defaultdict(list)  # vote_anchor → questions
        self.by_source: dict[str, list[Question]] = defaultdict(list)  # a sheet holds few per source

    def add(self, q: Question) -> None:
        self.by_fact.setdefault(q.fact, q)
        scopes = leak_scopes(q)
        for term in terms_of(q.prompt):
            for scope in (*scopes, ANYWHERE):
                self.stem_words[scope, term].append(q)
        for key in self.vocab.keys(q):
            for spelling in key.spellings:
                term = index_term(spelling, self.stem_counts)
                self.key_terms.add(term)
                for scope in [ANYWHERE] if key.rare else scopes:
                    self.key_words[scope, term].append(q)
            for scope in value_scopes(key.canonical, scopes, self.vocab):
                self.keys[scope, key.canonical].append(q)
        for value in self.vocab.wrong_options(q):
            for scope in value_scopes(value, scopes, self.vocab):
                self.wrong[scope, value].append(q)
        anchor = vote_anchor(q, self.vocab)
        if anchor is not None:
            self.votes[anchor].append(q)
        for stretch in _stretches(q):
            self.passages[stretch].append(q)
        for source in dict.fromkeys(e.source for e in q.evidence):
            self.by_source[source].append(q)
        self.rules.add(q)
        for word in reason_words(q):
            for scope in scopes:
                self.reasons[scope, word].append(q)

    def conflict(self, q: Question, *, other_facts: bool = False) -> Leak | None:
        """The first leak between ``q`` and a question on the sheet (``other_facts``: ignoring
        those on q's own fact), or None."""
        found = self.rules.conflict(q)
        if found is not None:
            return found
        if not other_facts and q.fact in self.by_fact:
            return leak_between(q, self.by_fact[q.fact], self.vocab)
        return first_leak(q, self._partners(q), self.vocab, self.shared.leaks)

    def _partners(self, q: Question) -> Iterator[tuple[tuple[str, str], Sequence[Question]]]:
        scopes = leak_scopes(q)
        keys = self.vocab.keys(q)
        linked = [self.by_fact[f] for f in sorted(self.vocab.linked(q.fact)) if f in self.by_fact]
        if linked:
            yield ANYWHERE, linked
        for key in keys:  # q's key in a placed stem: look where the rarest of its words is
            for scope in [ANYWHERE] if key.rare else scopes:
                for spelling in key.spellings:
                    lists = [self.stem_words.get((scope, t), []) for t in terms_of(spelling)]
                    yield scope, min(lists, key=len)
        for term in sorted(terms_of(q.prompt) & self.key_terms):  # a placed key in q's stem (in order: the first leak is reported)
            for scope in (*scopes, ANYWHERE):
                yield scope, self.key_words.get((scope, term), [])
        for key in keys:  # a key among wrong options, either way
            for scope in value_scopes(key.canonical, scopes, self.vocab):
                yield scope, self.wrong.get((scope, key.canonical), [])
        for value in sorted(self.vocab.wrong_options(q)):
            for scope in value_scopes(value, scopes, self.vocab):
                yield scope, self.keys.get((scope, value), [])
        anchor = vote_anchor(q, self.vocab)
        if anchor is not None:  # a count of the vote's voters, or the vote a count is of
            yield ANYWHERE, self.votes.get(anchor, [])
        for stretch in _stretches(q):  # the same passage
            yield ANYWHERE, self.passages.get(stretch, [])
        for source in dict.fromkeys(e.source for e in q.evidence):  # a quote printed in the other's stem
            yield ("quote", source), self.by_source.get(source, [])
        telling = reason_words(q)
        for scope in scopes:  # q's reason told by a placed stem, or a placed reason told by q's stem
            for word in sorted(telling):
                yield scope, self.stem_words.get((scope, word), [])
            for word in sorted(set(words_of(q.prompt))):
                yield scope, self.reasons.get((scope, word), [])


#: A sheet of this many questions has each key once; a longer one, once per this many.
SHEET_LENGTH = 30

#: Passages are indexed by stretches of this many characters: overlapping spans share one.
_STRETCH = 400


def value_scopes(value: str, scopes: list[tuple[str, str]], vocab: Vocabulary) -> list[tuple[str, str]]:
    """Where a key or wrong option is indexed: a name anywhere (see :func:`leaks`), else per scope."""
    return [*scopes, ANYWHERE] if value in vocab.entities else scopes


def _stretches(q: Question) -> list[tuple[str, int]]:
    return [(e.source, i) for e in q.evidence for i in range(e.start // _STRETCH, e.end // _STRETCH + 1)]


def first_leak(
    q: Question, partners: Iterable[tuple[tuple[str, str], Sequence[Question]]], vocab: Vocabulary,
    known: dict[tuple[str, str], Leak | None] | None = None,
) -> Leak | None:
    """The first leak between ``q`` and a question of ``partners`` (scope, questions) on
    another fact. A source scope only pairs overlapping passages, checked before the full rule.
    ``known``: leaks already found between pairs (read and filled)."""
    seen: set[str] = {q.id}
    for scope, questions in partners:
        for other in questions:
            if other.id in seen or other.fact == q.fact:
                continue
            if scope[0] == "source" and not _same_passage(q, other):
                continue  # (not seen: another scope may still pair them)
            seen.add(other.id)
            if known is None:
                found = leak_between(q, other, vocab)
            elif (q.id, other.id) in known:
                found = known[q.id, other.id]
            else:
                found = known[q.id, other.id] = leak_between(q, other, vocab)
            if found:
                return found
    return None

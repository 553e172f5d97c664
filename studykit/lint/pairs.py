"""Lint rules that compare questions with each other: identical and near-identical stems (L014,
L010) and near-identical events, whose year questions interfere (L022).

Comparing every pair of a large deck is quadratic; candidate pairs come from q-gram prefix
filtering (:func:`candidate_pairs`), so the work stays near-linear.
"""

from __future__ import annotations

import bisect
import difflib
import math
from collections import Counter, defaultdict
from typing import Callable, Iterator

from ..corpus import fold
from ..model import Question
from ..vocabulary import Vocabulary, words_of
from .items import STOPWORDS

Found = Iterator[tuple[str, str, str]]  # (code, message, question id)

#: L022: events share at least this many content words …
INTERFERENCE_WORDS = 3
#: … making up at least this share of the shorter one's content words …
INTERFERENCE_SHARE = 0.5
#: … and the shorter one has fewer words of its own than this (the words that tell the two apart).
DISTINGUISHING_WORDS = 3
_WHAT = {"vote": "motion", "event": "action", "stance": "position", "statement": "said", "quantity": "subject"}
_WHO = ("body", "actor", "speaker")
_COMMON_WORD = 50  # a word in more of one actor's events than this is template wording: it pairs none


def near_identical(questions: tuple[Question, ...]) -> Found:
    """Stems that differ by a word or two but have different answers confuse learners."""
    first: dict[tuple[str, tuple[str, ...]], str] = {}
    for q in questions:
        key = (fold(q.prompt), q.answers)
        if key in first:
            yield "L014", f"identical to {first[key]!r}; drop one fact's quote or the template", q.id
        first.setdefault(key, q.id)
    by_family: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        if q.type != "true_false":
            by_family[q.family].append(q)
    for group in by_family.values():
        pairs = [(i, j) for i, j in candidate_pairs([q.prompt for q in group])
                 if group[i].answers != group[j].answers and abs(len(group[i].prompt) - len(group[j].prompt)) <= 10]
        # one matcher per second stem (difflib indexes its second sequence; set_seq1 is cheap),
        # the pairs still compared as (a, b) and reported in their order
        partners: dict[int, list[int]] = defaultdict(list)
        for i, j in pairs:
            partners[j].append(i)
        close: set[tuple[int, int]] = set()
        matcher = difflib.SequenceMatcher(None)
        bound = _upper_bound(len(pairs), matcher)
        for j, firsts in partners.items():
            b_text = group[j].prompt
            matcher.set_seq2(b_text)
            for i in firsts:
                a_text = group[i].prompt
                matcher.set_seq1(a_text)
                if bound(a_text, b_text) > 0.95 and matcher.ratio() > 0.95:
                    close.add((i, j))
        for i, j in pairs:
            if (i, j) in close:
                yield "L010", f"stem is near-identical to {group[j].id!r} but the answer differs", group[i].id


#: from this many pairs on, rapidfuzz's C++ bound pays for its import (16 ms: some 40 modules)
_RAPIDFUZZ_PAIRS = 2000


def _upper_bound(pairs: int, matcher: difflib.SequenceMatcher) -> Callable[[str, str], float]:
    """A cheap upper bound of ``matcher.ratio()`` for its two texts, asked first. difflib's matching
    blocks are a common subsequence, so its ratio 2M/(la+lb) is at most the Indel similarity
    2·LCS/(la+lb) (rapidfuzz, in C++, for many pairs), and at most ``quick_ratio`` (difflib's
    own, from the letters alone, for a few: the bundled deck checks without importing rapidfuzz)."""
    if pairs < _RAPIDFUZZ_PAIRS:
        return lambda a, b: matcher.quick_ratio()
    from rapidfuzz.distance import Indel

    return Indel.normalized_similarity


def interference(questions: tuple[Question, ...], vocab: Vocabulary) -> Found:
    """L022: two facts of one kind about the same actor or body (the same speaker, the same
    council), in different years, whose year or date questions tell them apart by little: two UN
    votes condemning an invasion, eight years apart. A learner mixes them up and a year question
    on either is ambiguous; the curator adds the words that tell them apart.

    "Little": what happened (a vote's motion, an event's action …) shares at least
    :data:`INTERFERENCE_WORDS` content words, at least :data:`INTERFERENCE_SHARE` of the shorter
    one's, and the shorter one has fewer than :data:`DISTINGUISHING_WORDS` words of its own.
    Pairs come from a word index per actor (words in more than ``_COMMON_WORD`` of one actor's
    events pair none), so the work is linear in the deck.
    """
    groups: dict[tuple[str, str], dict[str, tuple[Question, frozenset[str], int]]] = defaultdict(dict)
    for q in questions:
        if q.answer_type not in ("year", "date") or q.type in ("true_false", "cloze"):
            continue
        fact = vocab.fact(q.fact)
        who = next((fact.get(name) for name in _WHO if fact.get(name)), None) if fact is not None else None
        date = fact.get("date") if fact is not None else None
        if fact is None or who is None or not date or fact.kind not in _WHAT:
            continue
        words = frozenset(w for w in words_of(str(fact.get(_WHAT[fact.kind], ""))) if len(w) > 1 and w not in STOPWORDS and not w.isdigit())
        groups[fact.kind, vocab.canonical(str(who), fact)].setdefault(fact.id, (q, words, int(str(date)[:4])))
    for group in groups.values():
        entries = list(group.values())
        postings: dict[str, list[int]] = defaultdict(list)
        for i, (_, words, _) in enumerate(entries):
            for word in words:
                postings[word].append(i)
        shared: Counter[tuple[int, int]] = Counter()
        for members in postings.values():
            if len(members) <= _COMMON_WORD:
                shared.update((i, j) for n, i in enumerate(members) for j in members[n + 1 :])
        for (i, j), n in sorted(shared.items()):
            (a, words_a, year_a), (b, words_b, year_b) = entries[i], entries[j]
            if year_a == year_b or n < INTERFERENCE_WORDS or n < INTERFERENCE_SHARE * min(len(words_a), len(words_b)):
                continue
            shorter = min(words_a, words_b, key=len)
            if len(shorter - (words_a & words_b)) >= DISTINGUISHING_WORDS:
                continue  # each says what the other does not ("takeover of Crimea" / "full-scale invasion")
            common = ", ".join(sorted(words_a & words_b))
            yield "L022", (
                f"reads like {b.id!r} ({year_b}): both are about {common}; add the words that tell {year_a} from {year_b}"
            ), a.id


_Q = 4  # q-gram length for finding candidate pairs
_PAIRWISE_MAX = 100  # families up to this size compare every pair
_COMMON = 8  # in larger families, q-grams found in more texts than this do not pair texts


def candidate_pairs(texts: list[str], *, ratio: float = 0.95) -> list[tuple[int, int]]:
    """The pairs ``(i, j)``, ``i < j``, in order, worth comparing: texts whose difflib ratio may
    be above ``ratio``.

    Up to ``_PAIRWISE_MAX`` texts, every pair. Beyond, prefix filtering (Bayardo et al. 2007): if
    ``SequenceMatcher.ratio() > r``, at most a share ``(2 - 2r) / (2 - r)`` of either text's
    characters is unmatched (for r = 0.95, under 10%), and each unmatched character or gap spoils
    at most ``_Q`` q-grams, so the two texts share one of the ``spoiled + 1`` globally rarest
    q-grams of each. Grams that more than ``_COMMON`` texts share (template wording) are skipped
    to keep the work linear, so a pair told apart only by common wording can be missed.
    """
    if len(texts) <= _PAIRWISE_MAX:
        return [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))]
    share = (2 - 2 * ratio) / (2 - ratio)
    grams = [_grams(text) for text in texts]
    rarity = Counter(g for gs in grams for g in gs)
    # one global order of the grams, rarest first, ties by the gram itself (every text must rank its
    # grams alike); grams in more than _COMMON texts come last, from ``usable`` on
    ordered = sorted(rarity, key=lambda g: (rarity[g], g))
    rank = {g: r for r, g in enumerate(ordered)}
    usable = bisect.bisect_right([rarity[g] for g in ordered], _COMMON)
    index: dict[int, list[int]] = defaultdict(list)
    pairs: set[tuple[int, int]] = set()
    short: list[int] = []
    for j, gs in enumerate(grams):
        spoiled = _Q * max(1, math.ceil(share * len(texts[j])))
        if len(gs) <= spoiled:
            short.append(j)
        ranks = sorted(map(rank.__getitem__, gs))
        for r in ranks[: min(spoiled + 1, bisect.bisect_left(ranks, usable))]:
            pairs.update((i, j) for i in index[r])
            index[r].append(j)
    pairs.update((i, j) for n, i in enumerate(short) for j in short[n + 1 :])
    return sorted(pairs)


def _grams(text: str) -> list[str]:
    """The q-grams of a text as a set: a gram's second occurrence is the gram and one NUL, its
    third two NULs … (a multiset made a set; no text's gram is longer than ``_Q``)."""
    raw = [text[k : k + _Q] for k in range(len(text) - _Q + 1)]
    if len(set(raw)) == len(raw):  # the common case: every gram once
        return raw
    seen: dict[str, int] = {}
    result = []
    for gram in raw:
        seen[gram] = n = seen.get(gram, 0) + 1
        result.append(gram + "\0" * (n - 1))
    return result

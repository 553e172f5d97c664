"""Deck-level cues: what a student who ignores the stems can still score.

:func:`cue_figures` measures, over the deck's single-answer choice items,

* the key's position, separately for ordered items (years, dates, figures, ascending) and
  unordered ones, with a chi-square test per number of options;
* how often an ordered item's key is its largest or smallest option, against chance (2/k);
* the score of each testwise guesser (Haladyna et al. 2002; ITEM-QUALITY.md §2) against chance
  (the mean of 1/k): the longest option, the middle value, the option most like the others, the
  option most frequent in the corpus, an option named in another fact's stem. A guesser that
  ties picks at random among the tied options: its expected score is counted.

:func:`cue_findings` turns the figures into findings: info lines always (L029), warnings when a
cue is strong and sure (L011, L015, L016, L017). Everything is linear in the deck and corpus:
the corpus and the stems are read once, options are matched through a word trie.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from typing import Any, Callable, Iterator, Sequence

from ..cloze import STOPWORDS
from ..corpus import normalize
from ..model import Question, QuestionSet
from ..vocabulary import normal, words_of

#: A cue warns when it beats chance by more than this share …
MARGIN = 0.05
#: … over at least this many items, and chance alone would do so less than 5% of the time.
MIN_ITEMS = 30
_Z = 1.645  # one-sided 5%

Found = Iterator[tuple[str, str]]


def choice_items(qset: QuestionSet) -> list[Question]:
    """Single-answer choice questions whose key is among two or more options."""
    return [q for q in qset.questions if q.type == "single" and len(q.options) >= 2 and len(q.answers) == 1 and q.answers[0] in q.options]


def cue_figures(qset: QuestionSet) -> dict[str, Any]:
    """The deck's cue figures as data::

        {"key_position": {"ordered": {k: POSITION}, "unordered": {k: POSITION}},
         "extreme_key": SCORE, "guessers": {name: SCORE}}
        POSITION = {"n", "counts" (per position, A first), "chi2", "p"}
        SCORE    = {"n", "score", "chance", "excess", "z"}   (shares 0–1; z: excess in standard errors)
    """
    items = choice_items(qset)
    ordered = [q for q in items if q.ordered]
    unordered = [q for q in items if not q.ordered]
    texts = [q for q in unordered if q.answer_type in ("rationale", "text")]
    statements = [q for q in qset.questions if q.type == "true_false" and q.answers and q.answers[0] in q.options and "True" in q.options]
    counts, wording = _CorpusCounts(items), _DocumentWording(texts)
    for document in qset.deck.corpus.documents.values():  # each document read once, for both
        words = _words_uncached(document.text)
        counts.read(words)
        wording.read(words)
    guessers: dict[str, tuple[list[Question], Callable[[Question], set[int]]]] = {
        "always True": (statements, lambda q: {q.options.index("True")}),
        "longest": (unordered, _longest),
        "shortest": (unordered, _shortest),
        "middle value": (ordered, _middle),
        "most similar": (unordered, _most_similar),
        "most frequent in the corpus": (items, counts.pick),
        "most like the documents' wording": (texts, wording.pick),
        "named in another stem": (items, _OtherStems(qset, items).pick),
    }
    return {
        "key_position": {"ordered": _positions(ordered), "unordered": _positions(unordered)},
        "extreme_key": _extreme_share([q for q in ordered if len(q.options) >= 3]),
        "guessers": {name: _score(pool, pick) for name, (pool, pick) in guessers.items()},
    }


def cue_findings(figures: dict[str, Any]) -> Found:
    for label, code in (("unordered", "L011"), ("ordered", "L015")):
        for k, f in sorted(figures["key_position"][label].items()):
            spread = " · ".join(f"{chr(65 + i)} {n}" for i, n in enumerate(f["counts"]))
            yield "L029", f"key position, {label} {k}-option items (n = {f['n']}): {spread}; χ² {f['chi2']:.1f}, p {f['p']:.3f}"
            if f["n"] >= 5 * k and f["p"] < 0.01:
                yield code, f"key positions among {f['n']} {label} {k}-option questions are unbalanced ({spread}; p = {f['p']:.3f})"
    extreme = figures["extreme_key"]
    if extreme["n"]:
        yield "L029", f"extreme key (the largest or smallest option) of ordered items: {_versus(extreme)}"
        if _strong(extreme):
            yield "L016", (
                f"the key is the largest or smallest option in {extreme['score']:.0%} of {extreme['n']} ordered items, "
                f"chance {extreme['chance']:.0%}: draw the key's rank uniformly, then values below and above it"
            )
    for name, g in figures["guessers"].items():
        if not g["n"]:
            continue
        yield "L029", f"guesser '{name}': {_versus(g)}"
        if _strong(g):
            yield "L017", f"a guesser that ignores the stem and picks the option {name} scores {_versus(g)}"


def length_extreme_key(questions: tuple[Question, ...]) -> Found:
    """L012: the key is the longest option, or the shortest, of too many single-answer text questions."""
    texts = [q for q in questions if q.type == "single" and q.answer_type in ("rationale", "text") and q.answers and len(q.options) >= 2]
    if len(texts) < 5:
        return
    for name, extreme in (("longest", max), ("shortest", min)):
        hits = sum(1 for q in texts if len(q.answers[0]) == extreme(len(o) for o in q.options))
        if hits / len(texts) > 0.4:
            yield "L012", f"the key is the {name} option in {hits} of {len(texts)} text questions: even out the lengths of the key and its wrong options"


def _versus(s: dict[str, Any]) -> str:
    return f"{s['score']:.0%} of {s['n']} items vs chance {s['chance']:.0%} ({100 * s['excess']:+.0f} points)"


def _strong(s: dict[str, Any]) -> bool:
    return s["n"] >= MIN_ITEMS and s["excess"] > MARGIN and s["z"] > _Z


def _positions(items: list[Question]) -> dict[int, dict[str, Any]]:
    by_size: dict[int, list[int]] = defaultdict(list)
    for q in items:
        by_size[len(q.options)].append(q.options.index(q.answers[0]))
    figures = {}
    for size, positions in sorted(by_size.items()):
        counts = Counter(positions)
        expected = len(positions) / size
        chi2 = sum((counts.get(i, 0) - expected) ** 2 / expected for i in range(size))
        figures[size] = {"n": len(positions), "counts": [counts.get(i, 0) for i in range(size)], "chi2": chi2, "p": chi2_sf(chi2, size - 1)}
    return figures


def _score(items: list[Question], pick: Callable[[Question], set[int]]) -> dict[str, Any]:
    """The expected score of a guesser that picks at random among ``pick(q)`` (all options when
    empty), against chance (1/k a question)."""
    score = 0.0
    chances = []
    for q in items:
        picks = pick(q) or set(range(len(q.options)))
        score += (1 / len(picks)) if q.options.index(q.answers[0]) in picks else 0.0
        chances.append(1 / len(q.options))
    return _against_chance(score, chances)


def _extreme_share(items: list[Question]) -> dict[str, Any]:
    """How often an ordered item's key is its first or last option (options ascend), against 2/k."""
    hits = sum(1 for q in items if q.options.index(q.answers[0]) in (0, len(q.options) - 1))
    return _against_chance(float(hits), [min(1.0, 2 / len(q.options)) for q in items])


def _against_chance(score: float, chances: list[float]) -> dict[str, Any]:
    """A total score over items with these chance rates, as shares, with its excess over chance
    in standard errors (the items independent Bernoulli trials at chance)."""
    n = len(chances)
    if not n:
        return {"n": 0, "score": 0.0, "chance": 0.0, "excess": 0.0, "z": 0.0}
    chance = sum(chances)
    variance = sum(p * (1 - p) for p in chances)
    excess = (score - chance) / n
    z = excess * n / math.sqrt(variance) if variance else 0.0
    return {"n": n, "score": score / n, "chance": chance / n, "excess": excess, "z": z}


def _best(values: list[float]) -> set[int]:
    top = max(values)
    return {i for i, v in enumerate(values) if v >= top - 1e-9}


def _longest(q: Question) -> set[int]:
    return _best([len(o) for o in q.options])


def _shortest(q: Question) -> set[int]:
    """Review 20: a key half as long as its wrong options ("It did not want to anger China") stands out too."""
    return _best([-len(o) for o in q.options])


def _middle(q: Question) -> set[int]:
    k = len(q.options)
    return {k // 2} if k % 2 else {k // 2 - 1, k // 2}


def _trigrams(text: str) -> set[str]:
    t = f"  {normalize(text).lower()} "
    return {t[i : i + 3] for i in range(len(t) - 2)}


def _most_similar(q: Question) -> set[int]:
    """The option with the highest mean character-trigram Jaccard similarity to the others."""
    grams = [_trigrams(o) for o in q.options]

    def jaccard(a: set[str], b: set[str]) -> float:
        return len(a & b) / len(a | b) if a | b else 0.0

    return _best([sum(jaccard(g, h) for j, h in enumerate(grams) if j != i) for i, g in enumerate(grams)])


class _Trie:
    """Word sequences (the options), matched at every position of a text in one pass."""

    def __init__(self, phrases: set[tuple[str, ...]]):
        self.root: dict = {}
        for phrase in phrases:
            node = self.root
            for word in phrase:
                node = node.setdefault(word, {})
            node[None] = phrase

    def matches(self, words: Sequence[str]) -> Iterator[tuple[str, ...]]:
        root = self.root
        for i, word in enumerate(words):
            node = root.get(word)
            j = i + 1
            while node is not None:
                if None in node:
                    yield node[None]
                if j == len(words):
                    break
                node = node.get(words[j])
                j += 1


class _CorpusCounts:
    """Whole-word occurrences of every option in the deck's documents, counted in one pass."""

    def __init__(self, items: list[Question]):
        phrases = {tuple(words_of(o)) for q in items for o in q.options} - {()}
        self.counts: Counter[tuple[str, ...]] = Counter()
        self.trie = _Trie(phrases)

    def read(self, words: list[str]) -> None:
        """Count the options in one document's words."""
        self.counts.update(self.trie.matches(words))

    def pick(self, q: Question) -> set[int]:
        counts = [self.counts[tuple(words_of(o))] for o in q.options]
        return _best([float(c) for c in counts]) if any(counts) else set()


class _DocumentWording:
    """Which text option shares the most two-word phrases with the deck's documents (review 19: a
    reason lifted from the article beside wrong reasons written new scored 81 % on the rationale
    items). A phrase counts when one of its words is a content word (not "of the")."""

    def __init__(self, items: list[Question]):
        self.phrases = {o: self._pairs(o) for q in items for o in q.options}
        self.wanted = set().union(*self.phrases.values()) if self.phrases else set()
        self.found: set[tuple[str, str]] = set()

    def read(self, words: list[str]) -> None:
        """Note which wanted phrases one document's words hold."""
        if self.wanted:
            words = [w for w in words if w != "s"]
            self.found.update(pair for pair in itertools.pairwise(words) if pair in self.wanted)

    @staticmethod
    def _pairs(text: str) -> set[tuple[str, str]]:
        words = [w for w in _words_uncached(text) if w != "s"]  # "Ukraine’s": the possessive is no word
        return {(a, b) for a, b in itertools.pairwise(words) if _content(a) or _content(b)}

    def pick(self, q: Question) -> set[int]:
        shared = [float(len(self.phrases.get(o, set()) & self.found)) for o in q.options]
        return _best(shared) if any(shared) else set()


#: Words that make no phrase telling: a cloze's stopwords and the auxiliaries.
_FUNCTION_WORDS = STOPWORDS | frozenset("had has have did does do would could should will can than".split())


def _content(word: str) -> bool:
    return len(word) > 2 and word not in _FUNCTION_WORDS


def _words_uncached(text: str) -> list[str]:
    """:func:`studykit.quiz.words_of` without its cache: documents are read once."""
    return re.findall(r"\w+", normal(text).lower())


class _OtherStems:
    """Which options are named in the stem of a question on another fact (stems read once)."""

    def __init__(self, qset: QuestionSet, items: list[Question]):
        phrases = {tuple(words_of(o)) for q in items for o in q.options} - {()}
        trie = _Trie(phrases)
        facts: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for q in qset.questions:
            for phrase in trie.matches(words_of(q.prompt)):
                if len(facts[phrase]) < 2:
                    facts[phrase].add(q.fact)
        self.facts = facts

    def pick(self, q: Question) -> set[int]:
        return {i for i, o in enumerate(q.options) if self.facts.get(tuple(words_of(o)), set()) - {q.fact}}


def chi2_sf(x: float, k: int) -> float:
    """Survival function of the chi-square distribution: the regularised upper gamma Q(k/2, x/2),
    by its series below a + 1 and by its continued fraction above (Numerical Recipes, §6.2)."""
    if x <= 0:
        return 1.0
    a, half = k / 2, x / 2
    scale = math.exp(-half + a * math.log(half) - math.lgamma(a))
    if half < a + 1:
        term = total = 1.0 / a
        n = 1
        while abs(term) > 1e-12 * abs(total) and n < 1000:
            term *= half / (a + n)
            total += term
            n += 1
        return min(1.0, max(0.0, 1.0 - total * scale))
    tiny = 1e-300
    b = half + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-12:
            break
    return min(1.0, max(0.0, scale * h))

"""What the corpus's documents say, asked again and again while wrong options are ranked: whether
a document names an entity, how often it writes a name or a figure, and the years, days and
figures written in it.

Each document is normalised and lowered once. Its set of words (runs of ``\\w``, lowered) answers
most questions before any search: every word of a name stands whole wherever the name stands as
whole words, so a name one of whose words the document lacks is not in it. The exact search
(``str.find`` with word boundaries, or a regular expression) runs only when all of them are there,
so the answers are those of searching every document, at the cost of a set lookup for the many
names a document does not hold. For a small corpus, counted whole, an inverted index (word →
documents) picks the documents worth searching.

A document's word set, normalised text and lowered text are kept for :data:`KEPT_WORD_SETS`
documents at a time (the most recently asked), so memory stays bounded in a large corpus; facts
citing one document usually come together.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from typing import Callable, TypeVar

from .corpus import Corpus, find_words, normalize
from .heap import cache
from .ordered import FIGURE, written_days
from .wordcount import written_figures

#: How many documents' word sets (and texts) are kept at once in a corpus too large to count whole:
#: 64 cost nothing in time on the benchmark's decks (50 facts a document, in document order) and
#: keep 40 MiB less than 256 did.
KEPT_WORD_SETS = 64

_WORD = re.compile(r"\w+")
_T = TypeVar("_T")
_YEAR = re.compile(r"(?<![\w.,])(1[89]\d\d|20\d\d)(?![\w]|[.,]\d)")


@cache(maxsize=16384)
def needle_words(needle: str) -> frozenset[str] | None:
    """The lowered words of ``needle``, every one of which a text holding it as whole words holds
    too; None when that cannot be told from words (non-ASCII: lowering may change a letter's length,
    or a case-blind match may pair two letters that lower differently)."""
    if not needle.isascii():
        return None
    return frozenset(_WORD.findall(needle.lower()))


def may_hold(words: frozenset[str], needle: str) -> bool:
    """False only when a text whose word set is ``words`` cannot hold ``needle`` as whole words."""
    wanted = needle_words(needle)
    return wanted is None or wanted <= words


def text_words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def _count_words(needle: str, haystack: str) -> int:
    r"""``len(re.findall(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", haystack))`` by ``str.find``:
    no pattern compiled per needle, and the same non-overlapping matches."""
    count, at, size = 0, haystack.find(needle), len(needle)
    while at >= 0:
        end = at + size
        if (at == 0 or not _is_word(haystack[at - 1])) and (end == len(haystack) or not _is_word(haystack[end])):
            count += 1
            at = haystack.find(needle, end)
        else:
            at = haystack.find(needle, at + 1)
    return count


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


class TextIndex:
    """Whole-word lookups and counts in the documents of one corpus, each document read once."""

    def __init__(self, corpus: Corpus, *, whole: bool) -> None:
        #: whether the corpus is small enough to be counted whole (:meth:`corpus_count`)
        self.whole = whole
        self._corpus = corpus
        self._sources = tuple(sorted(corpus.documents))
        self._normalized: OrderedDict[str, str] = OrderedDict()
        self._lower: OrderedDict[str, str] = OrderedDict()
        self._words: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._postings: dict[str, frozenset[str]] | None = None
        self._names: dict[tuple[str, str], bool] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._figures: dict[str, Counter[str]] = {}
        self._years: dict[str, frozenset[int]] = {}
        self._days: dict[str, frozenset[int]] = {}
        self._numbers: dict[str, frozenset[float]] = {}
        self._written: dict[str, set[float]] = {}
        self._even: dict[str, bool] = {}
        self._all_figures: Counter[str] | None = None

    # --- the documents' text --------------------------------------------------------------------

    def normalized(self, source: str) -> str:
        return self._kept(self._normalized, source, lambda: normalize(self._corpus[source].text) if source in self._corpus else "")

    def lowered(self, source: str) -> str:
        return self._kept(self._lower, source, lambda: self.normalized(source).lower())

    def words(self, source: str) -> frozenset[str]:
        return self._kept(self._words, source, lambda: text_words(self.normalized(source)))

    def _kept(self, cache: OrderedDict[str, _T], source: str, make: Callable[[], _T]) -> _T:
        """``cache[source]``, made when missing; in a corpus too large to count whole only the
        :data:`KEPT_WORD_SETS` most recently asked documents are kept."""
        value = cache.get(source)
        if value is None:
            value = cache[source] = make()
            if not self.whole and len(cache) > KEPT_WORD_SETS:
                cache.popitem(last=False)
        elif not self.whole:
            cache.move_to_end(source)
        return value

    def _lowers_evenly(self, source: str) -> bool:
        """Whether lowering the document keeps every letter's length (else :func:`find_words`
        searches it by regular expression, whose case-blind matches words cannot foresee); one
        boolean a document, kept for all of them."""
        even = self._even.get(source)
        if even is None:
            even = self._even[source] = len(self.lowered(source)) == len(self.normalized(source))
        return even

    # --- names -----------------------------------------------------------------------------------

    def names(self, source: str, spellings: tuple[str, ...]) -> bool:
        """Whether the document names any of ``spellings`` as whole words (:func:`find_words`)."""
        key = (source, spellings[0])
        known = self._names.get(key)
        if known is not None:
            return known
        words = self.words(source)
        even = self._lowers_evenly(source)
        candidates = [s for s in spellings if not even or may_hold(words, s)]
        if not candidates:
            return False  # the common answer, by set lookups alone: not kept, as cheap to ask again
        lowered, text = self.lowered(source), self.normalized(source)
        found = self._names[key] = any(find_words(s, text, lowered=lowered) for s in candidates)
        return found

    # --- counts ----------------------------------------------------------------------------------

    def count(self, source: str, text: str) -> int:
        """How often ``text`` occurs in the document as whole words (lowered, white space folded);
        a figure as the document's figures are read ("5" is not in "1.5")."""
        needle = " ".join(text.lower().split())
        if FIGURE.fullmatch(needle):
            return self.figure_counts(source)[needle]
        if not needle or not may_hold(self.words(source), needle):
            return 0
        key = (source, needle)
        if key not in self._counts:
            self._counts[key] = _count_words(needle, self.lowered(source))
        return self._counts[key]

    def corpus_count(self, text: str) -> int:
        """:meth:`count` summed over every document, searching only those that hold its words."""
        needle = " ".join(text.lower().split())
        key = ("*", needle)
        if key not in self._counts:
            if FIGURE.fullmatch(needle):  # every document's figures, counted once for the corpus
                self._counts[key] = self._corpus_figures()[needle]
            else:
                self._counts[key] = sum(self.count(source, text) for source in self._holding(needle))
        return self._counts[key]

    def _corpus_figures(self) -> Counter[str]:
        """The sum of every document's :meth:`figure_counts`."""
        if self._all_figures is None:
            self._all_figures = Counter()
            for source in self._sources:
                self._all_figures.update(self.figure_counts(source))
        return self._all_figures

    def _holding(self, needle: str) -> tuple[str, ...] | list[str]:
        wanted = needle_words(needle)
        if not wanted:  # (a figure never comes here: corpus_count looks it up in the tally)
            return self._sources
        if self._postings is None:
            postings: dict[str, set[str]] = {}
            for source in self._sources:
                for word in self.words(source):
                    postings.setdefault(word, set()).add(source)
            self._postings = {word: frozenset(sources) for word, sources in postings.items()}
        found: frozenset[str] | None = None
        for word in sorted(wanted, key=lambda w: len(self._postings.get(w, ()))):  # type: ignore[union-attr]
            has = self._postings.get(word, frozenset())
            found = has if found is None else found & has
            if not found:
                return []
        return sorted(found or ())

    def figure_counts(self, source: str) -> Counter[str]:
        if source not in self._figures:
            self._figures[source] = Counter(FIGURE.findall(self.lowered(source)))
        return self._figures[source]

    # --- what is written in each document --------------------------------------------------------

    def years(self, source: str) -> frozenset[int]:
        """The years (1800–2099) written in the document."""
        if source not in self._years:
            self._years[source] = frozenset(int(y) for y in _YEAR.findall(self.lowered(source)))
        return self._years[source]

    def numbers(self, source: str) -> frozenset[float]:
        """The figures written in digits in the document ("11", "8,500", "2.5")."""
        if source not in self._numbers:
            self._numbers[source] = frozenset(float(n.replace(",", "")) for n in FIGURE.findall(self.lowered(source)))
        return self._numbers[source]

    def days(self, source: str) -> frozenset[int]:
        """The days written out in the document ("25 February 2022", "Feb. 25, 2022"), as ordinals."""
        if source not in self._days:
            self._days[source] = frozenset(written_days(self.lowered(source)))
        return self._days[source]

    def written(self, source: str | None) -> set[float]:
        """:func:`written_figures` of the document, or of the whole corpus (None)."""
        key = "" if source is None else source
        if key not in self._written:
            text = "\0".join(map(self.lowered, self._sources)) if source is None else self.lowered(source)
            self._written[key] = written_figures(text)
        return self._written[key]

"""Whole-word counts in lowered text, as ``re.findall`` would count them, without a regular expression.

:meth:`WordCounts.count` returns ``len(re.findall(r"(?<!\\w)" + re.escape(needle) + r"(?!\\w)", text))``
(non-overlapping, leftmost first). The distractor pools ask this for thousands of values in the
same documents; a regular expression per value scanned every document once per value. Here a
needle that begins with a word character is looked up among the positions where that word starts
(an index made once per text), and any other needle is found with ``str.find``.
"""

from __future__ import annotations

import re
from array import array

_WORD = re.compile(r"\w+")


def _is_word(char: str) -> bool:
    # the regular expression module's \w for str patterns: alphanumeric (every Unicode kind) or '_'
    return char.isalnum() or char == "_"


class WordCounts:
    """Counts of needles as whole words in ``text`` (``indexed``: with a word-start index, for a
    text asked about many needles)."""

    __slots__ = ("text", "_starts", "_indexed")

    def __init__(self, text: str, *, indexed: bool = False) -> None:
        self.text = text
        self._indexed = indexed
        self._starts: dict[str, array] | None = None

    def count(self, needle: str) -> int:
        """How often ``needle`` occurs in the text with no word character just before or after it."""
        if not needle:
            return 0
        first = _WORD.match(needle)
        if self._indexed and first is not None:
            return self._count_at(needle, self._word_starts().get(first.group(), ()))
        return self._count_found(needle)

    def _word_starts(self) -> dict[str, array]:
        if self._starts is None:
            starts: dict[str, array] = {}
            for match in _WORD.finditer(self.text):
                word = match.group()
                if word not in starts:
                    starts[word] = array("l")
                starts[word].append(match.start())
            self._starts = starts
        return self._starts

    def _count_at(self, needle: str, candidates) -> int:
        # a whole-word match of a needle that begins with the word w begins where the text's word w
        # begins, so only those positions are tried, in order, each at or past the previous match
        text, size, end_of_text = self.text, len(needle), len(self.text)
        count, resume = 0, 0
        for at in candidates:
            if at < resume or not text.startswith(needle, at):
                continue
            end = at + size
            if end < end_of_text and _is_word(text[end]):
                continue
            count, resume = count + 1, end
        return count

    def _count_found(self, needle: str) -> int:
        text, size, end_of_text = self.text, len(needle), len(self.text)
        count, at = 0, text.find(needle)
        while at >= 0:
            end = at + size
            if (at == 0 or not _is_word(text[at - 1])) and (end == end_of_text or not _is_word(text[end])):
                count += 1
                at = text.find(needle, end)
            else:
                at = text.find(needle, at + 1)
        return count


_DIGIT_RUN = re.compile(r"(?<!\w)[0-9][0-9,.]*")
_FIGURE_TEXT = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")


def written_figures(text: str) -> set[float]:
    """Every figure that a plain number (``1,234``, ``2.5``: digits, thousands commas, a decimal
    point, as :func:`~studykit.model.format_value` writes one) could be written as in ``text`` as
    whole words: a superset, so that a figure not in it is surely counted 0 there.

    A whole-word occurrence starts at a digit after a non-word character and ends before one; a
    comma or a point is not a word character, so every start and end inside a run of digits,
    commas and points is tried (``234`` stands alone in ``1,234``)."""
    found: set[float] = set()
    size = len(text)
    for match in _DIGIT_RUN.finditer(text):
        start, end = match.span()
        run = match.group()
        ends = [k for k, char in enumerate(run) if char in ",."]
        if end == size or not _is_word(text[end]):
            ends.append(len(run))
        starts = [0, *(k + 1 for k in ends if k + 1 < len(run) and run[k + 1].isdigit())]
        for s in starts:
            for e in ends:
                piece = run[s:e]
                if e > s and _FIGURE_TEXT.fullmatch(piece):
                    digits = piece.replace(",", "")
                    found.add(float(digits) if "." in digits else int(digits))
    return found

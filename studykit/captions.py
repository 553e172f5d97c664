"""Photo captions: the lines of a document that describe a picture, not the article's text.

News pages keep their captions inline ("Israeli PM Naftali Bennett has not yet issued a clear
position … [Getty]", "… participates in a vote …, Friday, Feb. 25, 2022. (AP Photo/…)"). Cards
never show one as a sentence of the article: the evidence on an Anki card leaves it out
(:mod:`studykit.export.evidence`) and a cloze never takes it as the sentence before its own
(:mod:`studykit.cloze`).
"""

from __future__ import annotations

import re

from .heap import cache

__all__ = ["is_caption"]

#: Photo credits and caption labels.
_CREDIT = re.compile(
    r"\((?:AP|AFP|Reuters|EPA|Getty|Photo|File)[^)]*\)|\bPhoto(?:graph)?\s*(?:by\b|:|credit)|\bGetty\b"
    r"|\b(?:Credit|Courtesy)\s*:|/(?:AP|AFP|Reuters|Getty)\b|\bAP Photo\b|\bPhoto by AP\b",
    re.I,
)
_CAPTION_LABEL = re.compile(r"^\s*(?:Header|Caption|Photo|Image|Picture|Illustration)\s*:", re.I)
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_MONTH = r"[A-Z][a-z]{2,8}\.?"
#: "…, Friday, Feb. 25, 2022." or "…, Sunday, 13 April 2014": how captions date a picture.
_DATELINE_END = re.compile(rf"\b{_WEEKDAY},\s+(?:{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH}),?\s+\d{{4}}\.?\s*$")
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’')]*\s+(?=[A-Z“\"‘'])")
#: Every match of :data:`_CREDIT` holds a "(" or a "/", or one of these words, case aside: a line
#: with none of them is told apart with a few substring tests (the search took ~0.1 µs a character)
_CREDIT_WORDS = ("photo", "getty", "credit", "courtesy")
#: the letters outside ASCII that a case-blind pattern matches to ASCII ones (İ and ı to i, ſ to s)
_CASE_BLIND = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def _line_of(text: str, start: int, end: int) -> str:
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    return text[left : len(text) if right < 0 else right]


def is_caption(text: str, start: int, end: int) -> bool:
    """Whether the span lies in a line that reads as a photo caption: it carries a credit
    ("(AP Photo/…)", "Getty", "Photo by …") or a caption label ("Header:"), starts in lower case
    (a fragment), or is one sentence that ends in a dateline ("…, Friday, Feb. 25, 2022.")."""
    return _is_caption_line(_line_of(text, start, end).strip())


@cache(maxsize=4096)
def _is_caption_line(line: str) -> bool:
    # the facts of one paragraph share its line: each line is searched once, not once a fact
    if not line:
        return False
    if _credited(line) or _CAPTION_LABEL.match(line) or line[0].islower():
        return True
    # a dateline ends the line in its year (and maybe a full stop): searched for only then
    if not (line[-1].isdigit() or (line[-1] == "." and line[-2:-1].isdigit())):
        return False
    return bool(_DATELINE_END.search(line)) and not _SENTENCE_BREAK.search(line)


def _credited(line: str) -> bool:
    """``_CREDIT.search(line)``, searched only in a line that could hold a match."""
    if "(" not in line and "/" not in line:
        folded = line.translate(_CASE_BLIND).lower()
        if not any(word in folded for word in _CREDIT_WORDS):
            return False
    return _CREDIT.search(line) is not None

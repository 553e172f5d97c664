"""Evidence as a learner reads it on the back of a card: whole sentences, no photo captions,
one typography.

A fact's quote is the exact span that grounds it, often a fragment ("as the Soviet Union cut
diplomatic ties"). On a card it is shown as the whole sentence(s) it lies in
(:meth:`studykit.corpus.Document.sentence_around`, as the cloze generator uses), with "…" where a
sentence had to be cut short. Quotes taken from a photo caption ("participates in a vote during a
Security Council meeting …, Friday, Feb. 25, 2022. (AP Photo/…)") are left out when the fact has
other evidence, and labelled as a caption when it has none. Straight quotation marks and
apostrophes of the documents are set as typographic ones (“ ” ‘ ’), as studykit's own stems are;
a blockquote needs no quotation marks of its own, so none are added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from ..captions import is_caption
from ..corpus import Document
from ..model import Evidence
from ..phrasing import typeset_document

__all__ = ["Passage", "is_caption", "passages"]

_CLOSERS = "\"”’')"


@dataclass(frozen=True)
class Passage:
    """What a card shows for one or more pieces of evidence: a sentence of one source."""

    source: str
    text: str  # typeset, with "…" where the sentence was cut short
    caption: bool = False


def _cut_before(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    if not before or before.endswith("\n"):
        return False
    return before.rstrip(_CLOSERS)[-1:] not in ".!?"


def _cut_after(text: str, end: int) -> bool:
    after = text[end:].lstrip(" \t")
    if not after or after.startswith("\n"):
        return False
    return text[:end].rstrip(_CLOSERS)[-1:] not in ".!?"


def _sentence(doc: Document, evidence: Evidence) -> tuple[int, int, str]:
    start, end = doc.sentence_around(evidence.start, evidence.end)
    text = doc.text
    shown = " ".join(text[start:end].split())
    if _cut_before(text, start):
        shown = "…" + shown
    if _cut_after(text, end):
        shown += "…"
    return start, end, shown


_LETTERS = re.compile(r"[^\w]+")


def _shown_in(sentence: str, card: str) -> bool:
    """Whether a cloze card already shows this sentence: its words are the card's (the card may
    add a dateline, drop a leading "Still," or close a quotation)."""
    words = _LETTERS.sub(" ", sentence.lower()).split()
    shown = f" {' '.join(_LETTERS.sub(' ', card.lower()).split())} "
    return bool(words) and (f" {' '.join(words)} " in shown or f" {' '.join(words[1:])} " in shown)


_Seen = tuple[tuple[str, int, int], str, "Passage"]


def _seen(documents: dict[str, Document], ev: Evidence) -> _Seen:
    """(the span shown, its text, its passage) for one piece of evidence."""
    doc = documents.get(ev.source)
    if doc is None or doc.text[ev.start : ev.end] != ev.quote:
        key, text, caption = (ev.source, ev.start, ev.end), " ".join(ev.quote.split()), False
    else:
        start, end, text = _sentence(doc, ev)
        key, caption = (ev.source, start, end), is_caption(doc.text, ev.start, ev.end)
    return key, text, Passage(ev.source, typeset_document(text), caption)


def passages(
    documents: dict[str, Document], evidence: Sequence[Evidence], *, skip: str | None = None, memo: dict[Evidence, _Seen] | None = None
) -> list[Passage]:
    """The passages a card shows for ``evidence``: each quote's whole sentence once (two quotes
    of one sentence show it once), captions left out unless nothing else is left, and a
    sentence equal to ``skip`` (a cloze's own text) left out. ``memo`` keeps each piece of
    evidence's sentence for the next call with the same ``documents`` (a deck's many cards)."""
    found: list[tuple[tuple[str, int, int], Passage]] = []
    skipped = " ".join(skip.split()) if skip else None
    for ev in evidence:
        if memo is None:
            key, text, passage = _seen(documents, ev)
        else:
            if ev not in memo:
                memo[ev] = _seen(documents, ev)
            key, text, passage = memo[ev]
        if skipped is not None and _shown_in(text.strip("…"), skipped):
            continue
        # a sentence shown already, or inside one shown already, is not shown again
        if any(k[0] == key[0] and k[1] <= key[1] and key[2] <= k[2] for k, _ in found):
            continue
        found = [(k, p) for k, p in found if not (k[0] == key[0] and key[1] <= k[1] and k[2] <= key[2])]
        found.append((key, passage))
    shown = [p for _, p in found]
    if any(not p.caption for p in shown):
        return [p for p in shown if not p.caption]
    return shown

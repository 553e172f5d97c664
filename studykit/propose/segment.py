"""The document's own prose, sentence by sentence: boilerplate out, quotations marked.

A document is cut into blocks (its lines); each block is classed as prose or as page chrome
(navigation, bylines and author notes, photo captions and credits, forum furniture, promotions,
comment sections and everything after them, headings without a full stop, repeated lines).
Prose blocks are parsed by spaCy; its sentences keep their exact offsets in the document, and
the quotations inside each block are found, so that rules can tell the document's own claims
from the words it quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

#: A line that is only this ends the article: what follows is comments, related links, a footer.
_END_MARKERS = re.compile(
    r"^(comments?( \(\d+\))?|post a comment|leave a (comment|reply)|icymi|related( articles| stories| posts)?|"
    r"read more|more (from|on) .{0,40}|most (read|popular|viewed)|you (may|might) also like|recommended( for you)?|"
    r"last edited:?.*|share this( article)?|previous post.*|next post.*|about the author|tags?:.*)$",
    re.IGNORECASE,
)

#: Page furniture that can stand anywhere.
_CHROME = re.compile(
    r"^(\d+ min(ute)? read|live story|send in e-?mail.*|click .{0,60} to follow .*|reaction score|top|bottom|top bottom|"
    r"what'?s new|uncategori[sz]ed|table of contents|advertisement|ad\s*\d*|latest news|share|subscribe.*|log in|"
    r"sign (up|in).*|already signed up.*|from \$\d.*|.*join the conversation.*|automatic approval of .*|"
    r"listen|watch|read more.*|print|email|follow us.*)$",
    re.IGNORECASE,
)

#: A caption's credit, a credit line, a header image note.
_CAPTION = re.compile(
    r"(\bphoto( by|:)\s*\S.*$|\bcredit:\s*\S.*$|\((ap|afp|reuters|getty)( photo| images)?\b[^)]*\)\s*$|\[(getty|ap|afp|reuters)[^\]]*\]\s*$|"
    r"^(header|photo|caption|image|picture|illustration)\s*:)",
    re.IGNORECASE,
)

#: Bylines, sources and notes about the author or the report.
_BYLINE = re.compile(
    r"(^by [A-Z]|^source:|\bcontributed to this report\b|^(written|reported|edited) by\b|"
    r"\bis an? ([\w-]+ ){0,3}(journalist|correspondent|reporter|writer|editor|columnist|author)\b)",
    re.IGNORECASE,
)

#: A promotion: a sentence followed by a call to action in capitals ("… your phone. LISTEN").
_PROMO = re.compile(r"[.!?]\s+[A-Z]{4,}( [A-Z]{2,})*$")

#: Prose ends like a sentence (a closing quotation mark or bracket may follow the stop).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$|[\"”’]$")

#: The fewest words a prose block has.
MIN_WORDS = 5


@dataclass(frozen=True)
class Block:
    """One line of the document: ``text`` is ``document[start:end]`` (white space trimmed)."""

    start: int
    end: int
    text: str
    skip: str | None  # why it is not prose ("caption", "byline" …), or None for prose


@dataclass
class Sentence:
    """A sentence of prose: its spaCy span and its exact place in the document."""

    span: Any  # spacy.tokens.Span (spaCy is optional)
    start: int  # offsets in the document, code points: text[start:end] is the sentence
    end: int
    text: str
    block: Block
    index: int  # position among the document's sentences
    quoted: tuple[tuple[int, int], ...] = field(default_factory=tuple)  # quotations, document offsets

    def in_quote(self, token: Any) -> bool:
        """Whether a token lies inside a quotation (its words are someone else's)."""
        at = self.block.start + token.idx
        return any(start <= at < end for start, end in self.quoted)

    def offset(self, token: Any) -> int:
        return int(self.block.start + token.idx)


def blocks(text: str) -> list[Block]:
    """Every non-empty line of ``text``, classed as prose or as page chrome."""
    found: list[Block] = []
    position = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            start = position + line.index(stripped[0])
            found.append(Block(start, start + len(stripped), stripped, None))
        position += len(line)
    counts: dict[str, int] = {}
    for block in found:
        key = _key(block.text)
        counts[key] = counts.get(key, 0) + 1
    classed: list[Block] = []
    ended = False
    for block in found:
        reason = "after the end of the article" if ended else _classify(block.text, counts[_key(block.text)] > 1)
        if reason == "end marker":
            ended = True
        classed.append(Block(block.start, block.end, block.text, reason))
    return classed


def _key(text: str) -> str:
    """Two lines with the same start are one line repeated (a caption shown twice, a quoted post)."""
    return " ".join(text.lower().split())[:60]


def _classify(text: str, repeated: bool) -> str | None:
    if _END_MARKERS.match(text):
        return "end marker"
    if _CHROME.match(text):
        return "page furniture"
    if _CAPTION.search(text):
        return "caption or credit"
    if _BYLINE.search(text):
        return "byline or author note"
    if _PROMO.search(text):
        return "promotion"
    if repeated:
        return "repeated line"
    if len(text.split()) < MIN_WORDS:
        return "too short for a sentence"
    if not _SENTENCE_END.search(text):
        return "heading (no full stop)"
    return None


def quotations(text: str) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` of ``text`` inside quotation marks (the marks excluded).

    Curly marks pair up, straight double quotes alternate; a closing mark with no opening one
    (a quotation the text opens with a colon and no mark) quotes from after that colon, or from
    the start of the text.
    """
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    straight: int | None = None
    for i, ch in enumerate(text):
        if ch in "“„«":
            if opened is None:
                opened = i + 1
        elif ch in "”»":
            if opened is not None:
                spans.append((opened, i))
                opened = None
            elif straight is None:
                colon = text.rfind(":", 0, i)
                begin = colon + 1 if colon >= 0 else 0
                if not any(s <= begin < e for s, e in spans):
                    spans.append((begin, i))
        elif ch == '"':
            if straight is None:
                straight = i + 1
            else:
                spans.append((straight, i))
                straight = None
    return sorted(spans)


def sentences(nlp: Any, text: str) -> tuple[list[Block], list[Sentence]]:
    """The document's blocks and the sentences of its prose, parsed."""
    found = blocks(text)
    prose = [b for b in found if b.skip is None]
    result: list[Sentence] = []
    for block, doc in zip(prose, nlp.pipe(b.text for b in prose), strict=True):
        marks = quotations(block.text)
        quoted = tuple((block.start + s, block.start + e) for s, e in marks)
        pending: Any = None  # a verbless fragment ("Maj. Gen. (res.)") joins the next sentence
        spans = list(doc.sents)
        for n, sent in enumerate(spans):
            if pending is not None:
                sent = doc[pending.start : sent.end]
                pending = None
            if not any(t.pos_ in ("VERB", "AUX") for t in sent) and n + 1 < len(spans):
                pending = sent
                continue
            trimmed = sent.text.strip()
            if len(trimmed) < 12:
                continue
            start = block.start + sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
            result.append(Sentence(sent, start, start + len(trimmed), trimmed, block, len(result), quoted))
    return found, result


def iter_claims(all_sentences: list[Sentence]) -> Iterator[Sentence]:
    """Sentences that can carry the document's own claims: not questions, not wholly quoted."""
    for sentence in all_sentences:
        if sentence.text.rstrip("\"'”’) ").endswith("?"):
            continue
        words = [t for t in sentence.span if t.is_alpha]
        if words and all(sentence.in_quote(t) for t in words):
            continue
        yield sentence

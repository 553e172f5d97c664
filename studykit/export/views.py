"""The typed context of every HTML page (DESIGN.md §2.7): views of versions, questions and sources.

:func:`build_context` builds the one :class:`TemplateContext` every template gets. Question
views carry their options lettered and marked, citations and explanation; source views carry
each document's text in blocks with every cited passage highlighted (:func:`highlight`), with
anchors derived from keys (fact id and evidence position), never from content.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence
from urllib.parse import quote as url_quote

from markupsafe import Markup, escape

from ..corpus import http_url
from ..dates import display_date as format_date
from ..errors import ExportError, Problem
from ..model import CLOZE_BLANK, Deck, Evidence, Question, QuestionSet
from ..quiz import PlannedQuestion

#: Paper names → the CSS class on ``<html>`` that selects the named ``@page`` (see style.css).
PAPER_SIZES: dict[str, str] = {"a4": "paper-a4", "letter": "paper-letter"}

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: Printed after the prompt of a select-all question (the prompt itself never says it).
MULTIPLE_HINT = "(tick all that apply)"

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]")
_BLANK_RUN = re.compile(r"\n[ \t\r\f\v]*\n\s*")

#: A stem on the answer key is cut after this many characters (at a word), the rest "…".
SHORT_STEM = 110
#: A source title in a printed citation is cut after this many characters.
SHORT_TITLE = 60
#: An answer in the answer grid is cut after this many characters.
GRID_ANSWER = 30


# ---------------------------------------------------------------------------------------------
# Identifiers: stable, derived from keys (fact id, evidence index, question id), never content.
# ---------------------------------------------------------------------------------------------


def _id_part(text: str) -> str:
    """``text`` as a fragment-safe id part; '/' (fact/template) becomes '~', other odd characters
    become ``~u<hex>`` so distinct ids stay distinct."""
    out = []
    for ch in text:
        if _SAFE_ID.match(ch):
            out.append(ch)
        elif ch == "/":
            out.append("~")
        else:
            out.append(f"~u{ord(ch):x}")
    return "".join(out) or "~"


def evidence_anchor(fact_id: str, index: int) -> str:
    """The id of the ``<mark>`` holding evidence ``index`` of fact ``fact_id`` on its source page."""
    return f"q-{_id_part(fact_id)}-{index}"


def question_anchor(question_id: str) -> str:
    """The id of a question on a quiz page (and, prefixed ``key-``, of its key row)."""
    return f"question-{_id_part(question_id)}"


def source_file_name(source_id: str) -> str:
    """``sources/<source id>.html`` — the id made safe as a file name."""
    return f"{_id_part(source_id)}.html"


# ---------------------------------------------------------------------------------------------
# The typed template context (DESIGN.md §2.7): one function builds it for every page.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionView:
    letter: str
    text: str
    correct: bool


@dataclass(frozen=True)
class CitationView:
    """One piece of evidence a question cites, as a link from the output root."""

    source_id: str
    source_title: str
    short: str  # outlet and date, for the key
    line: int  # where the passage starts in the document
    paragraph: int  # the numbered paragraph of the source page the passage starts in
    anchor: str
    href: str  # relative to the output root: sources/<id>.html#<anchor>
    quote: str


@dataclass(frozen=True)
class QuestionView:
    number: int
    id: str
    anchor: str
    type: str  # single | multiple | true_false | short | cloze
    family: str
    topic: str | None
    prompt: str
    prompt_parts: tuple[str, ...]  # the prompt split at each cloze blank (one part if none)
    marker: str | None  # "circle" (choose one), "box" (tick all that apply) or None (write)
    hint: str | None  # "(tick all that apply)" after a select-all prompt that does not say so itself
    options: tuple[OptionView, ...]
    layout: str  # how the options are set: "row" (short ones on one line), "columns" (two), "list"
    answer: str  # the key as printed in the answer key
    also: tuple[str, ...]  # for a written answer: the other spellings to accept when marking (at most ALSO_SHOWN)
    grid_answer: str  # the key in the answer grid: the letter(s), or a short answer
    short_stem: str  # the prompt, cut at a word after SHORT_STEM characters
    explanation: str
    citations: tuple[CitationView, ...]
    printed_citations: tuple[str, ...]  # one per source, as it reads on paper: title, outlet, date, ¶ n


@dataclass(frozen=True)
class VersionView:
    number: int
    seed: int
    label: str  # "Version 2 · seed 0" — printed on every page
    quiz_href: str
    key_href: str
    questions: tuple[QuestionView, ...]


@dataclass(frozen=True)
class BackrefView:
    version: int
    number: int
    label: str  # "[V1 Q3", ", Q7", " · V2 Q5]" — the links of one highlight read as one group
    href: str  # relative to the source page
    question_id: str
    name: str  # "version 1, question 3", for screen readers and the cited-passages list


@dataclass(frozen=True)
class HighlightView:
    anchor: str
    fact_id: str
    quote: str
    line: int
    paragraph: int
    backrefs: tuple[BackrefView, ...]


@dataclass(frozen=True)
class SourceView:
    id: str
    href: str  # relative to the output root
    title: str
    outlet: str
    author: str | None
    published: str | None  # as people read it: "25 February 2022"
    date_basis: str
    url: str | None
    url_href: str | None  # the url when it is http(s), so a catalog entry cannot smuggle in javascript:
    path: str
    language: str | None
    blocks: tuple[Markup, ...]  # paragraphs, already escaped, with <mark> highlights and paragraph numbers
    highlights: tuple[HighlightView, ...]  # the passages the quiz cites (every fact's, without a quiz)


@dataclass(frozen=True)
class DeckView:
    id: str
    title: str
    description: str


@dataclass(frozen=True)
class Instruction:
    marker: str | None
    text: str


@dataclass(frozen=True)
class TemplateContext:
    """Everything a template may use. Each field is a top-level variable in the template."""

    page: str  # "quiz" | "key" | "source" | "index"
    title: str
    deck: DeckView
    root: str  # "" or "../": the way from this page to the output root
    paper: str  # "a4" | "letter"
    paper_class: str  # CSS class on <html>
    running_head: str  # printed in the page margin of every page
    lang: str
    version: VersionView | None
    versions: tuple[VersionView, ...]
    source: SourceView | None
    sources: tuple[SourceView, ...]
    instructions: tuple[Instruction, ...]
    cloze_blank: str


def build_context(
    page: str,
    *,
    deck: Deck,
    paper: str = "a4",
    version: VersionView | None = None,
    versions: Sequence[VersionView] = (),
    source: SourceView | None = None,
    sources: Sequence[SourceView] = (),
) -> TemplateContext:
    """The one place a template context is made."""
    if page == "quiz" and version is not None:
        title = f"{deck.title} — quiz, {version.label.lower()}"
        head = version.label
    elif page == "key" and version is not None:
        title = f"{deck.title} — answer key, {version.label.lower()}"
        head = f"Answer key · {version.label}"
    elif page == "source" and source is not None:
        title = f"{source.title} — {deck.title}"
        head = f"Source: {source.id}"
    else:
        title = deck.title
        head = deck.title
    return TemplateContext(
        page=page,
        title=title,
        deck=DeckView(deck.id, deck.title, deck.description),
        root="../" if page == "source" else "",
        paper=paper,
        paper_class=PAPER_SIZES[paper],
        running_head=head,
        lang="en",
        version=version,
        versions=tuple(versions),
        source=source,
        sources=tuple(sources),
        instructions=_instructions(version.questions) if version is not None else (),
        cloze_blank=CLOZE_BLANK,
    )


def _instructions(questions: Sequence[QuestionView]) -> tuple[Instruction, ...]:
    types = {q.type for q in questions}
    out = []
    if types & {"single", "true_false"}:
        out.append(Instruction("circle", "Questions with circles: fill in the one circle of the best answer."))
    if "multiple" in types:
        out.append(Instruction("box", "Questions with boxes: tick every box that applies — there may be more than one."))
    if types & {"short", "cloze"}:
        out.append(Instruction(None, "Questions with a line: write the missing word or short answer on the line."))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Evidence and highlights
# ---------------------------------------------------------------------------------------------


@dataclass
class _Mark:
    start: int
    end: int
    anchor: str
    fact_id: str
    backrefs: tuple[BackrefView, ...] = ()
    cited: bool = True  # shown as a highlight (else only an anchor: evidence this quiz does not cite)
    opened: bool = field(default=False, compare=False)


@functools.lru_cache(maxsize=64)
def paragraph_starts(text: str) -> tuple[int, ...]:
    """Where each paragraph of a document starts: the first character after each run of blank
    lines (and of the text). Source pages number their paragraphs so; the key cites them."""
    starts = []
    pos = 0
    for gap in [*_BLANK_RUN.finditer(text), None]:
        a, b = gap.span() if gap is not None else (len(text), len(text))
        piece = text[pos:a]
        if piece.strip():
            starts.append(pos + len(piece) - len(piece.lstrip()))
        pos = b
    return tuple(starts)


def paragraph_of(text: str, offset: int) -> int:
    """The number (from 1) of the paragraph that ``offset`` lies in, as its source page prints it."""
    return max(1, bisect_right(paragraph_starts(text), offset))


def _evidence_index(deck: Deck, fact_id: str, evidence: Evidence) -> int:
    try:
        fact = deck.fact(fact_id)
    except KeyError:
        raise ExportError(f"question cites fact {fact_id!r}, which is not in deck {deck.id!r}") from None
    for i, ev in enumerate(fact.evidence):
        if ev == evidence:
            return i
    for i, ev in enumerate(fact.evidence):  # same span, e.g. a re-created Evidence object
        if (ev.source, ev.start, ev.end) == (evidence.source, evidence.start, evidence.end):
            return i
    raise ExportError(f"question on fact {fact_id!r} cites evidence the fact does not have ({evidence.source})")


def highlight(text: str, marks: Iterable[_Mark], *, labels: Sequence[tuple[int, str]] = ()) -> Markup:
    """``text`` escaped, with each mark wrapped in ``<mark id=anchor>`` around exactly its span.

    Marks that nest become nested elements. When two marks cross, the one that starts later is
    split: its first piece carries the id, the rest are ``<mark class="cont" data-part-of=id>``.
    After the last piece of each mark comes its back-reference links, whose labels are CSS
    generated content (so no element's ``textContent`` ever includes them). ``labels`` are
    (offset, HTML) pairs put in at their offsets (paragraph numbers: empty elements as well).
    """
    marks = sorted(marks, key=lambda m: (m.start, -m.end, m.anchor))
    starts: dict[int, list[_Mark]] = defaultdict(list)
    for m in marks:
        m.opened = False
        starts[m.start].append(m)
    inserts: dict[int, list[str]] = defaultdict(list)
    for offset, label in labels:
        inserts[offset].append(label)
    points = sorted({m.start for m in marks} | {m.end for m in marks} | set(inserts))
    out: list[str] = []
    stack: list[_Mark] = []
    pos = 0
    for p in points:
        out.append(str(escape(text[pos:p])))
        pos = p
        if any(m.end == p for m in stack):
            reopen: list[_Mark] = []
            while any(m.end == p for m in stack):
                m = stack.pop()
                out.append("</mark>")
                if m.end == p:
                    out.append(_backrefs_html(m))
                else:
                    reopen.append(m)
            for m in reversed(reopen):
                out.append(_open_mark(m))
                stack.append(m)
        out.extend(inserts.get(p, ()))
        for m in starts.get(p, ()):
            if m.end > m.start:
                out.append(_open_mark(m))
                stack.append(m)
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def _open_mark(m: _Mark) -> str:
    if m.opened:
        return f'<mark class="cont{" hl" if m.cited else ""}" data-part-of="{escape(m.anchor)}">'
    m.opened = True
    cls = ' class="hl"' if m.cited else ""
    return f'<mark id="{escape(m.anchor)}"{cls} data-fact="{escape(m.fact_id)}">'


def _backrefs_html(m: _Mark) -> str:
    # The label is in data-label and shown with ::before, so it adds no text to any element.
    return "".join(
        f'<a class="backref" href="{escape(b.href)}" data-label="{escape(b.label)}" aria-label="{escape(b.name)}"></a>'
        for b in m.backrefs
    )


def _paragraph_label(number: int) -> str:
    # the number is CSS generated content (data-n), so it adds no text to the document
    return f'<span class="pn" data-n="{number}" aria-hidden="true"></span>'


def _blocks(text: str, marks: list[_Mark]) -> tuple[Markup, ...]:
    """Split the document at blank lines no highlight crosses; highlight each block and number
    its paragraphs (a block a highlight holds together may hold several)."""
    cuts: list[tuple[int, int]] = []
    for gap in _BLANK_RUN.finditer(text):
        a, b = gap.span()
        if not any(m.start < b and m.end > a for m in marks):
            cuts.append((a, b))
    numbered = list(enumerate(paragraph_starts(text), 1))
    blocks: list[Markup] = []
    pos = 0
    for a, b in [*cuts, (len(text), len(text))]:
        if a > pos:
            inside = [
                _Mark(m.start - pos, m.end - pos, m.anchor, m.fact_id, m.backrefs, m.cited)
                for m in marks
                if pos <= m.start and m.end <= a
            ]
            labels = [(start - pos, _paragraph_label(n)) for n, start in numbered if pos <= start < a]
            piece = text[pos:a]
            if piece.strip() or inside:
                blocks.append(highlight(piece, inside, labels=labels))
        pos = b
    return tuple(blocks)


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cut(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word after ``limit`` characters, with "…"."""
    text = _one_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut[limit // 2 :] else cut[:limit]
    return cut.rstrip(" ,;:—–-") + "…"


def _short_citation(deck: Deck, source_id: str) -> str:
    src = deck.source(source_id)
    parts = [src.outlet or src.title or source_id]
    if src.published:
        parts.append(format_date(src.published))
    return ", ".join(parts)


def _citations(deck: Deck, q: Question) -> tuple[CitationView, ...]:
    out = []
    for ev in q.evidence:
        index = _evidence_index(deck, q.fact, ev)
        anchor = evidence_anchor(q.fact, index)
        src = deck.source(ev.source)
        doc = deck.corpus[ev.source]
        out.append(
            CitationView(
                source_id=ev.source,
                source_title=src.title,
                short=_short_citation(deck, ev.source),
                line=doc.line_of(ev.start),
                paragraph=paragraph_of(doc.text, ev.start),
                anchor=anchor,
                href=f"sources/{url_quote(source_file_name(ev.source))}#{anchor}",
                quote=ev.quote,
            )
        )
    return tuple(out)


def _printed_citations(deck: Deck, citations: Sequence[CitationView]) -> tuple[str, ...]:
    """A citation that works on paper, one per source: its title (cut short), outlet and date,
    and the numbers of the paragraphs cited, as the printed source page numbers them."""
    by_source: dict[str, list[int]] = {}
    for c in citations:
        numbers = by_source.setdefault(c.source_id, [])
        if c.paragraph not in numbers:
            numbers.append(c.paragraph)
    out = []
    for source_id, numbers in by_source.items():
        src = deck.source(source_id)
        title = _cut(src.title or source_id, SHORT_TITLE)
        marks = ", ".join(f"¶ {n}" for n in sorted(numbers))
        out.append(f"“{title}”, {_short_citation(deck, source_id)}, {marks}")
    return tuple(out)


#: Options of at most this many characters may share one line (each keeps to one line).
ROW_OPTION = 16
#: Text options of at most this many characters are set in two columns.
COLUMN_OPTION = 34


def _layout(options: Sequence[OptionView]) -> str:
    """How a question's options are set: ``row`` (short ones side by side, never wrapped inside
    an option), ``columns`` (two) or ``list`` (one a line)."""
    longest = max((len(o.text) for o in options), default=0)
    if longest <= ROW_OPTION and len(options) <= 5:
        return "row"
    return "columns" if longest <= COLUMN_OPTION else "list"


def _question_view(deck: Deck, number: int, planned: PlannedQuestion) -> QuestionView:
    q = planned.question
    options = planned.options
    if q.type == "true_false" and not options:
        options = ("True", "False")
    answers = set(q.answers)
    option_views = tuple(OptionView(LETTERS[i % 26], text, text in answers) for i, text in enumerate(options))
    if option_views:
        right = [o for o in option_views if o.correct]
        answer = ", ".join(o.letter for o in right) + " — " + "; ".join(o.text for o in right) if right else "—"
        grid = ", ".join(o.letter for o in right) or "—"
    else:
        answer = " / ".join(q.answers) or "—"
        grid = _cut(q.answers[0], GRID_ANSWER) if q.answers else "—"
    also = deck.also_accepted(q)[:ALSO_SHOWN] if not option_views else ()
    marker = {"single": "circle", "true_false": "circle", "multiple": "box"}.get(q.type) if option_views else None
    hint = MULTIPLE_HINT if q.type == "multiple" else None
    parts = tuple(q.prompt.split(CLOZE_BLANK)) if q.type == "cloze" else (q.prompt,)
    citations = _citations(deck, q)
    return QuestionView(
        number=number,
        id=q.id,
        anchor=question_anchor(q.id),
        type=q.type,
        family=q.family,
        topic=q.topic,
        prompt=q.prompt,
        prompt_parts=parts,
        marker=marker,
        hint=hint,
        options=option_views,
        layout=_layout(option_views),
        answer=answer,
        also=also,
        grid_answer=grid,
        short_stem=_cut(q.prompt, SHORT_STEM),
        explanation=_one_line(q.explanation),
        citations=citations,
        printed_citations=_printed_citations(deck, citations),
    )


#: At most this many other spellings are printed beside a written answer in the key.
ALSO_SHOWN = 6


def version_view(deck: Deck, number: int, seed: int, planned: list[PlannedQuestion]) -> VersionView:
    return VersionView(
        number=number,
        seed=seed,
        label=f"Version {number} · seed {seed}",
        quiz_href=f"quiz-v{number}.html",
        key_href=f"key-v{number}.html",
        questions=tuple(_question_view(deck, i, p) for i, p in enumerate(planned, 1)),
    )


def source_views(qset: QuestionSet, versions: Sequence[VersionView]) -> tuple[SourceView, ...]:
    deck = qset.deck
    # who cites each piece of evidence, in which version and as which number
    cited: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    for v in versions:
        for qv in v.questions:
            for c in qv.citations:
                cited[c.anchor].append((v.number, qv.number, f"../{v.quiz_href}#{qv.anchor}", qv.id))
    backrefs: dict[str, list[BackrefView]] = {}
    for anchor, refs in cited.items():
        refs = sorted(set(refs))
        views = []
        for i, (vn, qn, href, qid) in enumerate(refs):
            # compact labels that read as one group: "[V1 Q3, Q7 · V2 Q5]"
            if i == 0:
                label = f"[V{vn} Q{qn}"
            elif refs[i - 1][0] == vn:
                label = f", Q{qn}"
            else:
                label = f" · V{vn} Q{qn}"
            if i == len(refs) - 1:
                label += "]"
            views.append(BackrefView(vn, qn, label, href, qid, f"version {vn}, question {qn}"))
        backrefs[anchor] = views
    marks_by_source: dict[str, list[_Mark]] = defaultdict(list)
    problems: list[Problem] = []
    for fact in sorted(deck.facts, key=lambda f: f.id):
        for i, ev in enumerate(fact.evidence):
            if ev.source not in deck.corpus:
                problems.append(Problem(fact.location, f"fact {fact.id!r}: evidence cites unknown source {ev.source!r}"))
                continue
            text = deck.corpus[ev.source].text
            if not (0 <= ev.start < ev.end <= len(text)) or text[ev.start : ev.end] != ev.quote:
                problems.append(
                    Problem(fact.location, f"fact {fact.id!r}: evidence {i} is not the span [{ev.start}:{ev.end}] of {ev.source!r}")
                )
                continue
            anchor = evidence_anchor(fact.id, i)
            mark_refs = tuple(backrefs.get(anchor, ()))
            # with a quiz, only what it cites is highlighted; every piece of evidence keeps its anchor
            shown = bool(mark_refs) or not versions
            marks_by_source[ev.source].append(_Mark(ev.start, ev.end, anchor, fact.id, mark_refs, shown))
    if problems:
        raise ExportError(problems)
    pages: list[SourceView] = []
    for source_id in sorted(deck.corpus.documents):
        doc = deck.corpus[source_id]
        src = doc.source
        marks = marks_by_source.get(source_id, [])
        highlights = tuple(
            HighlightView(
                m.anchor, m.fact_id, doc.text[m.start : m.end], doc.line_of(m.start), paragraph_of(doc.text, m.start), m.backrefs
            )
            for m in sorted(marks, key=lambda m: (m.start, m.end, m.anchor))
            if m.cited
        )
        pages.append(
            SourceView(
                id=source_id,
                href=f"sources/{url_quote(source_file_name(source_id))}",
                title=src.title or source_id,
                outlet=src.outlet,
                author=src.author,
                published=format_date(src.published) if src.published else None,
                date_basis=src.date_basis,
                url=src.url,
                url_href=http_url(src.url),
                path=src.path,
                language=src.language,
                blocks=_blocks(doc.text, marks),
                highlights=highlights,
            )
        )
    return tuple(pages)



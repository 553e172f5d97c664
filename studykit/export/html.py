"""HTML export: printable quizzes (one per version), answer keys, and source pages.

Output layout in ``out_dir``::

    index.html            links to every version, key and source page
    quiz-v1.html …        the quiz a student gets (no answers in it)
    key-v1.html …         the answer key of that version (its own file, so it starts on a new page)
    sources/<id>.html     each corpus document with its cited passages highlighted
    style.css             the theme's style sheet (or the user's, when ``templates_dir`` has one)
    .studykit-manifest.json   the files this build wrote (see below)

Everything is rendered in memory first; only then is each file written to a temporary file next
to its target and moved into place with :func:`os.replace` (:func:`studykit.fsio.write_all_atomic`).
A failed render writes nothing.

The output folder may hold files of the user's own. A build removes only outputs of an earlier
build that it no longer makes (``quiz-v3.html`` after a 2-version build, the page of a dropped
source), and it knows them from the manifest the earlier build wrote: a file that is not listed
there is never deleted.

Templates are jinja2 files rendered in a :class:`~jinja2.sandbox.SandboxedEnvironment` with
autoescaping on. A user's ``templates_dir`` comes first (``ChoiceLoader``); the built-in theme is
also reachable as ``default/<name>`` so a user template can ``{% extends "default/quiz.html" %}``.
Every template gets the same typed :class:`TemplateContext`, built by :func:`build_context`.
"""

from __future__ import annotations


import re
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import ClassVar, Iterable, Sequence
from urllib.parse import quote as url_quote

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from ..corpus import http_url
from ..dates import display_date as format_date
from ..errors import ExportError, Location, Problem, UsageError
from ..fsio import MANIFEST, commit
from ..model import CLOZE_BLANK, Deck, Evidence, Question, QuestionSet
from ..quiz import PlannedQuestion, plan_version, select_questions
from .base import Content, Output
from .pdf import print_pages, require_chromium

__all__ = [
    "THEME_DIR",
    "PAPER_SIZES",
    "MANIFEST",
    "QuizReport",
    "VersionReport",
    "TemplateContext",
    "build_context",
    "render_quiz",
    "render_sources",
    "write_quiz",
    "write_sources",


    "evidence_anchor",
    "question_anchor",
    "highlight",
]

#: The built-in theme: base.html, quiz.html, key.html, source.html, index.html, style.css.
THEME_DIR = Path(__file__).resolve().parent.parent / "themes" / "default"

#: Paper names → the CSS class on ``<html>`` that selects the named ``@page`` (see style.css).
PAPER_SIZES: dict[str, str] = {"a4": "paper-a4", "letter": "paper-letter"}

#: Answer types whose options are ordered values; their order is kept (ascending), never shuffled.

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: In the output folder: the files the last build wrote, so the next one removes only its own.

#: Printed after the prompt of a select-all question unless the prompt already says so.
MULTIPLE_HINT = "(tick all that apply)"

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]")
_BLANK_RUN = re.compile(r"\n[ \t\r\f\v]*\n\s*")

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
    explanation: str
    citations: tuple[CitationView, ...]


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
    blocks: tuple[Markup, ...]  # paragraphs, already escaped, with <mark> highlights
    highlights: tuple[HighlightView, ...]


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
# Reports
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionReport:
    number: int
    seed: int
    label: str
    question_ids: tuple[str, ...]
    quiz: Path
    key: Path


@dataclass(frozen=True)
class QuizReport:
    out_dir: Path
    files: tuple[Path, ...]  # every output written (HTML, CSS, PDF), in writing order; the manifest aside
    versions: tuple[VersionReport, ...]
    sources: tuple[Path, ...]
    pdfs: tuple[Path, ...] = ()
    removed: tuple[Path, ...] = ()  # outputs of an earlier build (in its manifest) that this one no longer makes, deleted
    problems: tuple[Problem, ...] = ()  # warnings, e.g. fewer questions than asked for

    def summary(self) -> str:
        """One line for the CLI: ``2 versions × 12 questions, 2 keys, 5 source pages, 4 PDFs``."""
        counts = sorted({len(v.question_ids) for v in self.versions})
        each = "/".join(str(c) for c in counts)
        n = len(self.versions)
        text = f"{n} version{'s' if n != 1 else ''} × {each} questions, {n} answer key{'s' if n != 1 else ''}, "
        text += f"{len(self.sources)} source page{'s' if len(self.sources) != 1 else ''}"
        if self.pdfs:
            text += f", {len(self.pdfs)} PDFs"
        if self.removed:
            text += f"; removed {len(self.removed)} outdated file{'s' if len(self.removed) != 1 else ''} of an earlier build"
        return text


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
    opened: bool = field(default=False, compare=False)


def _evidence_index(deck: Deck, fact_id: str, evidence: Evidence) -> int:
    try:
        fact = deck.fact(fact_id)
    except StopIteration:
        raise ExportError(f"question cites fact {fact_id!r}, which is not in deck {deck.id!r}") from None
    for i, ev in enumerate(fact.evidence):
        if ev == evidence:
            return i
    for i, ev in enumerate(fact.evidence):  # same span, e.g. a re-created Evidence object
        if (ev.source, ev.start, ev.end) == (evidence.source, evidence.start, evidence.end):
            return i
    raise ExportError(f"question on fact {fact_id!r} cites evidence the fact does not have ({evidence.source})")


def highlight(text: str, marks: Iterable[_Mark]) -> Markup:
    """``text`` escaped, with each mark wrapped in ``<mark id=anchor>`` around exactly its span.

    Marks that nest become nested elements. When two marks cross, the one that starts later is
    split: its first piece carries the id, the rest are ``<mark class="cont" data-part-of=id>``.
    After the last piece of each mark comes its back-reference links, whose labels are CSS
    generated content (so no element's ``textContent`` ever includes them).
    """
    marks = sorted(marks, key=lambda m: (m.start, -m.end, m.anchor))
    starts: dict[int, list[_Mark]] = defaultdict(list)
    for m in marks:
        m.opened = False
        starts[m.start].append(m)
    points = sorted({m.start for m in marks} | {m.end for m in marks})
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
        for m in starts.get(p, ()):
            if m.end > m.start:
                out.append(_open_mark(m))
                stack.append(m)
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def _open_mark(m: _Mark) -> str:
    if m.opened:
        return f'<mark class="cont" data-part-of="{escape(m.anchor)}">'
    m.opened = True
    return f'<mark id="{escape(m.anchor)}" data-fact="{escape(m.fact_id)}">'


def _backrefs_html(m: _Mark) -> str:
    # The label is in data-label and shown with ::before, so it adds no text to any element.
    return "".join(
        f'<a class="backref" href="{escape(b.href)}" data-label="{escape(b.label)}" aria-label="{escape(b.name)}"></a>'
        for b in m.backrefs
    )


def _blocks(text: str, marks: list[_Mark]) -> tuple[Markup, ...]:
    """Split the document at blank lines no highlight crosses; highlight each block."""
    cuts: list[tuple[int, int]] = []
    for gap in _BLANK_RUN.finditer(text):
        a, b = gap.span()
        if not any(m.start < b and m.end > a for m in marks):
            cuts.append((a, b))
    blocks: list[Markup] = []
    pos = 0
    for a, b in [*cuts, (len(text), len(text))]:
        if a > pos:
            inside = [
                _Mark(m.start - pos, m.end - pos, m.anchor, m.fact_id, m.backrefs)
                for m in marks
                if pos <= m.start and m.end <= a
            ]
            piece = text[pos:a]
            if piece.strip() or inside:
                blocks.append(highlight(piece, inside))
        pos = b
    return tuple(blocks)


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


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
        out.append(
            CitationView(
                source_id=ev.source,
                source_title=src.title,
                short=_short_citation(deck, ev.source),
                line=deck.corpus[ev.source].line_of(ev.start),
                anchor=anchor,
                href=f"sources/{url_quote(source_file_name(ev.source))}#{anchor}",
                quote=ev.quote,
            )
        )
    return tuple(out)


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
    else:
        answer = " / ".join(q.answers) or "—"
    marker = {"single": "circle", "true_false": "circle", "multiple": "box"}.get(q.type) if option_views else None
    hint = MULTIPLE_HINT if q.type == "multiple" else None
    parts = tuple(q.prompt.split(CLOZE_BLANK)) if q.type == "cloze" else (q.prompt,)
    longest = max((len(o.text) for o in option_views), default=0)
    layout = "row" if longest <= 12 and len(option_views) <= 5 else "columns" if longest <= 30 else "list"
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
        layout=layout,
        answer=answer,
        explanation=_one_line(q.explanation),
        citations=_citations(deck, q),
    )


def _version_view(deck: Deck, number: int, seed: int, planned: list[PlannedQuestion]) -> VersionView:
    return VersionView(
        number=number,
        seed=seed,
        label=f"Version {number} · seed {seed}",
        quiz_href=f"quiz-v{number}.html",
        key_href=f"key-v{number}.html",
        questions=tuple(_question_view(deck, i, p) for i, p in enumerate(planned, 1)),
    )


def _source_views(qset: QuestionSet, versions: Sequence[VersionView]) -> tuple[SourceView, ...]:
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
            marks_by_source[ev.source].append(_Mark(ev.start, ev.end, anchor, fact.id, tuple(backrefs.get(anchor, ()))))
    if problems:
        raise ExportError(problems)
    views = []
    for source_id in sorted(deck.corpus.documents):
        doc = deck.corpus[source_id]
        src = doc.source
        marks = marks_by_source.get(source_id, [])
        highlights = tuple(
            HighlightView(m.anchor, m.fact_id, doc.text[m.start : m.end], doc.line_of(m.start), m.backrefs)
            for m in sorted(marks, key=lambda m: (m.start, m.end, m.anchor))
        )
        views.append(
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
    return tuple(views)


# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------


def _environment(templates_dir: Path | None) -> SandboxedEnvironment:
    builtin = jinja2.FileSystemLoader(str(THEME_DIR))
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        if not Path(templates_dir).is_dir():
            raise ExportError(f"templates directory not found: {templates_dir}", Location(str(templates_dir)))
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PrefixLoader({"default": builtin}))
    loaders.append(builtin)
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    return env


def css_string(value: object) -> Markup:
    """A CSS string literal (for ``content:`` in a ``<style>`` block), safe inside HTML raw text."""
    out = ['"']
    for ch in str(value):
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    out.append('"')
    return Markup("".join(out))


def _template_location(exc: BaseException) -> Location | None:
    """Where in a template an error happened, from jinja's rewritten traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Location(exc.filename or exc.name or "<template>", exc.lineno or 0)
    found = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".htm", ".xml", ".txt", ".j2", ".jinja")) and not name.endswith(".py"):
            found = Location(name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _render(env: SandboxedEnvironment, name: str, context: TemplateContext) -> str:
    variables = {f.name: getattr(context, f.name) for f in fields(context)}
    try:
        return env.get_template(name).render(variables)
    except jinja2.TemplateNotFound as exc:
        raise ExportError(f"template not found: {exc.name} (needed for {name})", Location(name)) from None
    except Exception as exc:  # noqa: BLE001 — only errors raised inside a template are turned into ExportError
        where = _template_location(exc)
        if where is None and not isinstance(exc, jinja2.TemplateError):
            raise
        message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
        raise ExportError(f"template error: {message}", where or Location(name)) from None


def _stylesheet(templates_dir: Path | None) -> bytes:
    for base in ([Path(templates_dir)] if templates_dir else []) + [THEME_DIR]:
        path = base / "style.css"
        if path.is_file():
            try:
                return path.read_bytes()
            except OSError as exc:
                raise ExportError(f"cannot read {path}: {exc.strerror or exc}", Location(str(path))) from None
    raise ExportError("style.css not found in the theme", Location(str(THEME_DIR)))


# ---------------------------------------------------------------------------------------------
# Rendering (in memory) and writing (atomic)
# ---------------------------------------------------------------------------------------------


def _check_paper(paper: str) -> str:
    key = paper.lower()
    if key not in PAPER_SIZES:
        raise UsageError(f"unknown paper size {paper!r}; valid: {', '.join(PAPER_SIZES)}")
    return key


def render_quiz(
    qset: QuestionSet,
    *,
    count: int | None = None,
    seed: int = 0,
    versions: int = 1,
    families: Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    templates_dir: Path | None = None,
    paper: str = "a4",
) -> tuple[dict[str, bytes], tuple[VersionView, ...], tuple[Problem, ...]]:
    """Every page of the HTML export, in memory: ``{relative path: content}``, the versions, warnings."""
    paper = _check_paper(paper)
    if versions < 1:
        raise UsageError(f"the number of versions must be at least 1, not {versions}")
    if count is not None and count < 1:
        raise UsageError(f"the question count must be at least 1, not {count}")
    pool = select_questions(qset, families=families, topics=topics)
    problems: list[Problem] = []
    if count is not None and count > len(pool):
        problems.append(
            Problem(None, f"asked for {count} questions but only {len(pool)} match; each version has {len(pool)}", "warning")
        )
    deck = qset.deck
    views = tuple(
        _version_view(deck, k, seed, plan_version(pool, count=count, seed=seed, version=k)) for k in range(1, versions + 1)
    )
    sources = _source_views(qset, views)
    env = _environment(templates_dir)
    pages: dict[str, bytes] = {}
    for v in views:
        pages[v.quiz_href] = _render(env, "quiz.html", build_context("quiz", deck=deck, paper=paper, version=v, versions=views)).encode()
        pages[v.key_href] = _render(env, "key.html", build_context("key", deck=deck, paper=paper, version=v, versions=views)).encode()
    for s in sources:
        pages[f"sources/{source_file_name(s.id)}"] = _render(
            env, "source.html", build_context("source", deck=deck, paper=paper, source=s, versions=views)
        ).encode()
    pages["index.html"] = _render(
        env, "index.html", build_context("index", deck=deck, paper=paper, versions=views, sources=sources)
    ).encode()
    pages["style.css"] = _stylesheet(templates_dir)
    return pages, views, tuple(problems)


def render_sources(qset: QuestionSet, *, templates_dir: Path | None = None, paper: str = "a4") -> dict[str, bytes]:
    """The source pages alone (no back-links to quiz versions) and the style sheet, in memory."""
    paper = _check_paper(paper)
    env = _environment(templates_dir)
    pages = {
        f"sources/{source_file_name(s.id)}": _render(
            env, "source.html", build_context("source", deck=qset.deck, paper=paper, source=s)
        ).encode()
        for s in _source_views(qset, ())
    }
    pages["style.css"] = _stylesheet(templates_dir)
    return pages


@dataclass(frozen=True)
class QuizExporter:
    """Printable quizzes: every version's quiz and answer key, the source pages, the style sheet
    and an index, in one folder the exporter owns through its manifest; with ``pdf``, each quiz
    and key printed to PDF too (printed before anything is written, from a private copy)."""

    name: ClassVar[str] = "html"
    default_target: ClassVar[str] = "{deck}"

    count: int | None = None
    seed: int | None = None  # None: the question set's seed (the deck's, unless overridden)
    versions: int = 1
    families: Sequence[str] | None = None
    topics: Sequence[str] | None = None
    templates_dir: Path | None = None
    pdf: bool = False
    paper: str = "a4"
    #: ``count`` is an upper bound: a deck with fewer questions is no warning (``build``'s quiz).
    at_most: bool = False

    def plan(self, qset: QuestionSet, target: Path) -> Output:
        """Raises :class:`UsageError` for bad options (unknown family, topic or paper; count < 1) and
        :class:`ExportError` for template errors and, with ``pdf``, when no Chromium is installed."""
        out_dir = Path(target)
        chromium = require_chromium() if self.pdf else None
        seed = qset.seed if self.seed is None else self.seed
        count = self.count
        if count is not None and self.at_most:
            count = min(count, len(select_questions(qset, families=self.families, topics=self.topics)))
        pages, views, problems = render_quiz(
            qset,
            count=count,
            seed=seed,
            versions=self.versions,
            families=self.families,
            topics=self.topics,
            templates_dir=self.templates_dir,
            paper=self.paper,
        )
        files: dict[Path, Content] = {out_dir / name: data for name, data in pages.items()}
        pdfs: list[Path] = []
        if chromium is not None:
            printed = print_pages(pages, [href for v in views for href in (v.quiz_href, v.key_href)], chromium=chromium)
            for name, data in printed.items():
                files[out_dir / name] = data
                pdfs.append(out_dir / name)
        report = QuizReport(
            out_dir=out_dir,
            files=tuple(files),
            versions=tuple(
                VersionReport(v.number, v.seed, v.label, tuple(q.id for q in v.questions), out_dir / v.quiz_href, out_dir / v.key_href)
                for v in views
            ),
            sources=tuple(p for p in files if p.parent.name == "sources"),
            pdfs=tuple(pdfs),
            problems=problems,
        )
        return Output(self.name, files, summary=report.summary(), problems=problems, folder=out_dir, details=report)


def write_quiz(
    qset: QuestionSet,
    out_dir: Path,
    *,
    count: int | None = None,
    seed: int | None = None,
    versions: int = 1,
    families: Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    templates_dir: Path | None = None,
    pdf: bool = False,
    paper: str = "a4",
) -> QuizReport:
    """Write the quiz versions, their answer keys, the source pages and the style sheet (see
    :class:`QuizExporter`); ``seed`` defaults to the question set's. All files or none."""
    exporter = QuizExporter(count, seed, versions, families, topics, templates_dir, pdf, paper)
    (written,) = commit([exporter.plan(qset, Path(out_dir))])
    report: QuizReport = written.details  # type: ignore[assignment]
    report = replace(report, removed=written.removed, problems=written.problems)
    return report


def write_sources(qset: QuestionSet, out_dir: Path, *, templates_dir: Path | None = None) -> list[Path]:
    """Write ``sources/<id>.html`` for every corpus document (and ``style.css``); return the pages."""
    files: dict[Path, Content] = {Path(out_dir) / rel: data for rel, data in render_sources(qset, templates_dir=templates_dir).items()}
    commit([Output("sources", files, summary=f"{len(files) - 1} source pages")])
    return [p for p in files if p.suffix == ".html"]

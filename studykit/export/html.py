"""HTML export: printable quizzes (one per version), answer keys, and source pages.

Output layout in ``out_dir``::

    index.html            links to every version, key and source page
    quiz-v1.html …        the quiz a student gets (no answers in it)
    key-v1.html …         the answer key of that version (its own file, so it starts on a new page)
    quiz-v1.pdf … key-v1.pdf …, quizzes-and-keys.pdf   with ``pdf``: each page printed, and all of
                          them in one file (every quiz, then every key) to print in one go
    sources/<id>.html     each corpus document with its cited passages highlighted
    style.css             the theme's style sheet (or the user's, when ``theme_dir`` has one)
    .studykit-manifest.json   the files this build wrote (see below)

:class:`QuizExporter` renders everything in memory (and, with ``pdf``, prints the PDFs from a
private copy) and writes nothing: :func:`studykit.fsio.commit` writes all files or none. A failed
render or print writes nothing.

The output folder may hold files of the user's own. A build removes only outputs of an earlier
build that it no longer makes (``quiz-v3.html`` after a 2-version build, the page of a dropped
source), and it knows them from the manifest the earlier build wrote: a file that is not listed
there is never deleted. Each removed file is named in the report. PDFs of an earlier run are kept
by a run without ``pdf`` as long as the pages they were printed from are unchanged (byte for
byte, style sheet included): they still show this quiz. ``studykit quiz`` writes each set of
settings to its own folder (:func:`quiz_folder_name`), so runs with other settings, and the
build's own quiz, never replace each other's files.

Templates are jinja2 files rendered in a :class:`~jinja2.sandbox.SandboxedEnvironment` with
autoescaping on. A user's ``theme_dir`` comes first (``ChoiceLoader``); the built-in theme is
also reachable as ``default/<name>`` so a user template can ``{% extends "default/quiz.html" %}``.
Every template gets the same typed :class:`TemplateContext`, built by :func:`build_context`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import ClassVar, Sequence

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..errors import ExportError, Location, Problem, UsageError
from ..fsio import MANIFEST, commit, read_manifest
from ..model import QuestionSet
from ..quiz import plan_sheet, select_questions
from .base import Content, Output
from .pdf import find_pdfunite, print_pages, require_chromium, unite_pdfs
from .views import (
    PAPER_SIZES,
    TemplateContext,
    VersionView,
    build_context,
    evidence_anchor,
    highlight,
    question_anchor,
    source_file_name,
    source_views,
    version_view,
)

__all__ = [
    "THEME_DIR",
    "PAPER_SIZES",
    "MANIFEST",
    "COMBINED_PDF",
    "QuizReport",
    "VersionReport",
    "TemplateContext",
    "build_context",
    "render_quiz",
    "render_sources",
    "quiz_folder_name",
    "write_quiz",
    "write_sources",
    "evidence_anchor",
    "question_anchor",
    "highlight",
]

#: The built-in theme: base.html, quiz.html, key.html, source.html, index.html, style.css.
THEME_DIR = Path(__file__).resolve().parent.parent / "themes" / "default"
#: With ``pdf``: every quiz, then every key, in one file to print in one go.
COMBINED_PDF = "quizzes-and-keys.pdf"



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
        return text + removed_text(self.out_dir, self.removed)


def removed_text(folder: Path, removed: Sequence[Path]) -> str:
    """``; removed quiz-v2.html, key-v2.html (made by an earlier run here, not by this one)``."""
    if not removed:
        return ""
    names = []
    for path in removed:
        try:
            names.append(Path(path).relative_to(folder).as_posix())
        except ValueError:
            names.append(str(path))
    return f"; removed {', '.join(names)} (made by an earlier run in this folder, not by this one)"


def quiz_folder_name(
    *,
    count: int,
    seed: int,
    versions: int = 1,
    families: Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    paper: str = "a4",
) -> str:
    """The folder ``studykit quiz`` writes one set of settings to, inside ``dist/<deck id>/``:
    ``quiz-30q-seed0``, ``quiz-20q-3v-seed7-who+year-topics-crimea-2014-letter``. Other settings,
    another folder: a run never replaces the quizzes a teacher made with other settings."""
    parts = [f"quiz-{count}q"]
    if versions != 1:
        parts.append(f"{versions}v")
    parts.append(f"seed{seed}")
    if families:
        parts.append("+".join(sorted(set(families))))
    if topics:
        parts.append("topics-" + "+".join(sorted(set(topics))))
    if paper.lower() != "a4":
        parts.append(paper.lower())
    name = re.sub(r"[^A-Za-z0-9.+_-]+", "_", "-".join(parts))
    if len(name) > 100:  # many filters: keep the name short, and still one per set of settings
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
        name = f"{name[:80]}-{digest}"
    return name


# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------


def _environment(theme_dir: Path | None) -> SandboxedEnvironment:
    builtin = jinja2.FileSystemLoader(str(THEME_DIR))
    loaders: list[jinja2.BaseLoader] = []
    if theme_dir is not None:
        if not Path(theme_dir).is_dir():
            raise ExportError(f"templates directory not found: {theme_dir}", Location(str(theme_dir)))
        loaders.append(jinja2.FileSystemLoader(str(theme_dir)))
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


def _stylesheet(theme_dir: Path | None) -> bytes:
    for base in ([Path(theme_dir)] if theme_dir else []) + [THEME_DIR]:
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
    theme_dir: Path | None = None,
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
    deck = qset.deck
    plans = [plan_sheet(pool, count=count, seed=seed, version=k, deck=deck) for k in range(1, versions + 1)]
    for k, plan in enumerate(plans, 1):
        message = plan.message()
        if message:
            problems.append(Problem(None, f"version {k}: {message}", "warning"))
    views = tuple(version_view(deck, k, seed, plan.questions) for k, plan in enumerate(plans, 1))
    sources = source_views(qset, views)
    env = _environment(theme_dir)
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
    pages["style.css"] = _stylesheet(theme_dir)
    return pages, views, tuple(problems)


def render_sources(qset: QuestionSet, *, theme_dir: Path | None = None, paper: str = "a4") -> dict[str, bytes]:
    """The source pages alone (no back-links to quiz versions) and the style sheet, in memory."""
    paper = _check_paper(paper)
    env = _environment(theme_dir)
    pages = {
        f"sources/{source_file_name(s.id)}": _render(
            env, "source.html", build_context("source", deck=qset.deck, paper=paper, source=s)
        ).encode()
        for s in source_views(qset, ())
    }
    pages["style.css"] = _stylesheet(theme_dir)
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
    theme_dir: Path | None = None
    pdf: bool = False
    paper: str = "a4"
    #: ``count`` is an upper bound: a deck with fewer questions is no warning (``build``'s quiz).
    at_most: bool = False

    def question_count(self, qset: QuestionSet) -> int:
        """How many questions each version will have (``count``, bounded by what the filters leave)."""
        pool = len(select_questions(qset, families=self.families, topics=self.topics))
        return pool if self.count is None else min(self.count, pool)

    def folder_name(self, qset: QuestionSet) -> str:
        """The folder of these settings (:func:`quiz_folder_name`), as ``studykit quiz`` names it."""
        seed = qset.seed if self.seed is None else self.seed
        return quiz_folder_name(
            count=self.question_count(qset), seed=seed, versions=self.versions, families=self.families,
            topics=self.topics, paper=_check_paper(self.paper),
        )

    def plan(self, qset: QuestionSet, target: Path) -> Output:
        """Raises :class:`UsageError` for bad options (unknown family, topic or paper; count < 1) and
        :class:`ExportError` for template errors and, with ``pdf``, when no Chromium is installed."""
        out_dir = Path(target)
        chromium = require_chromium() if self.pdf else None
        seed = qset.seed if self.seed is None else self.seed
        count = self.count
        if count is not None and self.at_most:  # "up to": one question a fact, as many as fit, no warning
            pool = select_questions(qset, families=self.families, topics=self.topics)
            count = min(count, len({q.fact for q in pool}))
        pages, views, problems = render_quiz(
            qset,
            count=count,
            seed=seed,
            versions=self.versions,
            families=self.families,
            topics=self.topics,
            theme_dir=self.theme_dir,
            paper=self.paper,
        )
        if self.at_most:
            problems = tuple(p for p in problems if "fit on one sheet" not in p.message)
        files: dict[Path, Content] = {out_dir / name: data for name, data in pages.items()}
        pdfs: list[Path] = []
        printed_names = [href for v in views for href in (v.quiz_href, v.key_href)]
        if chromium is not None:
            printed = print_pages(pages, printed_names, chromium=chromium)
            order = [Path(v.quiz_href).with_suffix(".pdf").as_posix() for v in views]
            order += [Path(v.key_href).with_suffix(".pdf").as_posix() for v in views]
            pdfunite = find_pdfunite()
            if pdfunite is None:
                problems = (*problems, Problem(
                    None, f"no {COMBINED_PDF}: it needs pdfunite (Debian: apt install poppler-utils); "
                    "each quiz and key was printed to its own PDF", "warning",
                ))
            else:
                printed[COMBINED_PDF] = unite_pdfs([printed[name] for name in order], pdfunite=pdfunite)
            for name, data in printed.items():
                files[out_dir / name] = data
                pdfs.append(out_dir / name)
        else:
            for name, data in _unchanged_pdfs(out_dir, pages, views).items():
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


def _unchanged_pdfs(out_dir: Path, pages: dict[str, bytes], views: Sequence[VersionView]) -> dict[str, bytes]:
    """The PDFs an earlier run printed here (listed in its manifest) from pages that are byte for
    byte the ones this run makes, style sheet included: they still show this quiz, so a run
    without ``pdf`` keeps them rather than deleting what the teacher printed."""
    listed, _ = read_manifest(out_dir)
    kept: dict[str, bytes] = {}

    def same(name: str) -> bool:
        try:
            return (out_dir / name).read_bytes() == pages[name]
        except OSError:
            return False

    if not same("style.css"):
        return kept
    all_same = True
    for v in views:
        for href in (v.quiz_href, v.key_href):
            pdf = Path(href).with_suffix(".pdf").as_posix()
            if not same(href):
                all_same = False
                continue
            if pdf in listed:
                try:
                    kept[pdf] = (out_dir / pdf).read_bytes()
                except OSError:
                    continue
    earlier_pages = {name for name in listed if re.fullmatch(r"(quiz|key)-v\d+\.html", name)}
    if all_same and COMBINED_PDF in listed and earlier_pages == {h for v in views for h in (v.quiz_href, v.key_href)}:
        try:
            kept[COMBINED_PDF] = (out_dir / COMBINED_PDF).read_bytes()
        except OSError:
            pass
    return kept


def write_quiz(
    qset: QuestionSet,
    out_dir: Path,
    *,
    count: int | None = None,
    seed: int | None = None,
    versions: int = 1,
    families: Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    theme_dir: Path | None = None,
    pdf: bool = False,
    paper: str = "a4",
) -> QuizReport:
    """Write the quiz versions, their answer keys, the source pages and the style sheet (see
    :class:`QuizExporter`); ``seed`` defaults to the question set's. All files or none."""
    exporter = QuizExporter(count, seed, versions, families, topics, theme_dir, pdf, paper)
    (written,) = commit([exporter.plan(qset, Path(out_dir))])
    report: QuizReport = written.details  # type: ignore[assignment]
    report = replace(report, removed=written.removed, problems=written.problems)
    return report


def write_sources(qset: QuestionSet, out_dir: Path, *, theme_dir: Path | None = None) -> list[Path]:
    """Write ``sources/<id>.html`` for every corpus document (and ``style.css``); return the pages."""
    files: dict[Path, Content] = {Path(out_dir) / rel: data for rel, data in render_sources(qset, theme_dir=theme_dir).items()}
    commit([Output("sources", files, summary=f"{len(files) - 1} source pages")])
    return [p for p in files if p.suffix == ".html"]

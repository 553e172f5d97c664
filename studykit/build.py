"""The outline of every command: find decks, load and check them all, generate, then write.

As mkdocs' ``commands/build.py:build``, a build reads as one outline::

    paths  = deck_paths(given)              # files, folders, or decks/*.yaml
    decks  = load_decks(paths)              # every deck loaded and validated; deck ids unique
    qsets  = [generate(deck) for deck]      # questions; a deck's own template may fail here
    errors = lint errors of each qset       # the same check `studykit check` makes
    plans  = [exporter.plan(qset, target)]  # every output of every deck, in memory or staged
    commit(plans)                           # all files moved into place together, or none

``check``, ``lint``, ``build``, ``export`` and ``quiz`` all go through :func:`prepare`, so they
can never disagree about whether a deck is valid. Nothing is written before every deck has been
checked, and :func:`studykit.fsio.commit` writes everything or nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Iterable, Sequence

from .corpus import CATALOG_NAME
from .deck import load_deck
from .errors import LoadError, Problem, StudykitError, UsageError, display_path
from .export import EXPORTERS, LMS_FORMATS, Exporter, ExportReport, Output, target_for
from .fsio import checkpoint, commit, interrupts_deferred
from .heap import drop_caches, settle
from .lint import Finding, lint
from .model import Deck, QuestionSet
from .questions import generate
from .yamlio import file_kind

DEFAULT_DECKS = Path("decks")
DEFAULT_OUT = Path("dist")
#: The formats ``studykit build`` writes unless told otherwise.
BUILD_FORMATS = ("anki", "json", "html")
#: The quiz a build writes: questions picked across families, one per fact while facts last.
DEFAULT_QUIZ_QUESTIONS = 30
#: The latest time ``SOURCE_DATE_EPOCH`` may give: 2100-01-01 (zip dates end in 2107).
MAX_EPOCH = 4_102_444_800
#: ``studykit quiz --versions`` makes at most this many versions (each is a quiz and a key).
MAX_VERSIONS = 100

#: ``progress(label, total)`` gives a ``tick()`` function; :func:`studykit.progress.progress` is one.
ProgressFactory = Callable[[str, "int | None"], ContextManager[Callable[..., None]]]


def _no_progress(label: str, total: int | None = None) -> ContextManager[Callable[..., None]]:
    from contextlib import nullcontext

    return nullcontext(lambda *args: None)


# --- finding and loading decks -------------------------------------------------------------------


def deck_paths(given: Sequence[Path | str] = (), *, default: Path = DEFAULT_DECKS) -> list[Path]:
    """The deck files meant: each given file, every ``*.yaml``/``*.yml`` in each given folder, or,
    with nothing given, every deck in ``decks/``. Raises :class:`UsageError` naming what is missing."""
    if not given:
        if not default.is_dir():
            raise UsageError(f"no deck given and no {default}/ folder here; pass a deck file (studykit check DECK.yaml)")
        return _decks_in(default)
    paths: list[Path] = []
    missing: list[str] = []
    for item in given:
        path = Path(item)
        if path.is_dir():
            paths.extend(_decks_in(path))
        elif path.is_file():
            paths.append(path)
        elif path.exists():  # a named pipe would block the read forever, a device never end
            raise UsageError(f"deck file {item} is {file_kind(path.stat().st_mode)}, not a regular file")
        else:
            missing.append(str(item))
    if missing:
        raise UsageError(f"deck file not found: {', '.join(missing)}")
    return list(dict.fromkeys(paths))


def _decks_in(folder: Path) -> list[Path]:
    """The ``*.yaml``/``*.yml`` files of a folder, but a corpus catalog (``catalog.yaml``) is no deck."""
    found = [p for p in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if p.name != CATALOG_NAME]
    if not found and (folder / CATALOG_NAME).is_file():
        raise UsageError(
            f"{display_path(folder)}/ is a corpus folder (it holds {CATALOG_NAME}), not a folder of decks; "
            "pass the deck that quotes it (its 'corpus' key names this folder)"
        )
    if not found:
        raise UsageError(f"no deck files (*.yaml) in {display_path(folder)}/")
    return found


def load_decks(paths: Sequence[Path], *, progress: ProgressFactory = _no_progress) -> list[Deck]:
    """Load every deck; raise one :class:`LoadError` with the problems of all of them.

    Deck ids must be unique across the decks of one run (they name the output files and the
    Anki notes' identity).
    """
    decks: list[Deck] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            with progress(f"Checking {display_path(path)}", None) as tick:
                decks.append(load_deck(path, progress=tick))
        except StudykitError as exc:
            problems.extend(exc.problems)
    problems.extend(duplicate_deck_ids(decks))
    if problems:
        raise LoadError(problems)
    return decks


def duplicate_deck_ids(decks: Iterable[Deck]) -> list[Problem]:
    by_id: dict[str, list[str]] = {}
    for deck in decks:
        by_id.setdefault(deck.id, []).append(display_path(deck.path))
    return [
        Problem(None, f"deck files {' and '.join(files)} share the deck id {deck_id!r}; deck ids must be unique")
        for deck_id, files in sorted(by_id.items())
        if len(files) > 1
    ]


# --- checking ------------------------------------------------------------------------------------


@dataclass
class Checked:
    """One deck after checking: its questions and lint findings, or the problems that stopped it."""

    path: Path
    deck: Deck | None = None
    qset: QuestionSet | None = None
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # errors (and the notes of a deck that failed)

    @property
    def ok(self) -> bool:
        return self.qset is not None and not any(f.severity == "error" for f in self.findings)

    @property
    def lint_errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def check(
    paths: Sequence[Path],
    *,
    seed: int | None = None,
    full_lint: bool = True,
    progress: ProgressFactory = _no_progress,
) -> list[Checked]:
    """Load, generate and lint every deck, collecting each deck's problems instead of stopping.

    A deck passes when it loads, its questions generate, and lint finds no error. With
    ``full_lint`` false only the question-by-question rules run (the deck-wide ones are warnings
    and cost time on large decks): errors are found either way.
    """
    results: list[Checked] = []
    for path in paths:
        result = Checked(path)
        results.append(result)
        try:
            with progress(f"Checking {display_path(path)}", None) as tick:
                result.deck = load_deck(path, progress=tick)
            settle()  # the loaded deck is not walked by later collections (in the command)
            with progress(f"Generating questions for {result.deck.id}", len(result.deck.facts)) as tick:
                result.qset = generate(result.deck, seed=seed, progress=tick)
            settle()
        except StudykitError as exc:
            result.problems.extend(exc.problems)
            result.qset = None
            continue
        result.findings = lint(result.qset, deck_wide=full_lint)
    loaded = [r.deck for r in results if r.deck is not None]
    for problem in duplicate_deck_ids(loaded):
        for r in results:
            if r.deck is not None and f"{r.deck.id!r}" in problem.message:
                r.problems.append(problem)
                r.qset = None
    return results


def prepare(
    paths: Sequence[Path], *, seed: int | None = None, progress: ProgressFactory = _no_progress
) -> list[QuestionSet]:
    """Every deck's questions, once every deck passes :func:`check`; else one :class:`LoadError`
    with every deck's problems (lint errors included, so ``check`` and ``build`` agree)."""
    results = check(paths, seed=seed, full_lint=False, progress=progress)
    problems: list[Problem] = []
    for result in results:
        problems.extend(result.problems)
        problems.extend(f.as_problem() for f in result.lint_errors)
    if problems:
        raise LoadError(problems)
    return [r.qset for r in results if r.qset is not None]


# --- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeckReport:
    """What a build wrote for one deck (no report for a deck that yields no questions)."""

    qset: QuestionSet
    outputs: tuple[ExportReport, ...]

    def summary(self) -> str:
        return ", ".join(f"{r.exporter}: {r.summary}" for r in self.outputs)


def exporter_for(name: str, **options: object) -> Exporter:
    """The registered exporter ``name`` with ``options``; :class:`UsageError` lists the valid names."""
    try:
        cls = EXPORTERS[name.lower()]
    except KeyError:
        raise UsageError(f"unknown format {name!r}; valid formats: {', '.join(EXPORTERS)}") from None
    return cls(**options)


def build(
    paths: Sequence[Path],
    *,
    out: Path = DEFAULT_OUT,
    seed: int | None = None,
    exporters: Sequence[Exporter] | None = None,
    progress: ProgressFactory = _no_progress,
) -> tuple[list[DeckReport], list[Problem]]:
    """Check every deck, then write every output of every deck in one commit.

    Returns a report per deck that was written and the warnings (decks that yield no questions,
    deck notes, exporter warnings).
    """
    qsets = prepare(paths, seed=seed, progress=progress)
    drop_caches()  # checking's text caches: the memory the outputs are planned in
    if exporters is None:
        exporters = default_exporters()
    warnings: list[Problem] = []
    plans = []
    owners: list[QuestionSet] = []
    with interrupts_deferred():  # planning may make temporary files too (PDFs): Ctrl-C acts between steps
        for qset in qsets:
            warnings.extend(p for p in qset.deck.messages if p.severity == "warning")
            if not qset.questions:
                warnings.append(Problem(None, f"{display_path(qset.deck.path)}: the deck yields no questions; nothing to build", "warning"))
                continue
            with progress(f"Planning the outputs of {qset.deck.id}", None):
                for exporter in exporters:
                    checkpoint()
                    plans.append(exporter.plan(qset, target_for(exporter, out, qset.deck.id)))
                    owners.append(qset)
        with progress("Writing", None):
            reports = commit(plans)
    by_deck: dict[str, list[ExportReport]] = {}
    for qset, report in zip(owners, reports, strict=True):
        by_deck.setdefault(qset.deck.id, []).append(report)
        warnings.extend(report.problems)
    decks = [DeckReport(qset, tuple(by_deck[qset.deck.id])) for qset in qsets if qset.deck.id in by_deck]
    return decks, warnings


def write(planners: Sequence[Callable[[], Output]]) -> list[ExportReport]:
    """Plan each output (``planner()``) and commit them all, with interrupts deferred throughout
    (see :func:`studykit.fsio.interrupts_deferred`): what ``quiz`` and ``export -o`` write."""
    with interrupts_deferred():
        plans = []
        for planner in planners:
            checkpoint()
            plans.append(planner())
        return commit(plans)


def default_exporters(*, now: int | None = None, lms: bool = False) -> list[Exporter]:
    """The outputs of ``studykit build``: the Anki package, the JSON export, a 30-question quiz,
    and with ``lms`` every question as Moodle XML, a QTI package for Canvas and GIFT."""
    exporters = [
        exporter_for("anki", now=now),
        exporter_for("json"),
        exporter_for("html", count=DEFAULT_QUIZ_QUESTIONS, at_most=True),
    ]
    if lms:
        exporters += [exporter_for(name) for name in LMS_FORMATS]
    return exporters


def source_date_epoch(environ: dict[str, str] | os._Environ[str] = os.environ) -> int | None:
    """Reproducible builds: ``SOURCE_DATE_EPOCH`` is the time stamped on changed notes."""
    value = environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    digits = value.strip()
    # ASCII digits only ('٣' is a digit to str.isdigit), and few enough for int() to take at all
    if not (digits.isascii() and digits.isdigit() and len(digits) <= len(str(MAX_EPOCH))) or int(digits) > MAX_EPOCH:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to {MAX_EPOCH} (the year 2100), not {shown!r}")
    return int(digits)

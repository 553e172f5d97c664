"""The ``studykit`` command: argument parsing and exit codes only.

Each command is a thin shell over library calls. Exit codes: 0 success (or a clean check),
1 problems found in the input or an output that could not be written, 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import Sequence

from . import __version__
from .deck import load_deck
from .errors import Problem, StudykitError, UsageError, display_path, sorted_problems
from .lint import RULES, lint
from .model import Deck, QuestionSet
from .progress import progress
from .questions import DEFAULT_SEED, generate

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
DEFAULT_DECKS = Path("decks")
DEFAULT_OUT = Path("dist")
#: The quiz `build` writes: questions picked across families, one per fact while facts last.
DEFAULT_QUIZ_QUESTIONS = 30


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage and exits 2, which is ours too
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


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

    build = commands.add_parser(
        "build",
        help="build the Anki deck, the default quiz and the JSON export of each deck",
        description="Load and check every deck, then write <out>/<deck id>.apkg, <deck id>.json and a quiz folder <deck id>/.",
    )
    build.add_argument("decks", nargs="*", metavar="DECK", help=decks_help)
    build.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT})")
    build.add_argument("--seed", type=int, default=None, help="seed for option order and distractors (default: the deck's seed)")
    build.add_argument("--quiet", action="store_true", help="print nothing but errors")
    build.set_defaults(run=cmd_build)

    export = commands.add_parser(
        "export", help="export one deck's facts and questions", description="Export a deck in a machine-readable format."
    )
    export.add_argument("deck", metavar="DECK", type=Path, help="the deck file")
    export.add_argument("--format", choices=("json",), default="json", help="output format (default: json)")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument("--seed", type=int, default=None, help="seed (default: the deck's seed)")
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

    quiz = commands.add_parser(
        "quiz",
        help="make printable HTML quizzes with answer keys and source pages",
        description="Write quiz-vN.html, key-vN.html and sources/*.html for one deck.",
    )
    quiz.add_argument("deck", metavar="DECK", type=Path, help="the deck file")
    quiz.add_argument("--count", type=int, metavar="N", help="questions per version (default: all)")
    quiz.add_argument(
        "--seed", type=int, default=None, help="seed of the questions and of version 1; others derive from it (default: the deck's seed)"
    )
    quiz.add_argument("--versions", type=int, default=1, metavar="V", help="how many versions (default: 1)")
    quiz.add_argument("--families", nargs="+", metavar="FAMILY", help="only these question families (who, year, rationale, …)")
    quiz.add_argument("--topics", nargs="+", metavar="TOPIC", help="only questions about these topics")
    quiz.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: dist/<deck id>)")
    quiz.add_argument("--templates", type=Path, metavar="DIR", help="folder of templates that override the built-in theme")
    quiz.add_argument("--paper", choices=("a4", "letter"), default="a4", help="paper size for printing (default: a4)")
    quiz.add_argument("--pdf", action="store_true", help="also print each page to PDF with headless Chromium")
    quiz.set_defaults(run=cmd_quiz)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
        print("studykit: interrupted; outputs already written are complete, nothing was left half-written", file=sys.stderr)
        return 130
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


def _print_problems(problems: Sequence[Problem], stream) -> None:
    for problem in sorted_problems(problems):
        print(problem, file=stream)


def deck_paths(given: Sequence[Path | str]) -> list[Path]:
    if given:
        missing = [str(p) for p in given if not Path(p).is_file()]
        if missing:
            raise UsageError(f"deck file not found: {', '.join(missing)}")
        return [Path(p) for p in given]
    if not DEFAULT_DECKS.is_dir():
        raise UsageError(f"no deck given and no {DEFAULT_DECKS}/ folder here; pass a deck file (studykit check DECK.yaml)")
    found = sorted(DEFAULT_DECKS.glob("*.yaml")) + sorted(DEFAULT_DECKS.glob("*.yml"))
    if not found:
        raise UsageError(f"no deck files (*.yaml) in {DEFAULT_DECKS}/")
    return found


def load_all(paths: Sequence[Path], *, quiet: bool = True) -> list[Deck]:
    """Load every deck before anything is written; report the problems of all of them at once."""
    decks, problems = [], []
    for path in paths:
        try:
            with progress(f"Checking {display_path(path)}", quiet=quiet) as tick:
                decks.append(load_deck(path, progress=tick))
        except StudykitError as exc:
            problems.extend(exc.problems)
    if problems:
        raise StudykitError(problems)
    by_id: dict[str, list[str]] = {}
    for deck in decks:
        by_id.setdefault(deck.id, []).append(display_path(deck.path))
    for deck_id, files in sorted(by_id.items()):
        if len(files) > 1:
            problems.append(Problem(None, f"deck files {' and '.join(files)} share the deck id {deck_id!r}; deck ids must be unique"))
    if problems:
        raise StudykitError(problems)
    return decks


def cmd_check(args) -> int:
    paths = deck_paths(args.decks)
    status = EXIT_OK
    for path in paths:
        try:
            deck = load_deck(path)
            qset = generate(deck)  # a deck's own template can fail on a fact: report it with the deck's problems
        except StudykitError as exc:
            _print_problems(exc.problems, sys.stdout)
            errors = len(exc.errors)
            print(f"{display_path(path)}: {errors} error{'s' * (errors != 1)}")
            status = EXIT_PROBLEMS
            continue
        _print_problems(deck.notes, sys.stdout)
        findings = lint(qset)
        counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
        lint_errors = [f for f in findings if f.severity == "error"]
        for finding in lint_errors:
            print(finding)
        print(
            f"{display_path(path)}: ok: {len(deck.facts)} facts, {len(qset)} questions; "
            f"lint: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes (details: studykit lint)"
        )
        if lint_errors:
            status = EXIT_PROBLEMS
    return status


def cmd_lint(args) -> int:
    decks = load_all(deck_paths(args.decks))
    status = EXIT_OK
    for deck in decks:
        findings = lint(generate(deck, seed=args.seed))
        for finding in findings:
            print(finding)
        failing = [f for f in findings if f.severity == "error" or (args.strict and f.severity == "warning")]
        counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
        print(f"{display_path(deck.path)}: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes")
        if failing:
            status = EXIT_PROBLEMS
    return status


def cmd_export(args) -> int:
    from .export.json import to_json, write_json

    deck = load_deck(deck_paths([args.deck])[0])
    qset = generate(deck, seed=args.seed)
    if args.output is None:
        sys.stdout.write(to_json(qset))
    else:
        write_json(qset, args.output)
    return EXIT_OK


def cmd_build(args) -> int:
    from .export.anki import write_apkg
    from .export.html import write_quiz
    from .export.json import write_json

    decks = load_all(deck_paths(args.decks), quiet=args.quiet)
    qsets: list[QuestionSet] = []
    for deck in decks:
        with progress(f"Generating questions for {deck.id}", total=len(deck.facts), quiet=args.quiet) as tick:
            qsets.append(generate(deck, seed=args.seed, progress=tick))
    now = _source_date_epoch()
    say = (lambda *a: None) if args.quiet else print
    for qset in qsets:
        _print_problems([p for p in qset.deck.notes if p.severity == "warning"], sys.stderr)
        deck_id, shown = qset.deck.id, display_path(qset.deck.path)
        if not qset.questions:
            print(f"{shown}: warning: the deck yields no questions; nothing to build", file=sys.stderr)
            continue
        apkg = write_apkg(qset, args.out / f"{deck_id}.apkg", now=now)
        write_json(qset, args.out / f"{deck_id}.json")
        quiz = write_quiz(qset, args.out / deck_id, count=min(len(qset), DEFAULT_QUIZ_QUESTIONS), seed=qset.seed)
        say(f"{shown}: {len(qset)} questions → {args.out / (deck_id + '.apkg')} ({_describe(apkg)}), "
            f"{args.out / (deck_id + '.json')}, {args.out / deck_id}/ ({_describe(quiz)})")
    return EXIT_OK


def _source_date_epoch() -> int | None:
    """Reproducible builds: honour SOURCE_DATE_EPOCH as the time stamped on changed notes."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    if not value.isdigit():
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {value!r}")
    return int(value)


def _describe(report) -> str:
    text = getattr(report, "summary", None)
    return text() if callable(text) else str(text or "written")


def cmd_quiz(args) -> int:
    from .export.html import write_quiz

    if args.versions < 1:
        raise UsageError("--versions must be at least 1")
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    deck = load_deck(deck_paths([args.deck])[0])
    _print_problems([p for p in deck.notes if p.severity == "warning"], sys.stderr)
    qset = generate(deck, seed=args.seed)
    out = args.out or DEFAULT_OUT / deck.id
    report = write_quiz(
        qset,
        out,
        count=args.count,
        seed=qset.seed,
        versions=args.versions,
        families=args.families,
        topics=args.topics,
        templates_dir=args.templates,
        paper=args.paper,
        pdf=args.pdf,
    )
    _print_problems(getattr(report, "problems", ()), sys.stderr)
    print(f"{out}: {_describe(report)}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

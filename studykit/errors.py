"""One exception family for every problem a user can fix.

Inner code raises or collects :class:`Problem` objects; the CLI catches :class:`StudykitError`
and prints each problem as ``path:line:col: severity: message`` — never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal

#: How serious a message is: ``error`` stops the command; ``warning`` and ``info`` do not.
Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """A place in a user's file: 1-based line and column, as editors count them."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        if self.col <= 0:  # jinja2 knows lines, not columns
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.col}"


def display_path(path: Path | str) -> str:
    """A path as the user should see it in a message: relative to the working directory when inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


@dataclass(frozen=True)
class Problem:
    """One message about the user's input or output: an ``error`` stops the command, a
    ``warning`` or an ``info`` does not."""

    location: Location | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity}: {self.message}"


class StudykitError(Exception):
    """Base of every error a user can act on. Carries one or more problems."""

    def __init__(self, problems: Problem | Iterable[Problem] | str, location: Location | None = None):
        if isinstance(problems, str):
            problems = [Problem(location, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


class UsageError(StudykitError):
    """The command line itself is wrong (exit code 2)."""


class LoadError(StudykitError):
    """A deck, catalog or document could not be loaded or failed validation (exit code 1)."""


class ExportError(StudykitError):
    """An output could not be written (exit code 1)."""


class Problems:
    """Collects problems so a whole file is checked before anything is raised."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, location: Location | None, message: str) -> None:
        self.items.append(Problem(location, message, "error"))

    def warning(self, location: Location | None, message: str) -> None:
        self.items.append(Problem(location, message, "warning"))

    def info(self, location: Location | None, message: str) -> None:
        self.items.append(Problem(location, message, "info"))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.items)

    def raise_if_errors(self, cls: type[StudykitError] = LoadError) -> None:
        if self.has_errors:
            raise cls(sorted_problems(self.items))


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Order problems by file and position, keeping the order of problems at one place."""
    indexed = list(enumerate(problems))
    indexed.sort(key=lambda ip: (ip[1].location or Location(""), ip[0]))
    return [p for _, p in indexed]

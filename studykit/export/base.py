"""The one interface every exporter has, and the one report type every exporter returns.

An exporter *plans* its output: :meth:`Exporter.plan` turns a question set into an
:class:`Output` (the files it would write, with their content, plus problems and a one-line
summary) and writes nothing. Writing is :func:`studykit.fsio.commit`'s job alone: it stages every
file of every planned output, checks that each can be written, and only then moves them all into
place, so a build of several decks and formats changes everything or nothing. What was written
comes back as an :class:`ExportReport`.

Exporters register by their ``name`` (as pelican's readers register by extension) in
:data:`studykit.export.EXPORTERS`, which lists the valid names in errors.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, ClassVar, Iterable, Protocol, Union

from ..errors import Problem
from ..model import QuestionSet

#: A file's content: bytes or text, pieces of them written as they come (large outputs need not
#: be held in memory whole), or a function that writes into the open staged file.
Content = Union[bytes, str, Iterable[Union[bytes, str]], Callable[[IO[bytes]], None]]


#: A spooled file's content up to this size is kept in memory and planned as plain bytes.
SPOOL_IN_MEMORY = 8 * 1024 * 1024
#: The pieces a spooled file is copied in, into its staged file.
SPOOL_CHUNK = 1024 * 1024


class Spool:
    """A file written whole while it is planned, so that what it holds is known before the commit
    (the LMS exporters' warnings name the questions met on the way), without holding it in memory:
    up to :data:`SPOOL_IN_MEMORY` bytes it stays in memory (:meth:`content` is those bytes), beyond
    that it rolls over to an anonymous temporary file (:class:`tempfile.SpooledTemporaryFile`, in
    the system's folder for temporary files: invisible, and gone once the plan is), which the
    commit copies into the staged file. ``file`` is seekable, for a zip archive written into it."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)

    def write(self, data: bytes) -> int:
        return self.file.write(data)

    def content(self) -> Content:
        """What was written: bytes when it stayed in memory, else a copier of the temporary file."""
        if self.file.tell() <= SPOOL_IN_MEMORY:  # SpooledTemporaryFile rolls over only beyond max_size
            self.file.seek(0)
            data = self.file.read()
            self.file.close()
            return data
        return _Spooled(self.file)


class _Spooled:
    """A rolled-over spool's content: writes the temporary file into the open staged file."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def __call__(self, handle: IO[bytes]) -> None:
        self._file.seek(0)
        shutil.copyfileobj(self._file, handle, SPOOL_CHUNK)


@dataclass
class Output:
    """What one exporter will write for one question set. Nothing is on disk yet.

    ``files`` maps each target path to its content. ``folder``, when set, is a folder the
    exporter owns through a manifest (``.studykit-manifest.json``): files an earlier run of the
    same exporter listed there and this one no longer makes are removed when the output is
    committed, and nothing else in the folder is ever touched. ``after`` runs once every file of
    the commit is in place (printing PDFs from the written pages, say) and returns more paths.
    """

    exporter: str
    files: dict[Path, Content]
    summary: str
    problems: tuple[Problem, ...] = ()
    folder: Path | None = None
    details: object = None  # the exporter's own report (AnkiReport, QuizReport …), for callers that want more


@dataclass(frozen=True)
class ExportReport:
    """What one exporter wrote: the paths, the files of earlier runs it removed, its problems
    (warnings: an error stops the commit before anything is written) and a one-line summary."""

    exporter: str
    written: tuple[Path, ...]
    summary: str
    removed: tuple[Path, ...] = ()
    problems: tuple[Problem, ...] = ()
    details: object = field(default=None, compare=False)


class Exporter(Protocol):
    """One output format. Options are the constructor's keyword arguments; ``plan`` is pure."""

    #: The format's name, as ``studykit export --format NAME`` takes it.
    name: ClassVar[str]
    #: The build's file or folder for a deck, relative to the output folder (``{deck}`` is the deck id).
    default_target: ClassVar[str]

    def plan(self, qset: QuestionSet, target: Path) -> Output:
        """The files this exporter would write for ``qset`` at ``target``; writes nothing."""
        ...


def target_for(exporter: Exporter, out_dir: Path, deck_id: str) -> Path:
    """Where a build writes ``exporter``'s output for a deck: ``out_dir`` / its default target."""
    return Path(out_dir) / exporter.default_target.format(deck=deck_id)

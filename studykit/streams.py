"""Standard output and error that a user may have made unwritable: a full disk, a closed stream.

``studykit check > /dev/full`` used to end in an internal error (an ``OSError`` from ``print``),
``studykit export >&-`` in an ``AttributeError``. :func:`guarded` wraps both streams for one
command: a failed write to standard output becomes an :class:`~studykit.errors.ExportError`
("cannot write to standard output: No space left on device"), a failed write to standard error is
dropped (there is nowhere left to say it; the exit code still tells), a closed pipe (``| head``) is
a :class:`BrokenPipeError` the CLI ends quietly on, and text the stream's encoding cannot hold
(``PYTHONIOENCODING=ascii``) is written with backslash escapes instead of failing.

When the real standard output of the process cannot be written, it is pointed at ``/dev/null``
afterwards, so that Python's own flush at exit does not fail a second time (exit code 120).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Iterator, TextIO

from .errors import ExportError

__all__ = ["StreamError", "guarded"]


class StreamError(ExportError):
    """Standard output could not be written (exit code 1)."""


class _Guarded:
    """A text stream whose write errors are turned into :class:`StreamError` (or dropped)."""

    def __init__(self, stream: TextIO | None, name: str, *, drop: bool) -> None:
        self._stream, self._name, self._drop = stream, name, drop
        self.failed = False

    def _fail(self, exc: OSError | None) -> None:
        self.failed = True
        if isinstance(exc, BrokenPipeError):
            raise exc
        if self._drop:
            return
        reason = "it is closed" if exc is None else (exc.strerror or str(exc))
        raise StreamError(f"cannot write to {self._name}: {reason}") from None

    def write(self, text: str) -> int:
        if self.failed and self._drop:
            return len(text)
        if self._stream is None:
            self._fail(None)
            return len(text)
        try:
            return self._stream.write(text)
        except UnicodeEncodeError:
            encoding = getattr(self._stream, "encoding", None) or "ascii"
            return self.write(text.encode(encoding, "backslashreplace").decode(encoding))
        except OSError as exc:
            self._fail(exc)
            return len(text)
        except ValueError:  # "I/O operation on closed file"
            self._fail(None)
            return len(text)

    def flush(self) -> None:
        if self._stream is None or (self.failed and self._drop):
            return
        try:
            self._stream.flush()
        except OSError as exc:
            self._fail(exc)
        except ValueError:
            self._fail(None)

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    @property
    def buffer(self) -> Any:
        if self._stream is None or not hasattr(self._stream, "buffer"):
            self._fail(None)
        return self._stream.buffer  # type: ignore[union-attr]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Run one command with :data:`sys.stdout` and :data:`sys.stderr` guarded (see the module)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = _Guarded(out, "standard output", drop=False)
    sys.stderr = _Guarded(err, "standard error", drop=True)
    try:
        yield
        sys.stdout.flush()
    finally:
        guard_out, guard_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        with contextlib.suppress(OSError, ValueError):
            guard_err.flush()
        for guard, stream in ((guard_out, out), (guard_err, err)):
            if getattr(guard, "failed", False):
                _discard(stream)


def _discard(stream: TextIO | None) -> None:
    """Point the process's own stream at /dev/null: its unwritable buffer must not fail again at exit."""
    if stream is None or not any(stream is s for s in (sys.__stdout__, sys.__stderr__)):
        return
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):
        return
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)

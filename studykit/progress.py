"""A tiny progress line for long builds: ``Generating questions  12,000/50,000``.

    with progress("Generating questions", total=len(deck.facts), quiet=args.quiet) as tick:
        for fact in deck.facts:
            ...
            tick()

The line is redrawn in place (``\\r``) on standard error, at most ten times a second, and only
once the phase has run for ``delay`` seconds (2 by default), so quick builds print nothing. It is
silent when standard error is not a terminal (pipes, CI logs, tests) or when ``quiet`` is true.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

#: Seconds a phase must run before its progress line appears.
DELAY = 2.0
#: Seconds between redraws.
INTERVAL = 0.1


class Progress:
    """Counts work done and redraws one status line; use :func:`progress` to get one."""

    def __init__(self, label: str, total: int | None, *, stream: TextIO, enabled: bool, delay: float = DELAY) -> None:
        self.label, self.total, self.stream, self.enabled = label, total, stream, enabled
        self.count = 0
        self.started = time.monotonic()
        self.shown_at = self.started + delay  # no output before this moment
        self.next_draw = self.shown_at
        self.width = 0  # length of the last line drawn, to blank it out when done

    def __call__(self, n: int = 1) -> None:
        """Record ``n`` more items done."""
        self.count += n
        if self.enabled:
            now = time.monotonic()
            if now >= self.next_draw:
                self.next_draw = now + INTERVAL
                self.draw()

    def draw(self) -> None:
        done = f"{self.count:,}" if self.total is None else f"{self.count:,}/{self.total:,}"
        line = f"{self.label}  {done}"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def close(self) -> None:
        if self.width:  # something was drawn: clear the line for whatever prints next
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


@contextmanager
def progress(
    label: str, total: int | None = None, *, quiet: bool = False, stream: TextIO | None = None, delay: float = DELAY
) -> Iterator[Callable[..., None]]:
    """A ``tick(n=1)`` function that reports progress of ``label`` (see the module docstring)."""
    stream = sys.stderr if stream is None else stream
    enabled = not quiet and _is_terminal(stream)
    reporter = Progress(label, total, stream=stream, enabled=enabled, delay=delay)
    try:
        yield reporter
    finally:
        reporter.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or unusual streams
        return False

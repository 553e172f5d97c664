"""Garbage collection for one command: fewer collections, and none over the loaded model.

A deck's model (facts, questions, their evidence) holds no reference cycles: reference counting
frees it, and the cyclic collector only walks it, again and again as it grows — 13.7 of 120 CPU
seconds of a 50,000-fact build (load to JSON) were collections, 20 of them full. Within
:func:`tuned` (the ``studykit`` command runs inside it) the first generation is collected after
100,000 allocations instead of 700 and the oldest almost never, and :func:`settle` (called by
:func:`studykit.build.check` after loading and after generating a deck) moves everything alive
into the permanent generation, which the collector does not walk. Leaving the outermost
:func:`tuned` restores the thresholds and unfreezes. Outside it :func:`settle` does nothing, so
a program that uses the library keeps its own collector settings.
"""

from __future__ import annotations

import functools
import gc
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: Generation-0 allocations between collections, and the younger collections between older ones.
THRESHOLD = (100_000, 50, 1000)
_depth = 0


@contextmanager
def tuned() -> Iterator[None]:
    """Fewer collections while inside; the outermost exit restores the thresholds and unfreezes."""
    global _depth
    saved = gc.get_threshold()
    if _depth == 0:
        gc.set_threshold(*THRESHOLD)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.set_threshold(*saved)
            gc.unfreeze()


def settle() -> None:
    """Within :func:`tuned`: what is alive now is not walked by later collections."""
    if _depth:
        gc.freeze()


# --- caches of text work --------------------------------------------------------------------------

_CACHES: list[Callable[[], None]] = []


def cache(maxsize: int) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)``, emptied by :func:`drop_caches`."""

    def decorate(function: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(function)
        _CACHES.append(cached.cache_clear)
        return cached  # type: ignore[return-value]

    return decorate


def on_drop(clear: Callable[[], None]) -> None:
    """Have :func:`drop_caches` call ``clear`` too (a cache that is not a function's)."""
    _CACHES.append(clear)


def drop_caches() -> None:
    """Empty every cache of text work (normalised and folded texts, word lists, patterns, a
    deck's vocabulary): what checking kept for itself, which the outputs planned next can use
    instead (some 50 MB at 100,000 facts, at the build's peak). Only time is lost: each cache
    fills again as it is asked."""
    for clear in _CACHES:
        clear()

"""Appending proposals to a deck file: as text, so the curator's comments and layout stay, and
atomically, after the new text has passed the deck loader."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..deck import load_deck
from ..errors import LoadError, Location, Problem, UsageError, display_path
from ..fsio import write_atomic
from ..yamlio import read_text
from .checks import load_problems, use_deck
from .writer import entity_lines

if TYPE_CHECKING:
    from . import Proposals

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s|$)")


@dataclass(frozen=True)
class AppendResult:
    """What :func:`append_to_deck` wrote."""

    path: Path
    facts: int  # facts appended
    entities: int  # entities added
    duplicates: int  # proposals left out because the deck has them


def append_to_deck(deck_path: str | os.PathLike[str], proposals: Proposals) -> AppendResult:
    """Append the proposals that the deck does not have yet to the deck file, atomically.

    The deck must pass ``check`` first. Duplicates are marked and ids chosen against this deck;
    the new facts go at the end of its ``facts:`` list and new names at the end of its
    ``entities:`` list (created before ``facts:`` if missing), as text, so the curator's
    comments and layout stay as they are. The new file is checked with the deck loader before it
    replaces the old one (:func:`studykit.fsio.write_atomic`); if it would not pass, nothing is
    written and :class:`LoadError` says why.
    """
    path = Path(deck_path)
    if not path.is_file():
        raise UsageError(f"deck file not found: {path}", Location(str(path)))
    deck = load_deck(path)
    if proposals.source_id not in deck.corpus:
        raise UsageError(
            f"the deck's corpus has no source {proposals.source_id!r}; propose from a document of {display_path(deck.corpus.root)}",
            Location(display_path(path)),
        )
    if proposals.deck is None or Path(proposals.deck.path).resolve() != path.resolve():
        use_deck(proposals, deck)
    shown = display_path(path)
    text = read_text(path, display=shown)
    facts = proposals.fact_yaml()
    entities = entity_lines(proposals._new_entities())
    updated = _insert(text, facts, entities, shown)
    problems = load_problems(updated, deck.corpus, directory=path.parent) if facts else []
    if problems:
        raise LoadError(
            [Problem(Location(shown), "the deck would not pass check after appending; nothing was written"), *problems]
        )
    if facts:
        write_atomic(path, updated)
    return AppendResult(path, len(proposals.active), len(proposals._new_entities()) if facts else 0, len(proposals.duplicates))


def _top_keys(lines: list[str]) -> dict[str, int]:
    keys: dict[str, int] = {}
    for i, line in enumerate(lines):
        match = _TOP_KEY.match(line)
        if match:
            keys.setdefault(match.group(1), i)
    return keys


def _insert(text: str, facts: list[str], entities: list[str], shown: str) -> str:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    keys = _top_keys(lines)
    if "facts" not in keys:
        raise UsageError("the deck has no top-level 'facts:' key to append to", Location(shown))
    if facts:
        lines = _append_block(lines, keys["facts"], facts, shown, "facts")
    keys = _top_keys(lines)
    if entities:
        if "entities" in keys:
            lines = _append_block(lines, keys["entities"], entities, shown, "entities")
        else:
            at = keys["facts"]
            lines[at:at] = ["entities:", *entities, ""]
    return "\n".join(lines) + "\n"


def _append_block(lines: list[str], header: int, items: list[str], shown: str, key: str) -> list[str]:
    """``items`` (list items at indentation 2) after the last item of the block under ``header``."""
    inline = lines[header].split(":", 1)[1].split("#", 1)[0].strip()
    if inline == "[]":
        lines = [*lines[:header], f"{key}:", *lines[header + 1 :]]
    elif inline:
        raise UsageError(
            f"'{key}:' is written in flow style ([...]) on line {header + 1}; write it as a block list to append to it",
            Location(shown, header + 1, 1),
        )
    end = next((i for i in range(header + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    last = header
    indent = None
    for i in range(header + 1, end):
        stripped = lines[i].lstrip()
        if stripped and not stripped.startswith("#"):
            last = i
            if indent is None and stripped.startswith("- "):
                indent = len(lines[i]) - len(stripped)
    width = 2 if indent is None else indent
    shifted = [(" " * width + item[2:]) if item.startswith("  ") else item for item in items]
    return [*lines[: last + 1], "", *shifted, *lines[last + 1 :]]

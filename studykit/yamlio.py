"""YAML → plain Python data that remembers where every key and value stood.

PyYAML composes the node tree (with libyaml's C parser when it is installed), then this module
builds ``dict``/``list`` subclasses that carry :class:`~studykit.errors.Location` s, so every later
check can point at the exact ``path:line:col`` of the offending node. Anchors and aliases are
refused: decks do not need them, and refusing them makes "billion laughs" documents harmless.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Iterable

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import LoadError, Location, Problem, Problems

try:  # the C parser is several times faster; fall back to pure Python where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Files larger than this are refused before they are read (decks of 100,000 facts are ~40 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Deeper nesting than this is refused; no deck needs more than a handful of levels.
MAX_DEPTH = 64


class LocDict(dict):
    """A mapping from YAML with the location of itself, of each key and of each value."""

    loc: Location
    key_locs: dict[Any, Location]
    value_locs: dict[Any, Location]

    def key_loc(self, key: Any) -> Location:
        return self.key_locs.get(key, self.loc)

    def value_loc(self, key: Any) -> Location:
        return self.value_locs.get(key, self.loc)


class LocList(list):
    """A sequence from YAML with the location of itself and of each item."""

    loc: Location
    item_locs: list[Location]

    def item_loc(self, index: int) -> Location:
        return self.item_locs[index] if 0 <= index < len(self.item_locs) else self.loc


def read_text(path: Path, *, display: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 text file, with errors that name the file and the offending byte.

    A leading byte-order mark is dropped. Raises :class:`LoadError`.
    """
    shown = display or str(path)
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise LoadError(
                f"file is {size:,} bytes, more than the limit of {max_bytes:,}; split it into smaller files",
                Location(shown),
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError("file not found", Location(shown)) from None
    except IsADirectoryError:
        raise LoadError("is a directory, not a file", Location(shown)) from None
    except PermissionError:
        raise LoadError("permission denied: cannot read this file", Location(shown)) from None
    except OSError as exc:
        raise LoadError(f"cannot read this file: {exc.strerror or exc}", Location(shown)) from None
    return decode_utf8(data, shown)


def decode_utf8(data: bytes, shown: str) -> str:
    """Decode bytes as UTF-8, naming the line, column and byte offset of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        raise LoadError(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
            "cannot be decoded; save the file as UTF-8",
            Location(shown, line, col),
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def load_yaml(path: Path, *, display: str | None = None) -> tuple[Any, list[Problem]]:
    """Load one YAML file. Returns the data and the problems found (duplicate keys, aliases…).

    Syntax errors and unreadable files raise :class:`LoadError` at once: nothing after them can
    be trusted.
    """
    shown = display or str(path)
    text = read_text(path, display=shown)
    return parse_yaml(text, shown)


def parse_yaml(text: str, shown: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text; see :func:`load_yaml`."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise LoadError(_syntax_message(exc, text), _mark_location(shown, exc.problem_mark)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - errors without a mark are rare
        raise LoadError(f"YAML error: {exc}", Location(shown)) from None
    except RecursionError:
        raise LoadError(f"nesting is deeper than {MAX_DEPTH} levels", Location(shown)) from None
    if node is None:
        return None, []
    builder = _Builder(shown)
    data = builder.build(node, 0)
    return data, builder.problems.items


def _mark_location(shown: str, mark: Any) -> Location:
    if mark is None:
        return Location(shown)
    return Location(shown, mark.line + 1, mark.column + 1)


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = exc.problem or "syntax error"
    message = f"YAML syntax error: {problem}"
    if exc.context:
        message += f" ({exc.context})"
    mark = exc.problem_mark
    if mark is not None and "\t" in problem + (exc.context or ""):
        message += "; YAML does not allow tabs for indentation, use spaces"
    elif mark is not None:
        line = text.splitlines()[mark.line] if mark.line < len(text.splitlines()) else ""
        if "\t" in line[: mark.column + 1]:
            message += "; YAML does not allow tabs for indentation, use spaces"
    return message


class _Builder:
    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.problems = Problems()
        self.constructor = SafeConstructor()
        self.seen: set[int] = set()

    def loc(self, node: Any) -> Location:
        return Location(self.shown, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting is deeper than {MAX_DEPTH} levels", self.loc(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if id(node) in self.seen:
            raise LoadError(
                "YAML anchors and aliases (&name / *name) are not supported; write the value out",
                self.loc(node),
            )
        self.seen.add(id(node))
        if isinstance(node, SequenceNode):
            result = LocList()
            result.loc = self.loc(node)
            result.item_locs = []
            for item in node.value:
                result.item_locs.append(self.loc(item))
                result.append(self.build(item, depth + 1))
            return result
        if isinstance(node, MappingNode):
            result = LocDict()
            result.loc = self.loc(node)
            result.key_locs, result.value_locs = {}, {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise LoadError("YAML merge keys (<<) are not supported", self.loc(key_node))
                key = self.build(key_node, depth + 1)
                if isinstance(key, (LocDict, LocList)):
                    self.problems.error(self.loc(key_node), "a mapping key must be a plain value")
                    continue
                if key in result:
                    first = result.key_locs[key]
                    self.problems.error(
                        self.loc(key_node),
                        f"duplicate key {key!r} (first at line {first.line}); keep only one",
                    )
                    continue
                result.key_locs[key] = self.loc(key_node)
                result.value_locs[key] = self.loc(value_node)
                result[key] = self.build(value_node, depth + 1)
            return result
        raise LoadError(f"unsupported YAML node {node.tag}", self.loc(node))  # pragma: no cover

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag.startswith("tag:yaml.org,2002:") or node.tag == "!":
            try:
                return self.constructor.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise LoadError(f"bad value: {getattr(exc, 'problem', exc)}", self.loc(node)) from None
            except ValueError:  # e.g. an impossible date such as 2022-02-30: let the schema say why
                return node.value
        raise LoadError(
            f"unknown YAML tag {node.tag!r}; custom tags are not supported", self.loc(node)
        )


def check_keys(
    mapping: LocDict,
    *,
    allowed: Iterable[str],
    required: Iterable[str] = (),
    what: str,
    problems: Problems,
) -> None:
    """Report unknown keys (with a did-you-mean) and missing required keys of one mapping."""
    allowed = list(allowed)
    for key in mapping:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else f"; valid keys: {', '.join(sorted(allowed))}"
            problems.error(mapping.key_loc(key), f"{what}: unknown key {key!r}{suggestion}")
    for key in required:
        if key not in mapping or mapping[key] is None or mapping[key] == "":
            problems.error(mapping.loc, f"{what}: missing key {key!r}")


def describe(value: Any) -> str:
    """Name a YAML value's type the way a curator thinks of it."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "text" if isinstance(value, str) else type(value).__name__

"""YAML → plain Python data that remembers where every key and value stood.

PyYAML parses the text into events (with libyaml's C parser when it is installed), and this module
builds ``dict``/``list`` subclasses from them that carry :class:`~studykit.errors.Location` s, so
every later check can point at the exact ``path:line:col`` of the offending node. Anchors and
aliases are refused where they stand: decks do not need them, and refusing them makes "billion
laughs" documents harmless. Every tag (``!custom``, ``!!python/…``, ``!!str``) is refused too, on a
scalar, a sequence or a mapping alike. Nesting deeper than :data:`MAX_DEPTH` is refused as it is met.
"""

from __future__ import annotations

import difflib
import os
import stat
from array import array
from pathlib import Path
from typing import Any, Iterable

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from .errors import LoadError, Location, Problem, Problems

try:  # the C parser is several times faster; fall back to pure Python where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Files larger than this are refused before they are read (decks of 100,000 facts are ~40 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Deeper nesting than this is refused; no deck needs more than a handful of levels.
MAX_DEPTH = 64
DEPTH_MESSAGE = f"nesting is deeper than {MAX_DEPTH} levels"
#: How libyaml's own nesting limit words its error.
_LIBYAML_DEPTH = "exceeded maximum nesting depth"


class YAMLSyntaxError(LoadError):
    """The text is not YAML: a parser error, located where the parser gave up (often after the mistake)."""


class LocDict(dict):
    """A mapping from YAML with the location of itself, of each key and of each value.

    The places are kept as integers (line and column of each key and value, in the keys' order)
    and a :class:`Location` is made only when asked for: a deck of 100,000 facts has millions of
    keys, and a ``Location`` object for each one was most of the memory of loading it.
    """

    __slots__ = ("_path", "_line", "_col", "_keys", "_marks", "block_values")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._path, self._line, self._col = "", 0, 0
        self._keys: tuple[Any, ...] = ()
        self._marks = _NO_MARKS
        #: The keys whose values are block scalars (``|`` or ``>``): their text begins on the next line.
        self.block_values: frozenset[Any] | set[Any] = frozenset()

    @property
    def loc(self) -> Location:
        return Location(self._path, self._line, self._col)

    def _at(self, key: Any, offset: int) -> Location:
        try:
            i = 4 * self._keys.index(key) + offset
        except ValueError:
            return self.loc
        return Location(self._path, self._marks[i], self._marks[i + 1])

    def key_loc(self, key: Any) -> Location:
        return self._at(key, 0)

    def value_loc(self, key: Any) -> Location:
        return self._at(key, 2)


class LocList(list):
    """A sequence from YAML with the location of itself and of each item (kept as integers, as
    :class:`LocDict` keeps them)."""

    __slots__ = ("_path", "_line", "_col", "_marks")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._path, self._line, self._col = "", 0, 0
        self._marks = _NO_MARKS

    @classmethod
    def at(cls, items: Iterable[Any], loc: Location) -> LocList:
        """A list whose items are all said to stand where ``loc`` is (one mapping written where a list was due)."""
        result = cls(items)
        result._path, result._line, result._col = loc.path, loc.line, loc.col
        result._marks = array("I", [loc.line, loc.col] * len(result))
        return result

    @property
    def loc(self) -> Location:
        return Location(self._path, self._line, self._col)

    def item_loc(self, index: int) -> Location:
        if 0 <= index < len(self._marks) // 2:
            return Location(self._path, self._marks[2 * index], self._marks[2 * index + 1])
        return self.loc


_NO_MARKS = array("I")

_KINDS = {stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket"}


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in a curator's words."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def read_bytes(path: Path, *, display: str | None = None, max_bytes: int | None = None) -> bytes:
    """Read a regular file's bytes, refusing one larger than ``max_bytes`` (default
    :data:`MAX_FILE_BYTES`) before reading it, and anything that is not a regular file (a named
    pipe would block forever, a device never end). Raises :class:`LoadError` naming the file."""
    shown = display or str(path)
    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes

    def too_big(size: int | None) -> LoadError:
        what = f"{size:,} bytes, more than" if size is not None else "larger than"
        return LoadError(f"file is {what} the limit of {limit:,} bytes; split it into smaller files", Location(shown))

    def check(info: os.stat_result) -> None:
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(f"is {file_kind(info.st_mode)}, not a regular file; studykit reads only regular files", Location(shown))

    try:
        check(os.stat(path))
        # non-blocking: if the file became a named pipe since, opening it must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb") as handle:
            info = os.fstat(fd)
            check(info)
            size = info.st_size
            if size > limit:
                raise too_big(size)
            chunks = [handle.read(size + 1)]  # one byte more than expected: did the file grow?
            total = len(chunks[0])
            while size < total <= limit:  # it grew while being read
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
    except FileNotFoundError:
        raise LoadError("file not found", Location(shown)) from None
    except IsADirectoryError:
        raise LoadError("is a directory, not a file", Location(shown)) from None
    except PermissionError:
        raise LoadError("permission denied: cannot read this file", Location(shown)) from None
    except OSError as exc:
        raise LoadError(f"cannot read this file: {exc.strerror or exc}", Location(shown)) from None
    if total > limit:
        raise too_big(None)
    return b"".join(chunks)


def read_text(path: Path, *, display: str | None = None, max_bytes: int | None = None) -> str:
    """Read a UTF-8 text file, with errors that name the file and the offending byte.

    A leading byte-order mark is dropped. Raises :class:`LoadError`.
    """
    shown = display or str(path)
    return decode_utf8(read_bytes(path, display=shown, max_bytes=max_bytes), shown)


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
    loader = _Loader(text)
    try:
        builder = _Builder(shown, loader)
        return builder.document(), builder.problems.items
    except yaml.MarkedYAMLError as exc:
        if _LIBYAML_DEPTH in (exc.problem or ""):
            # libyaml 0.2.5 (PyYAML 6.0.4's wheels) stops at 1,000 levels while scanning ahead,
            # before the builder sees level 65: the same refusal, where libyaml found it
            raise LoadError(DEPTH_MESSAGE, _mark_location(shown, exc.problem_mark)) from None
        raise YAMLSyntaxError(_syntax_message(exc, text), _mark_location(shown, exc.problem_mark)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids, e.g. NUL or another control character
        raise LoadError(_reader_message(exc), _offset_location(shown, text, exc.position)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - errors without a mark are rare
        raise LoadError(f"YAML error: {exc}", Location(shown)) from None
    finally:
        loader.dispose()


def _mark_location(shown: str, mark: Any) -> Location:
    if mark is None:
        return Location(shown)
    return Location(shown, mark.line + 1, mark.column + 1)


def _offset_location(shown: str, text: str, position: int) -> Location:
    """The line and column of a reader error's position: libyaml counts UTF-8 bytes, PyYAML characters."""
    if _Loader is yaml.SafeLoader:  # pragma: no cover - only without libyaml
        before = text[:position]
    else:
        before = text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "replace")
    return Location(shown, before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)


def _reader_message(exc: Any) -> str:
    character = exc.character
    code = f"U+{character:04X}" if isinstance(character, int) else repr(character)
    return f"the character {code} is not allowed in YAML ({exc.reason}); remove it or write it as an escape inside double quotes"


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
    """Builds located data straight from the parser's events, one node at a time.

    Working from events rather than from a composed node tree means a too-deep document is
    refused after ``MAX_DEPTH`` levels (the C composer recurses without limit and crashes on
    ~100,000 nested brackets) and an alias is refused where it stands, before anything is expanded.
    """

    def __init__(self, shown: str, loader: Any) -> None:
        self.shown = shown
        self.loader = loader
        self.problems = Problems()
        self.constructor = SafeConstructor()

    def loc(self, item: Any) -> Location:
        return Location(self.shown, item.start_mark.line + 1, item.start_mark.column + 1)

    def document(self) -> Any:
        next_event = self.loader.get_event
        next_event()  # stream start
        event = next_event()
        if isinstance(event, StreamEndEvent):
            return None  # an empty file (or only comments)
        data = self.build(next_event(), 0)  # the event after the document start
        next_event()  # document end
        event = next_event()
        if not isinstance(event, StreamEndEvent):
            raise LoadError("a file holds one YAML document; remove the second '---' and what follows it", self.loc(event))
        return data

    def build(self, event: Any, depth: int) -> Any:
        if isinstance(event, AliasEvent):
            raise LoadError(f"YAML aliases (*{event.anchor}) are not supported; write the value out", self.loc(event))
        if event.anchor is not None:
            raise LoadError(
                f"YAML anchors (&{event.anchor}) and aliases are not supported; write the value out", self.loc(event)
            )
        if depth > MAX_DEPTH:
            raise LoadError(DEPTH_MESSAGE, self.loc(event))
        if event.tag is not None:  # decks need no tags; one dropped in silence would change what a value means
            raise LoadError(f"YAML tag {_shown_tag(event.tag)!r} is not supported; remove it", self.loc(event))
        if isinstance(event, ScalarEvent):
            return self.scalar(event)
        next_event = self.loader.get_event
        shown = self.shown
        mark: Any  # a parser mark: an event's start
        if isinstance(event, SequenceStartEvent):
            items = LocList()
            mark = event.start_mark
            items._path, items._line, items._col = shown, mark.line + 1, mark.column + 1
            marks = array("I")
            event = next_event()
            while not isinstance(event, SequenceEndEvent):
                mark = event.start_mark
                marks.append(mark.line + 1)
                marks.append(mark.column + 1)
                items.append(self.build(event, depth + 1))
                event = next_event()
            items._marks = marks
            return items
        if isinstance(event, MappingStartEvent):
            result = LocDict()
            mark = event.start_mark
            result._path, result._line, result._col = shown, mark.line + 1, mark.column + 1
            keys: list[Any] = []
            marks = array("I")
            event = next_event()
            while not isinstance(event, MappingEndEvent):
                key_mark = event.start_mark
                key = self.build(event, depth + 1)
                event = next_event()
                value_mark = event.start_mark
                block = isinstance(event, ScalarEvent) and event.style in ("|", ">")
                value = self.build(event, depth + 1)
                event = next_event()
                if key is _MERGE:
                    raise LoadError("YAML merge keys (<<) are not supported", _mark_location(shown, key_mark))
                if isinstance(key, (LocDict, LocList)):
                    self.problems.error(_mark_location(shown, key_mark), "a mapping key must be a plain value")
                    continue
                if key in result:
                    first = marks[4 * keys.index(key)]
                    self.problems.error(_mark_location(shown, key_mark), f"duplicate key {key!r} (first at line {first}); keep only one")
                    continue
                keys.append(key)
                marks.extend((key_mark.line + 1, key_mark.column + 1, value_mark.line + 1, value_mark.column + 1))
                result[key] = value
                if block:
                    if not result.block_values:
                        result.block_values = set()
                    result.block_values.add(key)  # type: ignore[union-attr]
            result._keys, result._marks = tuple(keys), marks
            return result
        raise LoadError(f"unexpected YAML event {type(event).__name__}", self.loc(event))  # pragma: no cover

    def scalar(self, event: ScalarEvent) -> Any:
        if _plainly_text(event):
            return event.value  # the common case, without PyYAML's resolver and constructor
        tag = self.loader.resolve(ScalarNode, event.value, event.implicit)
        if tag == "tag:yaml.org,2002:merge":
            return _MERGE
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)  # type: ignore[arg-type]
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise LoadError(f"bad value: {getattr(exc, 'problem', exc)}", self.loc(node)) from None
        except ValueError:  # e.g. an impossible date such as 2022-02-30: let the schema say why
            return node.value


_MERGE = object()

#: Plain scalars that PyYAML may read as something other than text start like this …
_MAYBE_NOT_TEXT_START = frozenset("0123456789+-.~=<")
#: … or are one of these words (booleans and nulls of YAML 1.1).
_MAYBE_NOT_TEXT_WORDS = frozenset("y n yes no true false on off null".split())


_QUOTED = ("'", '"', "|", ">")
_STANDARD_TAG = "tag:yaml.org,2002:"


def _shown_tag(tag: str) -> str:
    """A tag as a curator writes it: ``!!str`` rather than ``tag:yaml.org,2002:str``."""
    return "!!" + tag[len(_STANDARD_TAG) :] if tag.startswith(_STANDARD_TAG) else tag


def _plainly_text(event: ScalarEvent) -> bool:
    """Whether a scalar without a tag is text for sure: quoted, or plain and not number-, date-,
    boolean- or null-like. Everything else goes through PyYAML's resolver."""
    if event.style in _QUOTED:
        return True
    value = event.value
    return bool(value) and value[0] not in _MAYBE_NOT_TEXT_START and value.lower() not in _MAYBE_NOT_TEXT_WORDS


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

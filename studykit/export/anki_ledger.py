"""The Anki ledger: what the last build shipped, kept beside the deck file between builds.

``<deck file stem>.ledger.json`` holds, per note GUID, the content hash, the modification time
(``mod``) it was shipped with, the question id and the note type key; per note type its hash and
mod. Anki updates a note on import only when the file's ``mod`` is newer than its own, so
unchanged content keeps its old ``mod`` and changed content gets a newer one (:func:`stamp`).

A question that is no longer generated is **retired**: its entry keeps its note type and gains
``retired`` (the date it was retired) and ``reason``, so that the retired note studykit ships in
its place is the same in every later build (the same content, so the same ``mod``: Anki reports
it unchanged) until the question comes back, when it is shipped as changed and updates in place.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..errors import ExportError, Location
from ..fsio import require_regular

__all__ = ["LEDGER_FORMAT", "NoteEntry", "content_hash", "ledger_pieces", "ledger_text", "read_ledger", "stamp"]

LEDGER_FORMAT = "studykit-anki-ledger/1"

Ledger = dict[str, dict[str, Mapping[str, Any]]]


class NoteEntry(Mapping[str, Any]):
    """A shipped note's entry, ``{"hash", "id", "mod", "type"}``, read like the dictionary it is
    written as, in a quarter of the memory: 64 bytes to a dictionary's 184, and the ledger of
    100,000 facts has some 385,000 of them (read whole on a rebuild, made anew on every build).
    A retired note's entry, which has more keys, stays a dictionary."""

    __slots__ = ("hash", "id", "mod", "type")
    KEYS = ("hash", "id", "mod", "type")

    def __init__(self, hash: str, id: str, mod: int, type: str) -> None:
        self.hash, self.id, self.mod, self.type = hash, id, mod, type

    def __getitem__(self, key: str) -> Any:
        if key in NoteEntry.KEYS:
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(NoteEntry.KEYS)

    def __len__(self) -> int:
        return len(NoteEntry.KEYS)

    def __repr__(self) -> str:
        return repr(dict(self))


_ENTRY_TYPES = {"hash": str, "id": str, "mod": int, "type": str}


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


_COMPACT = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


#: Notes a piece of :func:`ledger_pieces` holds.
_NOTES_A_PIECE = 2000


def ledger_text(ledger: Mapping[str, Any]) -> str:
    """The ledger as JSON with one note a line: quick to write, and a rebuild's diff shows the notes it changed."""
    return "".join(ledger_pieces(ledger))


def ledger_pieces(ledger: Mapping[str, Any]) -> Iterator[str]:
    """:func:`ledger_text` in pieces, made as they are written: the text of a large ledger is
    never whole in memory (100,000 facts: some 55 MB, which a string, its lines and their join
    held three times over while the package was written)."""
    compact = _COMPACT.encode  # json.dumps(value, ensure_ascii=False, sort_keys=True), one encoder for every note
    notes = ledger["notes"]
    yield (
        "{\n"
        f' "deck": {compact(ledger["deck"])},\n'
        f' "format": {compact(ledger["format"])},\n'
        f' "note_types": {compact(ledger["note_types"])},\n'
        ' "notes": {\n'
    )
    guids = sorted(notes)
    for start in range(0, len(guids), _NOTES_A_PIECE):
        lines = ",\n".join(f"  {compact(guid)}: {compact(dict(notes[guid]))}" for guid in guids[start : start + _NOTES_A_PIECE])
        yield lines if start == 0 else ",\n" + lines
    yield "\n }\n}\n"


def read_ledger(path: Path) -> Ledger:
    """The ledger at ``path`` (empty when there is none); :class:`ExportError` when it is damaged."""
    empty: Ledger = {"notes": {}, "note_types": {}}
    require_regular(path)  # a named pipe would block the read forever
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return empty
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"cannot read the Anki ledger: {getattr(exc, 'strerror', None) or exc}", Location(str(path))) from None
    shared: dict[object, object] = {}  # one object for every equal mod and type ("cloze", "question")

    def compact_entry(entry: dict[str, Any]) -> Mapping[str, Any]:
        """A live note's entry as a :class:`NoteEntry` as soon as it is read, so that the
        dictionaries of a large ledger are never all in memory; anything else as it is."""
        if len(entry) != len(NoteEntry.KEYS) or any(type(entry.get(k)) is not t for k, t in _ENTRY_TYPES.items()):
            return entry
        return NoteEntry(entry["hash"], entry["id"], shared.setdefault(entry["mod"], entry["mod"]), shared.setdefault(entry["type"], entry["type"]))  # type: ignore[arg-type]

    try:
        data = json.loads(raw, object_hook=compact_entry)
        del raw
    except json.JSONDecodeError as exc:
        raise ExportError(
            f"the Anki ledger is not valid JSON ({exc.msg}); delete it to start afresh "
            "(every note is then marked changed and updated on the next import)",
            Location(str(path), exc.lineno, exc.colno),
        ) from None
    ok = isinstance(data, dict) and data.get("format") == LEDGER_FORMAT
    for section in ("notes", "note_types"):
        entries = data.get(section, {}) if isinstance(data, dict) else None
        ok = ok and isinstance(entries, dict) and all(
            isinstance(e, Mapping) and isinstance(e.get("hash"), str) and isinstance(e.get("mod"), int)
            for e in entries.values()
        )
    if ok:
        for entry in data.get("notes", {}).values():
            for key in ("id", "type", "retired", "reason"):
                ok = ok and (key not in entry or isinstance(entry[key], str))
    if not ok:
        raise ExportError(
            f"not a studykit Anki ledger (expected format {LEDGER_FORMAT!r} with 'notes' and 'note_types'); "
            "delete it to start afresh (every note is then marked changed)",
            Location(str(path)),
        )
    return {"notes": dict(data.get("notes", {})), "note_types": dict(data.get("note_types", {}))}


def stamp(entry: Mapping[str, Any] | None, hashed: str, now: int) -> tuple[int, str]:
    """(mod, status) for content with hash ``hashed`` given its ledger entry: ``new``,
    ``unchanged`` (the entry's mod) or ``changed`` (now, and at least a second after the old mod)."""
    if entry is None:
        return now, "new"
    if entry["hash"] == hashed:
        return int(entry["mod"]), "unchanged"
    return max(now, int(entry["mod"]) + 1), "changed"

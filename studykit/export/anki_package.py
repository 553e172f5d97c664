"""Writing an Anki package reproducibly: the database is filled in a private temporary folder,
and the zip is written here (fixed entry order, entry dates from the newest mod, Unix
attributes, deflate), so the same notes give the same bytes.

genanki makes the collection, the note types and the decks; the notes and cards are written here,
row by row as genanki's ``Note.write_to_db`` and ``Card.write_to_db`` write them (the same rows in
the same order, so the same database bytes), from plain tuples (:class:`NoteRow`) instead of one
``genanki.Note`` a note, which took half of the package's time and a copy of every field."""

from __future__ import annotations

import array
import errno
import json
import marshal
import re
import shutil
import sqlite3
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, NamedTuple, Sequence

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

__all__ = ["NoteRow", "NoteRows", "Staging", "ZIP_EPOCH", "package_writer"]


class NoteRow(NamedTuple):
    """One note as the package stores it (its cards follow from its note type and fields). A
    staged note's fields and tags are in a :class:`Staging` file (``staged`` is where), not here."""

    model: genanki.Model
    fields: Sequence[str]
    tags: Sequence[str]
    guid: str
    due: int
    mod: int
    staged: int = -1


class NoteRows:
    """A deck's rows in the order added, a staged note's in a few machine words (its GUID, due,
    mod and staging offset in arrays, its note type as an index): 100,000 facts make some 385,000
    rows, which as named tuples were about 75 MB at the build's peak. Iterating gives
    :class:`NoteRow` again."""

    def __init__(self) -> None:
        self._models: list[genanki.Model] = []
        self._model: array.array[int] = array.array("h")
        self._guids: list[str] = []
        self._numbers: array.array[int] = array.array("q")  # due, mod, staged for each row
        self._whole: dict[int, NoteRow] = {}  # rows with their own fields (retired notes)

    def append(self, row: NoteRow) -> None:
        model = next((i for i, m in enumerate(self._models) if m is row.model), len(self._models))
        if model == len(self._models):
            self._models.append(row.model)  # in the order first used, as genanki meets them
        if row.staged < 0 or row.fields or row.tags:
            self._whole[len(self._guids)] = row
            model, numbers = -1, (0, 0, -1)
        else:
            numbers = (row.due, row.mod, row.staged)
        self._guids.append(row.guid)
        self._model.append(model)
        self._numbers.extend(numbers)

    def models(self) -> list[genanki.Model]:
        """The rows' note types, each once, in the order first used."""
        return list(self._models)

    def __len__(self) -> int:
        return len(self._guids)

    def __iter__(self) -> Iterator[NoteRow]:
        numbers = self._numbers
        for i, guid in enumerate(self._guids):
            whole = self._whole.get(i)
            if whole is not None:
                yield whole
            else:
                yield NoteRow(self._models[self._model[i]], (), (), guid, numbers[3 * i], numbers[3 * i + 1], numbers[3 * i + 2])


class Staging:
    """Notes' fields and tags kept in an anonymous temporary file until the package is written,
    instead of in memory: every note's HTML is built (and hashed for the ledger) before the
    first row is written, and at 100,000 facts that was hundreds of MiB. The file has no name
    (it is unlinked as it is made), so nothing is left behind whatever happens."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.size = 0

    def add(self, fields: Sequence[str], tags: Sequence[str]) -> int:
        data = marshal.dumps((tuple(fields), tuple(tags)))
        at = self.size
        self.file.write(len(data).to_bytes(4, "little") + data)
        self.size += 4 + len(data)
        return at

    def rows(self, rows: Iterable[NoteRow]) -> Iterator[NoteRow]:
        """``rows`` with the fields and tags of staged ones read back, in order."""
        self.file.flush()
        for row in rows:
            if row.staged < 0:
                yield row
                continue
            self.file.seek(row.staged)
            size = int.from_bytes(self.file.read(4), "little")
            fields, tags = marshal.loads(self.file.read(size))
            yield row._replace(fields=fields, tags=tags)

    def close(self) -> None:
        self.file.close()

#: Zip dates start in 1980.
ZIP_EPOCH = 315532800


def package_writer(
    decks: list[tuple[genanki.Deck, Iterable[NoteRow]]], timestamp: int, staging: Staging | None = None
) -> Callable[[IO[bytes]], None]:
    """Writes the .apkg into the staged file: the database of ``decks`` (each with its notes, the
    staged ones read back from ``staging``) is filled in a private temporary folder, and the zip
    is written deterministically (fixed entry order, dates and attributes)."""

    def write(handle: IO[bytes]) -> None:
        try:
            _write(handle)
        finally:
            if staging is not None:
                staging.close()

    def _write(handle: IO[bytes]) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="studykit-anki-") as tmp:
                db_path = Path(tmp) / "collection.anki2"
                conn = sqlite3.connect(db_path)
                try:
                    cursor = conn.cursor()
                    id_gen = iter(range(timestamp * 1000, 1 << 62))
                    _write_db(cursor, decks, timestamp, id_gen, staging)
                    _canonical_json(cursor)
                    conn.commit()
                finally:
                    conn.close()
                date_time = time.gmtime(max(timestamp, ZIP_EPOCH))[:6]  # zip dates start in 1980
                with zipfile.ZipFile(handle, "w") as archive:
                    for name, source in (("collection.anki2", db_path), ("media", None)):
                        info = zipfile.ZipInfo(name, date_time=date_time)
                        info.compress_type = zipfile.ZIP_DEFLATED
                        info.create_system = 3
                        info.external_attr = 0o644 << 16
                        if source is None:
                            archive.writestr(info, b"{}")
                            continue
                        large = source.stat().st_size > (1 << 31)
                        with open(source, "rb") as data, archive.open(info, "w", force_zip64=large) as entry:
                            shutil.copyfileobj(data, entry, 1 << 20)
        except sqlite3.Error as exc:  # "database or disk is full", "disk I/O error"
            raise OSError(errno.ENOSPC if "full" in str(exc) else errno.EIO, f"cannot build the Anki database: {exc}") from None

    return write


def _write_db(
    cursor: sqlite3.Cursor, decks: list[tuple[genanki.Deck, Iterable[NoteRow]]], timestamp: int, id_gen: Any, staging: Staging | None = None
) -> None:
    """What ``genanki.Package(decks).write_to_db`` does, deck by deck: the deck's JSON and its
    note types' (genanki's own code), then each note's row and its cards' rows."""
    cursor.executescript(APKG_SCHEMA)
    cursor.executescript(APKG_COL)
    cards_of: dict[int, Callable[[NoteRow], list[int]]] = {}
    for deck, notes in decks:
        for model in notes.models() if isinstance(notes, NoteRows) else [note.model for note in notes]:
            deck.add_model(model)
        deck.write_to_db(cursor, timestamp, id_gen)  # its notes are not in deck.notes: only the JSON
        for note in staging.rows(notes) if staging is not None else notes:
            model = note.model
            if model.model_id not in cards_of:
                cards_of[model.model_id] = _card_ords(model)
            _check_note(note)
            note_id = next(id_gen)
            cursor.execute(_NOTE_SQL, (
                note_id, note.guid, model.model_id, int(note.mod), -1, " " + " ".join(note.tags) + " ",
                "\x1f".join(note.fields), note.fields[model.sort_field_index], 0, 0, "",
            ))
            for ord_ in cards_of[model.model_id](note):
                cursor.execute(_CARD_SQL, (next(id_gen), note_id, deck.deck_id, ord_, int(note.mod), -1, 0, 0, note.due, 0, 0, 0, 0, 0, 0, 0, 0, ""))


_NOTE_SQL = "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);"
_CARD_SQL = "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);"


def _check_note(note: NoteRow) -> None:
    """genanki's checks of a note before it is written: as many fields as the note type, no tag
    with a space, and a warning for a field with what looks like an unescaped HTML tag."""
    if len(note.model.fields) != len(note.fields):
        raise ValueError(f"Number of fields in Model does not match number of fields in Note: {len(note.model.fields)} != {len(note.fields)}")
    for tag in note.tags:
        if " " in tag:
            raise ValueError(f'Tag "{tag}" contains a space; this is not allowed!')
    for field in note.fields:
        invalid = genanki.Note._INVALID_HTML_TAG_RE.findall(field)
        if invalid:
            warnings.warn("Field contained the following invalid HTML tags. Make sure you are calling html.escape() if"
                          " your field data isn't already HTML-encoded: {}".format(" ".join(invalid)), stacklevel=2)


def _card_ords(model: genanki.Model) -> Callable[[NoteRow], list[int]]:
    """The ords of a note's cards, as ``genanki.Note.cards`` finds them (the same order)."""
    if model.model_type == model.FRONT_BACK:
        req = model._req

        def front_back(note: NoteRow) -> list[int]:
            return [o for o, any_or_all, ords in req if {"any": any, "all": all}[any_or_all](note.fields[i] for i in ords)]

        return front_back
    if model.model_type != model.CLOZE:
        raise ValueError("Expected model_type CLOZE or FRONT_BACK")
    qfmt = model.templates[0]["qfmt"]
    names = set(re.findall(r"{{[^}]*?cloze:(?:[^}]?:)*(.+?)}}", qfmt) + re.findall("<%cloze:(.+?)%>", qfmt))
    indices = [next((i for i, f in enumerate(model.fields) if f["name"] == name), -1) for name in names]

    def cloze(note: NoteRow) -> list[int]:
        ords: set[int] = set()
        for index in indices:
            value = note.fields[index] if index >= 0 else ""
            ords.update(int(m) - 1 for m in _CLOZE_NUMBER.findall(value) if int(m) > 0)
        return list(ords)  # genanki's test for no cloze compares the set with {}: never true, so no card

    return cloze


_CLOZE_NUMBER = re.compile(r"{{c(\d+)::.+?}}", re.DOTALL)


def _canonical_json(cursor: sqlite3.Cursor) -> None:
    """genanki re-adds each note type once per deck under an int key beside the str one it
    read back, leaving duplicate JSON keys; store one entry per id, keys sorted."""
    for column in ("models", "decks"):
        (text,) = cursor.execute(f"SELECT {column} FROM col").fetchone()
        value = json.loads(text)
        cursor.execute(f"UPDATE col SET {column} = ?", (json.dumps(value, sort_keys=True),))

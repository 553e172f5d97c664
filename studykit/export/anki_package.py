"""Writing an Anki package reproducibly: genanki fills the database in a private temporary
folder, and the zip is written here (fixed entry order, entry dates from the newest mod, Unix
attributes, deflate), so the same notes give the same bytes."""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path
from typing import IO, Callable

import genanki

__all__ = ["ZIP_EPOCH", "package_writer"]

#: Zip dates start in 1980.
ZIP_EPOCH = 315532800


def package_writer(decks: list[genanki.Deck], timestamp: int) -> Callable[[IO[bytes]], None]:
    """Writes the .apkg into the staged file: genanki fills the database in a private temporary
    folder, and the zip is written deterministically (fixed entry order, dates and attributes)."""

    def write(handle: IO[bytes]) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="studykit-anki-") as tmp:
                db_path = Path(tmp) / "collection.anki2"
                conn = sqlite3.connect(db_path)
                try:
                    cursor = conn.cursor()
                    id_gen = iter(range(timestamp * 1000, 1 << 62))
                    genanki.Package(decks).write_to_db(cursor, timestamp, id_gen)
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


def _canonical_json(cursor: sqlite3.Cursor) -> None:
    """genanki re-adds each note type once per deck under an int key beside the str one it
    read back, leaving duplicate JSON keys; store one entry per id, keys sorted."""
    for column in ("models", "decks"):
        (text,) = cursor.execute(f"SELECT {column} FROM col").fetchone()
        value = json.loads(text)
        cursor.execute(f"UPDATE col SET {column} = ?", (json.dumps(value, sort_keys=True),))

"""Writing outputs safely: a temporary file in the target folder, then an atomic rename.

:func:`write_all_atomic` is the one implementation: it stages every file of a batch (a temporary
file next to each target, with the permissions the target should get) before it renames any of
them into place, so a failure while staging changes nothing. :func:`write_atomic` is the batch of
one file.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

from .errors import ExportError, Location

__all__ = ["write_atomic", "write_all_atomic"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: New outputs get the permissions an ordinary ``open(path, "w")`` would give them (mkstemp's are 0600).
_NEW_FILE_MODE = 0o666 & ~_umask()


def write_atomic(path: Path, data: bytes | str | Iterable[bytes | str]) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a half.

    ``data`` may be an iterable of pieces, written as they come (large outputs need not be held
    in memory whole).

    Raises :class:`ExportError` (naming the path) when the folder cannot be written.
    """
    write_all_atomic({Path(path): data})


def write_all_atomic(files: Mapping[Path, bytes | str | Iterable[bytes | str]]) -> None:
    """Write several files so that each reader sees an old file or a new one, never a half.

    Every file is first written to a temporary file in its target's folder (``.<name>.<random>.tmp``,
    with the permissions of the file it replaces, or the usual ones for a new file); only when all
    of them are staged is each moved into place with :func:`os.replace`. Folders are created as
    needed. On any failure (and on an interrupt) the temporary files not yet moved are removed; an
    :class:`OSError` becomes an :class:`ExportError` naming the path and saying what was changed.
    """
    items = [(Path(path), data.encode("utf-8") if isinstance(data, str) else data) for path, data in files.items()]
    one = len(items) == 1
    staged: list[tuple[str, Path]] = []
    try:
        for path, payload in items:
            staged.append((_stage(path, payload, one), path))
        for done, (tmp, path) in enumerate(staged):
            try:
                os.replace(tmp, path)
            except OSError as exc:
                if one:
                    what = "the previous file is unchanged"
                elif done == 0:
                    what = "no file was changed"
                else:
                    what = f"{done} of {len(staged)} files were already replaced, the others are unchanged"
                raise ExportError(f"cannot write {path}: {_reason(exc)}; {what}", Location(str(path))) from None
            staged[done] = ("", path)  # moved: nothing left to clean up
    except BaseException:
        for tmp, _ in staged:
            if tmp:
                _remove(tmp)
        raise


def _stage(path: Path, payload: bytes | Iterable[bytes | str], one: bool) -> str:
    """``payload`` in a new temporary file next to ``path``, with the mode ``path`` should have."""
    unchanged = "the previous file is unchanged" if one else "no file was changed"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        # mkdir reports a file where the folder should be as "File exists"; say what is wrong
        reason = os.strerror(errno.ENOTDIR) if isinstance(exc, FileExistsError) and not path.parent.is_dir() else _reason(exc)
        message = f"cannot write to {path.parent}: {reason}"
        raise ExportError(message if one else f"{message}; {unchanged}", Location(str(path))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(payload, (bytes, bytearray, memoryview)):
                handle.write(payload)
            else:
                for piece in payload:
                    handle.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
        os.chmod(tmp, _mode_for(path))
    except OSError as exc:
        _remove(tmp)
        raise ExportError(f"cannot write {path}: {_reason(exc)}; {unchanged}", Location(str(path))) from None
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _mode_for(path: Path) -> int:
    """Keep the permissions of the file being replaced; a new file gets the usual ones."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return _NEW_FILE_MODE


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass

"""Writing outputs safely: a temporary file in the target folder, then an atomic rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import ExportError, Location


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: New outputs get the permissions an ordinary ``open(path, "w")`` would give them (mkstemp's are 0600).
_NEW_FILE_MODE = 0o666 & ~_umask()


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a half.

    Raises :class:`ExportError` (naming the path) when the folder cannot be written.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"cannot write to {path.parent}: {exc.strerror or exc}", Location(str(path))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}; the previous file is unchanged", Location(str(path))) from None
    except BaseException:
        _remove(tmp)
        raise


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

"""Writing outputs all or nothing: every file staged, checked, then moved into place together.

:func:`commit` is the one way studykit writes its outputs. Given the planned
:class:`~studykit.export.base.Output` of every exporter of a build, it

1. refuses targets that exist and are not regular files (a folder, a device such as
   ``/dev/null``, a named pipe, a symbolic link), and folders that are files;
2. stages every file: a temporary file (``.<name>.<random>.tmp``) next to its target, written in
   full, with the permissions of the file it replaces (or the usual ones for a new file);
3. keeps a hard link to each file it replaces and moves every staged file into place with
   :func:`os.replace`; if any move fails, the moves already made are undone from those links;
4. removes the files of an earlier run that an exporter's manifest lists and this run no
   longer makes, and the links it kept.

Interrupts never strike at a random point of this: for the whole commit (and, through
:func:`interrupts_deferred`, for the planning before it) Ctrl-C, SIGTERM and SIGHUP are only
recorded, and act at a :func:`checkpoint` — before each file is staged and between the pieces
written into it, never once the files are being moved — or when the commit is over. So a
temporary file is always removed by the code that made it, ``$TMPDIR``'s included.

If anything fails, nothing visible has changed and no temporary file is left, on errors, full
disks and interrupts alike. The limit: cleaning up needs the process to run. A crash of the
machine itself (power, kernel) or a ``kill -9`` leaves the hidden ``.tmp``/``.old`` files of
that moment behind, and, between two of the moves, some outputs new and some old (each file is
always whole).

An :class:`OSError` becomes an :class:`~studykit.errors.ExportError` naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import stat
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Iterable, Iterator, Mapping, Sequence

from .errors import ExportError, Location, Problem

if TYPE_CHECKING:
    from .export.base import Content, ExportReport, Output

__all__ = ["MANIFEST", "checkpoint", "commit", "interrupts_deferred", "write_atomic", "write_all_atomic"]

#: The file in an exporter's folder that lists what the last run wrote there.
MANIFEST = ".studykit-manifest.json"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: New outputs get the permissions an ordinary ``open(path, "w")`` would give them (mkstemp's are 0600).
_NEW_FILE_MODE = 0o666 & ~_umask()
#: SIGINT first: once it is recorded rather than raised, nothing can interrupt installing the others.
_HELD_SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP")) if s is not None)


def write_atomic(path: Path, data: Content) -> None:
    """Write one file so that readers see the old file or the new one, never a half."""
    write_all_atomic({Path(path): data})


def write_all_atomic(files: Mapping[Path, Content]) -> None:
    """Write several files all or nothing (see :func:`commit`)."""
    from .export.base import Output

    commit([Output("files", dict(files), summary="")])


@dataclass
class _File:
    target: Path
    content: Content
    tmp: str | None = None
    backup: str | None = None  # a hard link to the file this one replaces
    moved: bool = False


@dataclass
class _Stale:
    path: Path
    backup: str | None = None


@dataclass
class _Plan:
    output: Output
    files: list[_File]
    stale: list[_Stale] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # stale names that could not be removed: still listed
    problems: list[Problem] = field(default_factory=list)
    manifest: _File | None = None
    names: list[str] = field(default_factory=list)


def commit(outputs: Sequence[Output]) -> list[ExportReport]:
    """Write every file of every output, or none; return what each exporter wrote."""
    with interrupts_deferred():
        checkpoint()
        return _commit(outputs)


def _commit(outputs: Sequence[Output]) -> list[ExportReport]:
    from .export.base import ExportReport

    plans = [_plan(output) for output in outputs]
    every = [f for plan in plans for f in plan.files]
    total = len(every) + sum(1 for plan in plans if plan.output.folder is not None)
    if total == 1:
        unchanged = "the previous file is unchanged" if os.path.lexists(every[0].target) else "nothing was written"
    else:
        unchanged = "no file was changed"
    _refuse_duplicates(every)
    for item in every:
        _check_target(item.target, unchanged)
    created: list[Path] = []
    try:
        for item in every:
            checkpoint()
            _make_folders(item.target, created, unchanged)
            item.tmp = _stage(item.target, item.content, unchanged)
        checkpoint()  # the last moment to stop: from here on, every file goes into place
        _deferral.final = True
        try:
            for plan in plans:
                _set_aside_stale(plan)
                if plan.output.folder is not None:
                    plan.manifest = _File(plan.output.folder / MANIFEST, _manifest_text([*plan.names, *plan.kept]))
                    _check_target(plan.manifest.target, unchanged)
                    plan.manifest.tmp = _stage(plan.manifest.target, plan.manifest.content, unchanged)
            for item in [*every, *(p.manifest for p in plans if p.manifest)]:
                _move_into_place(item, unchanged)
        except BaseException:
            _undo(plans, every)
            raise
        finally:
            _deferral.final = False
        _finish(plans, every)
    except BaseException:
        for item in [*every, *(p.manifest for p in plans if p.manifest)]:
            if item.tmp and not item.moved:
                _remove(item.tmp)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return [
        ExportReport(
            exporter=plan.output.exporter,
            written=tuple(f.target for f in plan.files),
            summary=plan.output.summary,
            removed=tuple(s.path for s in plan.stale if s.backup is not None),
            problems=(*plan.output.problems, *plan.problems),
            details=plan.output.details,
        )
        for plan in plans
    ]


# --- planning ----------------------------------------------------------------------------------


def _plan(output: Output) -> _Plan:
    files = [_File(Path(path), content) for path, content in output.files.items()]
    plan = _Plan(output, files)
    folder = output.folder
    if folder is None:
        return plan
    names = []
    for item in files:
        try:
            names.append(item.target.relative_to(folder).as_posix())
        except ValueError:
            raise ExportError(f"{item.target} is outside the output folder {folder}", Location(str(item.target))) from None
    plan.names = names
    earlier, problems = read_manifest(folder)
    plan.problems.extend(problems)
    plan.stale = [_Stale(folder / name) for name in sorted(earlier - set(names))]
    return plan


def _refuse_duplicates(files: Iterable[_File]) -> None:
    seen: set[str] = set()
    for item in files:
        key = os.path.abspath(item.target)
        if key in seen:
            raise ExportError(f"two outputs would be written to {item.target}; give each its own path", Location(str(item.target)))
        seen.add(key)


_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a symbolic link",
}


def _check_target(target: Path, unchanged: str) -> None:
    """A target may be missing or a regular file; anything else is refused before a byte is written."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except NotADirectoryError:
        return  # a file where a folder should be: _make_folders says so
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {_reason(exc)}; {unchanged}", Location(str(target))) from None
    if stat.S_ISREG(mode):
        return
    what = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    raise ExportError(
        f"cannot write {target}: it is {what}, and studykit replaces only regular files; "
        f"choose another path or remove it; {unchanged}",
        Location(str(target)),
    )


def _make_folders(target: Path, created: list[Path], unchanged: str) -> None:
    """Create the folders ``target`` needs (each recorded in ``created``, to be removed on failure)."""
    folder = target.parent
    where = Location(str(target))
    missing: list[Path] = []
    probe = folder
    while True:
        try:
            mode = os.stat(probe).st_mode
        except FileNotFoundError:
            missing.append(probe)
            if probe.parent == probe:
                break
            probe = probe.parent
            continue
        except OSError as exc:
            raise ExportError(f"cannot write to {folder}: {_reason(exc)}; {unchanged}", where) from None
        if not stat.S_ISDIR(mode):
            raise ExportError(f"cannot write to {folder}: {os.strerror(errno.ENOTDIR)}; {unchanged}", where)
        break
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise ExportError(f"cannot write to {folder}: {_reason(exc)}; {unchanged}", where) from None
        created.append(path)


def _stage(path: Path, payload: Content, unchanged: str) -> str:
    """``payload`` in a new temporary file next to ``path``, with the mode ``path`` should have."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"cannot write to {path.parent}: {_reason(exc)}; {unchanged}", Location(str(path))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write_content(_Checked(handle), payload)  # type: ignore[arg-type]
        os.chmod(tmp, _mode_for(path))
    except OSError as exc:
        _remove(tmp)
        raise ExportError(f"cannot write {path}: {_reason(exc)}; {unchanged}", Location(str(path))) from None
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def write_content(handle: IO[bytes], payload: Content) -> None:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        handle.write(payload)
    elif isinstance(payload, str):
        handle.write(payload.encode("utf-8"))
    elif callable(payload):
        payload(handle)
    else:
        for piece in payload:
            handle.write(piece.encode("utf-8") if isinstance(piece, str) else piece)


class _Checked:
    """A staged file's handle whose every write is a :func:`checkpoint` (a large package is written
    in many pieces: Ctrl-C need not wait for the whole of it)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        checkpoint()
        return self._handle.write(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)


# --- interrupts ----------------------------------------------------------------------------------


class _Interrupted(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP) acted on at a checkpoint: delivered again once the
    commit has cleaned up, so the process ends as the signal asks."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Deferral:
    depth = 0
    pending: int | None = None
    previous: dict[int, object] = {}
    final = False  # past the last checkpoint of a commit: files are being moved, nothing stops them


_deferral = _Deferral()


def _record(signum: int, frame: object) -> None:
    if _deferral.pending is None:
        _deferral.pending = signum


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Within this block, Ctrl-C, SIGTERM and SIGHUP are recorded and act only at a
    :func:`checkpoint` or when the (outermost) block ends. Only in the main thread (signals are
    delivered there); elsewhere the block changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    outermost = _deferral.depth == 0
    if outermost:
        _deferral.pending = None
        _deferral.previous = {}
        for sig in _HELD_SIGNALS:
            handler = signal.getsignal(sig)
            if handler is signal.SIG_IGN:  # nohup's SIGHUP, a background job's SIGINT: stays ignored
                continue
            _deferral.previous[sig] = handler
            signal.signal(sig, _record)
    _deferral.depth += 1
    try:
        yield
    finally:
        _deferral.depth -= 1
        if outermost:
            for sig in reversed(_HELD_SIGNALS):  # SIGINT last: from then on a Ctrl-C acts at once again
                if sig in _deferral.previous:
                    signal.signal(sig, _deferral.previous[sig])  # type: ignore[arg-type]
            pending, _deferral.pending = _deferral.pending, None
            if pending is not None:
                _deliver(pending, _deferral.previous.get(pending))


def _deliver(signum: int, handler: object) -> None:
    """Act on a signal that arrived while deferred, as it would have acted then."""
    if signum == signal.SIGINT and handler is signal.default_int_handler:
        raise KeyboardInterrupt
    signal.raise_signal(signum)  # SIGTERM's default ends the process; a handler of the program's runs
    if signum != signal.SIGINT:
        raise _Interrupted(signum)  # a handler that let the process live: still, this commit stops


def checkpoint() -> None:
    """Act on an interrupt recorded by :func:`interrupts_deferred`: raise :class:`KeyboardInterrupt`
    (for a signal the program handles itself, wait: its handler runs when the block ends)."""
    pending = _deferral.pending
    if pending is None or _deferral.depth == 0 or _deferral.final:
        return
    handler = _deferral.previous.get(pending)
    if pending == signal.SIGINT and handler is signal.default_int_handler:
        _deferral.pending = None
        raise KeyboardInterrupt
    if handler is signal.SIG_DFL:
        raise _Interrupted(pending)  # kept pending: the signal is delivered again when the block ends


# --- moving into place ---------------------------------------------------------------------------


def _backup_name(path: Path) -> str:
    fd, name = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".old", dir=path.parent)
    os.close(fd)
    os.unlink(name)
    return name


def _set_aside_stale(plan: _Plan) -> None:
    """Move the files an earlier run made and this one does not to hidden names (undone on failure)."""
    for stale in plan.stale:
        try:
            if not (stale.path.is_symlink() or stale.path.is_file()):
                continue  # gone already, or now a folder: not a file of ours
            name = _backup_name(stale.path)
            os.rename(stale.path, name)
        except FileNotFoundError:
            continue
        except OSError as exc:
            plan.kept.append(stale.path.relative_to(plan.output.folder).as_posix())  # type: ignore[arg-type]
            plan.problems.append(
                Problem(Location(str(stale.path)), f"could not remove this output of an earlier run: {_reason(exc)}", "warning")
            )
            continue
        stale.backup = name


def _move_into_place(item: _File, unchanged: str) -> None:
    try:
        if os.path.lexists(item.target):
            name = _backup_name(item.target)
            try:
                os.link(item.target, name)
                item.backup = name
            except OSError:
                pass  # no hard links here: this one file cannot be restored if a later move fails
        os.replace(item.tmp, item.target)  # type: ignore[arg-type]
    except OSError as exc:
        raise ExportError(f"cannot write {item.target}: {_reason(exc)}; {unchanged}", Location(str(item.target))) from None
    item.moved = True


def _undo(plans: Sequence[_Plan], every: Sequence[_File]) -> None:
    """Put every replaced file and every set-aside file back where it was."""
    for item in reversed([*every, *(p.manifest for p in plans if p.manifest)]):
        if item.moved:
            with contextlib.suppress(OSError):
                if item.backup:
                    os.replace(item.backup, item.target)
                    item.backup = None
                else:
                    os.unlink(item.target)
            item.moved = False
            item.tmp = None
        if item.backup:
            _remove(item.backup)
    for plan in plans:
        for stale in plan.stale:
            if stale.backup:
                with contextlib.suppress(OSError):
                    os.replace(stale.backup, stale.path)
                stale.backup = None


def _finish(plans: Sequence[_Plan], every: Sequence[_File]) -> None:
    for item in [*every, *(p.manifest for p in plans if p.manifest)]:
        if item.backup:
            _remove(item.backup)
    for plan in plans:
        emptied = set()
        for stale in plan.stale:
            if stale.backup:
                _remove(stale.backup)
                if stale.path.parent != plan.output.folder:
                    emptied.add(stale.path.parent)
        for folder in sorted(emptied, key=lambda f: len(f.parts), reverse=True):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty


# --- the manifest --------------------------------------------------------------------------------


def _manifest_text(files: Iterable[str]) -> str:
    data = {
        "generator": "studykit",
        "about": "The files the last studykit run wrote to this folder. The next run removes those "
        "it no longer makes; files not listed here are never touched.",
        "files": sorted(set(files)),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _manifest_entry_ok(name: object) -> bool:
    """A plain relative path inside the output folder: never absolute, never ``..``."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name or name == MANIFEST:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and path.as_posix() == name and not any(part in ("", ".", "..") for part in path.parts)


def require_regular(path: Path) -> None:
    """Refuse to read ``path`` when it exists and is not a regular file (a named pipe would block
    the read forever). Raises :class:`ExportError`."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing, or unreadable: the read that follows says so
    if not stat.S_ISREG(mode):
        what = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise ExportError(f"cannot read {path}: it is {what}, and studykit reads only regular files; remove it", Location(str(path)))


#: A manifest larger than this is not one of ours.
_MANIFEST_BYTES = 64 * 1024 * 1024


def read_manifest(folder: Path) -> tuple[set[str], list[Problem]]:
    """The files an earlier run listed in ``folder``'s manifest (none when there is none)."""
    from .errors import LoadError
    from .yamlio import read_bytes

    path = folder / MANIFEST
    if not os.path.lexists(path):
        return set(), []
    try:
        data = json.loads(read_bytes(path, max_bytes=_MANIFEST_BYTES).decode("utf-8"))
    except LoadError as exc:
        if not os.path.lexists(path):  # gone meanwhile, or a folder of that name is missing
            return set(), []
        reason = exc.problems[0].message
        return set(), [Problem(Location(str(path)), f"cannot read {MANIFEST} ({reason}); no earlier outputs were removed", "warning")]
    except (UnicodeDecodeError, ValueError) as exc:
        return set(), [Problem(Location(str(path)), f"cannot read {MANIFEST} ({exc}); no earlier outputs were removed", "warning")]
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        return set(), [Problem(Location(str(path)), f"{MANIFEST} has no list of files; no earlier outputs were removed", "warning")]
    return {name for name in files if _manifest_entry_ok(name)}, []


# --- small helpers -------------------------------------------------------------------------------


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _mode_for(path: Path) -> int:
    """Keep the permissions of the file being replaced; a new file gets the usual ones."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return _NEW_FILE_MODE


def _remove(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)

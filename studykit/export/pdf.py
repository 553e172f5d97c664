"""Printing HTML pages to PDF with headless Chromium (Debian's ``chromium``, or ``$STUDYKIT_CHROMIUM``).

Pages are printed from a private temporary copy of the folder they belong to, so a PDF is made
before any output is written and a failed print leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import ExportError

__all__ = ["CHROMIUM_FLAGS", "find_chromium", "print_pages", "print_to_pdf", "require_chromium", "run_chromium"]

_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Flags for a quiet, self-contained headless run (also as root, in containers).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
)


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable: ``$STUDYKIT_CHROMIUM``, else the first on PATH."""
    explicit = os.environ.get("STUDYKIT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(args: Sequence[str], *, chromium: str | None = None, timeout: float = 90) -> subprocess.CompletedProcess[bytes]:
    """Run headless Chromium with a fresh profile; raise :class:`ExportError` if it cannot run."""
    exe = chromium or find_chromium()
    if exe is None:
        raise ExportError("Chromium is not installed (looked for: " + ", ".join(_CHROMIUM_NAMES) + ")")
    with tempfile.TemporaryDirectory(prefix="studykit-chromium-") as profile:
        command = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        try:
            return subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExportError(f"could not run {exe}: {exc}") from None


def require_chromium() -> str:
    """The Chromium executable, or an :class:`ExportError` saying how to install one."""
    chromium = find_chromium()
    if chromium is None:
        raise ExportError(
            "--pdf needs Chromium or Google Chrome; install it (Debian: apt install chromium) "
            "or set STUDYKIT_CHROMIUM to its path"
        )
    return chromium


def print_to_pdf(html: Path, pdf: Path, *, chromium: str | None = None) -> Path:
    """Print ``html`` to ``pdf`` (paper size from the page's CSS), written atomically."""
    from ..fsio import write_atomic

    html, pdf = Path(html).resolve(), Path(pdf)
    write_atomic(pdf, _chromium_pdf(html, chromium))
    return pdf


def print_pages(pages: Mapping[str, bytes], names: Sequence[str], *, chromium: str) -> dict[str, bytes]:
    """PDFs of the pages ``names`` (``quiz-v1.html`` → ``quiz-v1.pdf``) of a folder of ``pages``
    (relative path → content), printed from a private temporary copy of the whole folder, so the
    pages' links and style sheet resolve as they will once written."""
    try:
        folder = tempfile.TemporaryDirectory(prefix="studykit-print-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise ExportError(f"cannot make a temporary folder to print PDFs: {exc.strerror or exc}") from None
    with folder as tmp:
        root = Path(tmp)
        try:
            for name, data in pages.items():
                path = root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        except OSError as exc:
            raise ExportError(f"cannot copy the pages to a temporary folder to print them: {exc.strerror or exc}") from None
        return {Path(name).with_suffix(".pdf").as_posix(): _chromium_pdf(root / name, chromium) for name in names}


def _chromium_pdf(html: Path, chromium: str | None) -> bytes:
    """The PDF Chromium prints of ``html``."""
    try:
        folder = tempfile.TemporaryDirectory(prefix="studykit-pdf-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise ExportError(f"cannot make a temporary folder to print {html.name}: {exc.strerror or exc}") from None
    with folder as tmp:
        printed = Path(tmp) / "print.pdf"
        result = run_chromium(
            ["--no-pdf-header-footer", f"--print-to-pdf={printed}", "--virtual-time-budget=2000", html.as_uri()],
            chromium=chromium,
        )
        try:
            data = printed.read_bytes()
        except OSError:
            data = b""
        if result.returncode != 0 or not data:
            tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ExportError(f"Chromium could not print {html.name} to PDF: " + (" | ".join(tail) or f"exit {result.returncode}"))
        return data

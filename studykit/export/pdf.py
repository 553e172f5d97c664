"""Printing HTML pages to PDF with headless Chromium (Debian's ``chromium``, or ``$STUDYKIT_CHROMIUM``).

Pages are printed from a private temporary copy of the folder they belong to, so a PDF is made
before any output is written and a failed print leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import ExportError

__all__ = [
    "CHROMIUM_FLAGS",
    "find_chromium",
    "find_pdfunite",
    "print_pages",
    "print_to_pdf",
    "require_chromium",
    "run_chromium",
    "unite_pdfs",
]

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


#: Chromium stamps the time of printing; studykit stamps this one (same length), so the same page
#: prints to the same bytes.
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[^)]{0,12}\)")
FIXED_PDF_DATE = b"D:19800101000000+00'00'"
#: pdfunite's trailer carries a file identifier made from the time; studykit makes it from the content.
_TRAILER_ID = re.compile(rb"/ID \[\((?:\\.|[^\\)])*\) ?\((?:\\.|[^\\)])*\) ?\]", re.S)


def fixed_dates(pdf: bytes) -> bytes:
    """``pdf`` with its creation and modification dates set to 1980-01-01 (offsets unchanged)."""

    def same_length(m: re.Match[bytes]) -> bytes:
        old = m.group(0)
        new = b"/" + m.group(1) + b" (" + FIXED_PDF_DATE + b")"
        return new if len(new) == len(old) else old

    return _PDF_DATE.sub(same_length, pdf)


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


def find_pdfunite() -> str | None:
    """poppler's ``pdfunite`` (Debian: poppler-utils): ``$STUDYKIT_PDFUNITE``, else on PATH."""
    explicit = os.environ.get("STUDYKIT_PDFUNITE")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    return shutil.which("pdfunite")


def unite_pdfs(pdfs: Sequence[bytes], *, pdfunite: str) -> bytes:
    """One PDF of ``pdfs``, one after another (poppler's ``pdfunite``, in a private folder),
    with a file identifier made from the content, so the same PDFs unite to the same bytes."""
    try:
        folder = tempfile.TemporaryDirectory(prefix="studykit-unite-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise ExportError(f"cannot make a temporary folder to unite the PDFs: {exc.strerror or exc}") from None
    with folder as tmp:
        names = []
        try:
            for i, data in enumerate(pdfs):
                path = Path(tmp) / f"{i:04d}.pdf"
                path.write_bytes(data)
                names.append(str(path))
        except OSError as exc:
            raise ExportError(f"cannot copy the PDFs to a temporary folder to unite them: {exc.strerror or exc}") from None
        united = Path(tmp) / "united.pdf"
        try:
            result = subprocess.run([pdfunite, *names, str(united)], capture_output=True, timeout=120, check=False)
            data = united.read_bytes() if result.returncode == 0 else b""
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExportError(f"could not run {pdfunite}: {exc}") from None
        if not data:
            tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ExportError("pdfunite could not unite the PDFs: " + (" | ".join(tail) or f"exit {result.returncode}"))
    trailer = data.rfind(b"trailer")
    if trailer < 0:
        return data
    digest = hashlib.md5(data[:trailer], usedforsecurity=False).hexdigest().upper().encode()
    head, tail_bytes = data[:trailer], data[trailer:]
    return head + _TRAILER_ID.sub(lambda m: b"/ID [<" + digest + b"> <" + digest + b">]", tail_bytes, count=1)


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
        # links between the pages point into this private folder: name it the same in every PDF
        # (same length, so the PDF's offsets hold), so the same pages print to the same bytes
        private = root.as_uri().encode()
        neutral = root.with_name("studykit-print-" + "0" * (len(root.name) - len("studykit-print-"))).as_uri().encode()
        return {
            Path(name).with_suffix(".pdf").as_posix(): _chromium_pdf(root / name, chromium).replace(private, neutral)
            for name in names
        }


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
        return fixed_dates(data)

"""Exporters: each plans one kind of output from a :class:`~studykit.model.QuestionSet`.

:data:`EXPORTERS` maps each format name to its exporter class (the interface is
:class:`~studykit.export.base.Exporter`). The classes are imported on first use, so commands
that write nothing (``check``, ``lint``) never load genanki.
"""

from __future__ import annotations

import importlib
from typing import Iterator, Mapping

from .base import Content, Exporter, ExportReport, Output, target_for

__all__ = ["EXPORTERS", "LMS_FORMATS", "Content", "Exporter", "ExportReport", "Output", "target_for"]

#: format name → "module:class", in the order ``--help`` lists them.
_REGISTRY = {
    "anki": "studykit.export.anki:AnkiExporter",
    "json": "studykit.export.json:JsonExporter",
    "html": "studykit.export.html:QuizExporter",
    "moodle": "studykit.export.moodle:MoodleExporter",
    "qti": "studykit.export.qti:QtiExporter",
    "gift": "studykit.export.gift:GiftExporter",
}
#: The formats a learning management system imports (``studykit build --lms`` writes them all).
LMS_FORMATS = ("moodle", "qti", "gift")


class _Exporters(Mapping[str, "type[Exporter]"]):
    """The registry, importing each exporter's module when it is first asked for."""

    def __getitem__(self, name: str) -> type[Exporter]:
        module, _, cls = _REGISTRY[name].partition(":")
        return getattr(importlib.import_module(module), cls)

    def __iter__(self) -> Iterator[str]:
        return iter(_REGISTRY)

    def __len__(self) -> int:
        return len(_REGISTRY)


EXPORTERS: Mapping[str, type[Exporter]] = _Exporters()

"""The LMS exporters by name, for the main exporter registry: Moodle XML, QTI 1.2 (Canvas), GIFT."""

from __future__ import annotations

from .gift import GiftExporter
from .lmsbase import LmsExporter
from .moodle import MoodleExporter
from .qti import QtiExporter

#: ``studykit export --format NAME`` → exporter class; each takes ``version``, ``seed``,
#: ``count``, ``families`` and ``topics`` as keyword options (see :class:`LmsExporter`).
LMS_EXPORTERS: dict[str, type[LmsExporter]] = {
    MoodleExporter.name: MoodleExporter,
    QtiExporter.name: QtiExporter,
    GiftExporter.name: GiftExporter,
}

__all__ = ["LMS_EXPORTERS", "GiftExporter", "LmsExporter", "MoodleExporter", "QtiExporter"]

"""The JSON export: a versioned contract for other tools (``format: studykit-export``, ``version: 1``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..fsio import write_atomic
from ..model import Evidence, QuestionSet

FORMAT = "studykit-export"
VERSION = 1


def _evidence(e: Evidence) -> dict[str, Any]:
    return {"source": e.source, "quote": e.quote, "start": e.start, "end": e.end}


def to_data(qset: QuestionSet) -> dict[str, Any]:
    deck = qset.deck
    cited = {e.source for f in deck.facts for e in f.evidence}
    return {
        "format": FORMAT,
        "version": VERSION,
        "deck": {"id": deck.id, "title": deck.title, "description": deck.description},
        "sources": [
            {
                "id": s.id,
                "path": s.path,
                "title": s.title,
                "outlet": s.outlet,
                "author": s.author,
                "published": s.published,
                "sha256": s.sha256,
            }
            for s in deck.corpus.sources
            if s.id in cited
        ],
        "facts": [
            {
                "id": f.id,
                "kind": f.kind,
                "topic": f.topic,
                "fields": {k: list(v) if isinstance(v, tuple) else v for k, v in f.fields.items()},
                "evidence": [_evidence(e) for e in f.evidence],
            }
            for f in deck.facts
        ],
        "questions": [
            {
                "id": q.id,
                "fact": q.fact,
                "template": q.template,
                "family": q.family,
                "type": q.type,
                "answer_type": q.answer_type,
                "prompt": q.prompt,
                "options": list(q.options),
                "answers": list(q.answers),
                "explanation": q.explanation,
                "topic": q.topic,
                "evidence": [_evidence(e) for e in q.evidence],
            }
            for q in qset.questions
        ],
    }


def to_json(qset: QuestionSet) -> str:
    """The export as text: UTF-8, keys in a fixed order, one trailing newline."""
    return json.dumps(to_data(qset), ensure_ascii=False, indent=2) + "\n"


def write_json(qset: QuestionSet, path: str | Path) -> Path:
    path = Path(path)
    write_atomic(path, to_json(qset))
    return path

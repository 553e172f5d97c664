"""The JSON export: a versioned contract for other tools (``format: studykit-export``, ``version: 1``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterator

from ..fsio import commit
from ..model import Evidence, QuestionSet
from .base import Output

FORMAT = "studykit-export"
VERSION = 1


def _evidence(e: Evidence) -> dict[str, Any]:
    return {"source": e.source, "quote": e.quote, "start": e.start, "end": e.end}


def _fact(f) -> dict[str, Any]:
    return {
        "id": f.id,
        "kind": f.kind,
        "topic": f.topic,
        "fields": {k: list(v) if isinstance(v, tuple) else v for k, v in f.fields.items()},
        "evidence": [_evidence(e) for e in f.evidence],
    }


def _question(q, deck) -> dict[str, Any]:
    # a written answer's other spellings, which a marker accepts too ("Washington" for "the United States")
    accepted = list(deck.also_accepted(q)) if q.type in ("short", "cloze") else []
    return {
        "id": q.id,
        "fact": q.fact,
        "template": q.template,
        "family": q.family,
        "type": q.type,
        "answer_type": q.answer_type,
        "prompt": q.prompt,
        "options": list(q.options),
        "ordered": q.ordered,
        "answers": list(q.answers),
        "accepted": accepted,
        "explanation": q.explanation,
        "topic": q.topic,
        "evidence": [_evidence(e) for e in q.evidence],
    }


def to_data(qset: QuestionSet, *, items: bool = True) -> dict[str, Any]:
    """The export as plain data (without the facts and questions when ``items`` is false)."""
    deck = qset.deck
    cited = {e.source for f in deck.facts for e in f.evidence}
    data: dict[str, Any] = {
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
    }
    if items:
        data["facts"] = [_fact(f) for f in deck.facts]
        data["questions"] = [_question(q, deck) for q in qset.questions]
    return data


def iter_json(qset: QuestionSet) -> Iterator[str]:
    """The export as pieces of text: the frame indented, each fact and question on one line.

    Valid JSON that reads well line by line and streams: no piece is larger than one item.
    """
    data = to_data(qset, items=False)
    yield "{\n"
    for key in ("format", "version", "deck"):
        yield f"  {json.dumps(key)}: {_compact(data[key])},\n"
    for key, items in (("sources", data["sources"]), ("facts", map(_fact, qset.deck.facts)), ("questions", (_question(q, qset.deck) for q in qset.questions))):
        yield f"  {json.dumps(key)}: ["
        first = True
        for item in items:
            yield ("\n    " if first else ",\n    ") + _compact(item)
            first = False
        yield ("\n  ]" if not first else "]") + (",\n" if key != "questions" else "\n")
    yield "}\n"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def to_json(qset: QuestionSet) -> str:
    """The export as one string (see :func:`iter_json`)."""
    return "".join(iter_json(qset))


@dataclass(frozen=True)
class JsonExporter:
    """The versioned JSON export, streamed one item a line."""

    name: ClassVar[str] = "json"
    default_target: ClassVar[str] = "{deck}.json"

    def plan(self, qset: QuestionSet, target: Path) -> Output:
        count = len(qset.questions)
        return Output(self.name, {Path(target): iter_json(qset)}, summary=f"{count} question{'s' * (count != 1)}")


def write_json(qset: QuestionSet, path: str | Path) -> Path:
    """Write the export to ``path`` atomically, streaming it."""
    path = Path(path)
    commit([JsonExporter().plan(qset, path)])
    return path

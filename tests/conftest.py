"""Shared fixtures: tiny on-disk projects (corpus + deck) built per test, as mkdocs' tests do."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from studykit.cli import main

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DECK = ROOT / "decks" / "israel-russia-ukraine.yaml"

#: A small corpus that exercises votes, events, stances, statements and quantities.
DOCUMENT = """\
UN vote report

Ultimately, Russia vetoed the resolution, while India, the UAE and China abstained.
Eleven of the council’s 15 members voted in favor.
Eighty-one countries answered the US call and signed on as co-sponsors.
In 1947, the Soviet Union voted to approve the UN partition plan.
The 1967 Six-Day War marked a pivotal moment as the Soviet Union cut diplomatic ties with Israel.
Israel stayed away from the vote because of a diplomats’ strike, an official said.
Israel avoided a public clash because Russia controls the airspace over Syria, a minister said.
Israel refused to send weapons because it feared for its Jewish community in Russia, an aide said.
Deputy Ambassador Noa Furman called on Russia to “cease its attack on Ukraine,” the paper reported.
Amos Gilad said: “we don’t have to define our interest as identical to the interest of another entity.”
Yair Lapid said that “Israel is not involved in this conflict.”
"""

ENTITIES = [
    {"name": "Russia", "type": "country"},
    {"name": "India", "type": "country"},
    {"name": "China", "type": "country"},
    {"name": "United Arab Emirates", "type": "country", "aliases": ["the UAE"]},
    {"name": "the Soviet Union", "type": "country"},
    {"name": "Israel", "type": "country"},
    {"name": "Noa Furman", "type": "person"},
    {"name": "Amos Gilad", "type": "person"},
    {"name": "Yair Lapid", "type": "person"},
]


def ev(quote: str, source: str = "report") -> list[dict[str, str]]:
    return [{"source": source, "quote": quote}]


FACTS: list[dict[str, Any]] = [
    {
        "id": "unsc-vote",
        "kind": "vote",
        "topic": "un",
        "body": "the UN Security Council",
        "motion": "the draft resolution on Ukraine",
        "date": "2022-02-25",
        "vetoed": ["Russia"],
        "abstained": ["India", "United Arab Emirates", "China"],
        "evidence": ev("Ultimately, Russia vetoed the resolution, while India, the UAE and China abstained."),
    },
    {
        "id": "partition-vote",
        "kind": "vote",
        "topic": "history",
        "body": "the UN General Assembly",
        "motion": "the partition plan for Palestine",
        "date": 1947,
        "in_favor": ["the Soviet Union"],
        "evidence": ev("In 1947, the Soviet Union voted to approve the UN partition plan."),
    },
    {
        "id": "ties-cut",
        "kind": "event",
        "topic": "history",
        "actor": "the Soviet Union",
        "action": "cut diplomatic ties with Israel",
        "date": 1967,
        "distractors": {"actor": ["India", "China"]},
        "evidence": ev("The 1967 Six-Day War marked a pivotal moment as the Soviet Union cut diplomatic ties with Israel."),
    },
    {
        "id": "cosponsors",
        "kind": "quantity",
        "topic": "un",
        "subject": "countries signed on as co-sponsors",
        "value": 81,
        "aliases": {81: ["Eighty-one"]},
        "evidence": ev("Eighty-one countries answered the US call and signed on as co-sponsors."),
    },
    {
        "id": "strike",
        "kind": "stance",
        "actor": "Israel",
        "position": "stayed away from the vote",
        "rationale": "a diplomats’ strike",
        "according_to": "an official",
        "evidence": ev("Israel stayed away from the vote because of a diplomats’ strike, an official said."),
    },
    {
        "id": "airspace",
        "kind": "stance",
        "actor": "Israel",
        "position": "avoided a public clash",
        "rationale": "Russia controls the airspace over Syria",
        "according_to": "a minister",
        "evidence": ev("Israel avoided a public clash because Russia controls the airspace over Syria, a minister said."),
    },
    {
        "id": "weapons",
        "kind": "stance",
        "actor": "Israel",
        "position": "refused to send weapons",
        "rationale": "it feared for its Jewish community in Russia",
        "according_to": "an aide",
        "evidence": ev("Israel refused to send weapons because it feared for its Jewish community in Russia, an aide said."),
    },
    {
        "id": "furman",
        "kind": "statement",
        "speaker": "Noa Furman",
        "role": "Israel's Deputy Ambassador to the UN",
        "said": "cease its attack on Ukraine",
        "evidence": ev("Deputy Ambassador Noa Furman called on Russia to “cease its attack on Ukraine,” the paper reported."),
    },
    {
        "id": "gilad",
        "kind": "statement",
        "speaker": "Amos Gilad",
        "said": "we don’t have to define our interest as identical to the interest of another entity",
        "evidence": ev("Amos Gilad said: “we don’t have to define our interest as identical to the interest of another entity.”"),
    },
    {
        "id": "lapid",
        "kind": "statement",
        "speaker": "Yair Lapid",
        "said": "Israel is not involved in this conflict",
        "evidence": ev("Yair Lapid said that “Israel is not involved in this conflict.”"),
    },
]


def facts_with(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The fixture facts with some facts' keys changed: ``facts_with(cosponsors={"value": 80})``."""
    facts = copy.deepcopy(FACTS)
    for fact in facts:
        if fact["id"] in changes:
            fact.update(changes[fact["id"]])
    return facts


class Project:
    """A project folder: ``seeds/`` (catalog + documents) and ``decks/``."""

    def __init__(self, root: Path):
        self.root = root
        self.seeds = root / "seeds"
        self.decks = root / "decks"

    def deck(self, name: str = "test.yaml") -> Path:
        return self.decks / name

    def edit_catalog(self, old: str, new: str) -> None:
        """Replace ``old`` with ``new`` in the catalog's text."""
        catalog = self.seeds / "catalog.yaml"
        catalog.write_text(catalog.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    def write_deck(self, data: dict[str, Any] | str, name: str = "test.yaml") -> Path:
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200)
        path = self.decks / name
        path.write_text(text, encoding="utf-8")
        return path


def deck_data(facts: list[dict[str, Any]] | None = None, **deck_keys: Any) -> dict[str, Any]:
    meta = {
        "id": "test-deck",
        "title": "Test deck",
        "description": "A deck for tests.",
        "corpus": "../seeds",
        "topics": {"un": "At the UN", "history": "History"},
        **deck_keys,
    }
    return {"deck": meta, "entities": ENTITIES, "facts": FACTS if facts is None else facts}


@pytest.fixture
def make_project(tmp_path):
    """``make_project(facts=None, documents=None, **deck_keys) -> Project`` with the deck at project.deck()."""

    def make(
        facts: list[dict[str, Any]] | None = None,
        *,
        documents: dict[str, str] | None = None,
        deck: dict[str, Any] | str | None = None,
        **deck_keys: Any,
    ) -> Project:
        project = Project(tmp_path / "project")
        project.seeds.mkdir(parents=True, exist_ok=True)
        project.decks.mkdir(parents=True, exist_ok=True)
        documents = documents or {"report": DOCUMENT}
        sources = []
        for i, (source_id, text) in enumerate(documents.items()):
            file_name = f"{i:03d}_{source_id}.txt"
            (project.seeds / file_name).write_text(text, encoding="utf-8")
            sources.append(
                {
                    "id": source_id,
                    "file": file_name,
                    "title": f"Report {source_id}",
                    "outlet": "The Test Times",
                    "author": None,
                    "published": "2022-02-25",
                    "date_basis": "given for the test",
                }
            )
        catalog = {"title": "Test corpus", "sources": sources}
        (project.seeds / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False, allow_unicode=True), encoding="utf-8")
        project.write_deck(deck if deck is not None else deck_data(facts, **deck_keys))
        return project

    return make


@pytest.fixture
def in_dir():
    """Run a block with a given working directory: ``with in_dir(path): ...``."""
    from contextlib import contextmanager

    @contextmanager
    def cd(path: Path):
        before = Path.cwd()
        os.chdir(path)
        try:
            yield path
        finally:
            os.chdir(before)

    return cd


def run(project, in_dir, capsys, *args):
    """``studykit ARGS`` in the project folder, in this process: exit code and everything printed
    (never a traceback or an internal error)."""
    root = getattr(project, "root", project)
    with in_dir(root):
        code = main(list(args))
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text and "internal error" not in text, text
    return code, text


def run_process(*args, cwd, timeout=60, env=None):
    """``python -m studykit ARGS`` in a real process (a crash there cannot take pytest down)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    env.pop("STUDYKIT_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "studykit", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    return result

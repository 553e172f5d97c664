"""One proposed fact, before it is written: kind, fields, evidence spans, and how it was found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProposedEntity:
    """A name a proposal uses as a value, with the type spaCy's entity label suggests."""

    name: str
    type: str  # country | person | organisation | group | place
    aliases: tuple[str, ...] = ()


@dataclass
class Proposal:
    """A candidate fact. ``evidence`` holds exact document spans ``(start, end)``."""

    kind: str
    fields: dict[str, Any]
    evidence: list[tuple[int, int]]
    rule: str
    confidence: float
    key_words: list[str]  # what the fact id is made of, after the source id and the kind
    aliases: dict[str, list[str]] = field(default_factory=dict)
    entities: list[ProposedEntity] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # comment lines for the curator
    id: str = ""
    duplicate_of: str | None = None  # the deck fact it repeats, and why
    line: int = 0  # the line of the document where its first quote starts

    @property
    def start(self) -> int:
        return self.evidence[0][0]

    def add_alias(self, value: str, spelling: str) -> None:
        if spelling != value and spelling not in self.aliases.get(value, []):
            self.aliases.setdefault(value, []).append(spelling)


@dataclass
class Context:
    """What every extractor may read about the document being proposed from."""

    source_id: str
    published: str | None
    text: str
    sentences: list[Any]  # segment.Sentence, in document order
    persons: dict[str, str] = field(default_factory=dict)  # a surname → the one full name it stands for

    def person(self, name: str) -> tuple[str, str | None]:
        """The full name a bare surname stands for in this document, and the spelling to alias."""
        full = self.persons.get(name)
        return (full, name) if full and full != name else (name, None)

    def is_person(self, name: str) -> bool:
        """A name the document uses for a person: a full name it gives, or that name's surname."""
        return name in self.persons or name in self.persons.values()

    def previous(self, sentence: Any) -> Any | None:
        return self.sentences[sentence.index - 1] if sentence.index > 0 else None

"""``studykit propose``: candidate facts from one corpus document, grounded by construction.

``propose(SOURCE_ID or path)`` parses the document with spaCy (the optional extra
``studykit[propose]``), runs the extractors (votes, dated events and stances, quantities,
statements) over its prose, and returns :class:`Proposals`: each fact quotes exact spans of the
document, each grounded value occurs in its quote (or is aliased to the spelling that does), and
the whole set has passed ``studykit.load_deck`` against the real corpus before it is returned.
With a deck, proposals that repeat the deck's facts are marked as duplicates.

The CLI-facing pieces are library functions here: :func:`resolve_document` (argument →
document), :func:`propose`, :meth:`Proposals.to_yaml` and :func:`append_to_deck`.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..corpus import Corpus, Document, fold, load_corpus
from ..deck import DEFAULT_CORPUS, load_deck
from ..errors import Location, UsageError, display_path
from ..model import Deck
from ..yamlio import LocDict, parse_yaml, read_text
from . import events, quantities, statements, votes
from .checks import ENTITY_FIELDS, check, use_deck
from .nlp import DEFAULT_MODEL, Model, load_model
from .proposal import Context, Proposal, ProposedEntity
from .segment import Block, Sentence, sentences
from .writer import comment_lines, entity_lines, fact_lines

__all__ = [
    "DEFAULT_MODEL",
    "AppendResult",
    "Proposal",
    "Proposals",
    "ProposedEntity",
    "append_to_deck",
    "load_model",
    "propose",
    "resolve_document",
]

_KIND_ORDER = {"vote": 0, "event": 1, "stance": 2, "statement": 3, "quantity": 4}


@dataclass
class Proposals:
    """The candidate facts proposed from one document."""

    document: Document
    corpus: Corpus
    model: str  # "name version"
    facts: list[Proposal]
    entities: list[ProposedEntity]
    blocks: list[Block] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    rejected: list[tuple[Proposal, str]] = field(default_factory=list)  # failed check: (proposal, why)
    deck: Deck | None = None

    @property
    def source_id(self) -> str:
        return self.document.source.id

    @property
    def active(self) -> list[Proposal]:
        return [p for p in self.facts if p.duplicate_of is None]

    @property
    def duplicates(self) -> list[Proposal]:
        return [p for p in self.facts if p.duplicate_of is not None]

    def quotes(self, proposal: Proposal) -> list[str]:
        return [self.document.text[start:end] for start, end in proposal.evidence]

    def to_yaml(self) -> str:
        """Deck YAML: ``entities:`` (new names) and ``facts:``; duplicates commented out."""
        source = self.document.source
        lines = [
            f"# studykit propose: {len(self.active)} candidate facts from {source.id!r} ({source.path}), "
            f"parsed by {self.model}.",
            "# Each quote is an exact span of the document and each grounded value occurs in its quote, so",
            "# 'studykit check' accepts them as written. Confidence is the rule's, not a judgement of truth:",
            "# read each fact against the document, fix wording and types, and keep what is worth asking.",
        ]
        if self.deck is not None:
            lines.append(
                f"# {len(self.duplicates)} proposals repeat facts of {display_path(self.deck.path)}; they are commented out."
            )
        entities = self._new_entities()
        if entities:
            lines.append("entities:")
            lines.extend(entity_lines(entities))
        lines.append("facts:" if self.facts else "facts: []")
        for proposal in self.facts:
            lines.extend(comment_lines(proposal))
            body = fact_lines(proposal, self.source_id, self.quotes(proposal))
            if proposal.duplicate_of is not None:
                lines.append(f"  # duplicate of {proposal.duplicate_of}; not proposed again:")
                lines.extend("  # " + line[2:] for line in body)  # remove "# " to restore it
            else:
                lines.extend(body)
        return "\n".join(lines) + "\n"

    def fact_yaml(self) -> list[str]:
        """The active facts' lines alone (list items at indentation 2), for appending to a deck."""
        lines: list[str] = []
        for proposal in self.active:
            lines.extend(comment_lines(proposal))
            lines.extend(fact_lines(proposal, self.source_id, self.quotes(proposal)))
        return lines

    def _new_entities(self) -> list[ProposedEntity]:
        used = {fold(str(v)) for p in self.active for name, value in p.fields.items() if name in ENTITY_FIELDS
                for v in (value if isinstance(value, list) else [value])}
        known = _known_names(self.deck)
        return [e for e in self.entities if fold(e.name) in used and fold(e.name) not in known]


def _known_names(deck: Deck | None) -> set[str]:
    if deck is None:
        return set()
    return {fold(n) for entity in deck.entities.values() for n in (entity.name, *entity.aliases)}


# ---------------------------------------------------------------------------------------------
# Argument → document
# ---------------------------------------------------------------------------------------------


def resolve_document(
    document_or_source_id: str | os.PathLike[str], *, corpus_root: str | os.PathLike[str] | None = None,
    deck_path: str | os.PathLike[str] | None = None,
) -> tuple[Corpus, Document]:
    """The corpus and the document a command-line argument names: a source id of the catalog, or
    the path of a catalogued document.

    The corpus is ``corpus_root``, else the deck's corpus (its ``deck: corpus:``), else the
    folder of a document path when it holds a catalog, else ``seeds/``. Raises
    :class:`UsageError` for an unknown source id or an uncatalogued file, :class:`LoadError`
    for a broken catalog.
    """
    argument = os.fspath(document_or_source_id)
    path = Path(argument)
    is_file = path.is_file()
    if corpus_root is not None:
        root = Path(corpus_root)
    elif deck_path is not None:
        root = _deck_corpus(Path(deck_path))
    elif is_file and (path.parent / "catalog.yaml").is_file():
        root = path.parent
    else:
        root = Path("seeds")
    if not (root / "catalog.yaml").is_file():
        raise UsageError(
            f"no catalog.yaml in {display_path(root)}; give the corpus folder (the one holding catalog.yaml) "
            "or a deck whose 'corpus' names it",
            Location(display_path(root)),
        )
    corpus = load_corpus(root, display_root=display_path(root))
    if is_file:
        wanted = path.resolve()
        for document in corpus.documents.values():
            if (corpus.root / document.source.file).resolve() == wanted:
                return corpus, document
        raise UsageError(
            f"{argument} is not listed in {display_path(root / 'catalog.yaml')}; add it to the catalog "
            "(a proposed fact cites its source id), then propose from it",
            Location(argument),
        )
    if argument in corpus.documents:
        return corpus, corpus.documents[argument]
    hint = difflib.get_close_matches(argument, list(corpus.documents), n=1)
    suggestion = f"did you mean {hint[0]!r}?" if hint else "source ids: " + ", ".join(sorted(corpus.documents))
    raise UsageError(
        f"{argument!r} is neither a document file nor a source id of {display_path(root / 'catalog.yaml')}; {suggestion}",
        Location(argument),
    )


def _deck_corpus(deck_path: Path) -> Path:
    if not deck_path.is_file():
        raise UsageError(f"deck file not found: {deck_path}", Location(str(deck_path)))
    shown = display_path(deck_path)
    data, _ = parse_yaml(read_text(deck_path, display=shown), shown)
    meta = data.get("deck") if isinstance(data, LocDict) else None
    relative = meta.get("corpus", DEFAULT_CORPUS) if isinstance(meta, LocDict) else DEFAULT_CORPUS
    return deck_path.parent / str(relative)


# ---------------------------------------------------------------------------------------------
# Proposing
# ---------------------------------------------------------------------------------------------


def propose(
    document_or_source_id: str | os.PathLike[str], *, deck_path: str | os.PathLike[str] | None = None,
    corpus_root: str | os.PathLike[str] | None = None, model: str | None = None,
) -> Proposals:
    """Candidate facts from one document (a source id, or a catalogued document's path).

    With ``deck_path`` the deck is loaded (it must pass ``check``): its corpus is used unless
    ``corpus_root`` is given, names are written as its entities, and proposals that repeat its
    facts are marked as duplicates. ``model`` names an installed spaCy pipeline package.
    """
    corpus, document = resolve_document(document_or_source_id, corpus_root=corpus_root, deck_path=deck_path)
    deck = load_deck(deck_path) if deck_path is not None else None
    loaded = load_model(model)
    return propose_document(document, corpus, loaded, deck=deck)


def propose_document(document: Document, corpus: Corpus, model: Model, *, deck: Deck | None = None) -> Proposals:
    """:func:`propose` for a document already loaded, with a model already loaded."""
    found_blocks, found = sentences(model.nlp, document.text)
    context = Context(document.source.id, document.source.published, document.text, found, _persons(found))
    proposals: list[Proposal] = []
    for extractor in (votes.extract, events.extract, statements.extract, quantities.extract):
        proposals.extend(extractor(context))
    proposals = _unique([p for p in proposals if _unambiguous(p, document, found_blocks)])
    for proposal in proposals:
        proposal.line = document.line_of(proposal.start)
    proposals.sort(key=lambda p: (p.start, _KIND_ORDER[p.kind], p.rule, p.key_words))
    entities = _entities(proposals)
    result = Proposals(document, corpus, model.label, proposals, entities, found_blocks, found)
    use_deck(result, deck)
    check(result)
    return result


def _persons(found: list[Sentence]) -> dict[str, str]:
    """Surname → full name, for surnames that only one full name in the document has."""
    full: dict[str, set[str]] = {}
    for sentence in found:
        for ent in sentence.span.ents:
            words = ent.text.split()
            if ent.label_ == "PERSON" and len(words) >= 2 and all(w[:1].isupper() for w in words) and "’s" not in ent.text and "'s" not in ent.text:
                full.setdefault(words[-1], set()).add(ent.text)
    return {surname: next(iter(names)) for surname, names in full.items() if len(names) == 1}


def _unambiguous(proposal: Proposal, document: Document, found_blocks: list[Block]) -> bool:
    """Every quote must occur once in the document: a sentence that occurs again (a reposted
    paragraph, a repeated line) is quoted with its whole line, else the proposal is dropped."""
    spans = []
    for start, end in proposal.evidence:
        if len(document.find(document.text[start:end]).spans) != 1:
            line = next((b for b in found_blocks if b.start <= start < b.end), None)
            if line is None or len(document.find(line.text).spans) != 1:
                return False
            start, end = line.start, line.end
        spans.append((start, end))
    proposal.evidence = spans
    return True


def _unique(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per fact: the same fields from the same quote, or a vote the document reports
    twice (same motion, same positions), are proposed once, at their first mention."""
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for proposal in sorted(proposals, key=lambda p: p.start):
        fields = proposal.fields
        if proposal.kind == "vote":
            key: tuple[Any, ...] = ("vote", fold(fields["motion"]), repr(sorted((k, v) for k, v in fields.items() if isinstance(v, list))))
        else:
            key = (proposal.kind, tuple(proposal.evidence), repr(sorted(fields.items())))
        if key not in seen:
            seen.add(key)
            kept.append(proposal)
    return kept


def _entities(proposals: Iterable[Proposal]) -> list[ProposedEntity]:
    merged: dict[str, ProposedEntity] = {}  # by folded name: "the Israeli Mission" and "the Israeli mission" are one
    for proposal in proposals:
        for entity in proposal.entities:
            before = merged.get(fold(entity.name))
            aliases = tuple(dict.fromkeys([*(before.aliases if before else ()), *entity.aliases]))
            name = before.name if before else entity.name
            merged[fold(entity.name)] = ProposedEntity(name, before.type if before else entity.type, aliases)
    return sorted(merged.values(), key=lambda e: (e.type, e.name))


from .deckfile import AppendResult, append_to_deck  # noqa: E402  (it uses Proposals)

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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..corpus import Corpus, Document, fold, load_corpus
from ..deck import DEFAULT_CORPUS, load_deck
from ..errors import LoadError, Location, Problem, StudykitError, UsageError, display_path
from ..fsio import write_atomic
from ..model import Deck, Fact
from ..yamlio import LocDict, parse_yaml, read_text
from . import events, quantities, statements, votes
from .nlp import DEFAULT_MODEL, Model, load_model
from .proposal import Context, Proposal, ProposedEntity
from .segment import Block, Sentence, sentences
from .writer import assign_ids, comment_lines, entity_lines, fact_lines

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
_ENTITY_FIELDS = {"actor", "speaker", "in_favor", "against", "abstained", "vetoed", "absent", "co_sponsored"}


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
        used = {fold(str(v)) for p in self.active for name, value in p.fields.items() if name in _ENTITY_FIELDS
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
    _use_deck(result, deck)
    _check(result)
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
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for proposal in proposals:
        key = (proposal.kind, tuple(proposal.evidence), repr(sorted(proposal.fields.items())))
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


# ---------------------------------------------------------------------------------------------
# A deck: its names, its duplicates, its ids
# ---------------------------------------------------------------------------------------------


def _use_deck(result: Proposals, deck: Deck | None) -> None:
    """Write names as the deck's entities, mark duplicates, and choose ids the deck does not use."""
    result.deck = deck
    if deck is not None:
        canonical = {fold(n): entity.name for entity in deck.entities.values() for n in (entity.name, *entity.aliases)}
        for proposal in result.facts:
            _rename(proposal, canonical)
            proposal.duplicate_of = _duplicate(proposal, result, deck, canonical)
    assign_ids(result.facts, result.source_id, taken=(f.id for f in deck.facts) if deck else ())


def _rename(proposal: Proposal, canonical: dict[str, str]) -> None:
    for name, value in list(proposal.fields.items()):
        if name not in _ENTITY_FIELDS:
            continue
        values = value if isinstance(value, list) else [value]
        renamed = []
        for v in values:
            new = canonical.get(fold(str(v))) or str(v)
            for spelling in proposal.aliases.pop(str(v), []):
                if canonical.get(fold(spelling)) != new:  # the deck's entity does not spell it so already
                    proposal.add_alias(new, spelling)
            renamed.append(new)
        proposal.fields[name] = renamed if isinstance(value, list) else renamed[0]


def _duplicate(proposal: Proposal, result: Proposals, deck: Deck, canonical: dict[str, str]) -> str | None:
    for fact in deck.facts:
        if fact.kind != proposal.kind:
            continue
        for evidence in fact.evidence:
            if evidence.source == result.source_id and any(s < evidence.end and evidence.start < e for s, e in proposal.evidence):
                return f"deck fact {fact.id!r} (its quote overlaps)"
        if _same_key(proposal, fact, canonical, result.source_id):
            return f"deck fact {fact.id!r} (same {proposal.kind} and key values)"
    return None


def _same_key(proposal: Proposal, fact: Fact, canonical: dict[str, str], source_id: str) -> bool:
    def name(value: Any) -> str:
        return fold(canonical.get(fold(str(value)), str(value)))

    mine, theirs = proposal.fields, fact.fields
    if proposal.kind == "vote":
        pairs = {(p, name(v)) for p in _VOTE_POSITIONS for v in mine.get(p, [])}
        other = {(p, name(v)) for p in _VOTE_POSITIONS for v in theirs.get(p, ())}
        return str(mine.get("date")) == str(theirs.get("date")) and bool(pairs & other)
    if proposal.kind == "statement":
        said, other_said = fold(str(mine["said"])), fold(str(theirs["said"]))
        return name(mine["speaker"]) == name(theirs["speaker"]) and (said in other_said or other_said in said)
    if proposal.kind == "quantity":
        same = (float(mine["value"]), mine.get("unit")) == (float(theirs["value"]), theirs.get("unit"))
        return same and any(e.source == source_id for e in fact.evidence)
    if proposal.kind == "event":
        return name(mine["actor"]) == name(theirs["actor"]) and fold(str(mine["action"])) == fold(str(theirs["action"]))
    if proposal.kind == "stance":
        return name(mine["actor"]) == name(theirs["actor"]) and fold(str(mine["rationale"])) == fold(str(theirs["rationale"]))
    return False


_VOTE_POSITIONS = ("in_favor", "against", "abstained", "vetoed", "absent", "co_sponsored")


# ---------------------------------------------------------------------------------------------
# Checking: every proposal must pass the deck loader exactly as it will be written
# ---------------------------------------------------------------------------------------------


def _check(result: Proposals) -> None:
    """Load the proposals as a deck against the real corpus; drop any fact ``check`` refuses."""
    for _ in range(5):
        text, ranges = _check_deck(result)
        problems = _load_problems(text, result.corpus)
        if not problems:
            return
        bad: dict[int, str] = {}
        for problem in problems:
            line = problem.location.line if problem.location else 0
            index = next((i for i, (lo, hi) in enumerate(ranges) if lo <= line < hi), None)
            if index is None:
                raise StudykitError([Problem(None, f"internal error: proposals failed check outside a fact: {problem}")])
            bad.setdefault(index, problem.message)
        for index in sorted(bad, reverse=True):
            result.rejected.append((result.facts.pop(index), bad[index]))
    raise StudykitError("internal error: proposals kept failing check")


def _check_deck(result: Proposals) -> tuple[str, list[tuple[int, int]]]:
    lines = ["deck:", "  id: propose-check", "  title: propose check"]
    deck = result.deck
    entities: list[ProposedEntity] = [ProposedEntity(e.name, e.type, e.aliases) for e in deck.entities.values()] if deck else []
    entities += result._new_entities()
    if entities:
        lines.append("entities:")
        lines.extend(entity_lines(entities))
    lines.append("facts:" if result.facts else "facts: []")
    ranges = []
    for proposal in result.facts:
        first = len(lines) + 1
        lines.extend(fact_lines(proposal, result.source_id, result.quotes(proposal)))
        ranges.append((first, len(lines) + 1))
    return "\n".join(lines) + "\n", ranges


def _load_problems(text: str, corpus: Corpus, directory: Path | None = None) -> list[Problem]:
    with tempfile.TemporaryDirectory(dir=directory) as folder:
        path = Path(folder) / "proposals.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_deck(path, corpus=corpus)
        except LoadError as exc:
            return list(exc.errors)
    return []


# ---------------------------------------------------------------------------------------------
# Appending to a deck file
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppendResult:
    """What :func:`append_to_deck` wrote."""

    path: Path
    facts: int  # facts appended
    entities: int  # entities added
    duplicates: int  # proposals left out because the deck has them


def append_to_deck(deck_path: str | os.PathLike[str], proposals: Proposals) -> AppendResult:
    """Append the proposals that the deck does not have yet to the deck file, atomically.

    The deck must pass ``check`` first. Duplicates are marked and ids chosen against this deck;
    the new facts go at the end of its ``facts:`` list and new names at the end of its
    ``entities:`` list (created before ``facts:`` if missing), as text, so the curator's
    comments and layout stay as they are. The new file is checked with the deck loader before it
    replaces the old one (:func:`studykit.fsio.write_atomic`); if it would not pass, nothing is
    written and :class:`LoadError` says why.
    """
    path = Path(deck_path)
    if not path.is_file():
        raise UsageError(f"deck file not found: {path}", Location(str(path)))
    deck = load_deck(path)
    if proposals.source_id not in deck.corpus:
        raise UsageError(
            f"the deck's corpus has no source {proposals.source_id!r}; propose from a document of {display_path(deck.corpus.root)}",
            Location(display_path(path)),
        )
    if proposals.deck is None or Path(proposals.deck.path).resolve() != path.resolve():
        _use_deck(proposals, deck)
    shown = display_path(path)
    text = read_text(path, display=shown)
    facts = proposals.fact_yaml()
    entities = entity_lines(proposals._new_entities())
    updated = _insert(text, facts, entities, shown)
    problems = _load_problems(updated, deck.corpus, directory=path.parent) if facts else []
    if problems:
        raise LoadError(
            [Problem(Location(shown), "the deck would not pass check after appending; nothing was written"), *problems]
        )
    if facts:
        write_atomic(path, updated)
    return AppendResult(path, len(proposals.active), len(proposals._new_entities()) if facts else 0, len(proposals.duplicates))


def _top_keys(lines: list[str]) -> dict[str, int]:
    keys: dict[str, int] = {}
    for i, line in enumerate(lines):
        match = _TOP_KEY.match(line)
        if match:
            keys.setdefault(match.group(1), i)
    return keys


import re as _re  # noqa: E402  (kept beside the only code that uses it)

_TOP_KEY = _re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s|$)")


def _insert(text: str, facts: list[str], entities: list[str], shown: str) -> str:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    keys = _top_keys(lines)
    if "facts" not in keys:
        raise UsageError("the deck has no top-level 'facts:' key to append to", Location(shown))
    if facts:
        lines = _append_block(lines, keys["facts"], facts, shown, "facts")
    keys = _top_keys(lines)
    if entities:
        if "entities" in keys:
            lines = _append_block(lines, keys["entities"], entities, shown, "entities")
        else:
            at = keys["facts"]
            lines[at:at] = ["entities:", *entities, ""]
    return "\n".join(lines) + "\n"


def _append_block(lines: list[str], header: int, items: list[str], shown: str, key: str) -> list[str]:
    """``items`` (list items at indentation 2) after the last item of the block under ``header``."""
    inline = lines[header].split(":", 1)[1].split("#", 1)[0].strip()
    if inline == "[]":
        lines = [*lines[:header], f"{key}:", *lines[header + 1 :]]
    elif inline:
        raise UsageError(
            f"'{key}:' is written in flow style ([...]) on line {header + 1}; write it as a block list to append to it",
            Location(shown, header + 1, 1),
        )
    end = next((i for i in range(header + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    last = header
    indent = None
    for i in range(header + 1, end):
        stripped = lines[i].lstrip()
        if stripped and not stripped.startswith("#"):
            last = i
            if indent is None and stripped.startswith("- "):
                indent = len(lines[i]) - len(stripped)
    width = 2 if indent is None else indent
    shifted = [(" " * width + item[2:]) if item.startswith("  ") else item for item in items]
    return [*lines[: last + 1], "", *shifted, *lines[last + 1 :]]

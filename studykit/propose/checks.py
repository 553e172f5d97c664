"""Proposals against decks: names written as a deck's entities, duplicates marked, fact ids
chosen, and the check that every proposal passes ``studykit.load_deck`` exactly as written."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus import Corpus, fold
from ..deck import load_deck
from ..errors import LoadError, Problem, StudykitError
from ..model import Deck, Fact
from .proposal import Proposal, ProposedEntity
from .writer import assign_ids, entity_lines, fact_lines

if TYPE_CHECKING:
    from . import Proposals

#: Fields whose values are names (entities).
ENTITY_FIELDS = {"actor", "speaker", "in_favor", "against", "abstained", "vetoed", "absent", "co_sponsored"}


def use_deck(result: Proposals, deck: Deck | None) -> None:
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
        if name not in ENTITY_FIELDS:
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


def check(result: Proposals) -> None:
    """Load the proposals as a deck against the real corpus; drop any fact ``check`` refuses."""
    for _ in range(5):
        text, ranges = _check_deck(result)
        problems = load_problems(text, result.corpus)
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


def load_problems(text: str, corpus: Corpus, directory: Path | None = None) -> list[Problem]:
    with tempfile.TemporaryDirectory(dir=directory) as folder:
        path = Path(folder) / "proposals.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_deck(path, corpus=corpus)
        except LoadError as exc:
            return list(exc.errors)
    return []



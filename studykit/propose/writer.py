"""Proposals as deck YAML: stable fact ids, scalars quoted only where YAML needs it, comments.

The text is written by hand rather than by a YAML dumper so that every fact carries its comment
(confidence, rule, line) and a duplicate can be written out as a commented-out block.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

from ..model import KINDS
from .proposal import Proposal, ProposedEntity

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 .'’()/-]*[A-Za-z0-9.)’']|[A-Za-z]")
_SPECIAL = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null", "none", "~"})
MAX_ID = 72


def slug(words: Iterable[str]) -> str:
    """Lower-case words joined by '-', at most :data:`MAX_ID` characters, cut at a word."""
    text = unicodedata.normalize("NFKD", " ".join(words))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[’'`]", "", text)
    parts = [p for p in re.split(r"[^a-z0-9]+", text) if p]
    out: list[str] = []
    for part in parts:
        if len("-".join([*out, part])) > MAX_ID:
            break
        out.append(part)
    return "-".join(out) or "fact"


def assign_ids(proposals: list[Proposal], source_id: str, taken: Iterable[str] = ()) -> None:
    """Ids from the source id, the kind and the key words; a clash gets -2, -3 … in document order."""
    used = set(taken)
    for proposal in proposals:
        base = slug([source_id, proposal.kind, *proposal.key_words])
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        proposal.id = candidate


def scalar(value: Any) -> str:
    """A YAML scalar: plain when that reads back as the same text, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _SPECIAL and not text.endswith("."):
        return text
    return quoted(text)


def quoted(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "\x85\u2028\u2029\ufeff" or unicodedata.category(ch) in ("Cc", "Cs", "Co"):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _flow(values: Iterable[Any]) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"


def fact_lines(proposal: Proposal, source_id: str, quotes: list[str]) -> list[str]:
    """The fact as YAML lines, a list item at indentation 2."""
    lines = [f"  - id: {proposal.id}", f"    kind: {proposal.kind}"]
    for spec in KINDS[proposal.kind].fields:
        if spec.name not in proposal.fields:
            continue
        value = proposal.fields[spec.name]
        if isinstance(value, (list, tuple)):
            lines.append(f"    {spec.name}: {_flow(value)}")
        elif spec.type == "date":
            lines.append(f"    {spec.name}: {value}")
        else:
            lines.append(f"    {spec.name}: {scalar(value)}")
    if proposal.aliases:
        pairs = ", ".join(f"{quoted(k)}: {_flow(v)}" for k, v in proposal.aliases.items())
        lines.append(f"    aliases: {{{pairs}}}")
    lines.append("    evidence:")
    for quote in quotes:
        lines.append(f"      - source: {source_id}")
        lines.append(f"        quote: {quoted(quote)}")
    return lines


def comment_lines(proposal: Proposal) -> list[str]:
    lines = [f"  # confidence {proposal.confidence:.2f}; rule {proposal.rule}; line {proposal.line}"]
    lines.extend(f"  # {note}" for note in proposal.notes)
    return lines


def entity_lines(entities: Iterable[ProposedEntity]) -> list[str]:
    lines: list[str] = []
    for entity in entities:
        lines.append(f"  - name: {scalar(entity.name)}")
        lines.append(f"    type: {entity.type}")
        if entity.aliases:
            lines.append(f"    aliases: {_flow(entity.aliases)}")
    return lines

"""Grounding: pure rules that tie a fact to its documents, testable without any YAML.

* :func:`resolve_quote` — a quote → the exact span of its document it stands for (typography
  may differ; words may not), or why not (not found, with the closest passage; ambiguous);
* :func:`ungrounded` — the grounded fields whose values the fact's quotes do not say;
* :func:`date_from_catalog` — a date grounded by a cited source's publication date;
* :func:`position_clashes` — an actor's vote positions that exclude each other.

Each returns findings as plain text keyed by field; :mod:`studykit.deck` adds the locations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .corpus import MAX_HINT_CHARS, Corpus, Document, find_words, normalize
from .dates import date_spellings
from .errors import Severity
from .model import EXCLUDES, Evidence, Fact, Kind, format_value

#: Minimum length of a quote, in characters after normalisation; shorter ones match by accident.
MIN_QUOTE_CHARS = 12
#: The closest passage is searched for this many quotes not found in one deck, then no more.
MAX_HINTS = 20
#: At most this much of a closest passage is shown.
HINT_SHOWN_CHARS = 200
#: A fact's day may lie this many days before the publication date that grounds it.
RELATIVE_DAYS = 14


@dataclass(frozen=True)
class Finding:
    """One grounding problem: the field it is about (None: the fact), its severity, the message."""

    field: str | None
    message: str
    severity: Severity = "error"


def resolve_quote(document: Document, source: str, quote: str, *, hint: bool = True) -> Evidence | str:
    """The evidence ``quote`` stands for in ``document``, or a message saying why there is none
    (with the closest passage when ``hint`` and the quote is at most :data:`MAX_HINT_CHARS` long)."""
    if len(" ".join(quote.split())) < MIN_QUOTE_CHARS:
        what = "empty" if not quote.strip() else f"only {len(quote.strip())} characters"
        return f"quote is {what}; quote at least {MIN_QUOTE_CHARS} characters verbatim from the source"
    match = document.find(quote, closest=hint)
    if len(match.spans) == 1:
        span = match.spans[0]
        return Evidence(source, document.text[span.start : span.end], span.start, span.end)
    if match.spans:
        lines = ", ".join(str(document.line_of(s.start)) for s in match.spans)
        return f"quote is ambiguous: it occurs {len(match.spans)} times in {source!r} (lines {lines}); quote more words so it matches once"
    message = f"quote not found in {source!r}"
    if not hint:
        message += f" (the closest passage is shown for the first {MAX_HINTS} quotes not found)"
    elif len(normalize(quote)) > MAX_HINT_CHARS:
        message += f" (a quote over {MAX_HINT_CHARS:,} characters gets no closest passage)"
    if match.closest:
        closest = " ".join(match.closest.split())
        if len(closest) > HINT_SHOWN_CHARS:  # the line says where; the start says which passage
            closest = closest[:HINT_SHOWN_CHARS].rsplit(" ", 1)[0] + " …"
        message += f"; closest passage (line {match.closest_line}, {match.similarity:.0%} similar): {closest!r}"
    return message


def ungrounded(fact: Fact, kind: Kind, corpus: Corpus) -> list[Finding]:
    """Every grounded field of ``fact`` whose value no quote says (a paraphrased field is a note)."""
    quotes = [normalize(e.quote) for e in fact.evidence]
    findings: list[Finding] = []
    for spec in kind.fields:
        value = fact.fields.get(spec.name)
        if value is None or not spec.grounded:
            continue
        if spec.name in fact.paraphrase:
            findings.append(Finding(spec.name, f"{spec.name!r} is a paraphrase, not verbatim in the quotes", "info"))
            continue
        for single in value if isinstance(value, tuple) else (value,):
            if spec.type == "date":
                grounded = any(all(_occurs(piece, quotes) for piece in pieces) for pieces in date_spellings(single))
                if not grounded:
                    grounded, note = date_from_catalog(fact, single, corpus)
                    if note:
                        findings.append(Finding("date", note, "info"))
            elif spec.type == "number":
                grounded = any(_occurs(s, quotes) for s in _number_spellings(single, fact))
            else:
                grounded = any(_occurs(s, quotes) for s in fact.spellings(single))
            if not grounded and spec.type == "date" and single.count("-") and _occurs(single[:4], quotes):
                findings.append(
                    Finding(
                        spec.name,
                        f"{spec.name} {single!r}: the quotes give the year but not the "
                        f"{'day' if single.count('-') == 2 else 'month'}; quote the passage that does, "
                        "write the date only as precisely as the text supports, or list 'date' under 'paraphrase'",
                    )
                )
            elif not grounded:
                findings.append(
                    Finding(
                        spec.name,
                        f"{spec.name} {format_value(single)!r} does not occur in the fact's quotes; quote the passage that says it, "
                        f"add an alias for the spelling the text uses, or list {spec.name!r} under 'paraphrase'",
                    )
                )
    return findings


def date_from_catalog(fact: Fact, date: str, corpus: Corpus) -> tuple[bool, str | None]:
    """Whether a cited source's publication date grounds ``date``, and a note to the curator
    (see :func:`agrees_with_publication`; a day before the dateline asks the curator to make sure
    the text says so)."""
    for piece in fact.evidence:
        published = corpus[piece.source].source.published
        agrees, days = agrees_with_publication(date, published)
        if agrees and days:
            return True, (
                f"date {date} is {days} day(s) before {piece.source!r} was published; "
                "make sure the text's weekday or 'yesterday' says so"
            )
        if agrees:
            return True, None
    return False, None


def agrees_with_publication(date: str, published: str | None) -> tuple[bool, int | None]:
    """Whether a publication date grounds ``date``: one contains the other (2022-02 and
    2022-02-25), or, for a day the text names relative to its dateline ("on Tuesday"), it lies
    up to :data:`RELATIVE_DAYS` before it (then also how many days)."""
    if not published:
        return False, None
    if published.startswith(date) or date.startswith(published):
        return True, None
    if date.count("-") == 2 and published.count("-") == 2:
        days = (dt.date.fromisoformat(published) - dt.date.fromisoformat(date)).days
        if 0 < days <= RELATIVE_DAYS:
            return True, days
    return False, None


def position_clashes(positions: Iterable[str], fields: Mapping[str, Any]) -> list[Finding]:
    """An actor's positions on one vote must agree (a veto is a vote against; co-sponsors may vote)."""
    held: dict[str, list[str]] = {}
    findings: list[Finding] = []
    for position in positions:
        for actor in fields.get(position, ()):
            clash = next((p for p in held.get(actor, ()) if p in EXCLUDES[position]), None)
            if clash:
                findings.append(Finding(position, f"{actor!r} is listed under both {clash!r} and {position!r}, which exclude each other"))
            held.setdefault(actor, []).append(position)
    return findings


def _number_spellings(value: int | float, fact: Fact) -> list[str]:
    spellings = [format_value(value), str(value), *fact.aliases.get(format_value(value), ())]
    if isinstance(value, float) and value.is_integer():
        spellings.append(str(int(value)))
    return spellings


def _occurs(spelling: str, quotes: list[str]) -> bool:
    """Whether a value occurs as whole words in one of the (normalised) quotes."""
    return any(find_words(spelling, q) for q in quotes)

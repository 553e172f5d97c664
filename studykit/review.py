"""The curator's review page: one self-contained HTML page per deck, for the curator, not students.

Per fact: its quote highlighted in its paragraph, its fields, the YAML line it stands at; every
question generated from it, the key marked, each wrong option with why it was allowed (its proof)
and why it was chosen (its plausibility reason); every lint finding beside the question (or fact)
it concerns. At the top: facts per document and kind, questions per family, findings per rule,
the deck-level cue figures, and filters by family, rule and document. Proposed facts (from
``studykit propose``) are shown the same way, marked as proposals, so a curator accepts or drops
them while reading the document.

:class:`ReviewExporter` plans ``<deck id>.review.html`` like any exporter; writing is
:func:`studykit.fsio.commit`'s.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Iterable, Sequence

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .errors import Location, display_path
from .export.base import Output
from .lint import RULES, Finding, lint
from .model import Fact, Question, QuestionSet, format_value

REVIEW_THEME = Path(__file__).resolve().parent / "themes" / "review"
#: The most text shown around a quote in its paragraph, each side.
CONTEXT_CHARS = 400


@dataclass(frozen=True)
class FindingView:
    code: str
    severity: str
    message: str
    question: str | None
    anchor: str  # the question's (or fact's) anchor on the page
    where: str  # decks/x.yaml:123
    href: str  # a file: link to the deck file


@dataclass(frozen=True)
class OptionView:
    text: str
    key: bool
    proof: str = ""
    reason: str = ""


@dataclass(frozen=True)
class QuestionView:
    id: str
    anchor: str
    family: str
    type: str
    prompt: str
    options: tuple[OptionView, ...]
    answers: tuple[str, ...]
    explanation: str
    fallback: str | None
    findings: tuple[FindingView, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class FactView:
    id: str
    anchor: str
    kind: str
    topic: str | None
    sources: tuple[str, ...]
    where: str
    href: str
    fields: tuple[tuple[str, str], ...]
    passages: tuple[Markup, ...]
    note: str | None
    proposed: bool
    questions: tuple[QuestionView, ...]
    findings: tuple[FindingView, ...]  # about the fact itself or the deck, not one question
    rules: tuple[str, ...]
    families: tuple[str, ...]


@dataclass(frozen=True)
class ReviewView:
    title: str
    deck_id: str
    deck_file: str
    facts: tuple[FactView, ...]
    facts_by_document: tuple[tuple[str, tuple[tuple[str, int], ...], int], ...]
    questions_by_family: tuple[tuple[str, int], ...]
    questions_by_type: tuple[tuple[str, int], ...]
    findings_by_rule: tuple[tuple[str, str, str, int], ...]
    deck_findings: tuple[FindingView, ...]
    figures: tuple[tuple[str, str], ...]
    families: tuple[str, ...]
    documents: tuple[str, ...]
    rules: tuple[str, ...]
    proposed: int = 0


def _anchor(prefix: str, ident: str) -> str:
    return prefix + "".join(c if c.isalnum() or c in "-_." else "_" for c in ident)


def build_view(qset: QuestionSet, findings: Sequence[Finding], *, proposed: Iterable[str] = ()) -> ReviewView:
    """The review page's data: facts in deck order with their questions and findings."""
    deck = qset.deck
    proposed_ids = set(proposed)
    deck_file = display_path(deck.path)
    deck_href = Path(deck.path).resolve().as_uri()
    by_question: dict[str, list[FindingView]] = defaultdict(list)
    by_fact: dict[str, list[FindingView]] = defaultdict(list)
    deck_wide: list[FindingView] = []
    question_fact = {q.id: q.fact for q in qset.questions}
    for f in findings:
        fact_id = question_fact.get(f.question) if f.question else None
        anchor = _anchor("q-", f.question) if fact_id and f.question else "summary"
        view = FindingView(f.code, f.severity, f.message, f.question, anchor,
                           str(f.location) if f.location else deck_file, deck_href)
        if fact_id and f.question:
            by_question[f.question].append(view)
        else:
            deck_wide.append(view)
    questions_by_fact: dict[str, list[Question]] = defaultdict(list)
    for q in qset.questions:
        questions_by_fact[q.fact].append(q)
    facts = []
    for fact in deck.facts:
        qviews = tuple(_question_view(q, by_question.get(q.id, [])) for q in questions_by_fact.get(fact.id, []))
        rules = sorted({f.code for q in qviews for f in q.findings} | {f.code for f in by_fact.get(fact.id, [])})
        where = Location(deck_file, fact.location.line, fact.location.col) if fact.location else Location(deck_file)
        facts.append(
            FactView(
                id=fact.id,
                anchor=_anchor("f-", fact.id),
                kind=fact.kind,
                topic=deck.topics.get(fact.topic, fact.topic) if fact.topic else None,
                sources=tuple(dict.fromkeys(e.source for e in fact.evidence)),
                where=str(where),
                href=deck_href,
                fields=tuple((name, _field_text(value)) for name, value in fact.fields.items()),
                passages=tuple(_passage(qset, fact, i) for i in range(len(fact.evidence))),
                note=fact.note,
                proposed=fact.id in proposed_ids,
                questions=qviews,
                findings=tuple(by_fact.get(fact.id, [])),
                rules=tuple(rules),
                families=tuple(sorted({q.family for q in qviews})),
            )
        )
    per_document: dict[str, Counter[str]] = defaultdict(Counter)
    for fact in deck.facts:
        for source in dict.fromkeys(e.source for e in fact.evidence):
            per_document[source][fact.kind] += 1
    rule_counts = Counter(f.code for f in findings)
    return ReviewView(
        title=deck.title,
        deck_id=deck.id,
        deck_file=deck_file,
        facts=tuple(facts),
        facts_by_document=tuple(
            (source, tuple(sorted(kinds.items())), sum(kinds.values())) for source, kinds in sorted(per_document.items())
        ),
        questions_by_family=tuple(sorted(Counter(q.family for q in qset.questions).items())),
        questions_by_type=tuple(sorted(Counter(q.type for q in qset.questions).items())),
        findings_by_rule=tuple((code, RULES[code][0], RULES[code][1], rule_counts[code]) for code in sorted(rule_counts)),
        deck_findings=tuple(deck_wide),
        figures=_figures(qset),
        families=tuple(sorted({q.family for q in qset.questions})),
        documents=tuple(sorted(per_document)),
        rules=tuple(sorted(rule_counts)),
        proposed=sum(1 for f in facts if f.proposed),
    )


def _question_view(q: Question, findings: list[FindingView]) -> QuestionView:
    reasons = {w.value: w for w in q.wrong}
    keys = set(q.answers)
    options = tuple(
        OptionView(o, o in keys, reasons[o].proof if o in reasons else "", reasons[o].reason if o in reasons else "") for o in q.options
    )
    return QuestionView(
        id=q.id,
        anchor=_anchor("q-", q.id),
        family=q.family,
        type=q.type,
        prompt=q.prompt,
        options=options,
        answers=q.answers,
        explanation=q.explanation,
        fallback=q.fallback,
        findings=tuple(findings),
        rules=tuple(sorted({f.code for f in findings})),
    )


def _field_text(value: object) -> str:
    if isinstance(value, tuple):
        return "; ".join(format_value(v) for v in value)
    return format_value(value)


def _passage(qset: QuestionSet, fact: Fact, index: int) -> Markup:
    """The paragraph (at most CONTEXT_CHARS each side) around the quote, the quote marked."""
    evidence = fact.evidence[index]
    if evidence.source not in qset.deck.corpus:
        return Markup("<mark>{}</mark>").format(evidence.quote)
    text = qset.deck.corpus[evidence.source].text
    left = text.rfind("\n\n", 0, evidence.start)
    left = max(left + 2 if left >= 0 else 0, evidence.start - CONTEXT_CHARS)
    right = text.find("\n\n", evidence.end)
    right = min(right if right >= 0 else len(text), evidence.end + CONTEXT_CHARS)
    before = ("…" if left > 0 and text[left - 1] != "\n" else "") + text[left : evidence.start]
    after = text[evidence.end : right] + ("…" if right < len(text) and text[right] != "\n" else "")
    return Markup("{}<mark>{}</mark>{}").format(before, text[evidence.start : evidence.end], after)


def _figures(qset: QuestionSet) -> tuple[tuple[str, str], ...]:
    """Deck-level cue figures: key position among unordered and ordered options, key extremes."""
    rows: list[tuple[str, str]] = []
    for ordered, label in ((False, "unordered"), (True, "ordered")):
        items = [q for q in qset.questions if q.type == "single" and q.ordered == ordered and q.answers and q.answers[0] in q.options]
        if not items:
            continue
        positions = Counter(q.options.index(q.answers[0]) for q in items)
        spread = ", ".join(f"{chr(65 + i)} {positions.get(i, 0)}" for i in range(max(len(q.options) for q in items)))
        rows.append((f"key position, {label} items ({len(items)})", spread))
        if ordered:
            extremes = sum(1 for q in items if q.options.index(q.answers[0]) in (0, len(q.options) - 1))
            chance = sum(2 / len(q.options) for q in items)
            rows.append(("key is the smallest or largest value", f"{extremes} of {len(items)} (chance: {chance:.1f})"))
    texts = [q for q in qset.questions if q.type == "single" and not q.ordered and len(q.options) > 1]
    if texts:
        longest = sum(1 for q in texts if len(q.answers[0]) == max(len(o) for o in q.options))
        chance = sum(1 / len(q.options) for q in texts)
        rows.append(("key is the longest option", f"{longest} of {len(texts)} (chance: {chance:.1f})"))
    fallbacks = sum(1 for q in qset.questions if q.fallback)
    rows.append(("choice questions asked as free answers", str(fallbacks)))
    return tuple(rows)


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(REVIEW_THEME)), autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["severity_class"] = lambda s: {"error": "sev-error", "warning": "sev-warning"}.get(str(s), "sev-info")
    return env


def render(view: ReviewView) -> str:
    template = _environment().get_template("review.html")
    css = (REVIEW_THEME / "review.css").read_text(encoding="utf-8")
    script = (REVIEW_THEME / "review.js").read_text(encoding="utf-8")
    return template.render(view=view, css=Markup(css), script=Markup(script))


@dataclass
class ReviewExporter:
    """The review page of a deck: ``<deck id>.review.html``, one self-contained file."""

    name: ClassVar[str] = "review"
    default_target: ClassVar[str] = "{deck}.review.html"

    findings: Sequence[Finding] | None = None
    proposed: Sequence[str] = field(default_factory=tuple)

    def plan(self, qset: QuestionSet, target: Path) -> Output:
        findings = list(self.findings) if self.findings is not None else lint(qset)
        view = build_view(qset, findings, proposed=self.proposed)
        page = render(view).encode("utf-8")
        summary = f"{len(view.facts)} facts, {len(qset)} questions, {len(findings)} findings"
        if view.proposed:
            summary += f", {view.proposed} proposed facts"
        return Output(self.name, {Path(target): page}, summary=summary, details=view)

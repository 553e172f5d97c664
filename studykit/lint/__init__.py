"""Item-quality rules for generated questions (Haladyna, Downing & Rodriguez 2002; ITEM-QUALITY.md).

Each finding has a code, a severity (``error``, ``warning`` or ``info``), a message and the
question it is about. ``studykit lint --strict`` fails on warnings too; ``info`` never fails.
A pattern that makes an item wrong or gives its answer away is a warning (or an error); deck
figures (key positions, guessers' scores, what a sheet gives away) are info.

* ``items``  question by question (L001–L009, L013, L018–L021, L023, L025–L028);
* ``pairs``  questions compared with each other (L010, L014, L022);
* ``cues``   what a stem-blind guesser scores across the deck (L011, L012, L015–L017, L029);
* ``sheet``  what one question of a printed quiz gives away about another (L024, L030).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..corpus import fold
from ..errors import Location, Problem, Severity, display_path
from ..model import QuestionSet
from ..vocabulary import vocabulary
from .cues import chi2_sf, cue_figures, cue_findings, length_extreme_key
from .items import CHOICE_TYPES, question_findings
from .pairs import interference, near_identical
from .sheet import sheet_figures, sheet_findings, version_leaks

__all__ = ["CHOICE_TYPES", "RULES", "Finding", "chi2_sf", "cue_figures", "figures", "lint", "sheet_figures", "version_leaks"]

#: Every rule: code → (severity, what it checks). The README's table is generated from this.
RULES: dict[str, tuple[Severity, str]] = {
    "L001": ("error", "two options are the same after normalising case, white space and aliases"),
    "L002": ("error", "an answer is not among the options"),
    "L003": ("error", "a choice question has fewer than 3 or more than 5 options"),
    "L004": ("error", "an option says 'all of the above' or 'none of the above'"),
    "L005": ("warning", "text options differ in length by more than ×2.5"),
    "L006": ("error", "number or year options are not in ascending order"),
    "L007": ("warning", "the stem does not end in '?'"),
    "L008": ("error", "the stem has an unfilled slot ({{ }}, 'None')"),
    "L009": ("warning", "the stem contains the answer"),
    "L010": ("warning", "two near-identical stems have different answers"),
    "L011": ("warning", "across the deck, the key's position among unordered options is unbalanced (chi-square, p < 0.01)"),
    "L012": ("warning", "across the deck, the key is the longest or the shortest option too often (over 40% of text questions)"),
    "L013": ("info", "a choice question fell back to a free answer: too few provably false options"),
    "L014": ("warning", "two questions are identical (same stem and answers)"),
    "L015": ("warning", "across the deck, the key's position among ordered options (years, dates, figures) is unbalanced"),
    "L016": ("warning", "across the deck, an ordered item's key is its largest or smallest option more often than chance"),
    "L017": ("warning", "across the deck, a testwise guesser that ignores the stem beats chance by more than 5 points"),
    "L018": ("warning", "a wrong option is implausible for the role: another kind of entity, or none of the key's groups"),
    "L019": ("warning", "a wrong option did not exist yet in the question's year (its 'since')"),
    "L020": ("warning", "a cloze's answer, an alias or a related form of it is still visible on the card"),
    "L021": ("warning", "a cloze blanks a function word, a number word, the deck's main subject, or part of a word"),
    "L022": ("warning", "two events of one actor or body have year questions that read nearly alike (interference)"),
    "L023": ("warning", "a wrong rationale carries a pronoun bound to another actor (It, Their, He …)"),
    "L024": ("warning", "in version 1 of the build's quiz, one question gives another away"),
    "L025": ("warning", "the stem shows the answer in another form (an alias or related word)"),
    "L026": ("warning", "the stem of a dated fact does not say when"),
    "L027": ("warning", "language: a doubled word, 'a'/'an' before the wrong sound, mixed straight and curly quotes"),
    "L028": ("warning", "a stem or option gives a time relative to the article ('two weeks ago', 'on Tuesday')"),
    "L029": ("info", "deck figures: key positions, extreme keys and each testwise guesser's score against chance"),
    "L030": ("info", "sheet figures: how full the build's quiz is, and what a quiz of every question gives away"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    question: str | None  # question id, or None for deck-wide findings
    location: Location | None

    @property
    def severity(self) -> Severity:
        return RULES[self.code][0]

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        about = f" [{self.question}]" if self.question else ""
        return f"{where}{self.severity}: {self.code}{about} {self.message}"

    def as_problem(self) -> Problem:
        """The finding as a load problem (``check`` and ``build`` stop on lint errors alike)."""
        about = f" [{self.question}]" if self.question else ""
        return Problem(self.location, f"{self.code}{about} {self.message}", self.severity)


def lint(qset: QuestionSet, *, deck_wide: bool = True) -> list[Finding]:
    """Every finding for a question set, question by question, then (unless ``deck_wide`` is
    false) the rules that compare questions across the deck and the deck's figures."""
    locations = {f.id: f.location for f in qset.deck.facts}
    vocab = vocabulary(qset.deck)
    aliases = _alias_folds(qset)
    findings: list[Finding] = []
    for q in qset.questions:
        for code, message in question_findings(q, vocab, aliases):
            findings.append(Finding(code, message, q.id, locations.get(q.fact)))
    if not deck_wide:
        return findings
    where = Location(display_path(qset.deck.path))

    def about(question_id: str | None) -> Location | None:
        return locations.get(question_id.split("/")[0]) if question_id else where

    for code, message, qid in (*near_identical(qset.questions), *interference(qset.questions, vocab)):
        findings.append(Finding(code, message, qid, about(qid)))
    findings += [Finding(code, message, None, where) for code, message in length_extreme_key(qset.questions)]
    all_figures = figures(qset)
    findings += [Finding(code, message, None, where) for code, message in cue_findings(all_figures["cues"])]
    findings += [Finding(code, message, qid, about(qid)) for code, message, qid in sheet_findings(all_figures["sheet"])]
    return findings


def figures(qset: QuestionSet) -> dict[str, Any]:
    """The deck-level figures lint reports as info: ``{"cues": cue_figures(qset), "sheet": sheet_figures(qset)}``."""
    return {"cues": cue_figures(qset), "sheet": sheet_figures(qset)}


def _alias_folds(qset: QuestionSet) -> dict[str, str]:
    """Every spelling (folded) → its canonical value (folded)."""
    canon: dict[str, str] = {fold(a): fold(e.name) for e in qset.deck.entities.values() for a in e.aliases}
    for fact in qset.deck.facts:
        for value, spellings in fact.aliases.items():
            for s in spellings:
                canon[fold(s)] = fold(value)
    return canon

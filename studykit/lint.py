"""Item-quality rules for generated questions (Haladyna, Downing & Rodriguez 2002).

Each finding has a code, a severity (``error``, ``warning`` or ``info``), a message and the
question it is about. ``studykit lint --strict`` fails on warnings too; ``info`` never fails.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .corpus import fold
from .errors import Location, Problem, Severity, display_path
from .model import Question, QuestionSet

CHOICE_TYPES = ("single", "multiple")

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
    "L011": ("warning", "across the deck, the key's position is unbalanced (chi-square, p < 0.01)"),
    "L012": ("warning", "across the deck, the key is the longest option too often (over 40% of text questions)"),
    "L013": ("info", "a choice question fell back to a free answer: too few provably false options"),
    "L014": ("warning", "two questions are identical (same stem and answers)"),
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
    false) the rules that compare questions across the deck."""
    locations = {f.id: f.location for f in qset.deck.facts}
    aliases = _alias_folds(qset)
    findings: list[Finding] = []
    for q in qset.questions:
        for code, message in _question_findings(q, aliases, _fact_text(qset, q)):
            findings.append(Finding(code, message, q.id, locations.get(q.fact)))
    if not deck_wide:
        return findings
    where = Location(_deck_path(qset))
    findings += [Finding(code, message, qid, locations.get(qid.split("/")[0]) if qid else where) for code, message, qid in _near_identical(qset.questions)]
    findings += [Finding(code, message, None, where) for code, message in _deck_findings(qset.questions)]
    return findings


def _deck_path(qset: QuestionSet) -> str:
    return display_path(qset.deck.path)


def _alias_folds(qset: QuestionSet) -> dict[str, str]:
    """Every spelling (folded) → its canonical value (folded)."""
    canon: dict[str, str] = {fold(a): fold(e.name) for e in qset.deck.entities.values() for a in e.aliases}
    for fact in qset.deck.facts:
        for value, spellings in fact.aliases.items():
            for s in spellings:
                canon[fold(s)] = fold(value)
    return canon


def _fact_text(qset: QuestionSet, q: Question) -> str:
    """Everything the curator wrote for the question's fact: a stem may repeat any of it verbatim."""
    try:
        fact = qset.deck.fact(q.fact)
    except KeyError:
        return ""
    values = [str(v) for value in fact.fields.values() for v in (value if isinstance(value, tuple) else (value,))]
    return "\n".join([*values, *(e.quote for e in fact.evidence)])


def _unfilled(stem: str, curated: str) -> bool:
    """A template slot left in the stem: ``{{``/``}}`` or ``None`` that the fact's own text does not have."""
    for token in ("{{", "}}"):
        if stem.count(token) > curated.count(token):
            return True
    return len(re.findall(r"\bNone\b", stem)) > len(re.findall(r"\bNone\b", curated))


def _question_findings(q: Question, aliases: dict[str, str], curated: str = ""):
    if q.fallback:
        yield "L013", q.fallback
    stem = q.prompt
    if q.type not in ("cloze", "true_false") and not stem.rstrip().endswith("?"):  # a true/false item is a statement
        yield "L007", f"stem does not end in '?': {stem[-40:]!r}"
    if _unfilled(stem, curated):
        yield "L008", f"stem has an unfilled slot: {stem!r}"
    if q.type not in ("true_false", "cloze"):
        for answer in q.answers:
            if len(answer) > 3 and re.search(r"(?<!\w)" + re.escape(fold(answer)) + r"(?!\w)", fold(stem)):
                yield "L009", f"stem contains the answer {answer!r}"
    if q.type not in CHOICE_TYPES:
        return
    normalized = [aliases.get(fold(o), fold(o)) for o in q.options]
    duplicates = [o for o, n in Counter(normalized).items() if n > 1]
    if duplicates:
        yield "L001", f"duplicate options: {', '.join(map(repr, duplicates))}"
    missing = [a for a in q.answers if a not in q.options]
    if missing:
        yield "L002", f"answer(s) not among the options: {', '.join(map(repr, missing))}"
    if not 3 <= len(q.options) <= 5:
        yield "L003", f"{len(q.options)} options; use 3 to 5"
    if any(re.search(r"\b(all|none) of the above\b", o, re.IGNORECASE) for o in q.options):
        yield "L004", "an option says 'all/none of the above'"
    if q.answer_type in ("year", "number"):
        values = [_number(o) for o in q.options]
        numbers = [v for v in values if v is not None]
        if len(numbers) == len(values) and numbers != sorted(numbers):
            yield "L006", f"options not in ascending order: {', '.join(q.options)}"
    elif q.answer_type in ("text", "rationale"):
        lengths = [len(o) for o in q.options]
        if min(lengths) and max(lengths) / min(lengths) > 2.5 and max(lengths) > 12:
            yield "L005", f"option lengths range from {min(lengths)} to {max(lengths)} characters"


def _number(text: str) -> float | None:
    try:
        return float(re.sub(r"[^\d.\-]", "", text))
    except ValueError:
        return None


def _near_identical(questions: tuple[Question, ...]):
    """Stems that differ by a word or two but have different answers confuse learners."""
    first: dict[tuple[str, tuple[str, ...]], str] = {}
    for q in questions:
        key = (fold(q.prompt), q.answers)
        if key in first:
            yield "L014", f"identical to {first[key]!r}; drop one fact's quote or the template", q.id
        first.setdefault(key, q.id)
    by_family: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        if q.type != "true_false":
            by_family[q.family].append(q)
    for group in by_family.values():
        for i, j in _candidate_pairs([q.prompt for q in group]):
            a, b = group[i], group[j]
            if a.answers == b.answers or abs(len(a.prompt) - len(b.prompt)) > 10:
                continue
            matcher = difflib.SequenceMatcher(None, a.prompt, b.prompt)
            if matcher.quick_ratio() > 0.95 and matcher.ratio() > 0.95:  # quick_ratio is a cheap upper bound
                yield "L010", f"stem is near-identical to {b.id!r} but the answer differs", a.id


_Q = 4  # q-gram length for finding candidate pairs
_PAIRWISE_MAX = 100  # families up to this size compare every pair
_COMMON = 8  # in larger families, q-grams found in more texts than this do not pair texts


def _candidate_pairs(texts: list[str]) -> list[tuple[int, int]]:
    """The pairs ``(i, j)``, ``i < j``, in order, worth comparing: stems whose ratio may be above 0.95.

    Up to ``_PAIRWISE_MAX`` texts, every pair. Beyond, prefix filtering (Bayardo et al. 2007): if
    ``SequenceMatcher.ratio() > 0.95`` (lengths within 10), fewer than 5% of the two texts'
    characters are unmatched, and each unmatched character or gap spoils at most ``_Q`` q-grams,
    so the two texts share one of the ``spoiled + 1`` globally rarest q-grams of each. Grams that
    more than ``_COMMON`` texts share (template wording) are skipped to keep the work linear, so a
    pair told apart only by common wording can be missed.
    """
    if len(texts) <= _PAIRWISE_MAX:
        return [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))]
    grams = [_grams(text) for text in texts]
    rarity = Counter(g for gs in grams for g in gs)
    index: dict[tuple[str, int], list[int]] = defaultdict(list)
    pairs: set[tuple[int, int]] = set()
    short: list[int] = []
    for j, gs in enumerate(grams):
        spoiled = _Q * ((2 * len(texts[j]) + 10) // 20)  # 5% of this text's length and its longest partner's
        if len(gs) <= spoiled:
            short.append(j)
        for g in sorted(gs, key=lambda g: (rarity[g], g))[: spoiled + 1]:
            if rarity[g] > _COMMON:
                break
            pairs.update((i, j) for i in index[g])
            index[g].append(j)
    pairs.update((i, j) for n, i in enumerate(short) for j in short[n + 1 :])
    return sorted(pairs)


def _grams(text: str) -> list[tuple[str, int]]:
    """The q-grams of a text as a set: each gram with its occurrence number (a multiset made a set)."""
    seen: Counter[str] = Counter()
    result = []
    for k in range(len(text) - _Q + 1):
        gram = text[k : k + _Q]
        seen[gram] += 1
        result.append((gram, seen[gram]))
    return result


def _deck_findings(questions: tuple[Question, ...]):
    single = [q for q in questions if q.type == "single" and q.answer_type not in ("year", "number", "date")]
    by_size: dict[int, list[int]] = defaultdict(list)
    for q in single:
        by_size[len(q.options)].append(q.options.index(q.answers[0]) if q.answers[0] in q.options else 0)
    for size, positions in sorted(by_size.items()):
        if len(positions) < 5 * size:
            continue  # too few questions for the test to mean anything
        counts = Counter(positions)
        expected = len(positions) / size
        chi2 = sum((counts.get(i, 0) - expected) ** 2 / expected for i in range(size))
        p = _chi2_sf(chi2, size - 1)
        if p < 0.01:
            spread = ", ".join(f"{chr(65 + i)}: {counts.get(i, 0)}" for i in range(size))
            yield "L011", f"key positions among {len(positions)} {size}-option questions are unbalanced ({spread}; p = {p:.3f})"
    texts = [q for q in single if q.answer_type in ("rationale", "text")]
    if len(texts) >= 5:
        longest = sum(1 for q in texts if len(q.answers[0]) == max(len(o) for o in q.options))
        if longest / len(texts) > 0.4:
            yield "L012", f"the key is the longest option in {longest} of {len(texts)} text questions"


def _chi2_sf(x: float, k: int) -> float:
    """Survival function of the chi-square distribution (regularised upper gamma, series form)."""
    if x <= 0:
        return 1.0
    a, half = k / 2, x / 2
    term = total = 1.0 / a
    n = 1
    while abs(term) > 1e-12 * abs(total) and n < 500:
        term *= half / (a + n)
        total += term
        n += 1
    lower = total * math.exp(-half + a * math.log(half) - math.lgamma(a))
    return max(0.0, 1.0 - lower)

"""Quantities: a figure the text gives, its hedge, and what is counted, phrased after "How many".

The figure is a spaCy CARDINAL, MONEY, PERCENT or QUANTITY entity, or a DATE that is a duration
("over 20 years"); years, dates, ranges, ordinals and figures inside quotations are not. What is
counted is built from the parse: the counted noun and its modifiers, then the clause, so the
subject reads after "How many": "countries answered the US call …" when the noun is the clause's
subject, "troops on the Ukrainian border did Moscow amass" (do-support, or the clause's own
auxiliary, "has bilateral trade surged to") when it is an object.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..model import format_value
from .proposal import Context, Proposal
from .segment import Sentence, iter_claims
from .syntax import REPORTING, clause_verb, date_tokens, dates_of, is_hypothetical, subject_of, text_of

_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1_000_000_000_000}
_CURRENCIES = {"$": "dollars", "€": "euros", "£": "pounds", "¥": "yen", "₪": "shekels"}
#: Hedges, longest first, as the text writes them before the figure.
HEDGES = (
    "more than",
    "fewer than",
    "less than",
    "up to",
    "at least",
    "at most",
    "as many as",
    "close to",
    "nearly",
    "almost",
    "around",
    "about",
    "over",
    "under",
    "some",
    "roughly",
    "approximately",
    "an estimated",
    "just over",
    "just under",
)
_DURATION = re.compile(r"\b(years|months|weeks|days|decades)$", re.I)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def extract(context: Context) -> Iterator[Proposal]:
    for sentence in iter_claims(context.sentences):
        spans = list(sentence.span.ents)
        covered = {t.i for ent in spans for t in ent}
        # a figure spaCy's entities missed ("Eleven of the council's 15 members"): a number heading a noun phrase
        spans += [
            sentence.span.doc[t.i : t.i + 1] for t in sentence.span if t.like_num and t.i not in covered and t.dep_ in ("nsubj", "dobj", "pobj") and t.is_alpha
        ]
        for ent in sorted(spans, key=lambda e: e.start):
            proposal = _figure(ent, sentence, context)
            if proposal is not None:
                yield proposal


def parse_number(words: list[str]) -> float | None:
    """ "100,000" → 100000, "Eighty-one" → 81, "one million" → 1000000, "5" → 5; else None."""
    text = " ".join(words).lower().replace("-", " ")
    if _NUMBER.fullmatch(words[0].replace(",", "")) or _NUMBER.fullmatch(words[0]):
        value = float(words[0].replace(",", ""))
        for word in words[1:]:
            if word.lower() not in _SCALES:
                return None
            value *= _SCALES[word.lower()]
        return value
    total, current = 0.0, 0.0
    for word in text.split():
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
        elif word == "and":
            continue
        else:
            return None
    value = total + current
    return value if value else None


def _figure(ent: Any, sentence: Sentence, context: Context) -> Proposal | None:
    label = ent.label_ or "CARDINAL"
    tokens = list(ent)
    duration = label == "DATE" and _DURATION.search(ent.text) is not None and "ago" not in ent.text.lower()
    if label not in ("CARDINAL", "MONEY", "PERCENT", "QUANTITY") and not duration:
        return None
    if duration and not (ent.start > 0 and sentence.span.doc[ent.start - 1].lower_ in ("for", "over", "during", "than")):
        return None  # a length of time is a figure in "for 20 years", not in "after two weeks of talks"
    if any(sentence.in_quote(t) for t in tokens) or re.search(r"\d\s*[-–]\s*\d|\bto\b \d", ent.text):
        return None
    hedge = next((h for h in HEDGES if ent.text.lower().startswith(h + " ")), None)
    start = len(hedge.split()) if hedge else 0
    doc = sentence.span.doc
    if hedge is None:
        before = [t for t in doc[max(0, ent.start - 2) : ent.start]]
        words = " ".join(t.lower_ for t in before)
        hedge = next((h for h in HEDGES if words.endswith(h)), None)
        if hedge is not None and before and before[-1].dep_ == "prep":
            hedge = None  # "shifts over the past 75 years": a preposition, not a hedge
        hedged = {t.i for t in before[-len(hedge.split()) :]} if hedge else set()
    else:
        hedged = set()
    preceding = doc[ent.start - 1] if ent.start > 0 else None
    if preceding is not None and (preceding.lower_ in ("the", "these", "those", "both", "its", "their", "our") or preceding.tag_ == "POS"):
        return None  # "the two countries" refers back to them; it counts nothing
    body = [t for t in tokens[start:] if t.lower_ not in ("the", "past", "last")]
    currency = next((t.text for t in body if t.text in _CURRENCIES), None)
    number_words = [
        t.text
        for t in body
        if t.text not in _CURRENCIES and t.lower_ not in ("years", "months", "weeks", "days", "decades", "percent", "%") and t.text not in ("-", "‐")
    ]
    unit_words = [t.lower_ for t in body if t.lower_ in ("percent", "%")]
    if not number_words:
        return None
    digits = [t for t in body if t.text in number_words]
    written = _source_text(digits)
    value = parse_number(number_words)
    if label == "MONEY" and len(number_words) > 1 and number_words[-1].lower() in _SCALES:
        value = parse_number(number_words[:-1])  # "$5 billion": 5, in billion dollars
        unit = f"{number_words[-1].lower()} {_CURRENCIES.get(currency or '', 'dollars')}"
        written = _source_text(digits[:-1])
    elif label == "MONEY":
        unit = _CURRENCIES.get(currency or "", "")
    elif unit_words:
        unit = "percent"
    else:
        unit = ""
    if value is None or value < 2 or label == "CARDINAL" and 1800 <= value <= 2100 and "," not in written:
        return None
    number: int | float = int(value) if float(value).is_integer() else value
    head = ent.root
    counted = head.head if head.dep_ in ("nummod", "quantmod", "compound") and head.head.pos_ in ("NOUN", "PROPN") else head
    if counted != head and counted.dep_ == "pobj" and counted.head.lower_ == "of" and counted.head.head.like_num:
        return None  # the "15" of "Eleven of the council's 15 members" is the whole, not the figure
    verb = clause_verb(counted)
    if verb is None or verb.lemma_ in REPORTING or is_hypothetical(verb) or sentence.in_quote(verb):
        return None
    subject = _subject(counted, ent, verb, duration, hedged, sentence, context.published, unit)
    if subject is None:
        return None
    fields: dict[str, Any] = {"subject": subject, "value": number}
    if hedge:
        fields["qualifier"] = hedge
    if unit:
        fields["unit"] = unit
    dated = dates_of(verb, sentence, context.published)
    dated = [d for d in dated if d[1] != ent]
    if dated:
        fields["date"] = dated[0][0].date
    inverted = (
        " did " in f" {subject} "
        or " does " in f" {subject} "
        or " do " in f" {subject} "
        or subject.split()[-1] in ("to", "of", "in", "on", "over", "for", "with")
    )
    confidence = 0.5 + (0.1 if counted != head else 0) + (0.1 if dated else 0) + (0.05 if hedge else 0) - (0.1 if inverted else 0)
    proposal = Proposal(
        kind="quantity",
        fields=fields,
        evidence=[(sentence.start, sentence.end)],
        rule="quantity/duration" if duration else f"quantity/{label.lower()}",
        confidence=confidence,
        key_words=[format_value(number).replace(",", ""), *[w for w in subject.split() if w.isalpha() and len(w) > 3][:3]],
    )
    shown = format_value(number)
    if written.replace(",", "") not in (shown.replace(",", ""), str(number)):
        proposal.add_alias(shown, written)
    return proposal


def _source_text(tokens: list[Any]) -> str:
    """The figure as the document writes it ("Eighty-one", "100,000", "one million")."""
    if not tokens:
        return ""
    doc = tokens[0].doc
    return str(doc.text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)])


def _subject(counted: Any, ent: Any, verb: Any, duration: bool, hedged: set[int], sentence: Sentence, published: str | None, unit: str) -> str | None:
    """What is counted, so that it reads after "How many"."""
    ent_ids = {t.i for t in ent} | hedged
    if counted.i in ent_ids:  # the figure is the noun: "Eleven of the council's 15 members", "$5 billion"
        noun = [t for t in counted.subtree if t.i not in ent_ids and t.i > ent.end - 1]
        noun_ids = {t.i for t in counted.subtree}
    else:
        noun = [
            t
            for t in counted.subtree
            if t.i not in ent_ids and not (t.dep_ == "det" and t.head == counted) and not (t.dep_ in ("relcl", "acl") and t.head == counted)
        ]
        noun = [t for t in noun if not any(a.dep_ in ("relcl", "acl") and a.head == counted for a in t.ancestors)]
        noun_ids = {t.i for t in counted.subtree}
    phrase = text_of(noun)
    if not phrase and unit:
        phrase = unit  # "surged to around $5 billion": how many billion dollars
    if duration and not phrase:
        phrase = _DURATION.search(ent.text).group(1).lower()  # type: ignore[union-attr]
    if counted == verb:
        return None
    top = counted
    while top.head != verb and top.head != top:
        top = top.head
    subject, passive = subject_of(verb)
    clause_ids = {t.i for t in verb.subtree}
    skip: set[int] = set(noun_ids) | {t.i for t in date_tokens(verb, sentence, published)}
    for child in verb.children:
        if child.dep_ in ("advcl", "parataxis", "punct", "mark", "cc", "conj") and child.i > verb.i and child != top:
            skip.update(t.i for t in child.subtree)
        if child.i < verb.i and (subject is None or child.i < subject.i) and child != top:
            skip.update(t.i for t in child.subtree)  # fronted adverbials
    if top.dep_ == "prep" and top.i < verb.i:
        skip.add(top.i)  # "For over 20 years, …": no preposition is left stranded at the front
    if counted.dep_ in ("nsubj", "nsubjpass") and counted.head == verb:
        subject = counted  # the figure's noun is a subject of its own ("Eleven of … voted in favor")
    if subject is not None and (top == subject or counted == subject or subject.i in noun_ids):
        rest = [verb.doc[i] for i in sorted(clause_ids - skip - {t.i for t in subject.subtree})]
        rest = [t for t in rest if t.i >= verb.i or t.dep_ in ("aux", "auxpass", "neg", "advmod") and t.head == verb]
        tail = text_of(rest)
        return f"{phrase} {tail}".strip() if phrase and tail else None
    if subject is None or subject.lower_ in ("it", "there"):
        return None
    subject_ids = {t.i for t in subject.subtree}
    auxiliaries = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i < verb.i and c.lower_ != "to"]
    rest = [
        verb.doc[i]
        for i in sorted(clause_ids - skip - subject_ids - {a.i for a in auxiliaries})
        if i >= verb.i or verb.doc[i].dep_ in ("neg", "advmod") and verb.doc[i].head == verb
    ]
    if top.dep_ == "prep" and top.i > verb.i:
        rest = [t for t in rest if t.i not in noun_ids or t == top]
    if not rest or not phrase:
        return None
    subject_text = text_of(subject.subtree)
    if subject_text[:1].isupper() and subject.ent_type_ == "" and subject.pos_ != "PROPN":
        subject_text = subject_text[0].lower() + subject_text[1:]
    if auxiliaries:
        verb_part = text_of(rest)
        return f"{phrase} {' '.join(a.text for a in auxiliaries)} {subject_text} {verb_part}"
    support = {"VBD": "did", "VBZ": "does", "VBP": "do"}.get(verb.tag_)
    if support is None:
        return None
    words = [verb.lemma_ if t == verb else t.text for t in rest]
    tail = text_of(rest)
    first = tail.split(" ", 1)
    verb_part = words[0] + (" " + first[1] if len(first) > 1 else "") if rest[0] == verb else tail
    return f"{phrase} {support} {subject_text} {verb_part}"

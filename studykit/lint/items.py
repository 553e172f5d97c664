"""Question-by-question lint rules: what a reader sees wrong in one item without the rest of the deck.

Each rule is a generator of ``(code, message)`` for one question; :func:`question_findings` runs
them all. The deck is consulted (through :class:`studykit.quiz.Vocabulary`) for entities, their
aliases, related forms, groups and ``since`` years, and the deck's main subject.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterator

from ..corpus import fold
from ..dates import year_of
from ..model import CLOZE_BLANK, Fact, Question
from ..vocabulary import Vocabulary, visible

CHOICE_TYPES = ("single", "multiple")

Found = Iterator[tuple[str, str]]


def question_findings(q: Question, vocab: Vocabulary, aliases: dict[str, str]) -> Found:
    fact = vocab.fact(q.fact)
    yield from _basic(q, aliases, _fact_text(fact))
    yield from _wrong_options_out_of_role(q, vocab, fact)
    yield from _cloze(q, vocab)
    yield from _pronoun_bound(q, fact)
    yield from _stem_derives_key(q, vocab)
    yield from _time_anchor(q, fact)
    yield from _language(q)
    yield from _relative_time(q)


def _fact_text(fact: Fact | None) -> str:
    """Everything the curator wrote for the question's fact: a stem may repeat any of it verbatim."""
    if fact is None:
        return ""
    values = [str(v) for value in fact.fields.values() for v in (value if isinstance(value, tuple) else (value,))]
    return "\n".join([*values, *(e.quote for e in fact.evidence)])


def _unfilled(stem: str, curated: str) -> bool:
    """A template slot left in the stem: ``{{``/``}}`` or ``None`` that the fact's own text does not have."""
    for token in ("{{", "}}"):
        if stem.count(token) > curated.count(token):
            return True
    return len(re.findall(r"\bNone\b", stem)) > len(re.findall(r"\bNone\b", curated))


def _basic(q: Question, aliases: dict[str, str], curated: str) -> Found:
    """L001–L009 and L013: the rules every item has had since the first release."""
    if q.fallback:
        yield "L013", q.fallback
    stem = q.prompt
    if q.type not in ("cloze", "true_false") and not stem.rstrip().endswith("?"):  # a true/false item is a statement
        yield "L007", f"stem does not end in '?': {stem[-40:]!r}"
    if _unfilled(stem, curated):
        yield "L008", f"stem has an unfilled slot: {stem!r}"
    if q.type not in ("true_false", "cloze"):
        for answer in q.answers:
            if len(answer) > 3 and _has_word(fold(answer), fold(stem)):
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
        values = [number(o) for o in q.options]
        numbers = [v for v in values if v is not None]
        if len(numbers) == len(values) and numbers != sorted(numbers):
            yield "L006", f"options not in ascending order: {', '.join(q.options)}"
    elif q.answer_type in ("text", "rationale"):
        lengths = [len(o) for o in q.options]
        if min(lengths) and max(lengths) / min(lengths) > 2.5 and max(lengths) > 12:
            yield "L005", f"option lengths range from {min(lengths)} to {max(lengths)} characters"


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _has_word(needle: str, haystack: str) -> bool:
    r"""``re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", haystack)`` without compiling a pattern."""
    at = haystack.find(needle)
    while at >= 0:
        end = at + len(needle)
        if not (at and _is_word_char(haystack[at - 1])) and not (end < len(haystack) and _is_word_char(haystack[end])):
            return True
        at = haystack.find(needle, at + 1)
    return False


def number(text: str) -> float | None:
    try:
        return float(re.sub(r"[^\d.\-]", "", text))
    except ValueError:
        return None


def fact_year(fact: Fact | None) -> int | None:
    date = fact.get("date") if fact is not None else None
    return year_of(str(date)) if date else None


def _wrong_options_out_of_role(q: Question, vocab: Vocabulary, fact: Fact | None) -> Found:
    """L018: a wrong option another kind of entity than the key, or sharing none of the key's
    groups (a country that cannot veto offered for "vetoed"); L019: a wrong option that did not
    yet exist in the question's year (no UN vote before 1945)."""
    if q.type not in CHOICE_TYPES:
        return
    keys = [vocab.entity(a, fact) for a in q.answers]
    year = fact_year(fact)
    for option in q.options:
        if option in q.answers:
            continue
        entity = vocab.entity(option, fact)
        if entity is None:
            continue
        if all(k is not None for k in keys) and keys:
            types = {k.type for k in keys if k is not None}
            groups = frozenset().union(*(k.groups for k in keys if k is not None))
            if entity.type not in types:
                yield "L018", f"wrong option {option!r} is a {entity.type}, the answer a {' or '.join(sorted(types))}"
            elif groups and not entity.groups & groups:
                yield "L018", (
                    f"wrong option {option!r} shares none of the answer's groups ({', '.join(sorted(groups))}): "
                    "implausible for the role"
                )
        if year is not None and entity.since is not None and entity.since > year:
            yield "L019", f"wrong option {option!r} did not exist in {year} (since {entity.since})"


STOPWORDS = frozenset(
    "a an the and or but of in on at to for from by with as is are was were be been it its this that these those "
    "he she they we you i his her their our my your him them us who whom which what when where why how not no "
    "than then there here also very so such only just".split()
)
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands "
    "million millions billion billions trillion dozen dozens half first second third once twice".split()
)


def _cloze(q: Question, vocab: Vocabulary) -> Found:
    """L020: the blank's answer still visible on the card; L021: a blank not worth a card."""
    if q.type != "cloze" or q.cloze is None:
        return
    before, deleted, after = q.cloze
    rest = f"{before} {CLOZE_BLANK} {after}"
    for key in vocab.keys(q):
        shown = next((s for s in key.spellings if visible(s, rest)), None)
        if shown is not None:
            form = "" if fold(shown) == fold(deleted) else f", a form of {deleted!r},"
            yield "L020", f"the card still shows {shown!r}{form} beside the blank"
            break
    raw = re.findall(r"\w+", deleted)
    words = [] if any(w.isupper() and len(w) > 1 for w in raw) else [w.lower() for w in raw]  # "the US" is a name
    if before[-1:].isalnum() and deleted[:1].isalnum() or deleted[-1:].isalnum() and after[:1].isalnum():
        yield "L021", f"the blank {deleted!r} starts or ends inside a word"
    elif words and all(w in STOPWORDS for w in words):
        yield "L021", f"the blank {deleted!r} is a function word"
    elif words and all(w in _NUMBER_WORDS for w in words):
        yield "L021", f"the blank {deleted!r} is a number word"
    else:
        fact = vocab.fact(q.fact)
        entity = vocab.entity(deleted, fact)
        if entity is not None and entity.name in vocab.subjects:
            yield "L021", f"the blank {deleted!r} is what the deck is about (named in most facts or in its title): anyone can fill it in"


_BOUND = re.compile(r"\b(its|they|their|theirs|them|he|his|him|she|her|hers|we|our|ours)\b", re.IGNORECASE)
_STARTS_BOUND = re.compile(r"^\W*(it|its|they|their|he|his|she|her|we|our)\b", re.IGNORECASE)


def _pronoun_bound(q: Question, fact: Fact | None) -> Found:
    """L023: a wrong reason written with a pronoun bound to an actor (It, Their …) that the
    curator did not write for this fact: it is another actor's reason, which may be true here too."""
    if q.answer_type != "rationale" or q.type not in CHOICE_TYPES:
        return
    curated = {fold(str(v)) for v in fact.distractors.get("rationale", ())} if fact is not None else set()
    for option in q.options:
        if option in q.answers or fold(option) in curated:
            continue
        match = _STARTS_BOUND.search(option) or _BOUND.search(option)
        if match:
            yield "L023", f"wrong option {option!r} says {match.group(1)!r} of another actor; write it without the pronoun, or curate it"


def _stem_derives_key(q: Question, vocab: Vocabulary) -> Found:
    """L025: the stem shows the answer in another form: an alias or a related word (Ukrainian for
    Ukraine, the figure without its separators). L009 covers the answer as written."""
    if q.type in ("true_false", "cloze"):
        return
    for key in vocab.keys(q):
        for spelling in key.spellings:
            if fold(spelling) != fold(key.answer) and visible(spelling, q.prompt):
                yield "L025", f"the stem shows {spelling!r}, a form of the answer {key.answer!r}"
                break


_YEAR = re.compile(r"(?<!\d)[12]\d{3}(?!\d)")
_QUOTED = re.compile(r"[“\"].{12,}?[”\"]")


def _time_anchor(q: Question, fact: Fact | None) -> Found:
    """L026: a stem about a dated fact that does not say when (who was minister, how many): the
    question is ambiguous without its year. Stems that ask for the date, clozes and stems quoting
    the words (the quote fixes the occasion) are exempt; a true/false twin may show another year."""
    year = fact_year(fact)
    if year is None or q.type == "cloze" or q.answer_type in ("year", "date") or _QUOTED.search(q.prompt):
        return
    years = {int(y) for y in _YEAR.findall(q.prompt)}
    if year in years or (q.type == "true_false" and years):
        return
    yield "L026", f"the stem does not say when ({year}): {q.prompt[:80]!r}"


_DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
_ARTICLE = re.compile(r"\b(a|an)\s+([\w.]+)", re.IGNORECASE)
_AN_LETTERS = set("AEFHILMNORSX")  # letters whose names start with a vowel sound: an FBI, an MP
_A_BEFORE_VOWEL = ("eu", "one", "once")  # a European, a one-off; words in u are left alone (a union, an uprising)
_AN_BEFORE_H = ("hour", "honest", "honor", "honour", "heir")


def _article_ok(article: str, word: str) -> bool:
    letters = word.replace(".", "")
    if not letters or not letters[0].isalpha():
        return True  # a figure: "a 1,000" or "an 800": leave it
    if letters.isupper() and len(letters) > 1:  # an acronym, read letter by letter
        wants_an = letters[0] in _AN_LETTERS
    else:
        low = word.lower()
        if low[0] == "u":
            return True
        wants_an = low[0] in "aeio" and not low.startswith(_A_BEFORE_VOWEL) or low.startswith(_AN_BEFORE_H)
    return (article.lower() == "an") == wants_an


def _language(q: Question) -> Found:
    """L027: a doubled word, "a"/"an" before the wrong sound, straight and curly quotes mixed.
    Clozes are verbatim quotes and exempt."""
    if q.type == "cloze":
        return
    stem = q.prompt
    doubled = next((m for m in _DOUBLED.finditer(stem) if not m.group(1).isdigit()), None)
    if doubled:
        yield "L027", f"doubled word {doubled.group(0)!r}"
    for m in _ARTICLE.finditer(stem):
        if not _article_ok(m.group(1), m.group(2)):
            yield "L027", f"{m.group(0)!r}: use {'an' if m.group(1).lower() == 'a' else 'a'}"
            break
    if "'" in stem and "’" in stem or '"' in stem and ("“" in stem or "”" in stem):
        yield "L027", "straight and curly quotes mixed in one stem"


_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_RELATIVE = re.compile(
    r"\b(yesterday|today|tomorrow|tonight|this (?:week|month|year|morning|article|report|story)"
    rf"|(?:last|next|this|on|earlier this) (?:week|month|year|night|{_DAYS})|on (?:{_DAYS})"
    r"|(?:\w+|\d+) (?:days?|weeks?|months?|years?) ago|recently)\b",
    re.IGNORECASE,
)


_QUOTATION = re.compile(r"“[^”]*”|\"[^\"]*\"")


def _relative_time(q: Question) -> Found:
    """L028: a time relative to the article ("two weeks ago", "on Tuesday", "this report") in a
    stem or an option: it means nothing away from the text. Clozes and words quoted in a stem
    (a speaker's "today") are verbatim and exempt."""
    if q.type == "cloze":
        return
    for text in (q.prompt, *(q.options if q.type in CHOICE_TYPES else ())):
        match = _RELATIVE.search(_QUOTATION.sub(" ", text))
        if match:
            yield "L028", f"{match.group(0)!r} is relative to the article: give the date instead"
            return

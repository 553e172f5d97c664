"""Cloze cards: the whole sentence around a fact's quote with one rare key value blanked.

What is blanked: a value of the fact (an actor, speaker or voter, a figure, a year) that occurs
in the quote, the rarest in the deck first, never the deck's ubiquitous subject (the entity the
most facts name), an article or stopword, or a figure written in words ("one million"). The blank
is kept only if neither the value, nor its aliases, nor its entity's related forms (Ukraine →
Ukrainian, Kyiv) are visible elsewhere on the card. The card shows the whole sentence (or
sentences) the quote lies in, so it never starts mid-sentence; "a"/"an" before the blank would
give the first sound away and is written "a(n)".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .captions import is_caption
from .corpus import Document, find_words, fold, normalize, normalize_with_map
from .dates import display_date, year_of
from .model import CLOZE_BLANK, VOTE_POSITIONS, ClozeParts, Fact, Question, format_value
from .phrasing import capitalise, outlet_name, typeset, typeset_document
from .vocabulary import words_of

if TYPE_CHECKING:
    from .templates import Context, Template

#: Words never worth a blank.
STOPWORDS = frozenset(
    """a an the and or but of to in on at by for with from as is are was were be been it its this that
    these those he she they we you i his her their our your not no yes""".split()
)
NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
    thousand million billion trillion dozen dozens hundreds thousands millions billions half quarter""".split()
)
#: A title right before a person's blank that names the office: who held it is general knowledge.
_HEAD_OF_STATE = re.compile(
    r"\b(?:(?i:president|prime minister|premier|chancellor|king|queen)|PM)(?:\s+of\s+(?:the\s+)?[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*)?\s*$"
)
#: A blank right after "like", "such as", "including": a slot for an example, which many fill.
_EXAMPLE_SLOT = re.compile(r"\b(?i:like|such as|including|among them|for example|e\.g\.),?\s*$")
_ARTICLE_BEFORE = re.compile(r"(?:^|(?<=\s))(an?)(\s+)$", re.I)
_ARTICLE_FIRST = re.compile(r"an?\s", re.I)
_NAMED_AFTER = re.compile(r"\s+[A-Z]")
#: "the _____ Six-Day War", "the October _____ Yom Kippur War": a year in a famous event's name
_EVENT_YEAR_BEFORE = re.compile(
    r"\b[Tt]he\s+(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+)?$"
)


def make_cloze(template: Template, fact: Fact, ctx: Context) -> Question | None:
    from .templates import make_question

    for target, answer_type in _targets(fact, ctx):
        if _ARTICLE_FIRST.match(target):
            continue  # "a US official" is a description, not a name: any like it fits the blank
        for evidence in fact.evidence:
            found = _find_spelling(evidence.quote, fact.spellings(target))
            if found is None or not _states_the_fact(fact, evidence.quote):
                continue
            start, end = found
            deleted = evidence.quote[start:end]
            if _trivial(deleted):
                continue
            document = ctx.deck.corpus[evidence.source] if evidence.source in ctx.deck.corpus else None
            if document is not None:
                left, right = document.sentence_around(evidence.start, evidence.end)
                if _POINTS_BACK.search(document.text[left:right]):
                    continue  # "the two nations clashed via these proxies": named sentences back, not on the card
                if _leans_on_the_sentence_before(document.text[left : evidence.start + start]):
                    left = _sentence_before(document.text, left, document)  # "He said …": who is he?
                if _shown(ctx, evidence.source, left, right):
                    continue  # another fact's card shows (part of) these sentences already
                before = document.text[left : evidence.start + start]
                after = document.text[evidence.start + end : right]
            else:
                before, after = evidence.quote[:start], evidence.quote[end:]
            before, after = _one_line(before, leading=False), _one_line(after, leading=True)
            if _visible(target, fact, ctx, before + " " + after):
                continue  # the answer would still be on the card
            if answer_type == "person" and _HEAD_OF_STATE.search(before):
                continue  # "President _____" in a dated article: whoever held the office, not the document
            if _EXAMPLE_SLOT.search(before):
                continue  # "leaders like _____": any of several examples fits
            if answer_type == "year" and _NAMED_AFTER.match(after) and _EVENT_YEAR_BEFORE.search(before):
                continue  # "the _____ Six-Day War": the year is part of a famous event's name
            article = _ARTICLE_BEFORE.search(before)
            if article:  # "an _____" would give the first sound away: the article goes into the blank
                before, deleted = before[: article.start()], f"{article.group(1)} {deleted}"
            whole = typeset_document(before + deleted + after)  # one character for one
            cut = len(before) + len(deleted)
            before, deleted, after = whole[: len(before)], whole[len(before) : cut], whole[cut:]
            before, after = _balanced(_without_opener(before), after)
            before = _dateline(ctx, evidence.source) + before
            after = _speaker_role(fact, target, before) + after
            if document is not None:
                ctx.cloze_sentences.setdefault(evidence.source, []).append((left, right))
            prompt = f"{before}{CLOZE_BLANK}{after}"
            return make_question(
                template,
                fact,
                type="cloze",
                answer_type=answer_type,
                prompt=prompt,
                options=(),
                answers=(deleted,),
                evidence=(evidence,),
                cloze=ClozeParts(prompt, len(before), deleted),  # the sentence once, in the prompt
            )
    return None


def _states_the_fact(fact: Fact, quote: str) -> bool:
    """Whether a quote says what an event or a stance is about, not only who was there: a card on
    "the meeting between Ukraine's deputy foreign minister, _____, and …" explained by "she
    repeatedly invited Lapid to visit" answers one sentence with another (review 17). At least
    half the telling words of the action (or position) must be in the quote."""
    claim = fact.fields.get("action") if fact.kind == "event" else fact.fields.get("position") if fact.kind == "stance" else None
    if not claim:
        return True
    telling = {w for w in words_of(claim) if len(w) > 3 and w not in STOPWORDS}
    return not telling or 2 * len(telling & set(words_of(quote))) >= len(telling)


def _speaker_role(fact: Fact, target: str, before: str) -> str:
    """" (Israel’s Foreign Minister)" after a speaker's blank that no title stands before: "on Sunday
    evening, _____ stated that Israel is not involved" fits the prime minister as well as the
    foreign minister (review 15). The fact's ``role`` says which office the card asks about."""
    role = fact.fields.get("role") if fact.kind == "statement" else None
    if not role or target != fact.fields.get("speaker"):
        return ""
    titled = {w for w in re.findall(r"\w+", fold(role)) if len(w) > 3}
    if 2 * len(titled & set(re.findall(r"\w+", fold(before)))) >= len(titled):
        return ""  # "Foreign Minister _____", "The head of security …, Maj. Gen. _____": named already
    return typeset(f" ({role})")


_PRONOUN_START = re.compile(r"^\W*(?:He|She|They|It|This|These|Those|His|Her|Their|Its)\b")
_POINTS_BACK = re.compile(r"\b(?:the two (?:nations|countries|sides|men|leaders)|these (?:proxies|countries|nations|talks|states))\b", re.I)


def _shown(ctx: Context, source: str, left: int, right: int) -> bool:
    """Whether another fact's cloze card shows (part of) ``source[left:right]`` already."""
    return any(a < right and left < b for a, b in ctx.cloze_sentences.get(source, ()))


def _leans_on_the_sentence_before(before: str) -> bool:
    """Whether the card's sentence needs the one before it: it opens with a pronoun ("He said
    that …"), or with the blank itself ("_____ added that …", nothing before the blank)."""
    text = before.strip()
    return not text or bool(_PRONOUN_START.match(text))


def _sentence_before(text: str, left: int, document: Document) -> int:
    """Where the card starts when its sentence needs the one before: that sentence's start (news
    paragraphs are often one sentence, so it may stand in the paragraph above), unless it is a
    photo caption, which is no part of the article's text."""
    before = text[:left].rstrip()
    if not before:
        return left
    earlier = document.sentence_around(len(before) - 1, len(before))[0]
    return left if is_caption(text, earlier, len(before)) else earlier


#: Words that tie a sentence to the one before it: meaningless at the start of a card.
_OPENER = re.compile(r"^(?:Still|But|However|Also|Meanwhile|And|Yet|Moreover|Instead|Nevertheless|Nonetheless|Indeed|Then|So)\b,?\s+")


def _without_opener(before: str) -> str:
    """The card's text without a leading "Still," or "But": a sentence shown alone starts afresh."""
    stripped = _OPENER.sub("", before, count=1)
    return stripped[:1].upper() + stripped[1:] if stripped is not before else before


def _balanced(before: str, after: str) -> tuple[str, str]:
    """Quotation marks paired on the card: a quotation cut by the sentence's end is closed, and one
    whose opening lies before the sentence (or that the document never opened) is opened where a
    quotation begins: after the last colon before it ("told Army Radio: “Israel looks …”"), else
    at the card's start."""
    text = before + after
    opened, closed = text.count("“"), text.count("”")
    if opened > closed:
        after = after + "”" * (opened - closed)
    elif closed > opened:
        first_close = text.index("”")
        colon = text.rfind(": ", 0, first_close)
        if colon >= 0 and "“" not in text[colon:first_close]:
            at = colon + 2
            if at <= len(before):
                before = before[:at] + "“" + before[at:]
            else:
                at -= len(before)
                after = after[:at] + "“" + after[at:]
        else:
            before = "“" * (closed - opened) + before
    if text.count('"') % 2:
        after = after + '"'
    return before, after


def _dateline(ctx: Context, source_id: str) -> str:
    """"(Haaretz, April 2014) ": the card's text says when, as the article around it did."""
    if source_id not in ctx.deck.corpus:
        return ""
    source = ctx.deck.source(source_id)
    outlet = outlet_name(source.outlet)
    if outlet.startswith(("a ", "an ")):  # "(a news site, 4 March 2022)" read as a slip (review 16),
        # "(News site, …)" as an outlet's name (reviews 17 and 18): what the text is, not where
        outlet = capitalise(re.sub(r"\bsite$", "report", outlet.split(" ", 1)[1]))
    when = display_date(source.published) if source.published else "undated"
    return f"({outlet}, {when}) "


def _targets(fact: Fact, ctx: Context) -> list[tuple[str, str]]:
    """The fact's values worth a blank, rarest in the deck first: entities, then figures, then years."""
    f = fact.fields
    pools = ctx.pools
    if fact.kind == "vote":
        names = [a for p in VOTE_POSITIONS for a in f.get(p, ())]
    elif fact.kind in ("event", "stance"):
        names = [f["actor"]]
    elif fact.kind == "statement":
        names = [f["speaker"]]
    else:
        names = []
    subject_spellings = {fold(s) for subject in pools.subjects for s in fact.spellings(subject)}
    entities = [n for n in dict.fromkeys(names) if fold(n) not in subject_spellings]
    entities.sort(key=lambda n: (pools.fact_counts.get(n, 0), n))
    targets = [(n, ctx.deck.entity_type(n, "text")) for n in entities]
    if fact.kind == "quantity":
        targets.append((format_value(f["value"]), "number"))
    if f.get("date"):
        targets.append((str(year_of(f["date"])), "year"))
    return targets


def named_as_example(fact: Fact, name: str) -> bool:
    """Whether a quote names ``name`` as one example of several ("leaders like David Ben Gurion"):
    a question asking who did it then has other right answers."""
    for evidence in fact.evidence:
        found = _find_spelling(evidence.quote, fact.spellings(name))
        if found is not None and _EXAMPLE_SLOT.search(evidence.quote[: found[0]]):
            return True
    return False


def _find_spelling(text: str, spellings: tuple[str, ...]) -> tuple[int, int] | None:
    """The span of the first spelling found in ``text`` as whole words, typography-tolerant."""
    normalized, index = normalize_with_map(text)
    for spelling in spellings:
        found = find_words(spelling, normalized)
        if found:
            return index[found[0]], index[found[1] - 1] + 1
    return None


def _trivial(deleted: str) -> bool:
    words = fold(deleted).replace("-", " ").split()
    if not words or len(deleted.strip()) < 2:
        return True
    if all(w in STOPWORDS for w in words):
        return True
    return any(w.strip(",.") in NUMBER_WORDS for w in words)


def _visible(target: str, fact: Fact, ctx: Context, shown: str) -> bool:
    """Whether the value, an alias, or a related form of its entity is visible in ``shown``."""
    text = normalize(shown)
    entity = ctx.deck.entities.get(target)
    spellings = [*fact.spellings(target), *(entity.aliases if entity else ()), *(entity.related if entity else ())]
    if any(find_words(s, text) for s in spellings if s):
        return True
    # an acronym written without its dots ("U.S." → "US"), in capitals only: "us" is a pronoun
    acronyms = {m.group(1).replace(".", "") for s in spellings if (m := _DOTTED.match(s))}
    return any(re.search(rf"(?<![\w.]){a}(?![\w])", shown) for a in acronyms)


_DOTTED = re.compile(r"^(?:the )?((?:[A-Z]\.){2,})$")


def _one_line(text: str, *, leading: bool) -> str:
    """White space collapsed, keeping one space where the text had some next to the blank."""
    collapsed = " ".join(text.split())
    if leading:
        return (" " + collapsed) if text[:1].isspace() and collapsed else collapsed
    return (collapsed + " ") if text[-1:].isspace() and collapsed else collapsed

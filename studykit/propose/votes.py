"""Votes: who voted for, against, abstained, vetoed, co-sponsored or was absent; on what; when.

Every vote predicate of a sentence (``vetoed``, ``abstained``, ``voted in favor``, ``voted to
approve``, ``co-sponsored``, ``was absent``, ``had not attended the vote``, "X's absence at a
vote") joins one vote fact whose voters are the names in the predicate's subject. The motion is
the predicate's object, or, when that is only "the resolution", the fuller mention of the same
thing earlier in the document; the body is the council or assembly the sentence or the text
before it names. The date is the sentence's, else a written date in the sentence before it (also
quoted), else the publication date.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..model import EXCLUDES
from .events import actor_name
from .proposal import Context, Proposal, ProposedEntity
from .segment import Sentence, iter_claims
from .syntax import dates_of, is_hypothetical, is_negated, name_of, names_in, subject_of, text_of
from .when import Dated, resolve

MOTION_NOUNS = frozenset({"resolution", "motion", "bill", "plan", "draft", "proposal", "measure", "amendment", "text", "vote"})
BODY_WORDS = (
    "council",
    "assembly",
    "parliament",
    "knesset",
    "senate",
    "congress",
    "committee",
    "commission",
    "unsc",
    "unga",
    "un",
    "united nations",
    "duma",
    "rada",
    "cabinet",
)
FOR_VERBS = frozenset({"approve", "adopt", "support", "back", "condemn", "endorse", "pass", "recognize", "recognise", "accept"})
AGAINST_VERBS = frozenset({"reject", "oppose", "block", "defeat"})
LOOK_BACK = 12  # sentences searched for a body or a fuller motion


def extract(context: Context) -> Iterator[Proposal]:
    for sentence in iter_claims(context.sentences):
        found = [hit for token in sentence.span if (hit := _position(token, sentence)) is not None]
        if found:
            proposal = _vote(found, sentence, context)
            if proposal is not None:
                yield proposal


def _position(token: Any, sentence: Sentence) -> tuple[str, Any, list[Any], Any | None] | None:
    """(position, predicate, voter tokens, motion token) for a vote predicate at ``token``."""
    if sentence.in_quote(token):
        return None
    lemma = token.lemma_.lower()
    if token.lower_ == "absence" and token.pos_ == "NOUN":
        owners = [c for c in token.children if c.dep_ == "poss"]
        around = [*token.children, *(token.head.children if token.dep_ in ("attr", "nsubj") else [])]  # "… was X's absence at a vote"
        vote = next((g for c in around if c.dep_ == "prep" and c.lower_ in ("at", "from", "in") for g in c.children if g.lemma_ == "vote"), None)
        if owners and vote is not None:
            return "absent", token, owners, vote
        return None
    if token.pos_ not in ("VERB", "ADJ") or is_hypothetical(token):
        return None
    subject, passive = subject_of(token)
    if subject is None or passive:
        return None
    position: str | None = None
    motion: Any | None = _object(token)
    if lemma == "veto" and not is_negated(token):
        position = "vetoed"
    elif lemma == "abstain" and not is_negated(token):
        position = "abstained"
    elif lemma == "sponsor" and token.i >= 2 and token.doc[token.i - 2].lower_ == "co" and not is_negated(token):
        position = "co_sponsored"
    elif lemma == "vote" and not is_negated(token):
        for child in token.children:
            if child.dep_ == "prep" and child.lower_ == "against":
                position, motion = "against", _pobj(child)
            elif child.dep_ == "prep" and child.lower_ == "in" and any(g.lower_ in ("favor", "favour") for g in child.children):
                position = "in_favor"
                motion = next((_pobj(p) for g in child.children for p in g.children if p.dep_ == "prep" and p.lower_ == "of"), None)
            elif child.dep_ == "prep" and child.lower_ == "for":
                position, motion = "in_favor", _pobj(child)
            elif child.dep_ == "xcomp" and child.lemma_ in FOR_VERBS:
                position, motion = "in_favor", _object(child)
            elif child.dep_ == "xcomp" and child.lemma_ in AGAINST_VERBS:
                position, motion = "against", _object(child)
    elif lemma == "attend" and is_negated(token):
        if motion is not None and motion.lemma_ == "vote":
            position = "absent"
    elif lemma == "absent" and token.pos_ == "ADJ":
        position = "absent"
        motion = next((_pobj(c) for c in token.children if c.dep_ == "prep" and c.lower_ == "from"), None)
    if position is None:
        return None
    return position, token, [subject], motion


def _object(verb: Any) -> Any | None:
    for child in verb.children:
        if child.dep_ in ("dobj", "obj"):
            return child
        if child.dep_ == "prep" and child.lower_ in ("on", "of"):
            return _pobj(child)
    return None


def _pobj(prep: Any) -> Any | None:
    return next((c for c in prep.children if c.dep_ == "pobj"), None)


def _vote(found: list[tuple[str, Any, list[Any], Any | None]], sentence: Sentence, context: Context) -> Proposal | None:
    fields: dict[str, Any] = {}
    aliases: list[tuple[str, str]] = []
    entities: list[ProposedEntity] = []
    held: dict[str, list[str]] = {}
    motion_token = next((m for _, _, _, m in found if m is not None), None)
    for position, _, voters, _ in found:
        names = [n for voter in voters for n in (names_in(voter) if voter.dep_ != "poss" else [name_of(voter)]) if n is not None]
        if not names:
            continue
        for name in names:
            value, spelling, entity = actor_name(name, context)
            if any(p in EXCLUDES[position] for p in held.get(value, [])) or value in fields.get(position, []):
                return None  # the sentence contradicts itself, or the parse does
            held.setdefault(value, []).append(position)
            fields.setdefault(position, []).append(value)
            entities.append(entity)
            if spelling:
                aliases.append((value, spelling))
    if not fields:
        return None
    notes: list[str] = []
    confidence = 0.6
    motion = _motion(motion_token, sentence, context)
    if motion is None:
        motion, confidence = "the vote in the quote", confidence - 0.25
        notes.append("motion: not found; say what was voted on")
    body = _body(sentence, context, motion)
    if body is None:
        body, confidence = "the body in the quote", confidence - 0.2
        notes.append("body: not found; say who voted")
    evidence = [(sentence.start, sentence.end)]
    date = _date(found, sentence, context, notes, evidence)
    if date is None:
        return None  # a vote needs a date, and none that check accepts can be given
    if len(evidence) == 1 and not notes:
        confidence += 0.15
    ordered: dict[str, Any] = {"body": body, "motion": motion, "date": date}
    for position in ("in_favor", "against", "abstained", "vetoed", "absent", "co_sponsored"):
        if position in fields:
            ordered[position] = fields[position]
    first = next(p for p in ordered if p in fields)
    proposal = Proposal(
        kind="vote",
        fields=ordered,
        evidence=evidence,
        rule="vote/positions",
        confidence=confidence,
        key_words=[first.replace("_", "-"), *ordered[first][:3]],
        entities=entities,
        notes=notes,
    )
    for value, spelling in aliases:
        proposal.add_alias(value, spelling)
    return proposal


def _motion(token: Any | None, sentence: Sentence, context: Context) -> str | None:
    """The motion as a noun phrase: the object, or its fuller earlier mention."""
    if token is None:
        noun = next((t for t in sentence.span if t.lemma_ in MOTION_NOUNS and t.pos_ == "NOUN"), None)
        if noun is None:
            return _earlier_motion(None, sentence, context)
        token = noun
    phrase = _noun_phrase(token)
    if len(phrase.split()) <= 3 and token.lemma_ in MOTION_NOUNS:
        earlier = _earlier_motion(token.lemma_, sentence, context)
        if earlier is not None:
            return earlier
    if token.pos_ == "PRON":
        return _earlier_motion(None, sentence, context)
    return _the(phrase)


def _noun_phrase(token: Any) -> str:
    """The noun and its modifiers, up to a comma or a clause of its own, without dates."""
    tokens = []
    dates = {t.i for e in token.doc.ents if e.label_ in ("DATE", "TIME") for t in e}
    dates |= {t.head.i for t in token.doc if t.i in dates and t.dep_ == "pobj" and t.head.dep_ == "prep"}
    for t in token.subtree:
        if t.i > token.i and (t.is_punct and t.text == "," or t.dep_ == "relcl" and t.head == token):
            break
        if t.i not in dates:
            tokens.append(t)
    return text_of(tokens)


def _earlier_motion(lemma: str | None, sentence: Sentence, context: Context) -> str | None:
    for back in range(sentence.index - 1, max(-1, sentence.index - LOOK_BACK), -1):
        earlier = context.sentences[back]
        for token in reversed(list(earlier.span)):
            if token.pos_ == "NOUN" and token.lemma_ in MOTION_NOUNS and (lemma is None or token.lemma_ == lemma):
                phrase = _noun_phrase(token)
                if len(phrase.split()) > 3:
                    return _the(phrase)
    return None


def _the(phrase: str) -> str:
    words = phrase.split(" ", 1)
    if words[0].lower() in ("a", "an", "this", "that", "its", "their") and len(words) == 2:
        return "the " + words[1]
    return phrase


def _body(sentence: Sentence, context: Context, motion: str) -> str | None:
    """The council or assembly the motion names ("a UN General Assembly vote to …"), else the one
    named nearest before the vote; a bare "UN" only if nothing names one."""
    for word in sorted(BODY_WORDS, key=len, reverse=True):
        at = motion.lower().find(word)
        if at >= 0 and word not in ("un", "united nations"):
            words = motion[: at + len(word)].split()
            start = max((i for i, w in enumerate(words) if w.lower() in ("the", "a", "an")), default=-1) + 1
            named = " ".join(words[start:])
            if named and named[0].isupper():
                return "the " + named
    fallback = None
    for back in range(sentence.index, max(-1, sentence.index - LOOK_BACK), -1):
        earlier = context.sentences[back]
        bodies = []
        for ent in earlier.span.ents:
            words = ent.text.lower().replace("’s", "").replace("'s", "").split()
            if ent.label_ == "ORG" and any(w in words for w in BODY_WORDS):
                bodies.append(ent)
        specific = sorted((e for e in bodies if any(w in e.text.lower() for w in BODY_WORDS[:-3] if w not in ("un",))), key=lambda e: (-len(e.text), e.start))
        if specific:
            return _the(_the_body(specific[0].text))
        if bodies and fallback is None:
            fallback = _the_body(bodies[0].text)
    return fallback


def _the_body(text: str) -> str:
    return "the " + text[4:] if text.lower().startswith("the ") else "the " + text


def _date(
    found: list[tuple[str, Any, list[Any], Any | None]], sentence: Sentence, context: Context, notes: list[str], evidence: list[tuple[int, int]]
) -> str | None:
    for _, predicate, _, _ in found:
        dated = dates_of(predicate, sentence, context.published)
        if dated:
            return _noted(dated[0][0], context, notes)
    expressions = [e for e in sentence.span.ents if e.label_ == "DATE"]
    for ent in expressions:
        dated_any = resolve(ent.text, sentence.text, context.published)
        if dated_any is not None:
            return _noted(dated_any, context, notes)
    if expressions:
        return None  # the sentence dates the vote in a way no grounded date can say ("last October")
    previous = context.previous(sentence)
    if previous is not None and previous.block is sentence.block:
        for ent in previous.span.ents:
            if ent.label_ == "DATE":
                dated_before = resolve(ent.text, previous.text, context.published)
                if dated_before is not None and dated_before.rule == "written":
                    evidence.insert(0, (previous.start, previous.end))
                    notes.append(f"date: from the sentence before ({ent.text!r}), quoted too")
                    return dated_before.date
    if context.published:
        # a report may be about a vote days or weeks before it: only the year is safe
        notes.append(f"date: the year of publication ({context.published}); the sentence gives no date")
        return context.published[:4]
    return None


def _noted(dated: Dated, context: Context, notes: list[str]) -> str:
    if dated.rule == "dateline":
        notes.append(f"date: {dated.text!r} read against the publication date {context.published}")
    return dated.date

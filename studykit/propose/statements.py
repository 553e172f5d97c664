"""Statements: a named speaker, the speaker's role, the quoted words verbatim, and the context.

Each quotation of three words or more in a prose sentence is attributed to the subject of the
clause that governs it (``said``, ``told``, ``called on … to "…"``, ``saying "…"``), when that
subject is a name; a "he" or "she" is the person the sentence before names as its subject (that
sentence is quoted too). The role is the title or apposition around the name ("Israel's Deputy
Ambassador to the UN Noa Furman", "The head of security …, Amos Gilad"); the context is whom it
was told to or where ("to Army Radio", "during a press conference").
"""

from __future__ import annotations

from typing import Any, Iterator

from .events import actor_name
from .proposal import Context, Proposal, ProposedEntity
from .segment import Sentence
from .syntax import REPORTING, clause_verb, dates_of, name_of, names_in, subject_of, text_of

MIN_QUOTED_WORDS = 3
#: Verbs whose subject is the one speaking the words they govern.
SPEECH = REPORTING | frozenset({"call", "urge", "demand", "describe", "refer", "term", "dub", "plead", "vow",
                                "promise", "tweet", "post", "reply", "respond", "answer", "recall", "remark", "comment"})
#: Nouns that make a prepositional phrase the statement's setting.
SETTINGS = frozenset({"conference", "interview", "meeting", "statement", "speech", "session", "briefing", "address",
                      "hearing", "debate", "summit", "call", "visit", "event", "rally", "post", "letter", "op-ed"})


def extract(context: Context) -> Iterator[Proposal]:
    for sentence in context.sentences:
        for start, end in sentence.quoted:
            if not (sentence.start <= start < sentence.end):
                continue
            proposal = _statement(sentence, start, min(end, sentence.end), context)
            if proposal is not None:
                yield proposal


def _statement(sentence: Sentence, start: int, end: int, context: Context) -> Proposal | None:
    said = context.text[start:end].strip().strip(",.;:…").strip()
    said = said.strip('"“”').strip()
    if len([w for w in said.split() if any(c.isalpha() for c in w)]) < MIN_QUOTED_WORDS:
        return None
    inside = [t for t in sentence.span if start <= sentence.offset(t) < end]
    if not inside:
        return None
    attach = next((t for t in inside if not (start <= sentence.offset(t.head) < end) or t.head == t), inside[0])
    verb = clause_verb(attach.head if attach.head != attach else attach)
    evidence = [(sentence.start, sentence.end)]
    notes: list[str] = []
    confidence = 0.6
    speaker_token = None
    pronoun: tuple[Any, Any] | None = None  # a "he said" with no name above it
    first = True
    for _ in range(6):
        if verb is None:
            break
        subject, passive = subject_of(verb)
        # "called on Russia to “…”", "urged … to “…”" speak the words they govern directly;
        # further up only a verb of saying does ("asked X to call a meeting over what he called …")
        speaking = verb.lemma_ in SPEECH if first else verb.lemma_ in REPORTING
        if speaking and subject is not None and not passive and not (start <= sentence.offset(subject) < end):
            if subject.lower_ in ("he", "she"):
                pronoun = pronoun or (verb, subject)
            else:
                speaker_token = subject
                break
        if verb.head == verb:
            break
        first = False
        # a coordinated clause ("… asked X, but that “…”") shares its first conjunct's governor
        verb = clause_verb(verb.head.head if verb.dep_ == "conj" and verb.head.head != verb.head else verb.head)
    if speaker_token is None and pronoun is not None:
        verb, speaker_token = pronoun
    if speaker_token is None or verb is None:
        return None
    named = _speaker(speaker_token, sentence)
    if named is None and speaker_token.lower_ in ("he", "she"):
        named = _main_subject(sentence, speaker_token, context)
        if named is not None:
            notes.append(f"speaker: {speaker_token.text!r} taken to be {named[0].text!r}, the subject of the sentence")
            confidence -= 0.1
    if named is None and speaker_token.lower_ in ("he", "she"):
        previous = context.previous(sentence)
        named = _pronoun_antecedent(previous, context)
        if named is None or previous is None:
            return None
        evidence.insert(0, (previous.start, previous.end))
        notes.append(f"speaker: {speaker_token.text!r} taken to be {named[0].text!r}, the subject of the sentence before (quoted too)")
        confidence -= 0.15
    if named is None:
        return None
    name, role = named
    value, spelling, entity = actor_name(name, context)
    if role and entity.type == "organisation" and len(value.split()) >= 2:
        entity = ProposedEntity(value, "person", entity.aliases)  # a titled name: "Deputy Ambassador … Noa Furman"
    fields: dict[str, Any] = {"speaker": value}
    if role:
        fields["role"] = role
        confidence += 0.1
    fields["said"] = said
    setting = _context(verb, speaker_token)
    if setting:
        fields["context"] = setting
    dated = dates_of(verb, sentence, context.published)
    for child in verb.children:
        if not dated and child.dep_ == "advcl":
            dated = dates_of(child, sentence, context.published)
    if dated:
        fields["date"] = dated[0][0].date
        if dated[0][0].rule == "dateline":
            notes.append(f"date: {dated[0][0].text!r} read against the publication date {context.published}")
        confidence += 0.1
    if entity.type == "person":
        confidence += 0.1
    proposal = Proposal(
        kind="statement",
        fields=fields,
        evidence=evidence,
        rule="statement/quotation",
        confidence=min(confidence, 0.95),
        key_words=[value, *[w for w in said.split() if w.isalpha() and len(w) > 3][:3]],
        entities=[entity],
        notes=notes,
    )
    if spelling:
        proposal.add_alias(value, spelling)
    return proposal


def _speaker(token: Any, sentence: Sentence) -> tuple[Any, str | None] | None:
    """The name a subject gives, and the role written around it."""
    names = names_in(token) if not any(c.dep_ == "conj" for c in token.children) else []
    if len(names) == 1 and names[0].end == token.i + 1:
        name = names[0]
        before = [t for t in token.subtree if t.i < name.start and t.dep_ not in ("det", "punct") and not t.is_punct]
        role = text_of(before) if any(t.pos_ in ("NOUN", "PROPN") for t in before) else None
        appos = [c for c in token.children if c.dep_ == "appos" and c.pos_ == "NOUN"]
        if appos:
            role = _strip_article(text_of(appos[0].subtree))
        if role is None:
            role = _fragment_role(token, sentence)
        return name, role
    for child in token.children:  # "The head of security …, Amos Gilad, told …"
        if child.dep_ == "appos":
            inner = name_of(child)
            if inner is not None and (inner.label == "PERSON" or token.pos_ in ("NOUN", "PROPN") and len(inner.text.split()) >= 2):
                tokens = [t for t in token.subtree if t.i not in {s.i for s in child.subtree} and not t.is_punct]
                return inner, _strip_article(text_of(tokens)) or None
    return None


def _fragment_role(token: Any, sentence: Sentence) -> str | None:
    """A title the parser split off before the name ("The head of …, Maj. Gen. (res.)")."""
    roots = [t for t in token.doc[sentence.span.start : token.i] if t.head == t and t.pos_ == "NOUN"]
    if not roots:
        return None
    root = roots[0]
    tokens = []
    for t in root.subtree:
        if t.i > root.i and t.text == ",":
            break
        tokens.append(t)
    role = _strip_article(text_of(tokens))
    return role or None


def _strip_article(text: str) -> str:
    for article in ("The ", "the ", "A ", "a ", "An ", "an "):
        if text.startswith(article):
            return text[len(article) :]
    return text


def _main_subject(sentence: Sentence, pronoun: Any, context: Context) -> tuple[Any, str | None] | None:
    """The person a "he" in a subordinate clause stands for: the main clause's named subject."""
    root = pronoun.sent.root
    subject, _ = subject_of(root)
    if subject is None or subject == pronoun or subject.lower_ in ("he", "she"):
        return None
    named = _speaker(subject, sentence)
    if named is None or named[0].label != "PERSON" and not context.is_person(named[0].text):
        return None
    return named


def _pronoun_antecedent(previous: Sentence | None, context: Context) -> tuple[Any, str | None] | None:
    if previous is None:
        return None
    root = previous.span.root
    subject, _ = subject_of(root)
    if subject is None:
        return None
    named = _speaker(subject, previous)
    if named is None or named[0].label != "PERSON" and not context.is_person(named[0].text):
        return None
    return named


def _context(verb: Any, speaker: Any) -> str | None:
    """To whom or where: "told Army Radio" → "to Army Radio"; "during a press conference"."""
    if verb.lemma_ == "tell":
        for child in verb.children:
            if child.dep_ in ("dobj", "dative") and child.pos_ in ("NOUN", "PROPN"):
                return "to " + text_of(t for t in child.subtree if not t.ent_type_ == "DATE")
    for holder in [verb, *[c for c in verb.children if c.dep_ == "advcl"]]:
        for child in holder.children:
            if child.dep_ == "prep" and child.lower_ in ("at", "during", "in", "from", "on") and child.i != speaker.i:
                pobj = next((g for g in child.children if g.dep_ == "pobj"), None)
                if pobj is not None and (pobj.lemma_ in SETTINGS or pobj.ent_type_ in ("ORG", "EVENT", "FAC")):
                    tokens = [t for t in child.subtree if t.ent_type_ not in ("DATE", "TIME")]
                    tokens = [t for t in tokens if not (t.dep_ == "prep" and t.head == pobj and any(g.ent_type_ in ("DATE", "TIME") for g in t.subtree))]
                    phrase = text_of(tokens)
                    return phrase[0].lower() + phrase[1:] if phrase else None
    return None

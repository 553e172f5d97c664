"""Dated events and stances: an actor's past-tense predicate, and the reason given for it.

An event is a past-tense clause (not a vote, not speech) whose subject is a name: the action is
the predicate without the actor, the date one the clause itself carries. A stance is such a
clause with a stated reason ("because of …", "in an effort to …", "in order to …"), which becomes
the rationale verbatim; whoever reports the clause is ``according_to``.
"""

from __future__ import annotations

from typing import Any, Iterator

from .proposal import Context, Proposal, ProposedEntity
from .segment import Sentence, iter_claims
from .syntax import (
    PRONOUNS,
    REPORTING,
    date_tokens,
    dates_of,
    is_hypothetical,
    is_negated,
    is_past,
    names_in,
    reporter_of,
    subject_of,
    subtree,
    text_of,
)

#: Lemmas the vote rules own.
VOTE_LEMMAS = frozenset({"vote", "veto", "abstain", "sponsor", "co-sponsor", "cosponsor"})
#: Clause roles a predicate can have and still be a claim the sentence makes.
PREDICATE_DEPS = frozenset({"ROOT", "ccomp", "conj", "parataxis"})
#: Nouns that introduce a purpose: "in an effort to …", "in order to …".
PURPOSE_NOUNS = frozenset({"effort", "attempt", "bid", "order", "hope", "hopes", "move"})
#: Weak verbs whose events say little on their own.
WEAK = frozenset({"be", "have", "do", "become", "seem", "appear", "get", "go", "come", "make"})
MAX_ACTION_WORDS = 28
MIN_ACTION_WORDS = 3
#: Conjunctions of adverbial clauses that assert what they say.
TEMPORAL_MARKS = frozenset({"while", "whereas", "after", "before", "when", "as", "since"})
#: Nouns that make "the US mission", "the Israeli government" an actor.
BODY_NOUNS = frozenset({"mission", "government", "administration", "office", "ministry", "army", "military", "parliament",
                        "forces", "embassy", "delegation", "cabinet", "navy", "court", "police", "envoy", "ambassador"})


def extract(context: Context) -> Iterator[Proposal]:
    for sentence in iter_claims(context.sentences):
        for verb in sentence.span:
            if verb.pos_ != "VERB" or verb.dep_ not in PREDICATE_DEPS and not _clause_of_its_own(verb):
                continue
            proposal = _predicate(verb, sentence, context)
            if proposal is not None:
                yield proposal


def _predicate(verb: Any, sentence: Sentence, context: Context) -> Proposal | None:
    if sentence.in_quote(verb) or not is_past(verb) or verb.lemma_ in VOTE_LEMMAS or verb.lemma_ in REPORTING:
        return None
    if _co_sponsor(verb) or is_hypothetical(verb):
        return None
    subject, passive = subject_of(verb)
    if subject is None or passive:
        return None
    actor = _actor(subject, verb, sentence, context)
    if actor is None:
        return None
    reason = _reason(verb)
    obliged = verb.lemma_ == "have" and any(c.dep_ == "xcomp" and any(a.lower_ == "to" for a in c.children) for c in verb.children)
    if reason is None and (is_negated(verb) or verb.lemma_ in WEAK and not obliged):  # "had to call off" is an event
        return None
    excluded = _excluded(verb, subject, sentence, context)
    if reason is not None:
        excluded.extend(reason[1])
    action_tokens = [t for t in subtree(verb, excluded) if t.i >= subject.i and t.i not in {s.i for s in subject.subtree}]
    action_tokens = [t for t in action_tokens if not _perfect_aux(t, verb)]
    action = text_of(action_tokens)
    if not action or not MIN_ACTION_WORDS <= len(action.split()) <= MAX_ACTION_WORDS or sentence.in_quote(action_tokens[0]):
        return None
    if action_tokens[-1].pos_ == "PRON" or action_tokens[-1].lower_ == "so":
        return None  # "refrained from doing so": the action is in another sentence
    name, spelling, entity = actor
    reporter = reporter_of(verb)
    fields: dict[str, Any] = {"actor": name}
    notes: list[str] = []
    confidence = 0.55
    if reason is not None:
        rationale = reason[0]
        fields.update(position=action, rationale=rationale)
        if reporter is not None:
            source, _ = subject_of(reporter)
            if source is not None and source.lower_ not in PRONOUNS:
                fields["according_to"] = text_of(source.subtree)
                confidence += 0.1
        kind, rule = "stance", f"stance/{reason[2]}"
        confidence += 0.1
    else:
        fields["action"] = action
        kind, rule = "event", "event/past-predicate"
    dated = dates_of(verb, sentence, context.published)
    if not dated and verb.dep_ == "conj":
        dated = dates_of(verb.head, sentence, context.published)
    if dated:
        fields["date"] = dated[0][0].date
        confidence += 0.15
        if dated[0][0].rule == "dateline":
            notes.append(f"date: {dated[0][0].text!r} read against the publication date {context.published}")
    if entity.type in ("person", "country", "organisation"):
        confidence += 0.1
    if reporter is not None:
        notes.append("the sentence reports this as someone's account")
        confidence -= 0.05
    words = [w for w in action.split() if w.isalpha() and len(w) > 3][:3]
    proposal = Proposal(
        kind=kind,
        fields=fields,
        evidence=[(sentence.start, sentence.end)],
        rule=rule,
        confidence=min(confidence, 0.95),
        key_words=[name, *words],
        entities=[entity],
        notes=notes,
    )
    if spelling:
        proposal.add_alias(name, spelling)
    return proposal


def _clause_of_its_own(verb: Any) -> bool:
    """An adverbial clause that states a fact of its own ("…, while Russia summoned …")."""
    if verb.dep_ != "advcl":
        return False
    return _reason(verb) is not None or any(c.dep_ == "mark" and c.lower_ in TEMPORAL_MARKS for c in verb.children)


def _actor(subject: Any, verb: Any, sentence: Sentence, context: Context) -> tuple[str, str | None, ProposedEntity] | None:
    """The actor's name, the spelling the quote uses when it differs, and the entity."""
    if subject.lower_ in ("he", "she"):
        reporter = reporter_of(verb)  # "Bennett … said he had sought …": he is the one saying it
        speaker = subject_of(reporter)[0] if reporter is not None else None
        named = names_in(speaker) if speaker is not None and speaker.lower_ not in PRONOUNS else []
        if len(named) == 1 and (named[0].label == "PERSON" or context.is_person(named[0].text)):
            return actor_name(named[0], context)
        return None
    if subject.lower_ in ("it", "they") and verb.dep_ == "advcl":
        main, _ = subject_of(verb.head)  # "Israel follows …, though it has …": the main clause's subject
        if main is None or main.lower_ in PRONOUNS:
            return None
        subject = main
    if sentence.in_quote(subject):
        return None
    names = names_in(subject)
    if not names and subject.lemma_ in BODY_NOUNS:
        return _body_actor(subject, context)
    if len(names) != 1:
        return None
    return actor_name(names[0], context)


def _body_actor(subject: Any, context: Context) -> tuple[str, str | None, ProposedEntity] | None:
    """ "The US mission", "the Israeli government": a named state's or party's body."""
    named = [c for c in subject.children if c.dep_ in ("compound", "amod", "poss") and (c.ent_type_ in ("GPE", "NORP", "ORG") or c.pos_ == "PROPN")]
    if not named or any(c.dep_ in ("relcl", "acl", "appos") for c in subject.children):
        return None
    text = text_of(subject.subtree)
    if len(text.split()) > 6:
        return None
    text = "the " + text[4:] if text.startswith("The ") else text
    return text, None, ProposedEntity(text, "organisation")


def actor_name(name: Any, context: Context) -> tuple[str, str | None, ProposedEntity]:
    """A name as a value: a bare surname becomes the full name the document gives (an alias)."""
    if name.label != "PERSON" and not context.is_person(name.text):
        return name.text, None, ProposedEntity(name.text, name.type)
    full, spelling = context.person(name.text)
    return full, spelling, ProposedEntity(full, "person", (spelling,) if spelling else ())


def _reason(verb: Any) -> tuple[str, list[Any], str] | None:
    """The stated reason for the clause, its tokens, and the rule that found it."""
    for child in verb.children:
        if child.dep_ == "prep" and child.lower_ == "because":
            objects = [g for c in child.children if c.lower_ == "of" for g in c.children if g.dep_ == "pobj"]
            objects += [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                return text_of(objects[0].subtree), list(child.subtree), "because-of"
        if child.dep_ == "prep" and child.lower_ == "due":
            objects = [g for c in child.children if c.lower_ == "to" for g in c.children if g.dep_ == "pobj"]
            if objects:
                return text_of(objects[0].subtree), list(child.subtree), "due-to"
        if child.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ == "because" for m in child.children):
            tokens = [t for t in child.subtree if not (t.dep_ == "mark" and t.head == child)]
            return text_of(tokens), list(child.subtree), "because-clause"
        if child.dep_ == "prep" and child.lower_ == "in":
            for pobj in child.children:
                if pobj.dep_ == "pobj" and pobj.lower_ in PURPOSE_NOUNS:
                    clause = [t for t in pobj.subtree if t.i > pobj.i]
                    if clause and clause[0].lower_ in ("to", "of", "that"):
                        return text_of(clause), list(child.subtree), f"in-{pobj.lower_}-to"
    return None


def _excluded(verb: Any, subject: Any, sentence: Sentence, context: Context) -> list[Any]:
    """The parts of the verb's subtree that are not its action: other clauses, the date, the reporter."""
    excluded: list[Any] = [subject]
    for child in verb.children:
        if child.dep_ in ("conj", "cc", "advcl", "parataxis", "mark", "punct") and child.i > verb.i:
            excluded.append(child)
        elif child.dep_ == "prep" and child.lower_ == "according":
            excluded.append(child)  # "according to Israel's Channel 12" says whose account it is, not what was done
        elif child.dep_ in ("ccomp",) and child.lemma_ in REPORTING:
            excluded.append(child)
        elif child.i < subject.i:
            excluded.append(child)  # fronted adverbials: "Ultimately,", "In 1947,"
    excluded.extend(date_tokens(verb, sentence, context.published))
    return excluded


def _perfect_aux(token: Any, verb: Any) -> bool:
    """The "has" of "has requested": the action is written in the simple past, where the past
    participle is the past tense too (a regular verb: "requested"; "has shown" stays)."""
    return (token.head == verb and token.dep_ == "aux" and token.lemma_ == "have" and token.tag_ in ("VBZ", "VBP")
            and verb.tag_ == "VBN" and verb.lower_.endswith("ed"))


def _co_sponsor(verb: Any) -> bool:
    doc = verb.doc
    return verb.i >= 2 and doc[verb.i - 1].text in ("-", "‐") and doc[verb.i - 2].lower_ == "co"

"""Reading spaCy's parse: names, clause subjects, hypotheticals, dates attached to a predicate.

Shared by every extractor; nothing here decides what a fact is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .segment import Sentence
from .when import Dated, resolve

#: spaCy entity labels that can be a fact's actor, speaker or voter, and the deck entity type.
NAME_TYPES = {"PERSON": "person", "GPE": "country", "ORG": "organisation", "NORP": "group", "LOC": "place", "FAC": "place"}
#: Modal verbs: a predicate under one is not a claim that something happened.
MODALS = frozenset({"would", "could", "might", "may", "should", "can", "will", "must", "shall", "'d", "ca", "wo"})
#: Conjunctions that make a clause a condition or an open question.
CONDITIONS = frozenset({"if", "unless", "whether", "lest"})
#: Verbs that report speech or a claim.
REPORTING = frozenset(
    {"say", "tell", "state", "add", "report", "note", "claim", "write", "explain", "announce", "insist", "stress",
     "argue", "warn", "admit", "declare", "assert", "suggest", "reveal", "confirm", "deny", "allege", "quote", "speak"}
)
PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "you", "this", "that", "who", "which", "one"})


@dataclass(frozen=True)
class Name:
    """A name as the sentence writes it, with its entity label."""

    text: str
    label: str
    start: int  # token indices in the parsed block
    end: int

    @property
    def type(self) -> str:
        return NAME_TYPES[self.label]


def name_of(token: Any) -> Name | None:
    """The named entity ``token`` heads (with the compounds before it), or None.

    "Prime Minister Naftali Bennett" gives "Naftali Bennett" (the PERSON entity ending at the
    head); a possessive "’s" is never part of a name.
    """
    doc = token.doc
    ent = _entity_at(token)
    first = token.i
    while first > 0 and doc[first - 1].dep_ == "compound" and doc[first - 1].head.i in range(first, token.i + 1) and doc[first - 1].pos_ == "PROPN":
        first -= 1
    if ent is not None and ent.label_ in NAME_TYPES and ent.end == token.i + 1 and ent.start >= first - (1 if doc[ent.start].lower_ == "the" else 0):
        text = doc[ent.start : token.i + 1].text  # "the Soviet Union" keeps its "the"
        if text.startswith("The ") and (ent.start == token.sent.start or doc[ent.start - 1].is_punct):
            text = "the " + text[4:]  # capitalised only because it starts the sentence
        return Name(text, ent.label_, ent.start, token.i + 1)
    if token.pos_ != "PROPN":
        return None
    label = None
    for i in range(first, token.i + 1):
        inside = _entity_at(doc[i])
        if inside is not None and inside.label_ in NAME_TYPES:
            label = inside.label_
    if label is None:
        return None
    return Name(doc[first : token.i + 1].text, label, first, token.i + 1)


def _entity_at(token: Any) -> Any:
    if not token.ent_type_:
        return None
    for ent in token.doc.ents:
        if ent.start <= token.i < ent.end:
            return ent
    return None


def names_in(token: Any) -> list[Name]:
    """The names a subject or object stands for: "India, the UAE and China" gives three."""
    found: list[Name] = []
    for member in [token, *conjuncts(token)]:
        name = name_of(member)
        if name is None:
            return []  # one member is no name ("Israel and other countries"): not a list of names
        found.append(name)
    return found


def conjuncts(token: Any) -> list[Any]:
    result = []
    for child in token.children:
        if child.dep_ == "conj":
            result.append(child)
            result.extend(conjuncts(child))
    return result


def subject_of(verb: Any) -> tuple[Any | None, bool]:
    """The verb's subject token and whether the clause is passive; a conjoined or controlled
    verb without its own subject takes its head's ("Russia vetoed … and demanded …")."""
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "csubj", "nsubjpass")]
    if subjects:  # two parsed subjects ("Unlike …, Germans and British, Israel told …"): the nearer
        before = [c for c in subjects if c.i < verb.i]
        chosen = before[-1] if before else subjects[0]
        return chosen, chosen.dep_ == "nsubjpass"
    if verb.dep_ == "conj" and verb.i > 0:
        before = verb.doc[verb.i - 1]
        if before.pos_ in ("PROPN", "NOUN") and before.dep_ in ("pobj", "compound", "dobj", "appos") and before.head != verb:
            return before, False  # "… as Moscow amasses …" parsed as a conjunct: the noun before it is its subject
    if verb.dep_ in ("conj", "xcomp") and verb.head != verb and verb.head.pos_ in ("VERB", "AUX"):
        return subject_of(verb.head)
    return None, False


def clause_verb(token: Any) -> Any | None:
    """The nearest verb above ``token`` (or the token itself), where its clause is."""
    current = token
    while True:
        if current.pos_ in ("VERB", "AUX") and current.dep_ not in ("aux", "auxpass"):
            return current
        if current.head == current:
            return None
        current = current.head


def is_hypothetical(verb: Any) -> bool:
    """Under a modal ("would veto", "could have meant") or a condition ("if …", "even if …"),
    here or in a clause it belongs to."""
    current = verb
    for _ in range(12):
        for child in current.children:
            if child.dep_ in ("aux", "auxpass") and (child.tag_ == "MD" or child.lower_ in MODALS):
                return True
            if child.dep_ == "mark" and child.lower_ in CONDITIONS:
                return True
        if current.dep_ not in ("xcomp", "conj", "ccomp", "advcl", "pcomp", "acl", "relcl") or current.head == current:
            return False
        if current.dep_ == "ccomp" and current.head.lemma_ in REPORTING:
            return False  # what someone says happened is reported, not hypothetical
        current = current.head
    return False


def is_negated(verb: Any) -> bool:
    return any(child.dep_ == "neg" or child.lower_ in ("never", "not", "n't", "n’t") for child in verb.children)


def is_past(verb: Any) -> bool:
    """A past-tense predicate: "vetoed", "has requested", "had lived" (not "is", "will")."""
    if verb.tag_ == "VBD":
        return True
    if verb.tag_ == "VBN":
        return any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children)
    return False


def reporter_of(verb: Any) -> Any | None:
    """The reporting verb a clause is the content of ("… , a Western diplomat said")."""
    current = verb
    for _ in range(4):
        if current.dep_ in ("ccomp", "parataxis") and current.head.lemma_ in REPORTING:
            return current.head
        if current.dep_ == "ROOT":
            for child in current.children:
                if child.dep_ in ("parataxis", "ccomp") and child.lemma_ in REPORTING and child.i > verb.i:
                    return child
            return None
        if current.dep_ not in ("conj",):
            return None
        current = current.head
    return None


def text_of(tokens: Iterable[Any]) -> str:
    """Tokens in document order as the text writes them; punctuation trimmed at both ends."""
    ordered = sorted(set(tokens), key=lambda t: t.i)
    while ordered and ordered[-1].is_punct and ordered[-1].text not in (")", "]", "”", '"') :
        ordered.pop()
    while ordered and ordered[0].is_punct and ordered[0].text not in ("(", "[", "“", '"'):
        ordered.pop(0)
    pieces: list[str] = []
    for n, token in enumerate(ordered):
        pieces.append(token.text)
        if n + 1 < len(ordered):
            pieces.append(token.whitespace_ if ordered[n + 1].i == token.i + 1 else " ")
    return _balance("".join(pieces).strip())


def _balance(text: str) -> str:
    """Drop a quotation mark or bracket left open or closed by trimming."""
    for opening, closing in (("“", "”"), ("(", ")"), ("[", "]")):
        if text.count(opening) != text.count(closing):
            text = text.replace(opening, "").replace(closing, "")
    if text.count('"') % 2:
        text = text.replace('"', "")
    return " ".join(text.split())


def subtree(token: Any, exclude: Iterable[Any] = ()) -> list[Any]:
    """``token``'s subtree without the subtrees of the ``exclude`` tokens."""
    dropped: set[int] = set()
    for other in exclude:
        dropped.update(t.i for t in other.subtree)
    return [t for t in token.subtree if t.i not in dropped]


def attached_dates(verb: Any, sentence: Sentence, published: str | None) -> list[tuple[Dated, Any]]:
    """The dates of ``verb``'s clause that grounding accepts, with their DATE entities: those
    that modify it, else (a time phrase attached one level too low, "adopted a resolution calling
    for … on Friday") those in its subtree that no clause with a subject of its own holds."""
    ents = [e for e in sentence.span.ents if e.label_ == "DATE" and not sentence.in_quote(e.root)]
    for group in ([e for e in ents if modifies(e.root, verb)], [e for e in ents if _same_clause(e.root, verb)]):
        found = [(dated, e) for e in group if (dated := resolve(e.text, sentence.text, published)) is not None]
        if found:
            return found
    return []


def _same_clause(token: Any, verb: Any) -> bool:
    current = token
    for _ in range(12):
        if current == verb:
            return True
        if current.head == current or current.dep_ in ("ccomp", "advcl", "relcl", "parataxis", "conj", "csubj"):
            return False
        if current.pos_ in ("VERB", "AUX") and any(c.dep_ in ("nsubj", "nsubjpass") for c in current.children):
            return False
        current = current.head
    return False


def dates_of(verb: Any, sentence: Sentence, published: str | None) -> list[tuple[Dated, Any]]:
    """The dates of ``verb``'s clause that grounding accepts, with their entities."""
    return attached_dates(verb, sentence, published)


#: Dependency links through which a time expression still modifies the verb above it.
_MODIFIER_LINKS = frozenset({"prep", "pobj", "npadvmod", "advmod", "nmod", "compound", "nummod", "amod", "pcomp", "quantmod", "tmod", "obl"})


def modifies(token: Any, verb: Any) -> bool:
    """Whether ``token`` (a date's head) modifies ``verb`` through adverbial links only, not
    through an object, a subject or a coordinated noun ("… and the October 1973 war")."""
    current = token
    for _ in range(8):
        if current == verb:
            return True
        if current.dep_ not in _MODIFIER_LINKS or current.head == current:
            return False
        current = current.head
    return False


def date_tokens(verb: Any, sentence: Sentence, published: str | None) -> list[Any]:
    """The tokens of the phrases that carry ``verb``'s dates ("on Tuesday", "in 1947")."""
    tokens: list[Any] = []
    for _, ent in attached_dates(verb, sentence, published):
        tokens.extend(ent)
        head = ent.root.head
        if ent.root.dep_ == "pobj" and head.dep_ == "prep" and len(list(head.children)) == 1:
            tokens.append(head)  # the preposition that only introduces the date
    return tokens

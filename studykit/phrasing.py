"""English frames for stems, statements and explanations, built from a fact's parts.

The frames are chosen so that no verb has to be inflected: a fact's ``action`` and ``position``
are past-tense predicates, and every frame keeps them as written ("The Soviet Union cut
diplomatic ties with Israel. In which year?", "In 1967, the Soviet Union cut …"). A library
was weighed for this and for articles: ``lemminflect`` (past → base form) costs 0.4 s to load and
``inflect`` (a/an) 1.6 s, each more than a whole ``studykit check`` of the bundled deck; the frames
need neither, and the one article next to a hidden word (a cloze blank) is written "a(n)".

Also here: the predicates that make no good true/false or year question (negated or state-like
ones), the time anchor where it belongs, and typography: generated text uses curly quotes and
apostrophes, as the documents mostly do.
"""

from __future__ import annotations

import re

from .dates import time_anchor

__all__ = [
    "capitalise",
    "declarative",
    "is_negated",
    "is_state",
    "join_names",
    "lower_first",
    "outlet_name",
    "sentence",
    "typeset",
    "typeset_document",
    "with_time",
]


def typeset(text: str) -> str:
    """Apostrophes as the documents mostly write them: ``Israel's`` → ``Israel’s``, ``allies'`` →
    ``allies’``.

    Only an apostrophe between letters, or after a plural's s, changes; double quotes are left as
    the curator wrote them (the frames themselves use “ ”), so quoted words stay verbatim.
    """
    return _APOSTROPHE.sub("’", text) if "'" in text else text


def typeset_document(text: str) -> str:
    """A document's text with typographic quotation marks and apostrophes, one character for one
    (so a cloze's parts can be typeset together and split again): what cards show of a source."""
    if "'" not in text and '"' not in text:
        return text
    out = []
    for i, ch in enumerate(text):
        if ch not in "'\"":
            out.append(ch)
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        opening = (not before or before.isspace() or before in "([{‘“—–-/") and bool(after) and not after.isspace()
        if ch == "'":
            out.append("‘" if opening and not before.isalnum() else "’")
        else:
            out.append("“" if opening else "”")
    return "".join(out)


_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)|(?<=s)'(?=\s|$|[,.;:?!])")


def outlet_name(outlet: str) -> str:
    """How a stem names a source's outlet: without the catalog's asides ("Haaretz (reposted on a
    forum)" → "Haaretz"); "Unnamed news site" → "a news site"; nothing → "a report"."""
    name = re.sub(r"\s*\(.*?\)", "", outlet or "").strip()
    if not name:
        return "a report"
    if name.lower().startswith("unnamed "):
        return "a " + name[len("unnamed ") :]
    return name


def capitalise(text: str) -> str:
    """The first letter upper-cased, the rest as written (names keep their capitals)."""
    return text[:1].upper() + text[1:] if text else text


def sentence(text: str) -> str:
    """Capitalised and ended with a full stop (unless it already ends a sentence)."""
    text = " ".join(text.split())
    if not text:
        return text
    text = capitalise(text)
    return text if text[-1] in ".!?…" or text.endswith(("”", "’")) and text[-2:-1] in ".!?" else text + "."


def lower_first(text: str) -> str:
    """A phrase that may begin a sentence, made to stand mid-sentence: 'Co-sponsoring would …' →
    'co-sponsoring would …'. Words that are capitalised for their own sake (names, acronyms, 'I')
    keep their capitals: only a capitalised first word that is otherwise lower case is lowered."""
    first, _, rest = text.partition(" ")
    if not first or not first[0].isupper() or first == "I" or (first.isupper() and first != "A"):
        return text  # ("A" is the article, not an acronym: review 24, "in part because A ruling …")
    if any(c.isupper() for c in first[1:]):
        return text  # McDonald, iPhone-like names
    head, hyphen, _ = first.partition("-")
    # a word prefixed by hyphen ("Non-members", "Co-sponsoring") is no name: names keep their
    # capital after the hyphen ("Arab-Israeli"), or have no lower-case prefix of this kind
    lowerable = first.lower() in _LOWERABLE or (hyphen and head.lower() in _PREFIXES)
    return f"{first[0].lower()}{first[1:]} {rest}".rstrip() if lowerable else text


#: Prefixes that, before a hyphen, make a common word ("Non-members", "Anti-war"): lowered too.
_PREFIXES = frozenset("non co anti pro pre post re self ex semi multi".split())

#: Capitalised words that are sentence openers, not names: lowered when a phrase moves mid-sentence.
_LOWERABLE = frozenset(
    """a an the it its they their them this these that those he his she her we our his there
    co-sponsoring condemning supporting voting opposing backing avoiding keeping refusing signing
    joining putting sending taking giving
    because since although while despite fearing hoping wanting concern concerns fear fears""".split()
)


_INVERTED = re.compile(
    r"^(?P<noun>.+?) (?P<aux>will|would|can|could|should|might|may|must|has|have|had|is|are|was|were|did|does|do) "
    r"(?P<np>(?:the|a|an|its|their|this|these|those|[A-Z][^ ]*) .*?) (?P<verb>[a-z][^ ]*)$"
)


def declarative(subject: str) -> str:
    """A quantity's subject in statement order: written for "How many …?" as a question ending in
    its verb ("jobs will the Northwind plant create"), it reads in a sentence as "jobs the
    Northwind plant will create". Anything else is returned as it is (without a parser, a verb
    inside a longer tail cannot be told from a noun)."""
    match = _INVERTED.match(subject.strip())
    if not match:
        return subject
    return f"{match['noun']} {match['np']} {match['aux']} {match['verb']}"


def join_names(names: list[str] | tuple[str, ...]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def with_time(clause: str, date: str | None) -> str:
    """A statement with its time anchor in front: 'In March 2014, the UN General Assembly …'."""
    if not date:
        return sentence(clause)
    return sentence(f"{capitalise(time_anchor(date))}, {clause}")


# --- predicates that make poor true/false and year questions ----------------------------------------

_NEGATION = re.compile(r"\b(not|never|no longer|n't|neither|nor|failed to|refused to|declined to|refrained from|avoided)\b", re.I)
#: First words of predicates that describe a state, not an event: "had yet to sign", "remained
#: unconvinced", "was able to", "regarded …", "relied on …". Such a predicate has no one year,
#: and swapping its year does not make it false.
_STATE_WORDS = frozenset(
    """was were is are had has have remained remains regarded regards relied relies seemed seems
    appeared appears believed believes knew knows wanted wants hoped hopes expected expects
    preferred prefers continued continues tended tends usually generally often lived""".split()
)


def is_negated(predicate: str) -> bool:
    """Whether the predicate says what did *not* happen (its false twin would be true or unprovable)."""
    return bool(_NEGATION.search(predicate))


def is_state(predicate: str) -> bool:
    """Whether the predicate describes a state rather than an event that happened at one time:
    a state verb first ("remained …", "had yet to …"), or a duration ("… since the invasion")."""
    first = predicate.strip().split(" ", 1)[0].lower().strip(",")
    return first in _STATE_WORDS or bool(_DURATION.search(predicate))


_DURATION = re.compile(r"\b(since|ever since|for years|for decades|so far|to this day)\b", re.I)

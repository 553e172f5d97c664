"""Which two questions must not share a sheet, and why (:func:`leaks`): the rules quiz
selection (:mod:`studykit.quiz`) obeys and lint (L024, L030) applies.

Two questions leak when one answers, cues or rules out the other for a reader of the sheet: the
same fact or passage, a stem showing another's key or printing its quote, a key among another's
wrong options, a count of a vote's voters beside the vote. Each rule compares two questions; the
indexes that find the few pairs worth comparing are the sheet's (:class:`studykit.quiz._Sheet`).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain
from typing import Iterable, NamedTuple

from .model import Deck, Question
from .vocabulary import Vocabulary, visible, vocabulary, word_set, words_of


class Leak(NamedTuple):
    #: "same fact", "linked facts", "same passage", "same key", "key in another stem", "key among
    #: wrong options" or "key in the header"
    kind: str
    why: str


def leaks(a: Question, b: Question, deck: Deck | None = None) -> str | None:
    """Why ``a`` and ``b`` must not share a sheet, or None. Symmetric. They leak when

    * they are on the same fact, or on facts the deck links (``linked:``: one takes the other
      as given, which no word count can see);
    * they quote mostly the same passage (:func:`_same_quote`: two questions on one quotation
      remind each other of it), or one's stem prints the other's quote (:func:`_quote_shown`: a
      cloze shows the whole sentence around its own quote);
    * one's key, in any spelling (fact and entity aliases, related forms: Ukraine → Ukrainian,
      Kyiv; 100,000 → 100000; 25 February 2022 → 25 February), is visible as whole words in the
      other's stem, and the two are on the same topic or quote overlapping passages of one
      source, or the key is rare (a value of at most :data:`RARE_FACTS` facts: a name seen
      once stands out wherever it is). A year is a key like any other: "in 2014" beside "In what
      year …?" on the same topic is a leak. A reason (a key in words) leaks when most of its
      telling words stand in the other's stem ("a strike at Israel's Foreign Ministry" beside
      "Its Foreign Ministry employees were on strike");
    * one's key is among the other's wrong options, on the same topic or passage, or anywhere
      when it is a name (knowing one answer rules an option of the other out, or the repeated
      option gives itself away: a name offered in one question and asked in another is noticed
      wherever they are);
    * one counts the voters of a vote the other is about (a quantity whose subject says who
      voted, on the topic and date of a vote fact): "how many voted in favour" is arithmetic
      beside "who abstained" and "who vetoed" (15 − 1 − 3 = 11).
    """
    found = leak_between(a, b, vocabulary(deck))
    return found.why if found else None


def leak_between(a: Question, b: Question, vocab: Vocabulary) -> Leak | None:
    if a.id == b.id:
        return None
    if a.fact == b.fact:
        return Leak("same fact", f"{a.id!r} and {b.id!r} are on the same fact")
    if b.fact in vocab.linked(a.fact):
        return Leak("linked facts", f"{a.id!r} and {b.id!r} are on linked facts (the deck's 'linked:')")
    if _same_quote(a, b):
        return Leak("same passage", f"{a.id!r} and {b.id!r} quote the same passage")
    for x, y in ((a, b), (b, a)):
        if _quote_shown(x, y):
            return Leak("quote in another stem", f"the stem of {y.id!r} prints the quote {x.id!r} stands on")
    near = (a.topic is not None and a.topic == b.topic) or _same_passage(a, b)
    for x, y in ((a, b), (b, a)):
        for key in vocab.keys(x):
            if not (near or key.rare):
                continue
            for spelling in key.spellings:
                if visible(spelling, y.prompt):
                    shown = repr(key.answer) if spelling == key.answer else f"{spelling!r}, a form of {key.answer!r}"
                    return Leak("key in another stem", f"the stem of {y.id!r} shows {shown}, the answer to {x.id!r}")
        if near:
            told = _reason_shown(x, y)
            if told:
                return Leak("key in another stem", f"the stem of {y.id!r} tells the answer to {x.id!r} ({', '.join(told)})")
    for x, y in ((a, b), (b, a)):
        wrong = vocab.wrong_options(y)
        for key in vocab.keys(x):
            if key.canonical in wrong and (near or key.canonical in vocab.entities):
                return Leak("key among wrong options", f"{key.answer!r}, the answer to {x.id!r}, is a wrong option of {y.id!r}")
    anchor = vote_anchor(a, vocab)
    if anchor is not None and anchor == vote_anchor(b, vocab) and "quantity" in (anchor_kind(a, vocab), anchor_kind(b, vocab)):
        return Leak("count of a vote", f"{a.id!r} and {b.id!r} are on one vote, and one counts its voters")
    return None


#: Words that make a quantity's subject a count of a vote's voters.
_VOTE_COUNT = re.compile(r"\b(?:vot(?:e|ed|es|ing)|abstain(?:ed|ing|s)?|in favou?r)\b", re.IGNORECASE)


def vote_anchor(q: Question, vocab: Vocabulary) -> tuple[str | None, str] | None:
    """(topic, date) of the vote a question is about: its fact's, when a vote; when a quantity
    that counts voters, the topic and date it was counted on."""
    fact = vocab.fact(q.fact)
    if fact is None or not fact.fields.get("date"):
        return None
    if fact.kind == "vote" or (fact.kind == "quantity" and _VOTE_COUNT.search(str(fact.fields.get("subject", "")))):
        return fact.topic, str(fact.fields["date"])
    return None


def anchor_kind(q: Question, vocab: Vocabulary) -> str | None:
    fact = vocab.fact(q.fact)
    return fact.kind if fact is not None else None


#: Words too common to tell a reason (four letters or more, so not caught by length).
_PLAIN = frozenset("""were that with from have been would could which their them they this into over about than also
only after before because while there what when where will shall should being does did done made make
more most some such very just""".split())


def reason_words(q: Question) -> frozenset[str]:
    """The telling words of a key written in words (a reason, a text answer): of four letters or
    more, not common, not already in the question's own stem."""
    if q.answer_type not in ("rationale", "text") or q.type == "true_false" or not q.answers:
        return frozenset()
    own = set(words_of(q.prompt))
    return frozenset(w for a in q.answers for w in words_of(a) if len(w) >= 4 and w not in _PLAIN and w not in own)


def _reason_shown(x: Question, y: Question) -> list[str]:
    """The telling words of ``x``'s key that ``y``'s stem shows, when they are most of them (at
    least two, and at least 40%): else []."""
    telling = reason_words(x)
    if len(telling) < 2:
        return []
    shown = sorted(telling & set(words_of(y.prompt)))
    return shown if len(shown) >= max(2, -(-2 * len(telling) // 5)) else []


def _same_quote(a: Question, b: Question) -> bool:
    """Whether two questions quote mostly the same passage: spans of one source that overlap by
    half of the shorter or more (two questions on one quotation remind each other of it)."""
    for e in a.evidence:
        for f in b.evidence:
            if e.source == f.source:
                overlap = min(e.end, f.end) - max(e.start, f.start)
                if overlap > 0 and 2 * overlap >= min(e.end - e.start, f.end - f.start):
                    return True
    return False


#: A quote of at least this many words printed in another stem gives its question away.
QUOTE_WORDS = 6


def _quote_shown(x: Question, y: Question) -> bool:
    """Whether ``y``'s stem prints one of ``x``'s quotes (a cloze shows the whole sentence around
    its own quote, which may hold another fact's: review 12, a true/false answered by the cloze
    printed beside it)."""
    if not any(e.source == f.source for e in x.evidence for f in y.evidence):
        return False
    shown = " ".join(words_of(y.prompt))
    for e in x.evidence:
        words = words_of(e.quote)
        if len(words) >= QUOTE_WORDS and " ".join(words) in shown:
            return True
    return False


def _same_passage(a: Question, b: Question) -> bool:
    return any(e.source == f.source and e.start < f.end and f.start < e.end for e in a.evidence for f in b.evidence)


def leak_scopes(q: Question) -> list[tuple[str, str]]:
    """Where a common key leaks: the question's topic and the sources it quotes."""
    scopes = [("source", e.source) for e in q.evidence]
    if q.topic is not None:
        scopes.append(("topic", q.topic))
    return list(dict.fromkeys(scopes))


ANYWHERE = ("any", "")


def stem_word_counts(questions: Iterable[Question]) -> Counter[str]:
    """In how many stems each word occurs."""
    return Counter(chain.from_iterable(word_set(q.prompt) for q in questions))


def terms_of(text: str) -> set[str]:
    """The words of ``text`` and its pairs of neighbouring words ("united states"): whatever
    occurs in a text as whole words has its words and pairs among the text's terms."""
    words = words_of(text)
    return {*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))}


def index_term(spelling: str, counts: Counter[str]) -> str:
    """The term to index ``spelling`` by: its word found in the fewest stems, with the rarer of
    its neighbours when it has one (a pair is far more telling than a word: "platai gigrou")."""
    words = words_of(spelling)
    i = min(range(len(words)), key=lambda k: (counts[words[k]], words[k]))
    neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(words)]
    if not neighbours:
        return words[i]
    j = min(neighbours, key=lambda k: (counts[words[k]], k))
    return f"{words[min(i, j)]} {words[max(i, j)]}"

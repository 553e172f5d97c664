"""Word splitting: the uncached pass over every stem sees the words the cached one does, and both\nthose of the normalised text."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from studykit import vocabulary
from studykit.corpus import normalize
from studykit.leaks import stem_word_counts

PIECES = ["Israel", "UKRAINE", "abstained", "U.S.", "2022", "100,000", " ", "  ", "\t", "\n", "\u00a0", "’s", "“Kyiv”", "…",
          "\u200b", "café", "ﬁve", "İstanbul", "Zelenskyy's", "-", "x²", "e\u0301", "?"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=14))
def test_word_set_and_words_of_split_the_normalised_text(parts):
    """Both skip the normalisation of ASCII text: the same words as splitting the normalised text."""
    text = "".join(parts)
    words = re.findall(r"\w+", normalize(text).lower())
    assert vocabulary.words_of.__wrapped__(text) == tuple(words)
    assert vocabulary.word_set(text) == set(words)


def test_stem_word_counts_count_each_stem_once_per_word():
    class Q:
        def __init__(self, prompt: str) -> None:
            self.prompt = prompt

    stems = ["Who voted for it, and who  voted against it?", "Who said “Kyiv”?", "In what year did Israel vote?"]
    counts = stem_word_counts([Q(s) for s in stems])  # type: ignore[arg-type]
    assert counts == Counter({"who": 2, "voted": 1, "for": 1, "it": 1, "and": 1, "against": 1, "said": 1, "kyiv": 1, "in": 1,
                              "what": 1, "year": 1, "did": 1, "israel": 1, "vote": 1})

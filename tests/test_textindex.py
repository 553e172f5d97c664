"""The text index answers as the plain searches it stands in for: whole-word counts by regular
expression over every document, and :func:`find_words` in each document."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from studykit.corpus import Corpus, Document, Source, find_words, normalize
from studykit.textindex import TextIndex, _count_words, may_hold, text_words

# letters that lower to two characters, words joined by marks and digits: where words could mislead
_ALPHABET = st.sampled_from(list("ab AB_-.,'’1İßİ\u0307é\n"))
_TEXT = st.text(_ALPHABET, max_size=60)
_NEEDLE = st.text(_ALPHABET, min_size=1, max_size=6)


def _corpus(texts: list[str]) -> Corpus:
    documents = {}
    for n, text in enumerate(texts):
        source = Source(f"d{n}", f"d{n}.txt", f"corpus/d{n}.txt", "t", "o", None, "2020-01-01", "test")
        documents[source.id] = Document(source, text)
    return Corpus(Path("."), documents)


@settings(max_examples=400, deadline=None)
@given(_NEEDLE, _TEXT)
def test_counting_by_find_counts_what_the_regular_expression_finds(needle, haystack):
    needle, haystack = needle.lower(), haystack.lower()
    assert _count_words(needle, haystack) == len(re.findall(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", haystack))


@settings(max_examples=400, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=4), _NEEDLE)
def test_counts_and_names_are_those_of_searching_every_document(texts, needle):
    for whole in (True, False):
        index = TextIndex(_corpus(texts), whole=whole)
        plain = " ".join(needle.lower().split())
        per_document = []
        for n, text in enumerate(texts):
            lowered = normalize(text).lower()
            expected = len(re.findall(r"(?<!\w)" + re.escape(plain) + r"(?!\w)", lowered)) if plain else 0
            if not re.fullmatch(r"\d+", plain):  # figures are counted as the document's figures are read
                assert index.count(f"d{n}", needle) == expected
                per_document.append(expected)
            found = find_words(needle, normalize(text)) is not None
            assert index.names(f"d{n}", (needle,)) is found
        if per_document and whole:
            assert index.corpus_count(needle) == sum(per_document)


def test_a_name_whose_words_a_text_lacks_is_ruled_out_by_the_word_set_alone():
    words = text_words("Israel's envoy met the Russian ambassador")
    assert may_hold(words, "Russian ambassador") and may_hold(words, "Israel")
    assert not may_hold(words, "Ukraine") and not may_hold(words, "the Russian Federation")
    assert may_hold(words, "Zürich")  # not ASCII: words cannot rule it out, the search decides


def test_word_sets_of_a_large_corpus_are_kept_for_a_bounded_number_of_documents(monkeypatch):
    import studykit.textindex as textindex

    monkeypatch.setattr(textindex, "KEPT_WORD_SETS", 3)
    index = TextIndex(_corpus([f"word{n} Israel" for n in range(10)]), whole=False)
    assert [index.count(f"d{n}", "israel") for n in range(10)] == [1] * 10
    assert len(index._words) == 3


_FIGURES = st.text(st.sampled_from(list("0123456789,. a\n")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FIGURES, min_size=1, max_size=4), st.sampled_from(["1", "12", "1,000", "2.5", "0", "10"]))
def test_a_figure_counted_over_the_corpus_is_the_sum_of_its_counts_in_each_document(texts, figure):
    """The corpus's figures are counted once for the corpus: the same as counting in each document."""
    index = TextIndex(_corpus(texts), whole=True)
    assert index.corpus_count(figure) == sum(index.count(f"d{n}", figure) for n in range(len(texts)))

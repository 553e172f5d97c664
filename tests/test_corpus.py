"""Quote grounding: typography-tolerant matching resolved to exact spans of the original text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit.corpus import Document, Source, normalize, normalize_with_map

SOURCE = Source(id="s", file="s.txt", path="seeds/s.txt", title="T", outlet="O", author=None, published=None, date_basis="")


def doc(text: str) -> Document:
    return Document(SOURCE, text)


@pytest.mark.parametrize(
    "text, quote",
    [
        ("He said “we are close” to them.", 'He said "we are close" to them.'),
        ("Tel Aviv’s breaking of ranks", "Tel Aviv's breaking of ranks"),
        ("the War of Attrition from 1967–1970 and", "the War of Attrition from 1967-1970 and"),
        ("over\u00a0one million Russians", "over one million Russians"),
        ("a line\nbreak   and  spaces here", "a line break and spaces here"),
        ("Café society in Jerusalem", "Cafe\u0301 society in Jerusalem"),
        ("zero\u200bwidth joiner text here", "zerowidth joiner text here"),
        ("Hebrew בנימין נתניהו השקת ספר here", "Hebrew בנימין נתניהו השקת ספר here"),
        ("emoji 🇮🇱🤝🇷🇺 Israel, Russia", "emoji 🇮🇱🤝🇷🇺 Israel, Russia"),
    ],
)
def test_quote_found_despite_typography_and_span_is_exact(text, quote):
    document = doc("Intro line.\n" + text + "\nOutro.")
    match = document.find(quote)
    assert len(match.spans) == 1
    span = match.spans[0]
    assert document.text[span.start : span.end] == text


def test_span_offsets_are_code_points_of_the_original():
    text = "🇮🇱 flag then “quoted words” end"
    document = doc(text)
    span = document.find('"quoted words"').spans[0]
    assert (span.start, span.end) == (text.index("“"), text.index("”") + 1)


def test_ambiguous_quote_reports_every_place():
    document = doc("They need Russia.\nOther text.\nThey need Russia.\n")
    match = document.find("They need Russia.")
    assert len(match.spans) == 2
    assert [document.line_of(s.start) for s in match.spans] == [1, 3]


def test_quote_not_found_gives_closest_passage():
    document = doc("First sentence here. Ultimately, Russia vetoed the resolution, while India abstained. Last.")
    match = document.find("Ultimately Russia vetod the resolution")
    assert match.spans == ()
    assert match.closest.startswith("Ultimately, Russia vetoed the resolution")
    assert 0.8 < match.similarity < 1.0


def test_match_does_not_split_a_character():
    # "é" decomposes into two code points when normalised; a quote ending in plain "e" must not match it
    document = doc("at the café")
    assert document.find("at the caf").spans  # whole characters: fine
    assert document.find("at the cafe").spans == ()  # would end inside "é"


def test_normalize_map_points_into_original():
    text = "a “b”\u00a0 c"
    normalized, index = normalize_with_map(text)
    assert normalized == 'a "b" c'
    assert [text[i] for i in index] == ["a", " ", "“", "b", "”", "\u00a0", "c"]


_TRICKY = " \t\n\u00a0\u2003\u200b\ufeff\u00ad…“”‘’–—¨é\u0301\u0323ﬁ①aZ"


@given(st.text(alphabet=st.one_of(st.sampled_from(_TRICKY), st.characters()), max_size=40))
@settings(max_examples=500, deadline=None)
def test_normalize_is_the_text_of_normalize_with_map(text):
    """normalize() skips the offset map; its text must be the same, character for character
    (invisible words, spaces a decomposition makes, white space of every kind)."""
    assert normalize(text) == normalize_with_map(text)[0]
    long = (text + " x ") * (2001 // (len(text) + 3) + 1)  # a whole document's path (cached)
    assert normalize(long) == normalize_with_map(long)[0]

"""Captions are told by substring tests before any search: the same answers as the patterns alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studykit import captions

FRAGMENTS = ["Photo", "PHOTO", "photograph by", "Getty", "gEtTy", "Credit:", "courteſy:", "CredİT :", "credıt:", "(AP Photo/Seth)",
             "(Reuters)", "/AFP", "AP", "Photo by AP", "Friday,", "Feb.", "25,", "2022", "2022.", "13 April", "The vote", "said",
             ".", " ", "“", "Header:", "x", "1", "²"]


def reference(line: str) -> bool:
    """The rule as the patterns alone say it."""
    if not line:
        return False
    if captions._CREDIT.search(line) or captions._CAPTION_LABEL.match(line) or line[0].islower():
        return True
    return bool(captions._DATELINE_END.search(line)) and not captions._SENTENCE_BREAK.search(line)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12), st.sampled_from(["", " ", "-"]))
def test_a_line_is_a_caption_exactly_when_the_patterns_say_so(parts, joiner):
    line = joiner.join(parts).strip()
    assert captions._is_caption_line.__wrapped__(line) is reference(line)


def test_the_prefilters_pass_over_most_lines_of_article_text():
    line = "Ultimately, Russia vetoed the resolution, while India, the UAE and China abstained"
    assert not captions._credited(line) and not captions._is_caption_line.__wrapped__(line)
    assert captions._credited("Soldiers near Kyiv, phOTO by a reader")
    assert captions._credited("A crowd in Kyiv. Courteſy: a reader")  # ſ is an s to a case-blind search

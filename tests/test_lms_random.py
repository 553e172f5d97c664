"""Random decks (hypothesis) in every LMS format: GIFT parses with gift-pegjs and with Moodle's
GIFT reader, Moodle XML passes Moodle's import rules, QTI validates against the DTD and scores its keys, and each reads back as
the JSON export says. Texts are drawn from GIFT's, Moodle's and XML's special characters and
strings, control characters, markup and right-to-left text."""

from __future__ import annotations

import test_lms_gift
import test_lms_moodle
import test_lms_qti
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lms_gift import parse_gift
from lms_samples import Spec, build, expected

TOKENS = ["~", "=", "#", "{", "}", ":", "\\", "[", "]", "%", "-", ">", "/", "*", "&", "<", ">", '"', "'", "$", ";",
          "\n", " ", "  ", "\x01", "\x1b", "\x7f", "\ufffe", "é", "中", "א", "🙂", "\u202e", "\u200b", "]]>", "//",
          "->", "[html]", "[plain]", "%50%", "%-25%", "&amp;", "&#35;", "{#1}", "{1:SA:=x}", "TRUE", "T", "\\n",
          "\\}", "\\#", "<script>", "####", "::", "[blank]", "$CATEGORY:", "_____"]  # fmt: skip
token = st.one_of(st.sampled_from(TOKENS), st.characters(min_codepoint=0x21, max_codepoint=0x7E))
text = st.lists(token, min_size=1, max_size=8).map("".join).map(str.strip).filter(bool)
dates = st.sampled_from([None, "2014", "2014-03", "2022-02-25"])
urls = st.sampled_from([None, "https://example.org/?a=<b>&c", 'http://x.test/p?q="1"', "javascript:alert(1)", "ftp://x.test/"])


@st.composite
def question_sets(draw):
    specs = []
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["single", "multiple", "true_false", "short", "cloze"]))
        spec = Spec(f"f{i}/t{i}", kind, draw(text), explanation=draw(text), quote=draw(text),
                    topic=draw(st.sampled_from([None, "t1", "t2"])), source=draw(st.integers(0, 1)))
        if kind in ("single", "multiple"):
            options = draw(st.lists(text, min_size=2 if kind == "single" else 3, max_size=5, unique_by=expected))
            keys = draw(st.integers(1, 1) if kind == "single" else st.integers(2, min(4, len(options) - 1)))
            spec.options, spec.answers = tuple(options), tuple(draw(st.permutations(options))[:keys])
        elif kind == "true_false":
            spec.options, spec.answers = ("True", "False"), (draw(st.sampled_from(["True", "False"])),)
        else:
            key = draw(text)
            spec.answers = (key,)
            spec.aliases = {key: tuple(draw(st.lists(text, max_size=3)))}
            if kind == "cloze":
                spec.cloze = (draw(st.sampled_from(["", "The text says "]) | text.map(lambda t: t + " ")), key,
                              draw(st.sampled_from(["", "."]) | text.map(lambda t: " " + t)))
        specs.append(spec)
    sources = [{"title": draw(text), "outlet": draw(text), "published": draw(dates), "url": draw(urls)} for _ in range(2)]
    return build(specs, title=draw(text), topics={"t1": draw(text), "t2": draw(text)}, sources=sources)


# No shrinking: each example runs node, and a failure names its question and text anyway.
@settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(question_sets(), min_size=5, max_size=5))
def test_random_decks_read_back_in_every_format(qsets):
    texts = []
    for qset in qsets:
        data, output = test_lms_moodle.export(qset)
        test_lms_moodle.round_trip(qset, data, output.problems)
        test_lms_qti.round_trip(qset, test_lms_qti.export(qset)[0])
        texts.append(test_lms_gift.export(qset)[0])
        test_lms_gift.moodle_round_trip(qset, texts[-1])
    for qset, parsed in zip(qsets, parse_gift(texts), strict=True):  # one node process for the batch
        test_lms_gift.round_trip(qset, parsed)

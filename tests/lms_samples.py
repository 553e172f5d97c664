"""Question sets for the LMS export tests, and what a reader should get back from each format.

* :func:`bundled` — the bundled deck, loaded and generated once;
* :func:`hostile` — every type of question with text that attacks each format: markup
  (``<script>``, ``<img onerror>``), GIFT's specials (``~ = # { } :``, a leading ``%50%``,
  ``[html]`` or ``//``, ``->``), Moodle's cloze specials and wildcard (``}``, ``\\``, ``*``),
  ``]]>``, ``&amp;``, control characters, line breaks, right-to-left text;
* :func:`build` — a question set from plain specs (the hypothesis decks use it);
* :func:`expected` — a text as the formats can carry it, and :func:`html_blocks` — the text of an
  HTML fragment block by block, read with lxml's HTML parser.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from conftest import BUNDLED_DECK
from lxml import html as lxml_html

import studykit
from studykit.corpus import Corpus, Document, Source
from studykit.dates import display_date
from studykit.model import CLOZE_BLANK, Deck, Evidence, Fact, Question, QuestionSet

SELECT_ALL = "Choose every answer that applies."  # what each format must show for a select-all


@functools.lru_cache(maxsize=1)
def bundled() -> QuestionSet:
    return studykit.generate(studykit.load_deck(BUNDLED_DECK))


def evil_sample() -> QuestionSet:
    """The HTML tests' hostile sample: <script> and <img onerror> in the deck, prompts, options,
    explanations and a document; Hebrew, Arabic and emoji; quotes that nest and cross."""
    from browser import sample_question_set

    return sample_question_set(evil=True)


# ---------------------------------------------------------------------------------------------
# Building question sets from specs
# ---------------------------------------------------------------------------------------------


@dataclass
class Spec:
    id: str  # "<fact>/<template>"
    type: str
    prompt: str = ""
    options: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    explanation: str = "Because the source says so."
    quote: str = "The source says so, in these exact words."
    cloze: tuple[str, str, str] | None = None
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    topic: str | None = None
    source: int = 0  # index into the set's sources
    ordered: bool = False


def build(specs: list[Spec], *, title: str = "Test deck", topics: dict[str, str] | None = None,
          sources: list[dict] | None = None, deck_id: str = "lms-test") -> QuestionSet:
    """A QuestionSet whose documents are the quotes, one source per entry of ``sources``."""
    sources = sources or [{"title": "A report", "outlet": "The Test Times", "published": "2022-02-25", "url": None}]
    texts: list[list[str]] = [[] for _ in sources]
    for spec in specs:
        if spec.cloze:
            spec.quote = "".join(spec.cloze)
        texts[spec.source].append(spec.quote)
    documents = {}
    for i, (meta, parts) in enumerate(zip(sources, texts, strict=True)):
        source = Source(f"src-{i}", f"{i}.txt", f"seeds/{i}.txt", meta["title"], meta["outlet"], None,
                        meta.get("published"), "given", meta.get("url"))
        documents[source.id] = Document(source, "\n\n".join(parts) or "empty")
    facts, questions = [], []
    for spec in specs:
        document = documents[f"src-{spec.source}"]
        start = document.text.index(spec.quote)
        evidence = (Evidence(document.source.id, spec.quote, start, start + len(spec.quote)),)
        fact_id = spec.id.split("/")[0]
        kind = {"single": "event", "multiple": "vote", "true_false": "statement", "short": "stance", "cloze": "quantity"}[spec.type]
        facts.append(Fact(fact_id, kind, {}, evidence, topic=spec.topic, aliases=spec.aliases))
        prompt = spec.prompt
        if spec.cloze:
            prompt = spec.cloze[0] + CLOZE_BLANK + spec.cloze[2]
        questions.append(Question(
            spec.id, fact_id, spec.id.split("/")[1], spec.type.replace("_", "-"), spec.type, "text", prompt,
            spec.options, spec.answers, spec.explanation, evidence, topic=spec.topic, cloze=spec.cloze,
            ordered=spec.ordered,
        ))
    corpus = Corpus(Path("/nonexistent/seeds"), documents)
    deck = Deck(id=deck_id, title=title, description="A deck for the LMS tests.", path=Path("/nonexistent/decks/t.yaml"),
                corpus=corpus, facts=tuple(facts), topics=topics or {})
    return QuestionSet(deck, tuple(questions), seed=0)


EVIL_SCRIPT = "<script>document.title='PWNED'</script>"
EVIL_IMG = "<img src=x onerror=\"document.title='PWNED'\">"


def hostile() -> QuestionSet:
    """Every question type, each text an attack on one format or another."""
    specs = [
        Spec("evil-single/who", "single", f"Which one {EVIL_SCRIPT} ~ = # {{ }} : \\ ]]> &amp; is it?",
             ("%50% off", "[html]<b>bold</b>", "a -> b", f"{EVIL_IMG} ~x=y#z", "// not a comment", "{1:SA:=x}"),
             ("%50% off",), explanation=f"Explained {EVIL_SCRIPT} with ]]> and \\n and a back\\slash.",
             quote="A quote with {braces}, ~tildes~, = signs, # hashes, : colons, \\ and ]]> in it.", topic="t1"),
        Spec("evil-multiple/which", "multiple", "Which of these [moodle] are right?\n// second line",
             ("a*b", "{#1}", "x\\y", "=eq", "~tilde"), ("a*b", "x\\y", "=eq"), topic="t2", source=1),
        Spec("evil-tf/true-false", "true_false", "True or false: the text says \u202eevil\u202c and \x01 bell\x07?",
             ("True", "False"), ("False",), quote="Control \x00 characters\x1b and a line\r\nbreak in a quote."),
        Spec("evil-short/why", "short", "Why [plain] did it happen? {=trap}",
             answers=("%25% of it -> all*",), aliases={"%25% of it -> all*": ("a -> b", "plain alias", "T")}, topic="t1"),
        Spec("evil-short2/why", "short", "What is the tag line?", answers=("T",), aliases={"T": ("FALSE", "x}y", "C#", "a~b", "[html]z")}),
        Spec("evil-cloze/cloze", "cloze", answers=("}{#~=",), cloze=("Before {1:SA:=x} and {#1} ", "}{#~=", " after & <b>\\</b>."),
             aliases={"}{#~=": ("100%", "a/b\"c'd", "e*f")}, source=1),
        Spec("evil-cloze2/cloze", "cloze", answers=("Jerusalem",), cloze=("", "Jerusalem", " is at the start [blank]."),
             aliases={"Israel": ("Jerusalem",)}, topic="t2"),
        Spec("evil-cloze3/cloze", "cloze", answers=("end",), cloze=("The blank is at the ", "end", "")),
        Spec("evil-rtl/who", "single", "מי אמר “ישראל תומכת”? 🇮🇱", ("ישראל", "رسيا", "🙂 emoji"), ("ישראל",), ordered=True),
    ]
    sources = [
        {"title": f"Headline {EVIL_SCRIPT} // with / slashes", "outlet": "Outlet ~ = # {x}", "published": "2022-02",
         "url": "https://example.org/a?b=1&c=<2>"},
        {"title": "Second \\ source: ]]>", "outlet": "Wire", "published": None, "url": "javascript:alert(1)"},
    ]
    topics = {"t1": f"Topic {EVIL_IMG} / with a slash", "t2": "Topic \\ two ~ # = {}"}
    return build(specs, title=f"Deck {EVIL_SCRIPT} / half\\slash // $course$", topics=topics, sources=sources)


# ---------------------------------------------------------------------------------------------
# What readers should get back
# ---------------------------------------------------------------------------------------------

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def expected(text: str) -> str:
    """``text`` as an LMS file carries it: characters XML 1.0 forbids as U+FFFD, line breaks as \\n."""
    return re.sub(r"\r\n?", "\n", _ILLEGAL.sub("\ufffd", text))


def typed(text: str) -> str:
    """An accepted answer as a student types it: one line, single spaces."""
    return " ".join(expected(text).split())


def html_blocks(fragment: str) -> list[str]:
    """The text of each top-level block (``p``, ``blockquote``, ``div``) of an HTML fragment,
    ``<br>`` read as a line break, as lxml's HTML parser reads it."""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    if len(root) == 1 and root[0].tag == "div" and not (root.text or "").strip():
        root = root[0]  # Canvas's wrapper <div>
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks = [element.text_content() for element in root]
    assert not (root.text or "").strip(), f"text outside blocks: {root.text!r}"
    return blocks


def html_inline(fragment: str) -> str:
    """The text of an inline HTML fragment (an option, an answer), ``<br>`` read as a line break."""
    root = lxml_html.fragment_fromstring(fragment, create_parent="span")
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return root.text_content()


def links(fragment: str) -> list[str]:
    return [a.get("href") for a in lxml_html.fragment_fromstring(fragment, create_parent="div").iter("a")]


def check_feedback(qset: QuestionSet, question: dict, fragment: str) -> None:
    """The feedback shows the explanation, then each quote verbatim with its source, as text."""
    blocks = html_blocks(fragment)
    assert blocks[0] == expected(question["explanation"]), (question["id"], blocks[0])
    hrefs = links(fragment)
    for n, evidence in enumerate(question["evidence"]):
        quote, source_line = blocks[1 + 2 * n], blocks[2 + 2 * n]
        assert quote == expected(evidence["quote"]), (question["id"], quote)
        source = qset.deck.source(evidence["source"])
        assert source_line.startswith("— " + expected(source.title) + ", " + expected(source.outlet)), source_line
        if source.published:
            assert source_line.endswith(display_date(source.published)), source_line
        if source.url and source.url.startswith("https://"):
            assert source.url in hrefs
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert len(blocks) == 1 + 2 * len(question["evidence"])


def expected_stem(question: dict) -> list[str]:
    """The blocks of a question text: the prompt, and the select-all instruction when it has one."""
    return [expected(question["prompt"])] + ([SELECT_ALL] if question["type"] == "multiple" else [])


def known_spellings(qset: QuestionSet, question: dict) -> set[str]:
    """Every spelling the deck records for the fact's values (what an answer box may accept)."""
    fact = qset.deck.fact(question["fact"])
    known = {typed(a) for a in question["answers"]}
    for canonical, aliases in fact.aliases.items():
        known |= {typed(canonical), *map(typed, aliases)}
    return known

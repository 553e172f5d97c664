"""HTML export without a browser: escaping, links and anchors, versions, templates, atomic writing."""

from __future__ import annotations

import json
import os
import re
import stat
import string
from dataclasses import replace
from pathlib import Path

import pytest
from browser import EVIL_IMG, EVIL_SCRIPT, ElementText, check_key_links, parse, sample_question_set
from hypothesis import given, settings
from hypothesis import strategies as st

import studykit
from studykit.corpus import http_url
from studykit.errors import ExportError, UsageError
from studykit.export import views as page_views
from studykit.export.html import (
    css_string,
    evidence_anchor,
    question_anchor,
    render_quiz,
    write_quiz,
    write_sources,
)
from studykit.export.pdf import print_to_pdf
from studykit.model import CLOZE_BLANK
from studykit.quiz import PlannedQuestion, plan_version, select_questions


@pytest.fixture(scope="module")
def qset():
    return sample_question_set()


@pytest.fixture
def out(tmp_path):
    return tmp_path / "out"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def quiz_order(path: Path) -> list[str]:
    return re.findall(r'data-question="([^"]+)"', path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# layout and content
# ---------------------------------------------------------------------------------------------


def test_layout_of_the_output_folder(qset, out):
    report = write_quiz(qset, out, versions=2)
    assert sorted(snapshot(out)) == [
        ".studykit-manifest.json", "index.html", "key-v1.html", "key-v2.html", "quiz-v1.html", "quiz-v2.html",
        "sources/intl-statement.html", "sources/un-vote-2014.html", "style.css",
    ]
    assert json.loads((out / ".studykit-manifest.json").read_text(encoding="utf-8"))["files"] == sorted(snapshot(out))[1:]
    assert [v.label for v in report.versions] == ["Version 1 · seed 0", "Version 2 · seed 0"]
    assert report.summary() == "2 versions × 20 questions, 2 answer keys, 2 source pages"
    assert not list(out.rglob("*.tmp"))


def test_quiz_page_shows_questions_options_and_writing_space(qset, out):
    write_quiz(qset, out)
    page = (out / "quiz-v1.html").read_text(encoding="utf-8")
    doc = parse(out / "quiz-v1.html")
    assert '<meta charset="utf-8">' in page
    assert "Version 1 · seed 0" in page and "Name" in page and "Date" in page
    assert len(quiz_order(out / "quiz-v1.html")) == len(qset)
    numbers = [int(n) for n in re.findall(r'<span class="num">(\d+)\.</span>', page)]
    assert numbers == list(range(1, len(qset) + 1))
    # markers: circles for single/true_false, boxes for multiple
    multiple = re.search(r'data-question="abstainers/which">(.*?)</section>', page, re.S).group(1)
    assert multiple.count('marker box') == 5 and "marker circle" not in multiple
    tf = re.search(r'data-question="israel-absent/tf">(.*?)</section>', page, re.S).group(1)
    assert tf.count("marker circle") == 2 and ">A<" in tf and ">B<" in tf
    # cloze: the blank becomes a line; short: lines to write on
    cloze = re.search(r'data-question="hebrew-statement/cloze">(.*?)</section>', page, re.S).group(1)
    assert CLOZE_BLANK not in cloze and 'class="blank"' in cloze
    short = re.search(r'data-question="arabic-statement/short">(.*?)</section>', page, re.S).group(1)
    assert 'class="write-lines"' in short
    # the running head of every printed page carries the version and seed
    assert '@top-right { content: "Version 1 · seed 0"; }' in page
    assert ("question-unga-date~when") in doc.texts


def test_a_select_all_question_gets_the_sheets_own_instruction_once(qset, out):
    # the prompt never carries the instruction: the sheet adds its own hint to select-all questions only
    assert all("all that apply" not in q.prompt for q in qset)
    write_quiz(qset, out)
    page = (out / "quiz-v1.html").read_text(encoding="utf-8")
    section = re.search(r'data-question="abstainers/which">(.*?)</section>', page, re.S).group(1)
    assert section.count("all that apply") == 1 and '<span class="hint">(tick all that apply)</span>' in section
    assert page.count('class="hint"') == sum(1 for q in qset if q.type == "multiple") == 1


def test_a_generated_select_all_question_prints_one_instruction():
    from conftest import BUNDLED_DECK

    generated = studykit.generate(studykit.load_deck(BUNDLED_DECK), seed=0)
    multiple = [q for q in generated if q.type == "multiple"]
    assert multiple and not any("all that apply" in q.prompt.casefold() for q in multiple)
    views = [page_views._question_view(generated.deck, 1, PlannedQuestion(q, q.options)) for q in multiple]
    assert all(v.hint == "(tick all that apply)" and v.prompt.count("all that apply") == 0 for v in views)


def test_the_quiz_gives_no_answers_away(qset, out):
    write_quiz(qset, out)
    quiz = (out / "quiz-v1.html").read_text(encoding="utf-8")
    key = (out / "key-v1.html").read_text(encoding="utf-8")
    for q in qset:
        assert q.explanation.replace('"', "&#34;") not in quiz
    assert "correct" not in quiz and "sources/" not in quiz
    assert "Answer key" in key and 'class="key"' in key


def test_the_key_starts_with_an_answer_grid_then_explains_each_answer(qset, out):
    report = write_quiz(qset, out)
    key = (out / "key-v1.html").read_text(encoding="utf-8")
    ids = report.versions[0].question_ids
    # the grid: number → letter(s), or the short answer itself
    grid = key[key.index('class="answer-grid"') : key.index('class="entries"')]
    cells = re.findall(r'<li><span class="n">(\d+)</span><span class="a" dir="auto">([^<]*)</span></li>', grid)
    assert [int(n) for n, _ in cells] == list(range(1, len(ids) + 1))
    by_id = dict(zip(ids, (a for _, a in cells), strict=True))
    assert re.fullmatch(r"[AB]", by_id["israel-absent/tf"])
    assert re.fullmatch(r"[A-E], [A-E], [A-E]", by_id["abstainers/which"])
    assert by_id["arabic-statement/short"] == "نحن ندعم السلام"
    assert key.index('class="answer-grid"') < key.index('class="entries"')
    # then one entry per question: the stem cut short, the answer, the reason, a printed citation
    entries = re.findall(r'<article class="entry" id="key-([^"]+)">(.*?)</article>', key, re.S)
    assert [e[0] for e in entries] == [question_anchor(i) for i in ids]
    entry = dict(entries)
    assert re.search(r'class="answer" dir="auto">[AB] — False<', entry[question_anchor("israel-absent/tf")])
    letters = re.search(r'class="answer" dir="auto">([A-E, ]+) — ([^<]+)<', entry[question_anchor("abstainers/which")])
    assert sorted(letters.group(2).split("; ")) == ["Brazil", "China", "India"]
    assert len(letters.group(1).split(", ")) == 3
    filler = entry[question_anchor("unga-date/extra-00")]
    assert "on resolution 68/262 matches the text of the UN News…<" in filler  # a long stem, cut at a word
    # a citation that works on paper: title, outlet, date and the paragraph of the printed source page
    assert "“UN General Assembly adopts resolution on Ukraine”, UN News, 27 March 2014, ¶ 2" in entry[question_anchor("unga-date/when")]
    assert "¶ 3" in entry[question_anchor("israel-absent/tf")]
    assert "sources/" not in re.sub(r'<a class="ref" href="[^"]*"', "", key)  # no file path is printed


def test_source_pages_number_their_paragraphs_as_the_key_cites_them(qset, out):
    write_quiz(qset, out)
    page = (out / "sources" / "un-vote-2014.html").read_text(encoding="utf-8")
    numbers = [int(n) for n in re.findall(r'<span class="pn" data-n="(\d+)"', page)]
    text = qset.deck.corpus["un-vote-2014"].text
    paragraphs = [p for p in re.split(r"\n[ \t]*\n\s*", text) if p.strip()]
    assert numbers == list(range(1, len(paragraphs) + 1))
    # a quote across a blank line holds two paragraphs in one block: both are numbered
    block = re.search(r'<p dir="auto">(<span class="pn" data-n="3".*?)</p>', page, re.S).group(1)
    assert 'data-n="4"' in block and "India, China and Brazil abstained." in block
    # the paragraph of each cited passage, as the key prints it, is the one that holds it
    starts = [m.end() for m in re.finditer(r"\n[ \t]*\n\s*", text)]
    for fact in qset.deck.facts:
        for ev in fact.evidence:
            if ev.source == "un-vote-2014":
                n = page_views.paragraph_of(text, ev.start)
                assert sum(1 for s in starts if s <= ev.start) + 1 == n
                assert ev.quote.split("\n")[0] in paragraphs[n - 1]


def test_only_the_passages_a_quiz_cites_are_highlighted(make_project, out):
    from conftest import BUNDLED_DECK

    generated = studykit.generate(studykit.load_deck(BUNDLED_DECK), seed=0)
    write_quiz(generated, out, count=30)
    marked = total = 0
    for page in (out / "sources").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        doc = parse(page)
        article = ElementText()
        article.feed(html[html.index("<article") : html.index("</article>") + 10].replace("<article", '<article id="doc"', 1))
        total += len(article.text("doc"))
        ids = re.findall(r'<mark id="([^"]+)" class="hl"', html)
        marked += sum(len(doc.text(i)) for i in ids if i not in doc.parts)
        assert '<mark class="hl"' not in html  # every highlight is a cited passage, with its id
    assert 0 < marked < 0.35 * total, (marked, total)


# ---------------------------------------------------------------------------------------------
# escaping
# ---------------------------------------------------------------------------------------------


def test_html_in_fact_text_is_rendered_as_text(out):
    write_quiz(sample_question_set(evil=True), out, versions=2)
    for path in sorted(out.rglob("*.html")):
        doc = parse(path)
        tags = {tag for tag, _ in doc.tags}
        assert "script" not in tags and "img" not in tags, path
        assert not any(k.startswith("on") for _, attrs in doc.tags for k in attrs), path
        page = path.read_text(encoding="utf-8")
        style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
        assert "<" not in style, "a title must not be able to close the <style> element"
    quiz = (out / "quiz-v1.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;document.title=&#39;PWNED-script&#39;&lt;/script&gt;" in quiz
    assert "&lt;img src=x onerror=&#34;document.title=&#39;PWNED-img&#39;&#34;&gt;" in quiz
    # the corpus text itself is shown as text on its source page
    source = ElementText()
    source.feed('<div id="all">' + (out / "sources" / "un-vote-2014.html").read_text(encoding="utf-8") + "</div>")
    assert EVIL_SCRIPT in source.text("all") and EVIL_IMG in source.text("all")
    key = ElementText()
    key.feed('<div id="all">' + (out / "key-v1.html").read_text(encoding="utf-8") + "</div>")
    assert EVIL_IMG in key.text("all")


def test_css_string_cannot_break_out():
    assert css_string('a"b') == '"a\\22 b"'
    assert css_string("</style><script>") == '"\\3c /style\\3e \\3c script\\3e "'
    assert css_string("line\nbreak\\") == '"line\\a break\\5c "'
    assert css_string("שלום · 😀") == '"שלום · 😀"'


# ---------------------------------------------------------------------------------------------
# links and anchors
# ---------------------------------------------------------------------------------------------


def test_every_key_link_targets_an_anchor_holding_its_quote(qset, out):
    write_quiz(qset, out, versions=3)
    assert check_key_links(qset, out, 3) >= 3 * len(qset)


def test_nested_repeated_and_crossing_highlights(qset, out):
    write_quiz(qset, out)
    doc = parse(out / "sources" / "un-vote-2014.html")
    page = (out / "sources" / "un-vote-2014.html").read_text(encoding="utf-8")
    un = qset.deck.corpus["un-vote-2014"].text
    # every piece of evidence of every fact has its anchor, with exactly its text
    for fact in qset.deck.facts:
        for i, ev in enumerate(fact.evidence):
            if ev.source == "un-vote-2014":
                anchor = evidence_anchor(fact.id, i)
                assert doc.joined(anchor) == un[ev.start : ev.end] == ev.quote
    # nested and repeated spans nest whole; only the later of two crossing spans is split
    assert set(doc.parts) == {"q-unga-count-0", "q-abstainers-0"}
    assert doc.text("q-unga-date-0") == "On 27 March 2014 the UN General Assembly adopted resolution 68/262"
    assert doc.text("q-israel-absent-dup-0") == doc.text("q-israel-absent-0") == "Israel was absent from the vote."
    # the document's text is all there (only the blank lines between paragraphs become <p> breaks)
    article = ElementText()
    article.feed(page[page.index("<article") : page.index("</article>") + 10].replace("<article", '<article id="doc"', 1))
    assert "".join(article.text("doc").split()) == "".join(un.split())
    # a quote across a blank line keeps its paragraphs in one block
    assert doc.joined("q-abstainers-0") == "Russia voted against the resolution.\n\nIndia, China and Brazil abstained."
    # back-links to the questions, one per version and question, with no text of their own
    assert 'href="../quiz-v1.html#question-israel-absent~tf"' in page
    assert re.search(r'<a class="backref" [^>]*></a>', page)


def test_source_page_metadata_and_scripts(qset, out):
    write_quiz(qset, out)
    page = (out / "sources" / "intl-statement.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    assert "שלום עולם — an Israeli statement" in page and "نحن ندعم السلام" in page and "🇺🇦" in page and "🙂" in page
    assert page.count('<p dir="auto">') == 3
    assert 'lang=""' in page  # language unknown: not claimed to be English
    assert "Example Wire" in page and "February 2022" in page and "retrieved" in page and "seeds/intl.txt" in page
    un = (out / "sources" / "un-vote-2014.html").read_text(encoding="utf-8")
    assert 'href="https://news.un.org/en/story/2014/03/464812"' in un and "27 March 2014" in un


def with_source_url(qset, source_id: str, url):
    doc = qset.deck.corpus[source_id]
    documents = {**qset.deck.corpus.documents, source_id: replace(doc, source=replace(doc.source, url=url))}
    return replace(qset, deck=replace(qset.deck, corpus=replace(qset.deck.corpus, documents=documents)))


@pytest.mark.parametrize(
    "url, link",
    [
        ("https://news.un.org/en/story/2014/03/464812", True),
        ("HTTP://Example.org/a?b=1#c", True),
        ("  https://example.org/padded  ", True),
        ("javascript:alert(1)", False),
        ("JavaScript://example.org/%0Aalert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("file:///etc/passwd", False),
        ("//example.org/no-scheme", False),
        ("http:no-host", False),
        ("https:///no-host", False),
        ("http://[broken", False),
        ("ftp://example.org/file", False),
    ],
)
def test_only_http_and_https_urls_with_a_host_become_links(qset, out, url, link):
    assert http_url(url) == (url.strip() if link else None)
    write_quiz(with_source_url(qset, "un-vote-2014", url), out)
    page = (out / "sources" / "un-vote-2014.html").read_text(encoding="utf-8")
    links = [href for href, cls in parse(out / "sources" / "un-vote-2014.html").links if "url" in (cls or "").split()]
    assert links == ([url.strip()] if link else [])
    assert "<dt>Link</dt>" in page and "<script>alert" not in page  # the address is still shown, as text


def test_anchors_are_stable_ids_not_content():
    assert evidence_anchor("unsc-vote", 0) == "q-unsc-vote-0"
    assert evidence_anchor("a b/c", 2) == "q-a~u20b~c-2"
    assert question_anchor("unsc-vote/who-vetoed") == "question-unsc-vote~who-vetoed"
    assert question_anchor("a/b_c") != question_anchor("a_b/c")


def _marks_strategy():
    text = st.text(alphabet=string.ascii_letters + " \n<&>\"'שא😀", min_size=1, max_size=60)

    @st.composite
    def build(draw):
        t = draw(text)
        n = draw(st.integers(0, 6))
        spans = []
        for i in range(n):
            a = draw(st.integers(0, len(t) - 1))
            b = draw(st.integers(a + 1, len(t)))
            spans.append((a, b, f"m{i}"))
        return t, spans

    return build()


@settings(max_examples=300, deadline=None)
@given(_marks_strategy())
def test_highlight_keeps_the_text_and_each_mark_holds_its_span(case):
    text, spans = case
    html = page_views.highlight(text, [page_views._Mark(a, b, anchor, "f") for a, b, anchor in spans])
    parser = ElementText()
    parser.feed(f'<div id="all">{html}</div>')
    parser.close()
    assert parser.text("all") == text
    assert not parser.stack, "unbalanced tags"
    for a, b, anchor in spans:
        assert parser.joined(anchor) == text[a:b]
        if anchor not in parser.parts:
            assert parser.text(anchor) == text[a:b]


# ---------------------------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------------------------


def test_versions_differ_and_each_is_regenerable_from_its_seed(qset, tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_quiz(qset, a, versions=3, seed=7)
    write_quiz(qset, b, versions=2, seed=7)
    write_quiz(qset, c, versions=1, seed=8)
    orders = [quiz_order(a / f"quiz-v{k}.html") for k in (1, 2, 3)]
    assert len({tuple(o) for o in orders}) == 3
    assert all(sorted(o) == sorted(q.id for q in qset) for o in orders)
    # version 2 does not depend on how many versions were made
    for name in ("quiz-v1.html", "key-v1.html", "quiz-v2.html", "key-v2.html"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert quiz_order(c / "quiz-v1.html") != orders[0]
    assert "Version 2 · seed 7" in (a / "quiz-v2.html").read_text(encoding="utf-8")
    assert "Answer key · Version 3 · seed 7" in (a / "key-v3.html").read_text(encoding="utf-8")


def test_option_order_shuffles_text_but_keeps_numbers_and_true_false(qset):
    pool = select_questions(qset)
    seen_orders = set()
    for k in range(1, 6):
        for p in plan_version(pool, count=None, seed=0, version=k):
            q = p.question
            assert sorted(p.options) == sorted(q.options)
            if q.ordered or q.type == "true_false":
                assert p.options == q.options
            if q.id == "israel-absent/why":
                seen_orders.add(p.options)
    assert len(seen_orders) > 1


def test_key_position_is_balanced_within_a_version(qset):
    """The letters of the shuffled keys are balanced among themselves, within one of each other;
    the ordered questions' keys keep their drawn places and do not count (counted first, they made
    the free keys avoid the letter the ordered ones took: "never B" beside "B for figures")."""
    positions = [0, 0, 0, 0]
    for p in plan_version(select_questions(qset), count=None, seed=3, version=1):
        if p.question.type == "single" and len(p.options) == 4 and not p.question.ordered:
            positions[p.options.index(p.question.answers[0])] += 1
    assert sum(positions) >= 4 and max(positions) - min(positions) <= 1, positions


def test_count_is_balanced_across_families_and_facts(qset):
    pool = select_questions(qset)
    # 8 facts, but unga-body and unga-date quote nearly one passage, and one more question shows
    # another's key: 6 fit, one per fact
    picked = [p.question for p in plan_version(pool, count=8, seed=0, version=1)]
    assert len(picked) == 6 and len({q.id for q in picked}) == 6
    assert len({q.fact for q in picked}) == 6  # one question per fact while facts last
    assert len({q.family for q in picked}) == 6  # one per family while families last (7 of them)
    again = [p.question.id for p in plan_version(pool, count=8, seed=0, version=1)]
    assert again == [q.id for q in picked]


def test_families_and_topics_filter(qset, out):
    report = write_quiz(qset, out, families=["when", "how-many"], topics=["un"])
    ids = report.versions[0].question_ids
    assert ids and all(qset.by_id(i).family in ("when", "how-many") and qset.by_id(i).topic == "un" for i in ids)
    with pytest.raises(UsageError, match=r"unknown question family 'nope'; valid: cloze, how-many, quote"):
        write_quiz(qset, out, families=["nope"])
    with pytest.raises(UsageError, match=r"unknown topic 'x'; valid: intl, israel, un"):
        write_quiz(qset, out, topics=["x"])
    with pytest.raises(UsageError, match="no questions left"):
        write_quiz(qset, out, families=["cloze"], topics=["un"])


def test_too_large_count_warns_and_bad_options_are_usage_errors(qset, out):
    report = write_quiz(qset, out, count=500)
    assert [p.severity for p in report.problems] == ["warning"]
    assert "asked for 500 questions but only 6 fit on one sheet" in report.problems[0].message  # 8 facts, two on one passage
    for kwargs in ({"count": 0}, {"versions": 0}, {"paper": "a3"}):
        with pytest.raises(UsageError):
            write_quiz(qset, out, **kwargs)


def test_paper_letter_selects_the_letter_page(qset, out):
    write_quiz(qset, out, paper="letter")
    assert '<html lang="en" class="paper-letter page-quiz">' in (out / "quiz-v1.html").read_text(encoding="utf-8")
    css = (out / "style.css").read_text(encoding="utf-8")
    assert "@page letter { size: letter;" in css and "html.paper-letter body { page: letter; }" in css
    assert "size: A4" in css and "break-inside: avoid" in css and "break-before: page" in css


# ---------------------------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------------------------


def test_user_templates_override_and_extend_the_builtin(qset, out, tmp_path):
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "quiz.html").write_text(
        '{% extends "default/quiz.html" %}\n{% block heading %}My class: {{ super() }}{% endblock %}\n', encoding="utf-8"
    )
    (theme / "base.html").write_text(
        '{% extends "default/base.html" %}\n{% block head %}<meta name="x-theme" content="mine">{% endblock %}\n',
        encoding="utf-8",
    )
    (theme / "style.css").write_text("body { color: black }\n", encoding="utf-8")
    write_quiz(qset, out, theme_dir=theme)
    quiz = (out / "quiz-v1.html").read_text(encoding="utf-8")
    assert "My class: Israel, Russia and Ukraine at the UN" in quiz
    for page in ("quiz-v1.html", "key-v1.html", "sources/un-vote-2014.html", "index.html"):
        assert '<meta name="x-theme" content="mine">' in (out / page).read_text(encoding="utf-8")
    assert "My class" not in (out / "key-v1.html").read_text(encoding="utf-8")
    assert (out / "style.css").read_text() == "body { color: black }\n"


@pytest.mark.parametrize(
    "name, text, line, message",
    [
        ("key.html", "first line\n{% if %}\n", 2, "template error: Expected an expression"),
        ("quiz.html", "a\nb\n{{ version.nope }}\n", 3, "has no attribute 'nope'"),
        ("quiz.html", "{{ missing_variable }}\n", 1, "'missing_variable' is undefined"),
        ("source.html", "{{ ''.__class__.__mro__ }}\n", 1, "unsafe"),
    ],
)
def test_template_errors_name_the_file_and_line_and_write_nothing(qset, out, tmp_path, name, text, line, message):
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / name).write_text(text, encoding="utf-8")
    with pytest.raises(ExportError) as info:
        write_quiz(qset, out, theme_dir=theme)
    problem = info.value.problems[0]
    assert problem.location.path == str(theme / name)
    assert problem.location.line == line
    assert message in problem.message
    assert not out.exists()


def test_missing_theme_dir_is_an_export_error(qset, out, tmp_path):
    with pytest.raises(ExportError, match="templates directory not found"):
        write_quiz(qset, out, theme_dir=tmp_path / "nope")


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_previous_build_intact(qset, out):
    write_quiz(qset, out, seed=1)
    before = snapshot(out)
    # make the sources folder impossible to create: staging fails before anything is replaced
    for page in (out / "sources").iterdir():
        page.unlink()
    (out / "sources").rmdir()
    (out / "sources").write_text("in the way")
    before = snapshot(out)
    with pytest.raises(ExportError, match="cannot write to .*sources: Not a directory; no file was changed") as info:
        write_quiz(qset, out, seed=2)
    assert "Traceback" not in str(info.value)
    assert snapshot(out) == before
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_an_unwritable_output_folder_is_an_export_error(qset, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ExportError) as info:
        write_quiz(qset, blocker / "out")
    assert str(blocker) in str(info.value)
    assert blocker.read_text() == "not a folder"


def test_os_errors_while_staging_become_export_errors(qset, out, monkeypatch):
    write_quiz(qset, out)
    before = snapshot(out)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(out))

    monkeypatch.setattr(studykit.fsio.tempfile, "mkstemp", refuse)
    with pytest.raises(ExportError, match="Permission denied"):
        write_quiz(qset, out, seed=5)
    assert snapshot(out) == before


def test_outputs_of_an_earlier_build_are_removed_and_reported(qset, out):
    write_quiz(qset, out, versions=3)
    report = write_quiz(qset, out, versions=1)
    names = sorted(snapshot(out))
    assert "quiz-v2.html" not in names and "key-v3.html" not in names and "quiz-v1.html" in names
    assert {p.name for p in report.removed} == {"quiz-v2.html", "quiz-v3.html", "key-v2.html", "key-v3.html"}
    assert all(p.parent == out for p in report.removed)
    assert report.summary().endswith(
        "; removed key-v2.html, key-v3.html, quiz-v2.html, quiz-v3.html (made by an earlier run in this folder, not by this one)"
    )  # every file removed is named
    # a source page this build no longer makes goes too, and an emptied sources/ folder with it
    only_un = replace(qset, deck=replace(qset.deck, corpus=replace(qset.deck.corpus, documents={
        "un-vote-2014": qset.deck.corpus["un-vote-2014"]})))
    only_un = replace(only_un, deck=replace(only_un.deck, facts=tuple(
        f for f in qset.deck.facts if all(e.source == "un-vote-2014" for e in f.evidence))))
    only_un = replace(only_un, questions=tuple(q for q in qset if all(e.source == "un-vote-2014" for e in q.evidence)))
    report = write_quiz(only_un, out)
    assert [p.relative_to(out).as_posix() for p in report.removed] == ["sources/intl-statement.html"]
    assert write_quiz(qset, out).removed == ()


def test_files_the_user_put_in_the_output_folder_are_never_removed(qset, out):
    write_quiz(qset, out, versions=2)
    mine = {
        "sources/about.html": "my own page",
        "quiz-v7.html": "an unrelated quiz",
        "key-v3.pdf": "%PDF my own",
        "notes.txt": "mine",
        "quiz-v2.html.bak": "a backup",
    }
    for name, text in mine.items():
        (out / name).write_text(text)
    report = write_quiz(qset, out, versions=1)
    assert {p.name for p in report.removed} == {"quiz-v2.html", "key-v2.html"}
    for name, text in mine.items():
        assert (out / name).read_text() == text, name
    # without a manifest (a folder from before manifests, or one deleted) nothing is removed
    write_quiz(qset, out, versions=3)
    (out / ".studykit-manifest.json").unlink()
    report = write_quiz(qset, out, versions=1)
    assert report.removed == () and (out / "quiz-v3.html").is_file()


@pytest.mark.parametrize(
    "manifest",
    [
        "not json",
        '{"files": "quiz-v1.html"}',
        '["quiz-v1.html"]',
        json.dumps({"files": ["../victim.txt", "/tmp/victim.txt", "./notes.txt", "sources/../notes.txt", "sources",
                              ".studykit-manifest.json", "a\\..\\notes.txt", 7, None]}),
    ],
)
def test_a_broken_or_hostile_manifest_removes_nothing_outside_its_own_files(qset, out, tmp_path, manifest):
    (tmp_path / "victim.txt").write_text("outside")
    write_quiz(qset, out)
    (out / "notes.txt").write_text("mine")
    (out / ".studykit-manifest.json").write_text(manifest)
    report = write_quiz(qset, out)
    assert report.removed == ()
    assert (tmp_path / "victim.txt").read_text() == "outside" and (out / "notes.txt").read_text() == "mine"
    assert (out / "sources").is_dir()
    if not manifest.startswith('{"files": ['):
        assert [p.severity for p in report.problems] == ["warning"]
        assert "no earlier outputs were removed" in report.problems[0].message
    assert json.loads((out / ".studykit-manifest.json").read_text())["files"] == sorted(
        n for n in snapshot(out) if n not in ("notes.txt", ".studykit-manifest.json"))


def test_a_file_that_cannot_be_removed_is_a_warning_and_stays_listed(qset, out, monkeypatch):
    write_quiz(qset, out, versions=2)
    real_rename = os.rename

    def refuse(src, dst):  # the stale file is set aside by a rename, then deleted
        if Path(src).name == "quiz-v2.html":
            raise PermissionError(13, "Permission denied", str(src))
        return real_rename(src, dst)

    monkeypatch.setattr(studykit.fsio.os, "rename", refuse)
    report = write_quiz(qset, out, versions=1)
    assert {p.name for p in report.removed} == {"key-v2.html"}
    assert [(str(p.location), p.severity) for p in report.problems] == [(str(out / "quiz-v2.html"), "warning")]
    assert "Permission denied" in report.problems[0].message
    assert "quiz-v2.html" in json.loads((out / ".studykit-manifest.json").read_text())["files"]
    monkeypatch.undo()
    assert [p.name for p in write_quiz(qset, out, versions=1).removed] == ["quiz-v2.html"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_pages_get_ordinary_permissions_or_keep_those_they_replace(qset, out):
    umask = os.umask(0o022)
    os.umask(umask)
    write_quiz(qset, out)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 7
    assert {p.relative_to(out).as_posix(): mode(p) for p in files} == {
        p.relative_to(out).as_posix(): 0o666 & ~umask for p in files
    }  # mkstemp's 0600 would hide a published quiz from the web server
    (out / "index.html").chmod(0o640)
    write_quiz(qset, out, seed=3)
    assert mode(out / "index.html") == 0o640 and mode(out / "quiz-v1.html") == 0o666 & ~umask
    write_sources(qset, out / "alone")
    assert mode(out / "alone" / "sources" / "un-vote-2014.html") == 0o666 & ~umask


def test_a_staged_batch_replaces_nothing_when_one_file_fails(tmp_path, monkeypatch):
    from studykit.fsio import write_all_atomic

    old = tmp_path / "a.html"
    old.write_text("old a")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    with pytest.raises(ExportError) as info:
        write_all_atomic({old: "new a", tmp_path / "sub" / "b.html": "new b", blocked / "c.html": "new c"})
    assert str(info.value) == f"{blocked / 'c.html'}: error: cannot write to {blocked}: Not a directory; no file was changed"
    assert old.read_text() == "old a" and not (tmp_path / "sub" / "b.html").exists()
    assert not list(tmp_path.rglob("*.tmp"))
    # a failure while moving into place undoes the moves already made, and leaves no temporary file
    real_replace = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(studykit.fsio.os, "replace", second_fails)
    with pytest.raises(ExportError, match="No space left on device; no file was changed"):
        write_all_atomic({old: "new a", tmp_path / "b.html": b"new b", tmp_path / "c.html": "new c"})
    assert old.read_text() == "old a" and not (tmp_path / "b.html").exists() and not (tmp_path / "c.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "blocked"]


def test_pdf_without_chromium_is_a_clear_error_and_writes_nothing(qset, out, monkeypatch):
    monkeypatch.delenv("STUDYKIT_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ExportError, match="--pdf needs Chromium"):
        write_quiz(qset, out, pdf=True)
    assert not out.exists()


FAKE_CHROMIUM = """#!/bin/sh
# prints a fake PDF, or fails, as headless Chromium would
for arg; do
  case "$arg" in --print-to-pdf=*) target="${arg#--print-to-pdf=}";; esac
done
if [ -n "$FAIL" ]; then echo "[0101/000000.000:ERROR] cannot print" >&2; exit 3; fi
printf '%%PDF-1.4 fake' > "$target"
"""

#: pdfunite's part: the last argument is the output, the others are joined in order.
FAKE_PDFUNITE = """#!/bin/sh
for last; do :; done
: > "$last"
for arg; do
  if [ "$arg" != "$last" ]; then cat "$arg" >> "$last"; printf '|' >> "$last"; fi
done
"""


def _fakes(tmp_path, monkeypatch):
    for name, script, variable in (("fake-chromium", FAKE_CHROMIUM, "STUDYKIT_CHROMIUM"), ("fake-pdfunite", FAKE_PDFUNITE, "STUDYKIT_PDFUNITE")):
        fake = tmp_path / name
        fake.write_text(script)
        fake.chmod(0o755)
        monkeypatch.setenv(variable, str(fake))
    return tmp_path / "fake-chromium"


def test_pdfs_are_printed_in_a_private_folder_and_moved_in_atomically(qset, out, tmp_path, monkeypatch):
    fake = _fakes(tmp_path, monkeypatch)
    umask = os.umask(0o022)
    os.umask(umask)
    report = write_quiz(qset, out, pdf=True)
    assert [p.name for p in report.pdfs] == ["quiz-v1.pdf", "key-v1.pdf", "quizzes-and-keys.pdf"]
    assert (out / "key-v1.pdf").read_bytes() == b"%PDF-1.4 fake"
    assert mode(out / "key-v1.pdf") == 0o666 & ~umask
    # a failed print changes nothing: not the pages, not the previous PDF, no temporary file anywhere
    (out / "key-v1.pdf").write_bytes(b"%PDF-1.4 previous")
    before = snapshot(out)
    monkeypatch.setenv("FAIL", "1")
    with pytest.raises(ExportError, match="Chromium could not print quiz-v1.html to PDF: .*cannot print"):
        write_quiz(qset, out, pdf=True, seed=9)
    assert snapshot(out) == before
    assert not [p for p in out.rglob("*") if p.name.endswith((".tmp", ".old"))]
    with pytest.raises(ExportError, match="Chromium could not print key-v1.html to PDF: .*cannot print"):
        print_to_pdf(out / "key-v1.html", out / "key-v1.pdf", chromium=str(fake))
    assert snapshot(out) == before


def test_the_combined_pdf_holds_every_quiz_then_every_key_and_is_made_before_anything_is_written(qset, out, tmp_path, monkeypatch):
    _fakes(tmp_path, monkeypatch)
    report = write_quiz(qset, out, versions=3, pdf=True)
    assert [p.name for p in report.pdfs][-1] == "quizzes-and-keys.pdf"
    # the fake pdfunite joins its inputs with '|': the order is quizzes 1..3, then keys 1..3
    assert (out / "quizzes-and-keys.pdf").read_bytes() == b"|".join([b"%PDF-1.4 fake"] * 6) + b"|"
    assert "quizzes-and-keys.pdf" in json.loads((out / ".studykit-manifest.json").read_text())["files"]
    # a failing pdfunite writes nothing at all
    before = snapshot(out)
    failing = tmp_path / "failing-pdfunite"
    failing.write_text("#!/bin/sh\necho 'Syntax Error: damaged' >&2\nexit 1\n")
    failing.chmod(0o755)
    monkeypatch.setenv("STUDYKIT_PDFUNITE", str(failing))
    with pytest.raises(ExportError, match="pdfunite could not unite the PDFs: Syntax Error: damaged"):
        write_quiz(qset, out, versions=3, pdf=True, seed=4)
    assert snapshot(out) == before
    # without pdfunite: each PDF still, no combined one, and a warning that says why
    monkeypatch.setenv("STUDYKIT_PDFUNITE", str(tmp_path / "nowhere"))
    monkeypatch.setenv("PATH", "/nonexistent")
    report = write_quiz(qset, out / "plain", pdf=True)
    assert [p.name for p in report.pdfs] == ["quiz-v1.pdf", "key-v1.pdf"]
    assert [p.message for p in report.problems] == [
        "no quizzes-and-keys.pdf: it needs pdfunite (Debian: apt install poppler-utils); each quiz and key was printed to its own PDF"
    ]


def test_a_run_without_pdf_keeps_the_pdfs_of_unchanged_pages_and_names_those_it_removes(qset, out, tmp_path, monkeypatch):
    _fakes(tmp_path, monkeypatch)
    write_quiz(qset, out, versions=2, pdf=True)
    printed = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    assert len(printed) == 5
    # the same quiz again without --pdf: the PDFs still show it, so they stay (and stay listed)
    report = write_quiz(qset, out, versions=2)
    assert report.removed == () and {p.name: p.read_bytes() for p in out.glob("*.pdf")} == printed
    assert {p.name for p in report.pdfs} == set(printed)
    # another quiz in the same folder: the PDFs no longer match it; each one removed is named
    report = write_quiz(qset, out, versions=2, seed=5)
    assert sorted(p.name for p in report.removed) == sorted(printed)
    assert not list(out.glob("*.pdf"))
    assert "quizzes-and-keys.pdf" in report.summary() and "key-v1.pdf" in report.summary()


def test_each_set_of_quiz_settings_has_its_own_folder():
    from studykit.export.html import quiz_folder_name

    assert quiz_folder_name(count=30, seed=0) == "quiz-30q-seed0"
    assert quiz_folder_name(count=30, seed=0, versions=3) == "quiz-30q-3v-seed0"
    assert quiz_folder_name(count=12, seed=7, families=["year", "who"], topics=["crimea-2014"], paper="letter") == (
        "quiz-12q-seed7-who+year-topics-crimea-2014-letter"
    )
    names = {
        quiz_folder_name(count=c, seed=s, versions=v, families=f, topics=t, paper=p)
        for c in (10, 30) for s in (0, 1) for v in (1, 2) for f in (None, ["who"]) for t in (None, ["un"]) for p in ("a4", "letter")
    }
    assert len(names) == 64
    long = quiz_folder_name(count=5, seed=0, topics=[f"topic-number-{i}" for i in range(30)])
    assert len(long) <= 100 and long != quiz_folder_name(count=5, seed=0, topics=[f"topic-number-{i}" for i in range(29)])


def test_write_sources_alone(qset, out):
    pages = write_sources(qset, out)
    assert sorted(p.name for p in pages) == ["intl-statement.html", "un-vote-2014.html"]
    assert (out / "style.css").is_file()
    doc = parse(out / "sources" / "un-vote-2014.html")
    assert doc.text("q-israel-absent-0") == "Israel was absent from the vote."
    assert "backref" not in (out / "sources" / "un-vote-2014.html").read_text(encoding="utf-8")


def test_render_is_deterministic(qset):
    first, _, _ = render_quiz(qset, versions=2, seed=4)
    second, _, _ = render_quiz(qset, versions=2, seed=4)
    assert first == second


# ---------------------------------------------------------------------------------------------
# with the real loader and generator
# ---------------------------------------------------------------------------------------------


def test_a_generated_deck_exports_with_resolving_links(make_project, out):
    project = make_project()
    deck = studykit.load_deck(project.deck())
    generated = studykit.generate(deck, seed=0)
    report = write_quiz(generated, out, versions=2, count=10)
    assert [len(v.question_ids) for v in report.versions] == [10, 10]
    assert check_key_links(generated, out, 2) >= 20
    full = write_quiz(generated, out / "all")
    assert len(full.versions[0].question_ids) == len(generated)
    # ordered answer types (years, dates, numbers) stay ascending as generated
    pool = select_questions(generated)
    for p in plan_version(pool, count=None, seed=0, version=2):
        if p.question.answer_type in ("year", "date", "number"):
            assert p.options == p.question.options


def test_write_quiz_from_python_uses_the_question_sets_seed_by_default(qset, tmp_path):
    seeded = replace(qset, seed=7)
    write_quiz(seeded, tmp_path / "default")
    write_quiz(seeded, tmp_path / "seven", seed=7)
    write_quiz(seeded, tmp_path / "zero", seed=0)
    assert snapshot(tmp_path / "default") == snapshot(tmp_path / "seven")
    assert snapshot(tmp_path / "default") != snapshot(tmp_path / "zero")


def test_the_key_lists_the_other_spellings_to_accept_for_a_written_answer(qset, out):
    """Review: "write-ins have no accepted alternatives (Washington / the US / the United States)"."""
    from dataclasses import replace

    facts = tuple(replace(f, aliases={"نحن ندعم السلام": ("we support peace", "We support peace")}) if f.id == "arabic-statement" else f
                  for f in qset.deck.facts)
    aliased = replace(qset, deck=replace(qset.deck, facts=facts))
    write_quiz(aliased, out)
    key = (out / "key-v1.html").read_text(encoding="utf-8")
    entry = dict(re.findall(r'<article class="entry" id="key-([^"]+)">(.*?)</article>', key, re.S))[question_anchor("arabic-statement/short")]
    assert '<span class="also">(also accept: we support peace)</span>' in entry  # case-folded repeats once
    assert "also accept" not in dict(re.findall(r'<article class="entry" id="key-([^"]+)">(.*?)</article>', key, re.S))[
        question_anchor("israel-absent/tf")]

"""HTML export without a browser: escaping, links and anchors, versions, templates, atomic writing."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import studykit
from browser import EVIL_IMG, EVIL_SCRIPT, ElementText, check_key_links, parse, sample_question_set
from studykit.errors import ExportError, UsageError
from studykit.export import html as htmlx
from studykit.export.html import (
    css_string,
    evidence_anchor,
    plan_version,
    question_anchor,
    render_quiz,
    select_questions,
    write_quiz,
    write_sources,
)
from studykit.model import CLOZE_BLANK


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
        "index.html", "key-v1.html", "key-v2.html", "quiz-v1.html", "quiz-v2.html",
        "sources/intl-statement.html", "sources/un-vote-2014.html", "style.css",
    ]
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


def test_the_quiz_gives_no_answers_away(qset, out):
    write_quiz(qset, out)
    quiz = (out / "quiz-v1.html").read_text(encoding="utf-8")
    key = (out / "key-v1.html").read_text(encoding="utf-8")
    for q in qset:
        assert q.explanation.replace('"', "&#34;") not in quiz
    assert "correct" not in quiz and "sources/" not in quiz
    assert "Answer key" in key and 'class="key"' in key


def test_key_rows_give_number_answer_explanation_and_source(qset, out):
    report = write_quiz(qset, out)
    key = (out / "key-v1.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr id=\"key-([^\"]+)\">(.*?)</tr>", key, re.S)
    assert [r[0] for r in rows] == [question_anchor(i) for i in report.versions[0].question_ids]
    tf_row = dict(rows)[question_anchor("israel-absent/tf")]
    assert re.search(r'class="answer" dir="auto">[AB] — False<', tf_row)
    multi = dict(rows)[question_anchor("abstainers/which")]
    letters = re.search(r'class="answer" dir="auto">([A-E, ]+) — ([^<]+)<', multi)
    assert sorted(letters.group(2).split("; ")) == ["Brazil", "China", "India"]
    assert len(letters.group(1).split(", ")) == 3


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
    html = htmlx.highlight(text, [htmlx._Mark(a, b, anchor, "f") for a, b, anchor in spans])
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
            if q.answer_type in ("year", "number") or q.type == "true_false":
                assert p.options == q.options
            if q.id == "israel-absent/why":
                seen_orders.add(p.options)
    assert len(seen_orders) > 1


def test_key_position_is_balanced_within_a_version(qset):
    positions = [0, 0, 0, 0]
    for p in plan_version(select_questions(qset), count=None, seed=3, version=1):
        if p.question.type == "single" and p.question.answer_type not in ("year", "number"):
            positions[p.options.index(p.question.answers[0])] += 1
    assert max(positions) - min(positions) <= 1, positions


def test_count_is_balanced_across_families_and_facts(qset):
    pool = select_questions(qset)
    picked = [p.question for p in plan_version(pool, count=8, seed=0, version=1)]
    assert len(picked) == 8 and len({q.id for q in picked}) == 8
    assert len({q.fact for q in picked}) == 8  # one question per fact while facts last
    families = {q.family for q in pool}
    assert {q.family for q in picked} == families
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
    assert "only 20 match" in report.problems[0].message
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
    write_quiz(qset, out, templates_dir=theme)
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
        write_quiz(qset, out, templates_dir=theme)
    problem = info.value.problems[0]
    assert problem.location.path == str(theme / name)
    assert problem.location.line == line
    assert message in problem.message
    assert not out.exists()


def test_missing_templates_dir_is_an_export_error(qset, out, tmp_path):
    with pytest.raises(ExportError, match="templates directory not found"):
        write_quiz(qset, out, templates_dir=tmp_path / "nope")


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
    with pytest.raises(ExportError, match="cannot write the HTML export") as info:
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

    monkeypatch.setattr(htmlx.tempfile, "mkstemp", refuse)
    with pytest.raises(ExportError, match="Permission denied"):
        write_quiz(qset, out, seed=5)
    assert snapshot(out) == before


def test_stale_versions_and_sources_are_removed(qset, out):
    write_quiz(qset, out, versions=3)
    (out / "sources" / "gone.html").write_text("old source")
    (out / "notes.txt").write_text("mine")
    report = write_quiz(qset, out, versions=1)
    names = sorted(snapshot(out))
    assert "quiz-v2.html" not in names and "key-v3.html" not in names and "sources/gone.html" not in names
    assert "notes.txt" in names
    assert {p.name for p in report.removed} == {"quiz-v2.html", "quiz-v3.html", "key-v2.html", "key-v3.html", "gone.html"}


def test_pdf_without_chromium_is_a_clear_error_and_writes_nothing(qset, out, monkeypatch):
    monkeypatch.delenv("STUDYKIT_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ExportError, match="--pdf needs Chromium"):
        write_quiz(qset, out, pdf=True)
    assert not out.exists()


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

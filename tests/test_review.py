"""The curator's review page, rendered in headless Chromium: every fact, question and finding is
there, every finding links to a question and every question to its fact, and the filters work.

Fails (never skips) without Chromium.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from browser import dump_dom
from conftest import BUNDLED_DECK, run_process

import studykit
from studykit.lint import lint
from studykit.review import ReviewExporter

pytestmark = pytest.mark.browser

#: Appended to a copy of the page: applies each filter in turn and reports what is shown.
PROBE = """
<script>
window.addEventListener('load', function () {
  const form = document.getElementById('filters');
  const visible = (sel) => Array.from(document.querySelectorAll(sel)).filter(e => !e.closest('.hidden')).map(e => e.id);
  const out = {all: {facts: visible('article.fact'), questions: visible('section.question')}, runs: {}};
  const options = (name) => Array.from(form.elements[name].options).map(o => o.value).filter(v => v);
  for (const name of ['family', 'rule', 'document']) {
    for (const value of options(name).slice(0, 3)) {
      form.elements[name].value = value;
      form.dispatchEvent(new Event('change'));
      out.runs[name + '=' + value] = {facts: visible('article.fact'), questions: visible('section.question'),
        families: Array.from(new Set(visible('section.question').map(id => document.getElementById(id).dataset.family))),
        shown: document.getElementById('shown').textContent};
      form.elements[name].value = '';
      form.dispatchEvent(new Event('change'));
    }
  }
  const links = {};
  for (const a of document.querySelectorAll('a.to-question, a.fact-link')) {
    const target = document.getElementById(a.getAttribute('href').slice(1));
    links[a.getAttribute('href')] = target ? target.tagName.toLowerCase() + '.' + target.className.split(' ')[0] : null;
  }
  out.links = links;
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    qset = studykit.generate(studykit.load_deck(BUNDLED_DECK))
    findings = lint(qset)
    out = tmp_path_factory.mktemp("review") / "review.html"
    studykit.commit([ReviewExporter(findings=findings).plan(qset, out)])
    probe = out.with_name("probe.html")
    probe.write_text(out.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = dump_dom(probe, budget_ms=3000)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, "the page's script or the probe did not run"
    return qset, findings, out, json.loads(html.unescape(found.group(1)))


def test_every_fact_question_and_finding_is_on_the_page(bundled):
    qset, findings, page, seen = bundled
    assert len(seen["all"]["facts"]) == len(qset.deck.facts)
    assert len(seen["all"]["questions"]) == len(qset.questions)
    text = page.read_text(encoding="utf-8")
    for f in findings:
        assert f'data-rule="{f.code}"' in text
    assert text.count('class="finding ') == len(findings)
    # each wrong option says why it is false and why it was chosen
    for q in qset.questions:
        for w in q.wrong:
            assert html.escape(w.proof, quote=False) in text, (q.id, w.proof)


def test_every_finding_links_to_its_question_and_every_question_to_its_fact(bundled):
    qset, findings, _, seen = bundled
    links = seen["links"]
    question_findings = [f for f in findings if f.question]
    assert question_findings, "the bundled deck has findings (at least the free-answer notes)"
    for f in question_findings:
        href = "#q-" + re.sub(r"[^A-Za-z0-9._-]", "_", f.question)
        assert links.get(href) == "section.question", href
    for q in qset.questions:
        assert links.get("#f-" + re.sub(r"[^A-Za-z0-9._-]", "_", q.fact)) == "article.fact", q.id


def test_filters_show_only_what_they_name(bundled):
    qset, findings, _, seen = bundled
    runs = seen["runs"]
    assert any(k.startswith("family=") for k in runs) and any(k.startswith("document=") for k in runs)
    for name, shown in runs.items():
        field, value = name.split("=", 1)
        if field == "family":
            assert shown["families"] == [value], name
            assert len(shown["questions"]) == sum(1 for q in qset.questions if q.family == value)
        elif field == "document":
            expected = {f.id for f in qset.deck.facts if any(e.source == value for e in f.evidence)}
            assert {i.removeprefix("f-") for i in shown["facts"]} == {re.sub(r"[^A-Za-z0-9._-]", "_", i) for i in expected}
        elif field == "rule":
            about_questions = any(f.question for f in findings if f.code == value)
            assert bool(shown["questions"]) == about_questions, name  # deck-wide rules (L029 …) are about no question
            assert len(shown["questions"]) < len(qset.questions)
        assert shown["shown"].startswith(f"{len(shown['facts'])} facts")


def test_review_command_writes_one_page_per_deck(tmp_path):
    import shutil

    from conftest import ROOT

    for folder in ("seeds", "decks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    result = run_process("review", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = tmp_path / "out" / "israel-russia-ukraine.review.html"
    assert result.stdout.startswith(f"out/israel-russia-ukraine.review.html: {len(studykit.load_deck(BUNDLED_DECK).facts)} facts")
    text = page.read_text(encoding="utf-8")
    assert "<script>" in text and "<link" not in text  # self-contained: no external style sheet or script
    assert Path(page).stat().st_size < 2_000_000


def test_proposals_are_shown_the_same_way_and_marked(tmp_path):
    import shutil

    from conftest import ROOT

    for folder in ("seeds", "decks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    proposals = tmp_path / "proposals.yaml"
    proposals.write_text(
        "facts:\n"
        "  - id: proposed-abstainers\n"
        "    kind: vote\n"
        "    body: the UN Security Council\n"
        "    motion: the draft resolution on the invasion of Ukraine\n"
        "    date: 2022-02-25\n"
        "    abstained: [India, China]\n"
        "    evidence:\n"
        "      - source: toi-2022-unsc-cosponsor\n"
        "        quote: \"Ultimately, Russia vetoed the resolution, while India, the UAE and China abstained.\"\n",
        encoding="utf-8",
    )
    result = run_process("review", "--proposals", "proposals.yaml", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith(", 1 proposed facts")
    page = (tmp_path / "out" / "israel-russia-ukraine.review.html").read_text(encoding="utf-8")
    block = page.split('id="f-proposed-abstainers"', 1)[1].split("</article>", 1)[0]
    assert 'data-proposed="yes"' in page.split('id="f-proposed-abstainers"', 1)[1][:400]
    assert '<span class="badge">proposed</span>' in block and ">proposed-abstainers</a> / who-abstained" in block
    assert "proposals.yaml:2:5" in block  # the proposal's own line, not the deck's
    # a proposal that reuses a deck fact's id is refused with its location
    proposals.write_text(proposals.read_text().replace("proposed-abstainers", "unsc-2022-draft-vote"))
    refused = run_process("review", "--proposals", "proposals.yaml", "--out", "out", cwd=tmp_path)
    assert refused.returncode == 1 and "proposals.yaml:2:5: error: proposed fact 'unsc-2022-draft-vote' has the id" in refused.stderr

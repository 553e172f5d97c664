"""Helpers for the HTML export tests: a small in-memory QuestionSet and headless Chromium / poppler.

``sample_question_set()`` builds Deck, Fact and Question objects directly (no loader, no
generator), with evidence spans chosen to nest, cross, repeat and straddle a blank line, a
Hebrew/Arabic/emoji document, and — with ``evil=True`` — fact text that tries to inject HTML.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from studykit.corpus import Corpus, Document, Source
from studykit.export.pdf import find_chromium, print_to_pdf, run_chromium
from studykit.model import CLOZE_BLANK, Deck, Evidence, Fact, Question, QuestionSet

EVIL_SCRIPT = "<script>document.title='PWNED-script'</script>"
EVIL_IMG = "<img src=x onerror=\"document.title='PWNED-img'\">"

UN_TEXT = """UN General Assembly adopts resolution on Ukraine

On 27 March 2014 the UN General Assembly adopted resolution 68/262 on the territorial integrity of Ukraine. One hundred countries voted in favour, 11 voted against and 58 abstained.

Israel was absent from the vote. An Israeli official said the absence was due to a strike at the foreign ministry.
Russia voted against the resolution.

India, China and Brazil abstained.

Diplomats said the vote showed the limits of Western pressure."""

INTL_TEXT = """שלום עולם — an Israeli statement

The statement in Hebrew read: "ישראל תומכת בשלמות הטריטוריאלית של אוקראינה" 🇺🇦 and nothing more.

In Arabic the envoy said: "نحن ندعم السلام" 🙂 before leaving the chamber."""


def _ev(doc: Document, quote: str) -> Evidence:
    start = doc.text.index(quote)
    return Evidence(doc.source.id, quote, start, start + len(quote))


def sample_question_set(*, evil: bool = False, n_extra: int = 12) -> QuestionSet:
    """A deck of two documents, nine facts and 8 + ``n_extra`` questions of every type."""
    un_text = UN_TEXT + (f"\n\nA comment read: {EVIL_SCRIPT} and {EVIL_IMG} in the source." if evil else "")
    un = Document(
        Source("un-vote-2014", "un.txt", "seeds/un.txt", "UN General Assembly adopts resolution on Ukraine",
               "UN News", "Staff writer", "2014-03-27", "published", "https://news.un.org/en/story/2014/03/464812"),
        un_text,
    )
    intl = Document(
        Source("intl-statement", "intl.txt", "seeds/intl.txt", "שלום עולם — an Israeli statement",
               "Example Wire", None, "2022-02", "retrieved", None, language=None),
        INTL_TEXT,
    )
    corpus = Corpus(Path("/nonexistent/seeds"), {"un-vote-2014": un, "intl-statement": intl})
    q_outer = "On 27 March 2014 the UN General Assembly adopted resolution 68/262"
    q_inner = "the UN General Assembly adopted resolution 68/262"
    q_cross = "resolution 68/262 on the territorial integrity of Ukraine. One hundred countries voted in favour"
    q_absent = "Israel was absent from the vote."
    q_absent_long = "Israel was absent from the vote. An Israeli official said the absence was due to a strike at the foreign ministry.\nRussia voted against the resolution."
    q_gap = "Russia voted against the resolution.\n\nIndia, China and Brazil abstained."
    facts = [
        Fact("unga-date", "vote", {"body": "the UN General Assembly", "motion": "resolution 68/262", "date": "2014-03-27"},
             (_ev(un, q_outer),), topic="un"),
        Fact("unga-body", "event", {"actor": "the UN General Assembly", "action": "adopted resolution 68/262"},
             (_ev(un, q_inner),), topic="un"),
        Fact("unga-count", "quantity", {"subject": "countries voted in favour", "value": 100},
             (_ev(un, q_cross),), topic="un"),
        Fact("israel-absent", "vote", {"body": "UNGA", "motion": "68/262", "date": "2014-03-27", "absent": ["Israel"]},
             (_ev(un, q_absent), _ev(un, q_absent_long)), topic="israel"),
        Fact("israel-absent-dup", "stance", {"actor": "Israel", "position": "stayed away", "rationale": "a strike"},
             (_ev(un, q_absent),), topic="israel"),
        Fact("abstainers", "vote", {"body": "UNGA", "motion": "68/262", "date": "2014", "abstained": ["India", "China", "Brazil"]},
             (_ev(un, q_gap),), topic="un"),
        Fact("hebrew-statement", "statement", {"speaker": "Israel", "said": "ישראל תומכת"},
             (_ev(intl, "ישראל תומכת בשלמות הטריטוריאלית של אוקראינה"),), topic="israel"),
        Fact("arabic-statement", "statement", {"speaker": "the envoy", "said": "نحن ندعم السلام"},
             (_ev(intl, "\"نحن ندعم السلام\" 🙂"),), topic="intl"),
    ]
    evil_text = f" {EVIL_SCRIPT} {EVIL_IMG}" if evil else ""
    questions = [
        Question("unga-date/when", "unga-date", "when", "when", "single", "year",
                 f"In which year did the UN General Assembly adopt resolution 68/262?{evil_text}",
                 ("2008", "2012", "2014", "2016"), ("2014",),
                 "The General Assembly adopted 68/262 on 27 March 2014.", facts[0].evidence, topic="un", ordered=True),
        Question("unga-body/who", "unga-body", "who", "who", "single", "actor",
                 "Which body adopted resolution 68/262 on the territorial integrity of Ukraine in 2014?",
                 ("the UN General Assembly", "the UN Security Council", "the OSCE Permanent Council", f"the Council of Europe{evil_text}"),
                 ("the UN General Assembly",), "The text names the General Assembly.", facts[1].evidence, topic="un"),
        Question("unga-count/how-many", "unga-count", "how-many", "how-many", "single", "number",
                 "How many countries voted in favour of resolution 68/262 in March 2014?",
                 ("58", "82", "100", "124"), ("100",), f"One hundred countries voted in favour.{evil_text}",
                 facts[2].evidence, topic="un", ordered=True),
        Question("israel-absent/tf", "israel-absent", "tf", "true-false", "true_false", "text",
                 "True or false: Israel voted against resolution 68/262 on 27 March 2014?",
                 ("True", "False"), ("False",), "Israel was absent from the vote.", facts[3].evidence[:1], topic="israel"),
        Question("israel-absent/why", "israel-absent-dup", "why", "why", "single", "rationale",
                 "Why, according to an Israeli official, was Israel absent from the vote on 27 March 2014?",
                 ("because of a strike at the foreign ministry", "because it opposed the resolution's wording",
                  "because its ambassador was ill", "because Washington asked it to stay away"),
                 ("because of a strike at the foreign ministry",), "An official blamed a strike at the foreign ministry.",
                 facts[4].evidence, topic="israel"),
        Question("abstainers/which", "abstainers", "which", "who", "multiple", "country",
                 "Which of these countries abstained on resolution 68/262 in 2014?",
                 ("Brazil", "China", "Germany", "India", "Japan"), ("Brazil", "China", "India"),
                 "India, China and Brazil abstained.", facts[5].evidence, topic="un"),
        Question("hebrew-statement/cloze", "hebrew-statement", "cloze", "cloze", "cloze", "text",
                 f"The statement in Hebrew read: \"ישראל תומכת בשלמות {CLOZE_BLANK} של אוקראינה\" 🇺🇦",
                 (), ("הטריטוריאלית",), "The Hebrew statement supports Ukraine's territorial integrity.",
                 facts[6].evidence, topic="israel", cloze=("ישראל תומכת בשלמות ", "הטריטוריאלית", " של אוקראינה")),
        Question("arabic-statement/short", "arabic-statement", "said", "quote", "short", "text",
                 "What did the envoy say in Arabic before leaving the chamber? 🙂",
                 (), ("نحن ندعم السلام",), "He said \"نحن ندعم السلام\" (we support peace).", facts[7].evidence, topic="intl"),
    ]
    # Filler questions so the quiz runs over several pages; they cite the same evidence.
    for i in range(n_extra):
        base = facts[i % 4]
        questions.append(
            Question(f"{base.id}/extra-{i:02d}", base.id, f"extra-{i:02d}", ("who", "when", "why")[i % 3], "single", "text",
                     f"Filler question {i + 1}: which statement about the 2014 vote on resolution 68/262 "
                     "matches the text of the UN News report, read carefully and in full?",
                     (f"Statement alpha {i}", f"Statement bravo {i} that is a bit longer than the others",
                      f"Statement charlie {i}", f"Statement delta {i}"),
                     (f"Statement charlie {i}",), "Only this statement matches the report.", base.evidence[:1],
                     topic=base.topic)
        )
    deck = Deck(
        id="sample", title="Israel, Russia and Ukraine at the UN" + (f" {EVIL_SCRIPT}" if evil else ""),
        description="A sample deck for the HTML exporter tests." + (f" {EVIL_IMG}" if evil else ""),
        path=Path("/nonexistent/decks/sample.yaml"), corpus=corpus, facts=tuple(facts),
        topics={"un": "The UN", "israel": "Israel", "intl": "International"},
    )
    return QuestionSet(deck, tuple(questions), seed=0)


# ---------------------------------------------------------------------------------------------
# HTML parsing (no browser)
# ---------------------------------------------------------------------------------------------


class ElementText(HTMLParser):
    """Collect, for every element with an id, its text content (as the DOM's textContent would)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {}
        self.parts: dict[str, list[str]] = {}  # id → text of its continuation pieces
        self.links: list[tuple[str, str]] = []  # (href, class)
        self.open_ids: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._part_stack: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], a.get("class") or ""))
        if tag in self.VOID:
            return
        el_id = a.get("id")
        if el_id is not None:
            self.texts.setdefault(el_id, [])
        part = a.get("data-part-of")
        if part is not None:
            self.parts.setdefault(part, [])
        self.stack.append((tag, el_id, a))
        self._part_stack.append(part)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            t, _, _ = self.stack.pop()
            self._part_stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for _, el_id, _ in self.stack:
            if el_id is not None:
                self.texts[el_id].append(data)
        for part in self._part_stack:
            if part is not None:
                self.parts[part].append(data)

    def text(self, el_id: str) -> str:
        return "".join(self.texts[el_id])

    def joined(self, el_id: str) -> str:
        return self.text(el_id) + "".join(self.parts.get(el_id, []))


def parse(path: Path) -> ElementText:
    parser = ElementText()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def evidence_quotes(qset) -> dict[str, str]:
    """anchor id → quote, for every piece of evidence a question cites."""
    from studykit.export.html import evidence_anchor

    quotes = {}
    for q in qset:
        fact = qset.deck.fact(q.fact)
        for ev in q.evidence:
            quotes[evidence_anchor(fact.id, fact.evidence.index(ev))] = ev.quote
    return quotes


def check_key_links(qset, out: Path, versions: int) -> int:
    """Every key link opens a source page whose anchor holds exactly the quote; returns the count.

    (Parsed with html.parser; ``joined`` adds the continuation pieces of a split highlight.)
    """
    quotes = evidence_quotes(qset)
    checked = 0
    pages: dict[Path, ElementText] = {}
    for k in range(1, versions + 1):
        key = parse(out / f"key-v{k}.html")
        refs = [href for href, cls in key.links if cls == "ref"]
        assert refs
        for href in refs:
            page, _, anchor = href.partition("#")
            target = out / page
            assert target.is_file(), href
            source = pages.get(target) or pages.setdefault(target, parse(target))
            assert anchor in source.texts, href
            assert source.joined(anchor) == quotes[anchor], href
            if anchor not in source.parts:
                assert source.text(anchor) == quotes[anchor], href
            checked += 1
    return checked


# ---------------------------------------------------------------------------------------------
# Chromium and poppler
# ---------------------------------------------------------------------------------------------


def require_chromium() -> str:
    """The Chromium executable; the test FAILS (never skips) when there is none."""
    exe = find_chromium()
    if exe is None:
        pytest.fail("headless Chromium is required for the browser tests (Debian: apt install chromium)")
    for tool in ("pdftotext", "pdfinfo", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} (poppler-utils) is required for the browser tests")
    return exe


def print_pdf(page: Path, pdf: Path) -> Path:
    return print_to_pdf(page, pdf, chromium=require_chromium())


def pdf_page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def pdf_page_size(pdf: Path) -> tuple[float, float]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", out, re.M)
    return float(m.group(1)), float(m.group(2))


def pdf_pages_text(pdf: Path) -> list[str]:
    """The text of each page, page by page (``pdftotext -f N -l N``)."""
    return [
        subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                       capture_output=True, text=True, check=True).stdout
        for n in range(1, pdf_page_count(pdf) + 1)
    ]


def dump_dom(page: Path | str, *, budget_ms: int = 1500) -> str:
    """The DOM after Chromium loaded ``page`` and ran its scripts (``--dump-dom``)."""
    url = page if isinstance(page, str) else Path(page).resolve().as_uri()
    result = run_chromium([f"--virtual-time-budget={budget_ms}", "--dump-dom", url], chromium=require_chromium())
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    return result.stdout.decode("utf-8")


def screenshot(page: Path, png: Path, *, width: int = 1100, height: int = 1500) -> Path:
    result = run_chromium(
        [f"--screenshot={png}", f"--window-size={width},{height}", "--virtual-time-budget=1000", page.resolve().as_uri()],
        chromium=require_chromium(),
    )
    assert result.returncode == 0 and png.is_file(), result.stderr.decode("utf-8", "replace")[-2000:]
    return png


def rasterize_first_page(pdf: Path, png_stem: Path, *, dpi: int = 80) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png_stem)], check=True)
    return png_stem.with_suffix(".png")


#: Appended to a copy of a source page: reports, for every <mark id>, its textContent, the text of
#: it and its continuation pieces, and which element the URL fragment targets.
PROBE_SCRIPT = """
<script>
window.addEventListener('load', function () {
  const out = {marks: {}, target: null, title: document.title};
  for (const el of document.querySelectorAll('mark[id]')) {
    let joined = el.textContent;
    const pieces = document.querySelectorAll('mark[data-part-of="' + CSS.escape(el.id) + '"]');
    for (const c of pieces) joined += c.textContent;
    out.marks[el.id] = {text: el.textContent, joined: joined, pieces: pieces.length};
  }
  const t = document.querySelector(':target');
  out.target = t ? {id: t.id, text: t.textContent} : null;
  const pre = document.createElement('pre');
  pre.id = 'studykit-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def probe_marks(page: Path, fragment: str = "") -> dict:
    """Load a copy of ``page`` with :data:`PROBE_SCRIPT` in Chromium; return what the script saw."""
    probe = page.with_name(page.stem + ".probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE_SCRIPT + "</body>"), encoding="utf-8")
    try:
        dom = dump_dom(probe.resolve().as_uri() + (f"#{fragment}" if fragment else ""))
    finally:
        probe.unlink()
    m = re.search(r'<pre id="studykit-probe">(.*?)</pre>', dom, re.S)
    assert m, "the probe script did not run"
    return json.loads(html.unescape(m.group(1)))


# ---------------------------------------------------------------------------------------------
# How full each printed page is
# ---------------------------------------------------------------------------------------------

#: The page margins of the default theme (style.css), in millimetres: (top, bottom).
PAGE_MARGINS_MM = {"a4": (18.0, 18.0), "letter": (0.7 * 25.4, 0.7 * 25.4)}


def _read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, pixels) of a binary PGM (P5, 8 bits), as ``pdftoppm -gray`` writes it."""
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5" and fields[3] == b"255", fields
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[pos + 1 : pos + 1 + width * height]


def page_fill(pdf: Path, paper: str = "a4", *, dpi: int = 50, ink: int = 200) -> list[float]:
    """For each page, how much of the height between the top and bottom margins is filled: from
    the top of the text area to the lowest row holding ink (a pixel darker than ``ink`` in the
    page rasterised in grey), as a fraction. Rules, boxes and writing lines count as ink; the
    running head and the page number sit in the margins and do not."""
    top_mm, bottom_mm = PAGE_MARGINS_MM[paper]
    fills = []
    for n in range(1, pdf_page_count(pdf) + 1):
        data = subprocess.run(
            ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(n), "-l", str(n), str(pdf)], capture_output=True, check=True
        ).stdout
        width, height, pixels = _read_pgm(data)
        px_per_mm = dpi / 25.4
        top = int(round(top_mm * px_per_mm))
        bottom = height - int(round(bottom_mm * px_per_mm))
        last = top
        for row in range(top, bottom):
            line = pixels[row * width : (row + 1) * width]
            if min(line) < ink:
                last = row + 1
        fills.append((last - top) / (bottom - top))
    return fills


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')


def first_item_heights(pdf: Path, paper: str = "a4") -> list[float | None]:
    """For each page, the height of its first numbered item (a question or a key entry: "7." at the
    left margin) as a fraction of the text area: from its number to the next item's number on the
    page, or to its last word when it is the only one. None when the page starts with no number."""
    top_mm, bottom_mm = PAGE_MARGINS_MM[paper]
    out: list[float | None] = []
    for n in range(1, pdf_page_count(pdf) + 1):
        xml = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout
        page_height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', xml).group(1))
        area = page_height - (top_mm + bottom_mm) * 72 / 25.4
        words = [(float(x), float(y0), float(y1), text) for x, y0, y1, text in _WORD.findall(xml)]
        numbers = sorted(y0 for x, y0, _, text in words if re.fullmatch(r"\d+\.", text) and x < 90)
        if not numbers:
            out.append(None)
            continue
        end = numbers[1] if len(numbers) > 1 else max(y1 for x, y0, y1, _ in words if y0 >= numbers[0] and y1 < page_height - bottom_mm * 72 / 25.4)
        out.append((end - numbers[0]) / area)
    return out


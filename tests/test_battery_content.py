"""Battery, content: whatever a document or a deck says stays text in every format. Control
characters (U+001F is Anki's field separator: a quote holding one shifted every field of its
note), markup, XML's and GIFT's own syntax, invisible and non-BMP characters, a megabyte line —
each builds, with every format well-formed and no temporary file left."""

from __future__ import annotations

import json
import sqlite3
import time
import zipfile

import pytest
from battery import DECK, DECK_FILE, replace_once
from battery import battery as battery  # noqa: F401  (the fixture)
from conftest import DOCUMENT
from lxml import etree

LAPID = "Yair Lapid said that “Israel is not involved in this conflict.”"


def build_all(battery):
    outcome = battery.run("build", "--quiet", "--lms")
    assert outcome.code == 0, outcome.out
    assert outcome.errors == [], outcome.out
    battery.assert_no_temporary_files()
    return outcome


def anki_notes(battery) -> list[tuple[int, list[str]]]:
    """(number of fields of the note type, the note's fields) for every note of the package."""
    with zipfile.ZipFile(battery.root / "dist" / "t.apkg") as package:
        package.extract("collection.anki2", battery.tmp.parent / "collection")
    with sqlite3.connect(battery.tmp.parent / "collection" / "collection.anki2") as db:
        models = json.loads(db.execute("select models from col").fetchone()[0])
        rows = db.execute("select mid, flds from notes").fetchall()
    return [(len(models[str(mid)]["flds"]), fields.split("\x1f")) for mid, fields in rows]


def assert_well_formed(battery) -> None:
    dist = battery.root / "dist"
    for note_fields, fields in anki_notes(battery):
        assert len(fields) == note_fields, fields
    etree.parse(str(dist / "t.moodle.xml"))
    with zipfile.ZipFile(dist / "t.qti.zip") as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                etree.fromstring(package.read(name), etree.XMLParser(resolve_entities=False, no_network=True))
    json.loads((dist / "t.json").read_text(encoding="utf-8"))
    (dist / "t.gift.txt").read_text(encoding="utf-8")
    for page in (dist / "t").rglob("*.html"):
        page.read_text(encoding="utf-8")


def with_document(battery, document: str, quote: str | None = None, said: str | None = None) -> None:
    (battery.root / "seeds" / "000_report.txt").write_text(document, encoding="utf-8")
    text = DECK
    if quote is not None:
        text = replace_once(text, f'quote: "{LAPID}"', f"quote: {json.dumps(quote, ensure_ascii=False)}")
    if said is not None:
        text = replace_once(text, "said: Israel is not involved in this conflict", f"said: {json.dumps(said, ensure_ascii=False)}")
    battery.write(DECK_FILE, text)
    battery.snapshot()


def test_anki_s_field_separator_in_a_quoted_passage_is_text(battery):
    """U+001F is white space to Python, so the quote matches; in the package it split a field in two."""
    with_document(battery, DOCUMENT.replace("Yair Lapid said that", "Yair\x1fLapid said that"), quote=LAPID)
    build_all(battery)
    assert_well_formed(battery)
    assert not any("\x1f" in field for _, fields in anki_notes(battery) for field in fields)


def test_control_characters_in_a_quoted_passage(battery):
    with_document(battery, DOCUMENT.replace("Yair Lapid said that", "Yair\x0bLapid\x0csaid\x01that"), quote="Yair Lapid said\x01that")
    outcome = battery.run("check")
    assert outcome.code == 1  # \x01 is no white space: the quote must hold it, and YAML cannot
    battery.write(DECK_FILE, DECK)
    (battery.root / "seeds" / "000_report.txt").write_text(DOCUMENT.replace("Yair Lapid said that", "Yair\x0bLapid\x0csaid that"), encoding="utf-8")
    outcome = build_all(battery)
    assert_well_formed(battery)
    assert "control characters that XML 1.0 cannot carry are written as U+FFFD" in outcome.out


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "]]><evil/><![CDATA[",
        "{{c1::x}} {{Front}} [sound:x.mp3]",
        "~ = # { } : \\ // GIFT's own syntax",
        "<!-- -- --> &amp; &#0; &bogus;",
        "\u202eevil\u202c \u200b zero width",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 non-BMP",
    ],
    ids=["script", "cdata-end", "anki-syntax", "gift-syntax", "xml-comment-and-entities", "bidi-and-zero-width", "non-bmp"],
)
def test_hostile_text_in_a_quote_stays_text_everywhere(battery, hostile):
    said = f"not involved {hostile} in this conflict"
    document = DOCUMENT.replace("“Israel is not involved in this conflict.”", f"“Israel is {said}.”")
    quote = f"Yair Lapid said that “Israel is {said}.”"
    with_document(battery, document, quote=quote, said=f"Israel is {said}")
    build_all(battery)
    assert_well_formed(battery)
    for page in (battery.root / "dist" / "t").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<evil/>" not in html, page
    moodle = etree.parse(str(battery.root / "dist" / "t.moodle.xml"))
    assert moodle.xpath("//evil") == []
    assert not any("<script>" in text for text in moodle.xpath("//questiontext/text/text()"))


def test_hostile_text_in_the_catalog_stays_text(battery):
    battery.edit("seeds/catalog.yaml", "title: Report report", "title: '</title><script>alert(1)</script>'")
    battery.edit("seeds/catalog.yaml", "outlet: The Test Times", "outlet: '<img src=x onerror=alert(1)>'")
    build_all(battery)
    assert_well_formed(battery)
    page = (battery.root / "dist" / "t" / "sources" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page


def test_a_megabyte_line_with_the_quote_at_its_end(battery):
    filler = "lorem ipsum dolor sit amet " * 40_000
    with_document(battery, "Title\n\n" + filler + DOCUMENT.replace("\n", " "), quote=LAPID)
    started = time.perf_counter()
    build_all(battery)
    assert time.perf_counter() - started < 20
    assert_well_formed(battery)

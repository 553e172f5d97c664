"""Battery, corpus: documents are read only when they are regular files (a named pipe blocked a
check forever), and the closest-passage hint for a quote not found stays fast however long the
quote (1,200 characters took 16 s, 2,600 over two minutes) and however many quotes are wrong."""

from __future__ import annotations

import os
import socket
import stat
import time

import pytest
from battery import CATALOG_FILE, DECK, DECK_FILE, ROOT, require_root, where
from battery import battery as battery  # noqa: F401  (the fixture)

from studykit.grounding import MAX_HINTS

REGULAR_ONLY = "not a regular file; studykit reads only regular files"


def catalog_error(battery, file: str, message: str) -> str:
    text = (battery.root / CATALOG_FILE).read_text(encoding="utf-8")
    return f"{CATALOG_FILE}:{where(text, 'file: ' + file, offset=6)}: error: source 'extra': cannot read {file!r}: {message}"


def test_a_named_pipe_as_a_document_is_refused_at_once(battery):
    """The issue's case: the catalog names a FIFO; reading it blocked until a writer came, forever."""
    battery.add_document("extra", file="pipe.txt")
    os.mkfifo(battery.root / "seeds" / "pipe.txt")
    started = time.perf_counter()
    outcome = battery.run("check", process=True, timeout=20)
    assert time.perf_counter() - started < 10
    battery.assert_failed(outcome, 1, catalog_error(battery, "pipe.txt", f"is a named pipe, {REGULAR_ONLY}"))


def test_a_link_to_a_named_pipe_is_refused_too(battery):
    battery.add_document("extra", file="link.txt")
    os.mkfifo(battery.root / "seeds" / "pipe")
    (battery.root / "seeds" / "link.txt").symlink_to("pipe")
    outcome = battery.run("check", process=True, timeout=20)
    battery.assert_failed(outcome, 1, catalog_error(battery, "link.txt", f"is a named pipe, {REGULAR_ONLY}"))


def test_a_device_as_a_document_is_refused(battery):
    require_root()  # mknod
    battery.add_document("extra", file="zero.txt")
    os.mknod(battery.root / "seeds" / "zero.txt", 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
    outcome = battery.run("check", process=True, timeout=20)
    battery.assert_failed(outcome, 1, catalog_error(battery, "zero.txt", f"is a device, {REGULAR_ONLY}"))


def test_a_socket_as_a_document_is_refused(battery, tmp_path):
    battery.add_document("extra", file="s.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(battery.root / "seeds" / "s.txt"))
    try:
        outcome = battery.run("check")
    finally:
        server.close()
    battery.assert_failed(outcome, 1, catalog_error(battery, "s.txt", f"is a socket, {REGULAR_ONLY}"))


def test_a_named_pipe_as_the_catalog_is_refused(battery):
    (battery.root / CATALOG_FILE).unlink()
    os.mkfifo(battery.root / CATALOG_FILE)
    outcome = battery.run("check", process=True, timeout=20)
    battery.assert_failed(outcome, 1, f"{CATALOG_FILE}: error: is a named pipe, {REGULAR_ONLY}")


def test_a_named_pipe_among_the_decks_is_refused(battery):
    os.mkfifo(battery.root / "decks" / "pipe.yaml")
    outcome = battery.run("check", process=True, timeout=20)
    assert outcome.code == 1, outcome.out
    assert outcome.errors == [f"decks/pipe.yaml: error: is a named pipe, {REGULAR_ONLY}"]
    battery.assert_unchanged()


def test_a_named_pipe_given_as_the_deck_is_a_usage_error(battery):
    os.mkfifo(battery.root / "decks" / "pipe.yaml")
    outcome = battery.run("build", "decks/pipe.yaml", process=True, timeout=20)
    battery.assert_failed(outcome, 2, "error: deck file decks/pipe.yaml is a named pipe, not a regular file")


# --- the closest-passage hint ------------------------------------------------------------------------

LONG = (ROOT / "seeds" / "004_a821d0963cfa37c0.txt").read_text(encoding="utf-8")
OTHER = (ROOT / "seeds" / "003_f568cb45dff2c08b.txt").read_text(encoding="utf-8")


def misattributed(battery, length: int, count: int = 1) -> str:
    """``count`` facts each quoting ``length`` genuine characters of one document under another's id."""
    battery.add_document("long", LONG)
    battery.add_document("other", OTHER)
    facts = ""
    for i in range(count):
        passage = " ".join((LONG * 2)[400 + i * 7 : 400 + i * 7 + length].split()).replace('"', "'")
        facts += f'  - id: wrong-{i}\n    kind: event\n    actor: Russia\n    action: did it\n    evidence:\n'
        facts += f'      - source: other\n        quote: "{passage}"\n'
    text = DECK + facts
    battery.write(DECK_FILE, text)
    return text


@pytest.mark.parametrize("length", [1200, 2600])
def test_the_closest_passage_of_a_long_misattributed_quote_is_fast(battery, length):
    text = misattributed(battery, length)
    started = time.perf_counter()
    outcome = battery.run("check", process=True, timeout=60)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, elapsed  # the old search: 16 s for 1,200 characters, over two minutes for 2,600
    (error,) = outcome.errors
    prefix = f"{DECK_FILE}:{where(text, 'quote: ', nth=4, offset=7)}: error: fact 'wrong-0': quote not found in 'other'; closest passage (line "
    assert error.startswith(prefix), error
    assert error.endswith(" …'"), error  # a long passage is shown by its start
    assert outcome.code == 1
    battery.assert_unchanged()


def test_a_quote_over_the_hint_limit_gets_no_closest_passage(battery):
    text = misattributed(battery, 12_000)
    outcome = battery.run("check")
    at = where(text, "quote: ", nth=4, offset=7)
    battery.assert_failed(
        outcome, 1, f"{DECK_FILE}:{at}: error: fact 'wrong-0': quote not found in 'other' (a quote over 10,000 characters gets no closest passage)"
    )


def test_closest_passages_are_searched_for_the_first_twenty_quotes_not_found(battery):
    count = MAX_HINTS + 5
    misattributed(battery, 300, count=count)
    started = time.perf_counter()
    outcome = battery.run("check")
    assert time.perf_counter() - started < 10
    assert outcome.code == 1
    hinted = [e for e in outcome.errors if "; closest passage (line " in e]
    budget = f"quote not found in 'other' (the closest passage is shown for the first {MAX_HINTS} quotes not found)"
    unhinted = [e for e in outcome.errors if e.endswith(budget)]
    assert (len(hinted), len(unhinted)) == (MAX_HINTS, 5), outcome.out
    assert "wrong-0'" in hinted[0] and f"wrong-{count - 1}'" in unhinted[-1]
    battery.assert_unchanged()


def test_the_hint_finds_a_long_quote_with_typos_where_it_is(battery):
    battery.add_document("long", LONG)
    passage = " ".join(LONG[1000:3600].split()).replace('"', "'")
    typo = passage.replace("Russia", "Rusia", 2)
    assert typo != passage
    text = DECK + f'  - id: typo\n    kind: event\n    actor: Russia\n    action: did it\n    evidence:\n      - source: long\n        quote: "{typo}"\n'
    battery.write(DECK_FILE, text)
    outcome = battery.run("check")
    (error,) = outcome.errors
    line = LONG.count("\n", 0, 1000) + 1
    assert f"quote not found in 'long'; closest passage (line {line}, " in error, error
    similar = int(error.split(f"(line {line}, ")[1].split("%")[0])
    assert similar >= 95, error


# --- a catalog with a broken entry, a catalog or proposals file where a deck belongs (issue 14) ---


EXTRA_FACT = """\
  - id: extra-veto
    kind: vote
    body: the UN Security Council
    motion: another draft
    date: 2022-03-01
    vetoed: [Russia]
    evidence:
      - source: extra
        quote: "Russia vetoed another draft."
"""


def test_a_broken_catalog_entry_stops_only_the_facts_citing_it(battery):
    """Issue 14: 'catalog entry: missing key' named no source, and while the catalog was broken no
    quote at all was checked. Now the error names the source, the facts citing it wait, and every
    other fact is checked: here a wrong quote from the good source is still found."""
    battery.add_document("extra", "Russia vetoed another draft.\n")
    catalog = battery.edit(CATALOG_FILE, "  outlet: The Test Times\n  date_basis: for the battery\n", "  date_basis: for the battery\n")
    battery.edit(DECK_FILE, "facts:\n", "facts:\n" + EXTRA_FACT)
    deck = battery.edit(DECK_FILE, '        quote: "Eighty-one countries answered', '        quote: "Ninety countries answered')
    outcome = battery.run("check")
    entry = where(catalog, "- id: extra", offset=2)
    assert outcome.code == 1
    catalog_line, quote_line = sorted(outcome.errors, key=lambda line: not line.startswith(CATALOG_FILE))
    assert catalog_line == f"{CATALOG_FILE}:{entry}: error: source 'extra': missing key 'outlet'", outcome.out
    assert quote_line.startswith(f"{DECK_FILE}:{where(deck, chr(34) + 'Ninety')}: error: fact 'cosponsors': quote not found in 'report'")
    where_fact = where(deck, "source: extra", offset=8)
    assert f"{DECK_FILE}:{where_fact}: info: fact 'extra-veto': not checked: source 'extra' has an error in its catalog entry " \
        f"({CATALOG_FILE}:{entry}); fix the entry first" in outcome.lines, outcome.out
    battery.assert_unchanged()


def test_a_catalog_passed_as_a_deck_is_named_for_what_it_is(battery):
    outcome = battery.run("check", CATALOG_FILE)
    battery.assert_failed(outcome, 1, f"{CATALOG_FILE}:1:1: error: this is a corpus catalog (it lists documents under 'sources:'), "
                                       "not a deck; check a deck whose 'corpus' is this folder instead (e.g. studykit check decks/), "
                                       "or start one with studykit init")
    outcome = battery.run("check", "seeds")
    assert outcome.code == 2 and "seeds/ is a corpus folder (it holds catalog.yaml), not a folder of decks" in outcome.out, outcome.out
    battery.assert_unchanged()


def test_a_proposals_file_passed_as_a_deck_is_named_for_what_it_is(battery):
    battery.write("proposals.yaml", "facts:\n  - id: x\n    kind: statement\n")
    outcome = battery.run("check", "proposals.yaml")
    assert outcome.code == 1 and outcome.errors == [
        "proposals.yaml:1:1: error: this is a proposals file ('facts:' without 'deck:', as studykit propose writes), not a deck; "
        "read it with studykit review DECK --proposals proposals.yaml, or copy the facts you keep into a deck"
    ], outcome.out

"""The bundled deck: complete, correct, and clean under check and lint --strict."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest
import yaml
from conftest import BUNDLED_DECK, ROOT

import studykit
from studykit.cli import main
from studykit.lint import lint


@pytest.fixture(scope="module")
def deck():
    return studykit.load_deck(BUNDLED_DECK)


@pytest.fixture(scope="module")
def qset(deck):
    return studykit.generate(deck)


def test_check_and_strict_lint_pass(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["check"]) == 0, capsys.readouterr().out
    assert main(["lint", "--strict"]) == 0, capsys.readouterr().out


def test_documents_are_the_shared_seeds_byte_for_byte():
    catalog = yaml.safe_load((ROOT / "seeds" / "catalog.yaml").read_text(encoding="utf-8"))
    files = sorted(p.name for p in (ROOT / "seeds").glob("*.txt"))
    assert files == sorted(s["file"] for s in catalog["sources"]) and len(files) == 5
    for source in catalog["sources"]:
        data = (ROOT / "seeds" / source["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == source["sha256"], source["file"]
        shared = ROOT.parent / "shared" / "seeds" / source["file"]
        if shared.exists():  # beside the project on developer machines and in CI
            assert shared.read_bytes() == data


def test_size_and_coverage(deck):
    assert len(deck.facts) >= 60
    per_document = Counter(e.source for f in deck.facts for e in f.evidence[:1])
    assert set(per_document) == set(deck.corpus.documents)
    assert min(per_document.values()) >= 8, per_document
    assert all(f.topic for f in deck.facts)


def test_every_family_at_least_eight_times(qset):
    families = Counter(q.family for q in qset)
    for family in ("who", "rationale", "true-false"):
        assert families[family] >= 8, (family, families)
    # review 17: no cloze on a sentence that is not the fact's (the Dzhaparova meeting, explained by her invitations)
    assert families["cloze"] >= 7, families
    # the blog's rounded, hedged figures ("over one million", "around $5 billion") are asked by
    # cloze only: their neighbours are defensible (blind review 10); nor a fine's exact figure (13);
    # nor a lower bound ("over 100,000 troops": review 26)
    assert families["how-many"] >= 3, families
    # a year is asked only where it is not simply the source's own (history, and events of one body
    # in several years) nor general knowledge (a famous war, the invasion); "who said" not where
    # the only speaker is one of the deck's subjects (the United States) or the words are any official's
    # (blind reviews 4-6 found the deck's other years textbook knowledge: the partition vote, the
    # Yom Kippur War, the Crimea takeover and the invasion)
    # (review 12: nor where the speaker is "a US official" in talks only the US and Israel held;
    # review 13: nor a minister's words that are his government's line)
    assert families["year"] >= 1 and families["who-said"] >= 1, families
    assert families["date"] >= 1


def test_every_family_through_the_json_export(qset):
    data = json.loads(studykit.to_json(qset))
    assert {q["family"] for q in data["questions"]} >= {"who", "year", "date", "rationale", "how-many", "who-said", "true-false", "cloze"}
    assert {q["type"] for q in data["questions"]} >= {"single", "multiple", "true_false", "cloze"}


def test_no_lint_errors_or_warnings(qset):
    assert [str(f) for f in lint(qset) if f.severity in ("error", "warning")] == []


def test_forum_join_date_is_not_the_article_date(deck):
    source = deck.source("haaretz-2014-israel-us-russia")
    assert source.published and source.published.startswith("2014")
    assert "join" in source.date_basis.lower()


def test_every_printed_text_has_one_typography(qset):
    """Stems, options and keys read as print: “ ” and ’, never a keyboard's straight marks (a free
    answer's key too: an LMS accepts the straight form as well, see test_lms_common)."""
    straight = [(q.id, text) for q in qset for text in (q.prompt, *q.options, *q.answers, q.explanation) if "'" in text or '"' in text]
    assert straight == []

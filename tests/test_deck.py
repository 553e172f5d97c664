"""Deck validation: every problem collected, each with path:line:col and what to do."""

from __future__ import annotations

import copy

import pytest
from conftest import FACTS, deck_data, facts_with, run

import studykit
from studykit.cli import main


def check(project, in_dir, capsys, *args):
    return run(project, in_dir, capsys, "check", *args)


def test_valid_deck_loads(make_project):
    project = make_project()
    deck = studykit.load_deck(project.deck())
    assert [f.id for f in deck.facts] == [f["id"] for f in FACTS]
    vote = deck.fact("unsc-vote")
    assert vote.fields["abstained"] == ("India", "United Arab Emirates", "China")
    assert vote.fields["date"] == "2022-02-25"
    evidence = vote.evidence[0]
    text = deck.corpus["report"].text
    assert text[evidence.start : evidence.end] == evidence.quote
    assert deck.fact("partition-vote").fields["date"] == "1947"


def test_check_clean_deck_exits_0(make_project, in_dir, capsys):
    code, out = check(make_project(), in_dir, capsys)
    assert code == 0, out
    assert "decks/test.yaml: ok: 10 facts" in out


DECK_WITH_PROBLEMS = """\
deck:
  id: bad-deck
  title: Bad
  corpus: ../seeds
  tpoics: {}
facts:
  - id: v1
    kind: vote
    body: the UN Security Council
    motion: a draft
    date: 2022-02-30
    vetoed: [Russia]
    evidence:
      - source: report
        quote: "Ultimately Russia vetod the resolution"
  - id: v1
    kind: vote
    body: the council
    motion: a draft
    date: 2022
    abstained: [Brazil]
    evidence:
      - source: nowhere
        quote: "this source does not exist"
  - id: e1
    kind: evnt
  - id: q1
    kind: quantity
    subject: countries
    value: "many"
    evidence:
      - {source: report, quote: "Eighty-one countries answered the US call"}
  - id: s1
    kind: statement
    speaker: Yair Lapid
    said: Israel is deeply involved
    evidence:
      - {source: report, quote: "Yair Lapid said that “Israel is not involved in this conflict.”"}
"""


def test_every_problem_reported_once_with_location(make_project, in_dir, capsys):
    project = make_project(deck=DECK_WITH_PROBLEMS)
    code, out = check(project, in_dir, capsys)
    assert code == 1
    lines = [line for line in out.splitlines() if ": error: " in line]
    assert lines == [
        "decks/test.yaml:5:3: error: deck: unknown key 'tpoics'; did you mean 'topics'?",
        "decks/test.yaml:11:11: error: fact 'v1': 'date': '2022-02-30' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2022-02-25)",
        "decks/test.yaml:15:16: error: fact 'v1': quote not found in 'report'; closest passage (line 3, 95% similar): "
        "'Ultimately, Russia vetoed the resolution,'",
        "decks/test.yaml:16:9: error: duplicate fact id 'v1' (first at line 7); fact ids must be unique",
        "decks/test.yaml:23:17: error: fact 'v1': unknown source 'nowhere'; catalog sources: report",
        "decks/test.yaml:26:11: error: fact 'e1': unknown kind 'evnt'; valid kinds: vote, event, stance, statement, quantity",
        "decks/test.yaml:30:12: error: fact 'q1': 'value' must be a number, found text",
        "decks/test.yaml:36:11: error: fact 's1': said 'Israel is deeply involved' does not occur in the fact's quotes; "
        "quote the passage that says it, add an alias for the spelling the text uses, or list 'said' under 'paraphrase'",
    ]
    assert "decks/test.yaml: 8 errors" in out
    assert "Traceback" not in out


def test_duplicate_fact_id_and_value_not_grounded(make_project, in_dir, capsys):
    facts = copy.deepcopy(FACTS)
    facts.append(copy.deepcopy(FACTS[0]))
    facts[0]["abstained"] = ["India", "Brazil"]
    project = make_project(facts)
    code, out = check(project, in_dir, capsys)
    assert code == 1
    assert "error: fact 'unsc-vote': abstained 'Brazil' does not occur in the fact's quotes" in out
    assert "error: duplicate fact id 'unsc-vote' (first at line" in out


def test_alias_grounds_a_value(make_project):
    facts = facts_with(cosponsors={"aliases": {}})
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(make_project(facts).deck())
    assert "value '81' does not occur in the fact's quotes" in str(info.value)


def test_paraphrase_is_a_note_not_an_error(make_project, in_dir, capsys):
    facts = facts_with(strike={"rationale": "its diplomats were on strike", "paraphrase": ["rationale"]})
    code, out = check(make_project(facts), in_dir, capsys)
    assert code == 0, out
    assert "info: fact 'strike': 'rationale' is a paraphrase, not verbatim in the quotes" in out


def test_one_position_per_actor(make_project):
    facts = facts_with(**{"unsc-vote": {"in_favor": ["Russia"]}})
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(make_project(facts).deck())
    assert "'Russia' is listed under both 'in_favor' and 'vetoed', which exclude each other" in str(info.value)


def test_ambiguous_and_short_quotes(make_project):
    doc = "Same words here again.\nSame words here again.\nRussia vetoed it all."
    facts = [
        {"id": "a", "kind": "event", "actor": "Russia", "action": "vetoed it", "evidence": [{"source": "report", "quote": "Same words here again."}]},
        {"id": "b", "kind": "event", "actor": "Russia", "action": "vetoed it", "evidence": [{"source": "report", "quote": "  "}]},
    ]
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(make_project(facts, documents={"report": doc}).deck())
    text = str(info.value)
    assert "quote is ambiguous: it occurs 2 times in 'report' (lines 1, 2); quote more words so it matches once" in text
    assert "fact 'b': quote is empty; quote at least 12 characters verbatim from the source" in text


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd"])
def test_catalog_paths_may_not_leave_the_corpus(make_project, name):
    project = make_project()
    project.edit_catalog("file: 000_report.txt", f"file: {name}")
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(project.deck())
    assert f"path '{name}' leaves the corpus directory; give a file name inside it" in str(info.value)


def test_symlink_leaving_the_corpus_is_refused(make_project, tmp_path):
    project = make_project()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (project.seeds / "link.txt").symlink_to(secret)
    project.edit_catalog("file: 000_report.txt", "file: link.txt")
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(project.deck())
    assert "path 'link.txt' leads outside the corpus directory (through a symbolic link)" in str(info.value)


def test_yaml_syntax_error_has_location(make_project, in_dir, capsys):
    project = make_project(deck="deck:\n  id: x\n  title: [unclosed\nfacts: []\n")
    code, out = check(project, in_dir, capsys)
    assert code == 1
    assert out.startswith("decks/test.yaml:4:6: error: YAML syntax error: did not find expected ',' or ']'")


def test_usage_error_exit_2(make_project, in_dir, capsys):
    with in_dir(make_project().root):
        assert main(["check", "missing.yaml"]) == 2
        assert capsys.readouterr().err == "error: deck file not found: missing.yaml\n"
        with pytest.raises(SystemExit) as info:
            main(["check", "--no-such-flag"])
    assert info.value.code == 2
    assert "studykit check: error: unrecognized arguments: --no-such-flag" in capsys.readouterr().err


def test_unknown_topic_and_template_field(make_project):
    facts = facts_with(cosponsors={"topic": "nope"})
    data = deck_data(facts)
    data["templates"] = [{"id": "mine", "applies_to": ["vote"], "prompt": "Which body?", "answer": "bodyy"}]
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(make_project(deck=data).deck())
    text = str(info.value)
    assert "fact 'cosponsors': unknown topic 'nope'; known topics: un, history" in text
    assert "template 'mine': kind 'vote' has no field 'bodyy'; its fields: body, motion, date" in text


FOUR_PROBLEMS = """\
deck:
  id: four
  title: Four problems
  corpus: ../seeds
facts:
  - id: broken
    kind: event
    actor: [Russia
    action: vetoed it
  - id: cut
    kind: event
    actor: the Soviet Union
    action: cut diplomatic ties with Israel
    date: 1967
    evidnce: []
  - id: cut
    kind: event
    actor: Russia
    action: vetoed the resolution
    evidence:
      - source: report
        quote: "Ultimately Russia vetod the resolution"
"""


def test_syntax_error_unknown_key_duplicate_id_and_misquote_in_one_run(make_project, in_dir, capsys):
    code, out = check(make_project(deck=FOUR_PROBLEMS), in_dir, capsys)
    assert code == 1
    errors = [line for line in out.splitlines() if ": error: " in line]
    assert errors[0] == "decks/test.yaml:9:11: error: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)"
    assert "decks/test.yaml:6:1: info: lines 6–9 (one fact) were skipped because of the syntax error" in out
    assert "decks/test.yaml:15:5: error: fact 'cut': unknown key 'evidnce'; did you mean 'evidence'?" in errors
    assert "decks/test.yaml:16:9: error: duplicate fact id 'cut' (first at line 10); fact ids must be unique" in errors
    assert any(e.startswith("decks/test.yaml:22:16: error: fact 'cut': quote not found in 'report'; closest passage") for e in errors)


def _event(date, quote):
    return [{"id": "e", "kind": "event", "actor": "Russia", "action": "vetoed it", "date": date,
             "evidence": [{"source": "report", "quote": quote}]}]


@pytest.mark.parametrize(
    "date, quote, grounded",
    [
        ("2014-04-13", "Russia met on Sunday, April 13, 2014, at headquarters", True),
        ("2022-02-25", "Russia spoke during a meeting on Friday, Feb. 25, 2022.", True),
        ("2022-07-14", "Russia vetoed it in 2022, the report said.", False),  # the year alone does not give the day
        ("2022-07", "Russia vetoed it in July 2022, the report said.", True),
        ("2022-07", "Russia vetoed it in 2022, the report said.", False),
        ("1967", "Russia vetoed it in 1967, the report said.", True),
    ],
)
def test_dates_are_grounded_at_their_own_precision(make_project, date, quote, grounded):
    project = make_project(_event(date, quote), documents={"report": f"Intro.\n{quote}\n"})
    if grounded:
        assert studykit.load_deck(project.deck()).facts[0].fields["date"] == date
    else:
        with pytest.raises(studykit.LoadError) as info:
            studykit.load_deck(project.deck())
        assert "the quotes give the year but not the" in str(info.value)


@pytest.mark.parametrize("quote", ["About 0 people and 5,000 soldiers came.", "Some 2.5 percent of them agreed."])
def test_a_number_is_not_grounded_by_digits_of_a_larger_number(make_project, quote):
    facts = [{"id": "q", "kind": "quantity", "subject": "soldiers came", "value": 5, "evidence": [{"source": "report", "quote": quote}]}]
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(make_project(facts, documents={"report": quote}).deck())
    assert "value '5' does not occur in the fact's quotes" in str(info.value)


@pytest.mark.parametrize("value", [".inf", ".nan", "1" + "0" * 300])
def test_numbers_must_be_finite_and_sane(make_project, value):
    deck = (
        "deck: {id: n, title: N, corpus: ../seeds}\nfacts:\n  - id: q\n    kind: quantity\n    subject: ships\n"
        f"    value: {value}\n    evidence: [{{source: report, quote: 'Eighty-one countries answered the US call'}}]\n"
    )
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(make_project(deck=deck).deck())
    assert "'value' must be a finite number below 1,000,000,000,000,000" in str(info.value)


def test_deck_level_mistakes_are_located(make_project):
    data = deck_data(disable_templates=["clozee"], title=["a", "b"])
    data["facts"] = copy.deepcopy(FACTS)
    data["facts"][0]["note"] = ["not", "text"]
    data["templates"] = [{"id": "cloze", "applies_to": ["vote"], "prompt": "Which body?", "answer": "body"}]
    project = make_project(deck=data)
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(project.deck())
    text = str(info.value)
    assert "error: deck: disable_templates names unknown template 'clozee'; did you mean 'cloze'?" in text
    assert "error: deck: 'title' must be text, found a list" in text
    assert "error: fact 'unsc-vote': 'note' must be text, found a list" in text
    assert "error: template id 'cloze' is a built-in template's id; choose another id" in text
    assert all(p.location and p.location.line > 0 for p in info.value.problems)


@pytest.mark.parametrize(
    "line, message",
    [
        ("id: report", None),
        ("id: ../../x y", "source id '../../x y' must be lower-case letters, digits, '.', '_' or '-'"),
    ],
)
def test_catalog_source_ids_are_slugs(make_project, line, message):
    project = make_project()
    project.edit_catalog("id: report", line)
    if message is None:
        studykit.load_deck(project.deck())
        return
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(project.deck())
    assert message in str(info.value)


def test_catalog_urls_are_web_addresses(make_project):
    project = make_project()
    project.edit_catalog("date_basis: given for the test", "date_basis: given for the test\n  url: javascript:alert(1)")
    with pytest.raises(studykit.LoadError) as info:
        studykit.load_deck(project.deck())
    assert "source 'report': 'url' must be an http or https address, not 'javascript:alert(1)'" in str(info.value)


def test_two_decks_with_one_id_are_named(make_project, in_dir, capsys):
    project = make_project()
    (project.decks / "copy.yaml").write_text(project.deck().read_text())
    with in_dir(project.root):
        assert main(["lint"]) == 1
    assert "deck files decks/copy.yaml and decks/test.yaml share the deck id 'test-deck'" in capsys.readouterr().err

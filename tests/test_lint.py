"""Lint rules: each one fires on a bad example and stays quiet on a good one (studykit.lint)."""

from __future__ import annotations

import copy

import pytest
from conftest import DOCUMENT, ENTITIES, FACTS, deck_data

import studykit
from studykit import quiz, vocabulary
from studykit.lint import RULES, cue_figures, figures, lint, sheet, version_leaks
from studykit.model import Question, QuestionSet

#: The fixture's entities, with the groups, related forms and 'since' years the rules read.
RICH = {
    "Russia": {"groups": ["unsc-permanent-member"], "related": ["Russian", "Kremlin"], "since": 1991},
    "China": {"groups": ["unsc-permanent-member"]},
    "India": {"groups": ["unsc-member-2022"]},
    "the Soviet Union": {"groups": ["unsc-permanent-member"], "since": 1922},
    "Israel": {"related": ["Israeli"], "since": 1948},
}
EXTRA = """\
More votes

In 2014 the UN General Assembly voted on the resolution condemning the Russian takeover of Crimea and Ukraine's integrity.
In 2022 the UN General Assembly voted on the resolution condemning the Russian invasion of Ukraine's territory.
In 2010 the UN General Assembly voted on the budget of the peacekeeping missions.
"""
VOTES = [
    {"id": "crimea-vote", "kind": "vote", "topic": "un", "body": "the UN General Assembly", "date": 2014,
     "motion": "the resolution condemning the Russian takeover of Crimea and Ukraine's integrity", "absent": ["Israel"],
     "paraphrase": ["absent"], "evidence": [{"source": "extra", "quote": "In 2014 the UN General Assembly voted on the resolution"}]},
    {"id": "invasion-vote", "kind": "vote", "topic": "un", "body": "the UN General Assembly", "date": 2022,
     "motion": "the resolution condemning the Russian invasion of Ukraine's territory", "in_favor": ["Israel"],
     "paraphrase": ["in_favor"], "evidence": [{"source": "extra", "quote": "In 2022 the UN General Assembly voted on the resolution"}]},
    {"id": "budget-vote", "kind": "vote", "topic": "un", "body": "the UN General Assembly", "date": 2010,
     "motion": "the budget of the peacekeeping missions", "in_favor": ["Israel"],
     "paraphrase": ["in_favor"], "evidence": [{"source": "extra", "quote": "In 2010 the UN General Assembly voted on the budget"}]},
]


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    from conftest import Project

    root = tmp_path_factory.mktemp("lint") / "project"
    project = Project(root)
    project.seeds.mkdir(parents=True)
    project.decks.mkdir()
    import yaml

    sources = []
    for i, (source_id, text) in enumerate({"report": DOCUMENT, "extra": EXTRA}.items()):
        (project.seeds / f"{i:03d}_{source_id}.txt").write_text(text, encoding="utf-8")
        sources.append({"id": source_id, "file": f"{i:03d}_{source_id}.txt", "title": source_id, "outlet": "The Test Times",
                        "author": None, "published": "2022-02-25", "date_basis": "given for the test"})
    (project.seeds / "catalog.yaml").write_text(yaml.safe_dump({"title": "Test", "sources": sources}), encoding="utf-8")
    entities = copy.deepcopy(ENTITIES) + [{"name": "Ukraine", "type": "country", "related": ["Ukrainian"], "aliases": ["Kyiv"]}]
    for entity in entities:
        entity.update(RICH.get(entity["name"], {}))
    data = deck_data(copy.deepcopy(FACTS) + VOTES)
    data["entities"] = entities
    return studykit.load_deck(project.write_deck(data))


def q(qid, prompt, answers, options=(), *, type=None, answer_type="text", ordered=False, cloze=None, topic=None, family=None):
    fact, template = qid.split("/")
    kind = type or ("cloze" if cloze else "single" if options else "short")
    return Question(qid, fact, template, family or template, kind, answer_type, prompt, tuple(options), tuple(answers), "", (),
                    topic=topic, cloze=cloze, ordered=ordered)


def codes(deck, *questions, deck_wide=True):
    findings = lint(QuestionSet(deck, tuple(questions), 0), deck_wide=deck_wide)
    return [f.code for f in findings if f.severity != "info"], findings


def messages(findings, code):
    return [f.message for f in findings if f.code == code]


# --- question by question ------------------------------------------------------------------------


def test_l018_wrong_options_out_of_role(deck):
    vetoed = q("unsc-vote/who-vetoed", "Which country vetoed the draft resolution on Ukraine in 2022?", ["Russia"],
               ["China", "India", "Russia"], answer_type="country")
    found, findings = codes(deck, vetoed, deck_wide=False)
    assert messages(findings, "L018") == [
        "wrong option 'India' shares none of the answer's groups (unsc-permanent-member): implausible for the role"
    ]
    person = q("unsc-vote/who-vetoed", vetoed.prompt, ["Russia"], ["China", "Noa Furman", "Russia"], answer_type="country")
    assert messages(codes(deck, person, deck_wide=False)[1], "L018") == ["wrong option 'Noa Furman' is a person, the answer a country"]
    good = q("unsc-vote/who-vetoed", vetoed.prompt, ["Russia"], ["China", "the Soviet Union", "Russia"], answer_type="country")
    assert "L018" not in codes(deck, good, deck_wide=False)[0]


def test_l019_a_wrong_option_that_did_not_exist_yet(deck):
    partition = q("partition-vote/who-voted-for", "Which country voted in favour of the partition plan in 1947?",
                  ["the Soviet Union"], ["China", "Israel", "the Soviet Union"], answer_type="country")
    assert messages(codes(deck, partition, deck_wide=False)[1], "L019") == ["wrong option 'Israel' did not exist in 1947 (since 1948)"]
    later = q("ties-cut/who-did", "Who cut diplomatic ties with Israel in 1967?", ["the Soviet Union"], ["China", "India", "the Soviet Union"])
    assert "L019" not in codes(deck, later, deck_wide=False)[0]


def test_l020_the_answer_still_visible_beside_a_blank(deck):
    related = q("unsc-vote/cloze", "Ultimately, _____ vetoed the Russian draft.", ["Russia"],
                cloze=("Ultimately, ", "Russia", " vetoed the Russian draft."))
    assert messages(codes(deck, related, deck_wide=False)[1], "L020") == ["the card still shows 'Russian', a form of 'Russia', beside the blank"]
    alias = q("unsc-vote/cloze", "India, _____ and China abstained; the UAE said.", ["United Arab Emirates"],
              cloze=("India, ", "United Arab Emirates", " and China abstained; the UAE said."))
    assert "L020" in codes(deck, alias, deck_wide=False)[0]
    clean = q("unsc-vote/cloze", "Ultimately, _____ vetoed the resolution.", ["Russia"], cloze=("Ultimately, ", "Russia", " vetoed the resolution."))
    assert "L020" not in codes(deck, clean, deck_wide=False)[0]


@pytest.mark.parametrize(
    ("cloze", "why"),
    [
        (("Ultimately, Russia vetoed ", "the", " resolution."), "is a function word"),
        (("", "Eighty-one", " countries answered the US call."), "is a number word"),
        (("The 1967 war marked a moment as the Soviet Union cut ties with ", "Israel", "."), "is what the deck is about"),
        (("Ultimately, Rus", "sia", " vetoed the resolution."), "starts or ends inside a word"),
    ],
)
def test_l021_trivial_blanks(deck, cloze, why):
    blank = q("ties-cut/cloze", "".join((cloze[0], "_____", cloze[2])), [cloze[1]], cloze=cloze)
    assert any(why in m for m in messages(codes(deck, blank, deck_wide=False)[1], "L021"))


def test_l021_an_acronym_is_no_function_word_and_the_subject_is_computed(deck):
    assert vocabulary.vocabulary(deck).subject.name == "Israel"  # named in the most facts' values, not hard-coded
    us = q("cosponsors/cloze", "Eighty-one countries answered _____ call.", ["the US"], cloze=("Eighty-one countries answered ", "the US", " call."))
    assert "L021" not in codes(deck, us, deck_wide=False)[0]


def test_l023_a_wrong_reason_bound_to_another_actor(deck):
    why = q("airspace/which-rationale", "According to a minister, what was the reason Israel avoided a public clash?",
            ["Russia controls the airspace over Syria"],
            ["Russia controls the airspace over Syria", "It feared for its Jewish community in Russia", "a diplomats' strike"],
            answer_type="rationale")
    assert messages(codes(deck, why, deck_wide=False)[1], "L023") == [
        "wrong option 'It feared for its Jewish community in Russia' says 'It' of another actor; write it without the pronoun, or curate it"
    ]
    neutral = q("airspace/which-rationale", why.prompt, why.answers, [why.answers[0], "a diplomats' strike", "the vote came too early"],
                answer_type="rationale")
    assert "L023" not in codes(deck, neutral, deck_wide=False)[0]


def test_l025_the_stem_shows_the_answer_in_another_form(deck):
    asked = q("ties-cut/who-did", "Which country's troops crossed into Ukrainian territory in 1967?", ["Ukraine"],
              ["India", "China", "Ukraine"], answer_type="country")
    assert messages(codes(deck, asked, deck_wide=False)[1], "L025") == ["the stem shows 'Ukrainian', a form of the answer 'Ukraine'"]
    plain = q("ties-cut/who-did", "Which country's troops crossed the border in 1967?", ["Ukraine"], ["India", "China", "Ukraine"])
    assert "L025" not in codes(deck, plain, deck_wide=False)[0]


def test_l026_a_dated_fact_asked_without_its_year(deck):
    undated = q("ties-cut/who-did", "Who cut diplomatic ties with Israel?", ["the Soviet Union"], ["China", "India", "the Soviet Union"])
    assert "L026" in codes(deck, undated, deck_wide=False)[0]
    dated = q("ties-cut/who-did", "Who cut diplomatic ties with Israel in 1967?", ["the Soviet Union"], ["China", "India", "the Soviet Union"])
    quoted = q("ties-cut/who-said", "Who said “we cut our ties with them for good”?", ["the Soviet Union"], ["China", "India", "the Soviet Union"])
    year = q("ties-cut/what-year", "In what year did the Soviet Union cut ties with Israel?", ["1967"], ["1956", "1967", "1973"],
             answer_type="year", ordered=True)
    for good in (dated, quoted, year):
        assert "L026" not in codes(deck, good, deck_wide=False)[0], good.prompt


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("Who cut the the ties with Israel in 1967?", "doubled word 'the the'"),
        ("Who cut ties with a Israeli envoy in 1967?", "'a Israeli': use an"),
        ("Who cut ties with an Soviet envoy in 1967?", "'an Soviet': use a"),
        ("Who cut ties with Israel's “friend” in 1967's war?", None),
        ("Who cut ties with Israel's \"friend\" in 1967’s war?", "straight and curly quotes mixed in one stem"),
    ],
)
def test_l027_language(deck, prompt, message):
    found = messages(codes(deck, q("ties-cut/who-did", prompt, ["the Soviet Union"]), deck_wide=False)[1], "L027")
    assert found == ([message] if message else [])


def test_l027_leaves_acronyms_and_u_words_alone(deck):
    for prompt in ("Who met a UN envoy in 1967?", "Who met an MP in 1967?", "Who met a Ukrainian envoy in 1967?", "Who met an hour later in 1967?"):
        assert "L027" not in codes(deck, q("ties-cut/who-did", prompt, ["the Soviet Union"]), deck_wide=False)[0], prompt


def test_l028_a_time_relative_to_the_article(deck):
    relative = q("ties-cut/who-did", "Who cut diplomatic ties with Israel two weeks ago?", ["the Soviet Union"])
    assert messages(codes(deck, relative, deck_wide=False)[1], "L028") == ["'two weeks ago' is relative to the article: give the date instead"]
    option = q("strike/which-rationale", "Why did Israel stay away from the vote in 2014?", ["a strike"], ["a strike", "the vote on Tuesday", "an illness"])
    assert "L028" in codes(deck, option, deck_wide=False)[0]
    quoted = q("furman/who-said", "Who said “we will stop the attack today”?", ["Noa Furman"])
    assert "L028" not in codes(deck, quoted, deck_wide=False)[0]


# --- across the deck ------------------------------------------------------------------------------


def test_l022_interference_between_two_votes_of_one_body(deck):
    asks = [
        q(f"{vote}/what-year", f"In what year did the UN General Assembly vote on {deck.fact(vote).get('motion')}?", [year],
          sorted({"2010", "2014", "2018", "2022"}), answer_type="year", ordered=True)
        for vote, year in (("crimea-vote", "2014"), ("invasion-vote", "2022"), ("budget-vote", "2010"))
    ]
    found = messages(codes(deck, *asks)[1], "L022")
    assert found == [
        "reads like 'invasion-vote/what-year' (2022): both are about condemning, resolution, russian, ukraine; "
        "add the words that tell 2014 from 2022"
    ]


def ordered_items(positions, k=4):
    years = [str(1990 + i) for i in range(k)]
    return [q(f"f{i}/what-year", f"In what year did event {i} happen?", [years[p]], years, answer_type="year", ordered=True)
            for i, p in enumerate(positions)]


def unordered_items(positions):
    items = []
    for i, p in enumerate(positions):
        options = [f"Name{i}x{j}" for j in range(4)]
        items.append(q(f"u{i}/who", f"Who did thing {i}?", [options[p]], options))
    return items


def test_l011_and_l015_key_positions_are_tested_apart(deck):
    skewed_ordered = ordered_items([3] * 30 + [0, 1, 2] * 4)
    balanced_unordered = unordered_items([0, 1, 2, 3] * 10)
    found, findings = codes(deck, *skewed_ordered, *balanced_unordered)
    assert "L015" in found and "L011" not in found
    found, findings = codes(deck, *ordered_items([0, 1, 2, 3] * 10), *unordered_items([0] * 30 + [1, 2, 3] * 4))
    assert "L011" in found and "L015" not in found
    assert any(m.startswith("key position, ordered 4-option items (n = 40): A 10 · B 10 · C 10 · D 10") for m in messages(findings, "L029"))


def test_l016_the_extreme_key(deck):
    found, findings = codes(deck, *ordered_items([0, 3] * 20))
    assert "L016" in found
    assert cue_figures(QuestionSet(deck, tuple(ordered_items([0, 3] * 20)), 0))["extreme_key"]["score"] == 1.0
    assert "L016" not in codes(deck, *ordered_items([0, 1, 2, 3] * 10))[0]
    assert "L016" not in codes(deck, *ordered_items([0, 3] * 5))[0]  # too few items to mean anything


def guesser_warnings(deck, items):
    return [m for m in messages(codes(deck, *items)[1], "L017")]


def test_l017_the_longest_option(deck):
    items = [q(f"u{i}/why", f"Why did thing {i} happen?", ["because of a very long and detailed reason"],
               [f"reason {i}", "because of a very long and detailed reason", f"cause {i}", f"motive {i}"], answer_type="rationale")
             for i in range(40)]
    assert any("picks the option longest" in m for m in guesser_warnings(deck, items))
    fair = [q(f"u{i}/why", f"Why did thing {i} happen?", [f"reason {i}"], [f"reason {i}", f"causes {i}", f"motive {i}", f"mood {i}"],
              answer_type="rationale") for i in range(40)]
    assert not any("longest" in m for m in guesser_warnings(deck, fair))


def test_l017_the_middle_value(deck):
    assert any("middle value" in m for m in guesser_warnings(deck, ordered_items([1, 2] * 20)))
    assert not any("middle value" in m for m in guesser_warnings(deck, ordered_items([0, 1, 2, 3] * 10)))


def test_l017_the_option_most_like_the_others(deck):
    items = [q(f"u{i}/who", f"Who did thing {i}?", ["abcd efgh"], ["abcd xyzw", "abcd efgh", "mnop efgh", f"qrst uv{i:02d}"]) for i in range(40)]
    assert any("most similar" in m for m in guesser_warnings(deck, items))


def test_l017_the_option_most_frequent_in_the_corpus(deck):
    items = [q(f"u{i}/who", f"Which country did thing {i}?", ["Russia"], ["China", "India", "Russia", "the Soviet Union"]) for i in range(40)]
    assert any("most frequent in the corpus" in m for m in guesser_warnings(deck, items))
    assert cue_figures(QuestionSet(deck, tuple(items), 0))["guessers"]["most frequent in the corpus"]["score"] == 1.0


def test_l017_an_option_named_in_another_stem(deck):
    items = []
    for i in range(40):
        options = [f"Name{i}", f"Other{i}a", f"Other{i}b"]
        items.append(q(f"u{i}/who", f"Who did thing {i} after Name{(i + 1) % 40} left?", [f"Name{i}"], options))
    assert any("named in another stem" in m for m in guesser_warnings(deck, items))
    figures_ = cue_figures(QuestionSet(deck, tuple(items), 0))["guessers"]["named in another stem"]
    assert figures_["score"] == 1.0 and abs(figures_["chance"] - 1 / 3) < 1e-9


def test_the_figures_are_data_and_info_lines(deck):
    qset = QuestionSet(deck, tuple(ordered_items([0, 1, 2, 3] * 10) + unordered_items([0, 1, 2, 3] * 10)), 0)
    data = figures(qset)
    assert set(data["cues"]) == {"key_position", "extreme_key", "guessers"}
    assert set(data["cues"]["guessers"]) == {"always True", "longest", "shortest", "middle value", "most similar", "most frequent in the corpus",
                                               "most like the documents' wording", "named in another stem"}
    position = data["cues"]["key_position"]["ordered"][4]
    assert position["counts"] == [10, 10, 10, 10] and position["chi2"] == 0 and position["p"] == 1.0
    assert data["cues"]["extreme_key"]["chance"] == 0.5 and data["cues"]["extreme_key"]["score"] == 0.5
    infos = [f for f in lint(qset) if f.code in ("L029", "L030")]
    assert infos and all(f.severity == "info" for f in infos)
    assert any("guesser 'middle value': 25% of 40 items vs chance 25% (+0 points)" in f.message for f in infos)


# --- sheets ---------------------------------------------------------------------------------------


def test_l024_a_version_that_gives_an_answer_away(deck, monkeypatch):
    questions = studykit.generate(deck)
    assert "L024" not in [f.code for f in lint(questions)]  # selection obeys the rule lint checks
    # a selection that ignored it (every question, two on one fact) is caught
    real = quiz.plan_sheet
    monkeypatch.setattr(sheet, "plan_sheet", lambda pool, **kw: real(pool, **{**kw, "count": None}))
    leaked = [f for f in lint(questions) if f.code == "L024"]
    assert leaked and all(f.severity == "warning" for f in leaked)
    assert any("are on the same fact" in f.message for f in leaked)


def test_version_leaks_names_both_questions_and_why(deck):
    asks = q("ties-cut/what-year", "In what year did the Soviet Union cut ties with Israel?", ["1967"], ["1956", "1967", "1973"],
             answer_type="year", ordered=True, topic="history")
    states = q("partition-vote/true-false", "True or false: the Soviet Union broke with Israel in 1967?", ["True"], ["True", "False"],
               type="true_false", topic="history")
    qset = QuestionSet(deck, (asks, states), 0)
    assert version_leaks([asks, states], qset) == [
        ("ties-cut/what-year", "partition-vote/true-false", "the stem of 'partition-vote/true-false' shows '1967', the answer to 'ties-cut/what-year'")
    ]


def test_l030_what_the_build_quiz_and_a_quiz_of_everything_give_away(deck):
    questions = studykit.generate(deck)
    data = sheet.sheet_figures(questions)
    assert data["quiz"]["asked"] == min(30, len(questions)) and data["quiz"]["leaks"] == []
    assert data["quiz"]["questions"] <= len(deck.facts)
    every = data["every_question"]
    assert every["questions"] == len(questions) and every["facts_with_several"] > 0
    notes = [f.message for f in lint(questions) if f.code == "L030"]
    assert notes[0].startswith(f"the build's quiz (version 1, seed 0): {data['quiz']['questions']} of {data['quiz']['asked']} questions")
    assert notes[1].startswith(f"a quiz of every question ({len(questions)}):")


def test_every_rule_has_a_severity_and_a_text():
    assert all(severity in ("error", "warning", "info") and text for severity, text in RULES.values())
    assert [code for code in RULES] == [f"L{n:03d}" for n in range(1, 31)]


@pytest.mark.parametrize("x", [0.1, 1, 3, 7.1, 20, 100, 886.6])
def test_the_chi_square_tail_is_right_far_out(x):
    """Closed forms: 2 degrees of freedom exp(-x/2); 4 degrees exp(-x/2)(1 + x/2). The series
    alone stopped short for large x (886.6 read as p = 0.004)."""
    import math

    from studykit.lint import chi2_sf

    assert math.isclose(chi2_sf(x, 2), math.exp(-x / 2), rel_tol=1e-9)
    assert math.isclose(chi2_sf(x, 4), math.exp(-x / 2) * (1 + x / 2), rel_tol=1e-9)


def test_a_guesser_that_picks_the_reason_worded_as_the_documents_are(make_project):
    """Review 19: reasons lifted from the article beside wrong reasons written new — a student who
    picks the option that sounds like the text scored 81 % on the rationale items."""
    facts = copy.deepcopy(FACTS)
    strike = next(f for f in facts if f["id"] == "strike")
    strike["distractors"] = {"rationale": ["a boycott of the session", "a protest against the agenda", "an instruction from Washington"]}
    project = make_project(documents={"report": DOCUMENT})
    qset = studykit.generate(studykit.load_deck(project.write_deck(deck_data(facts))))
    guesser = cue_figures(qset)["guessers"]["most like the documents' wording"]
    assert guesser["n"] == 1 and guesser["score"] == 1.0  # the key, "a diplomats’ strike", is the document's phrase
    strike["distractors"]["rationale"][0] = "fear for the airspace over Syria"  # a wrong reason in the document's words
    qset = studykit.generate(studykit.load_deck(project.write_deck(deck_data(facts))))
    assert cue_figures(qset)["guessers"]["most like the documents' wording"]["score"] < 1.0


def test_a_guesser_that_picks_the_shortest_option():
    """Review 20: a key half as long as its wrong options stands out as much as the longest."""
    from studykit.lint.cues import _shortest

    q = Question(id="f/t", fact="f", template="t", family="rationale", type="single", answer_type="rationale",
                 prompt="Why?", options=("A much longer wrong reason", "Short key", "Another long wrong reason"),
                 answers=("Short key",), explanation="", evidence=())
    assert _shortest(q) == {1}


def test_l012_the_key_is_the_longest_or_the_shortest_option_too_often():
    from studykit.lint.cues import length_extreme_key

    def item(n: int, key: str, wrong: tuple[str, ...]) -> Question:
        return Question(id=f"f{n}/t", fact=f"f{n}", template="t", family="rationale", type="single", answer_type="rationale",
                        prompt="Why?", options=(key, *wrong), answers=(key,), explanation="", evidence=())

    medium, long_, short = ("A reason of medium length", "A reason that is longer than the others", "Brief")
    shortest = tuple(item(n, "Key", (medium, medium + "!")) for n in range(5))
    assert [m for _, m in length_extreme_key(shortest)] == [
        "the key is the shortest option in 5 of 5 text questions: even out the lengths of the key and its wrong options"]
    longest = tuple(item(n, long_ + " by far", (medium, short)) for n in range(5))
    assert [m for _, m in length_extreme_key(longest)] == [
        "the key is the longest option in 5 of 5 text questions: even out the lengths of the key and its wrong options"]
    level = tuple(item(n, medium, (long_, short)) for n in range(5))  # the key in the middle every time
    assert list(length_extreme_key(level)) == []
    assert list(length_extreme_key(shortest[:4])) == []  # too few questions to tell


# --- the first rules (L001–L010, L014) ------------------------------------------------------------

FOUR = ("Russia", "China", "India", "Brazil")


@pytest.mark.parametrize("code, question", [
    ("L001", q("f/a", "Who vetoed it?", ["Russia"], ("Russia", "China", "china", "India"))),
    ("L002", q("f/b", "Who vetoed it?", ["Kenya"], FOUR)),
    ("L003", q("f/c", "Who vetoed it?", ["Russia"], ("Russia", "China"))),
    ("L004", q("f/d", "Who vetoed it?", ["Russia"], ("Russia", "China", "India", "None of the above"))),
    ("L006", q("f/e", "In what year?", ["2014"], ("2014", "2010", "2018", "2022"), answer_type="year", ordered=True)),
    ("L007", q("f/f", "Name who vetoed it", ["Russia"], FOUR)),
    ("L008", q("f/g", "Who vetoed {{ motion }}?", ["Russia"], FOUR)),
    ("L009", q("f/h", "Who vetoed it, Russia or another member?", ["Russia"], FOUR)),
])
def test_the_first_rules_fire_on_a_bad_item(deck, code, question):
    found, _ = codes(deck, question, deck_wide=False)
    assert code in found
    fair = q("f/z", "Who vetoed it?", ["Russia"], FOUR)
    assert code not in codes(deck, fair, deck_wide=False)[0]


def test_l005_text_options_of_very_different_lengths(deck):
    options = ("It feared the vote", "It had promised Ukraine a vote within a day of the invasion, as it had said", "No", "It wanted a delay")
    found, _ = codes(deck, q("f/a", "Why?", ["It feared the vote"], options), deck_wide=False)
    assert "L005" in found


def test_l014_identical_and_l010_near_identical_stems(deck):
    same = [q("a/t", "Who vetoed the draft resolution on Ukraine?", ["Russia"], FOUR, family="who"),
            q("b/t", "Who vetoed the draft resolution on Ukraine?", ["Russia"], FOUR, family="who")]
    assert "L014" in codes(deck, *same)[0]
    near = [q("a/t", "In February 2022, who vetoed the draft resolution on Ukraine?", ["Russia"], FOUR, family="who"),
            q("b/t", "In February 2022, who vetoed the draft resolutions on Ukraine?", ["China"], FOUR, family="who")]
    found, findings = codes(deck, *near)
    assert "L010" in found and messages(findings, "L010") == ["stem is near-identical to 'b/t' but the answer differs"]
    apart = [near[0], q("b/t", "In March 2014, who abstained on the General Assembly's resolution on Crimea?", ["China"], FOUR, family="who")]
    assert "L010" not in codes(deck, *apart)[0]


def test_near_identical_stems_are_the_same_with_either_bound(monkeypatch):
    """A few pairs are bounded by difflib's quick_ratio (no rapidfuzz import), many by rapidfuzz's
    Indel similarity: both are upper bounds of the ratio, so the findings are the same."""
    import random

    from studykit.lint import pairs

    rng = random.Random(3)
    words = ["vote", "council", "Israel", "Ukraine", "Russia", "abstained", "said", "minister"]
    stems = [" ".join(f"{rng.choice(words)}{rng.randint(0, 99)}" for _ in range(8)) for _ in range(40)]
    stems += [s[:5] + "#" + s[6:] for s in stems[:20]] + [s[:12] + s[13:] for s in stems[:20:2]]
    questions = tuple(q(f"f{n}/who", s + "?", [f"Answer {n}"], family="who") for n, s in enumerate(stems))
    found = {}
    for threshold in (0, 10**9):  # always rapidfuzz, never rapidfuzz
        monkeypatch.setattr(pairs, "_RAPIDFUZZ_PAIRS", threshold)
        found[threshold] = list(pairs.near_identical(questions))
    assert len([f for f in found[0] if f[0] == "L010"]) >= 20
    assert found[0] == found[10**9]


def test_candidate_pairs_of_a_large_family_miss_no_near_identical_pair():
    """Beyond _PAIRWISE_MAX texts the pairs come from prefix filtering: every pair whose difflib
    ratio is over 0.95 must still be among them (texts without shared template wording)."""
    import difflib
    import random

    from studykit.lint.pairs import _PAIRWISE_MAX, candidate_pairs

    rng = random.Random(7)
    words = ["vote", "council", "Israel", "Ukraine", "Russia", "abstained", "said", "minister", "envoy", "Crimea"]
    texts = [" ".join(f"{rng.choice(words)}{rng.randint(0, 9999)}" for _ in range(10)) for _ in range(_PAIRWISE_MAX + 60)]
    for n in range(0, 60, 2):  # near copies: one letter changed, one dropped, a repeated gram added
        t = texts[n]
        texts += [t[:7] + "#" + t[8:], t[:20] + t[21:], t + t[-4:]]
    found = set(candidate_pairs(texts))
    close = {(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
             if difflib.SequenceMatcher(None, texts[i], texts[j]).ratio() > 0.95}
    assert len(close) >= 90 and close <= found
    assert len(found) < len(texts) ** 2 / 8  # and far from every pair

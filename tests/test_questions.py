"""Question generation: families, determinism, and wrong options that are never secretly true."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

import pytest
import yaml
from conftest import DOCUMENT, FACTS, ROOT, deck_data, facts_with
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import studykit
from studykit.corpus import fold
from studykit.distractors import event_key, vote_key
from studykit.lint import lint
from studykit.model import CLOZE_BLANK, QUESTION_TYPES, VOTE_POSITIONS

COUNTRIES = ["Arland", "Borduria", "Carpania", "Dorvik", "Elbonia", "Freedonia", "Genovia", "Hyrkania", "Ilyria"]
PEOPLE = ["Ann Abel", "Ben Brook", "Cal Crane", "Dee Dunn", "Eve Eads", "Finn Ford"]
ACTIONS = ["signed the accord", "opened an embassy", "closed the border", "sent an envoy"]
REASONS = ["trade mattered most", "security came first", "allies insisted", "voters demanded it", "the treaty required it"]
POSITIONS_SAID = ["we stand firm", "peace is possible", "talks will continue", "the vote was wrong"]
SUBJECTS = ["ships were sent", "envoys attended", "votes were cast"]


def with_fact(make_project, fact, text, **deck_keys):
    """The question set of the fixture deck plus ``fact``, whose sentence ``text`` is appended to
    the fixture document (``text`` may carry sentences before the quote)."""
    facts = facts_with()
    facts.append(fact)
    project = make_project(facts, documents={"report": DOCUMENT + "\n" + text + "\n"}, **deck_keys)
    return studykit.generate(studykit.load_deck(project.deck()))


@st.composite
def random_deck(draw):
    """A deck of random facts and a document that grounds them, with repeated reports on purpose."""
    facts, lines = [], ["Generated corpus", ""]

    def add(fact, sentence):
        fact["evidence"] = [{"source": "doc", "quote": sentence}]
        facts.append(fact)
        lines.append(sentence)

    n = 0
    for _ in range(draw(st.integers(1, 3))):  # votes, sometimes reported twice with other actors
        date = f"20{draw(st.integers(10, 22))}-0{draw(st.integers(1, 9))}-1{draw(st.integers(0, 9))}"
        actors = draw(st.lists(st.sampled_from(COUNTRIES), min_size=2, max_size=6, unique=True))
        positions = {}
        for actor in actors:
            positions.setdefault(draw(st.sampled_from(list(VOTE_POSITIONS))), []).append(actor)
        for report in range(draw(st.integers(1, 2))):
            n += 1
            part = {p: a for p, a in positions.items() if report == 0 or draw(st.booleans())} or positions
            words = "; ".join(f"{', '.join(a)} {p.replace('_', ' ')}" for p, a in part.items())
            add({"id": f"v{n}", "kind": "vote", "body": "the Council", "motion": f"motion {date}", "date": date, **part},
                f"Record {n}: on {date} at the Council, {words}.")
    for _ in range(draw(st.integers(1, 5))):  # events, some reported twice with the same year
        n += 1
        actor, action, year = draw(st.sampled_from(COUNTRIES)), draw(st.sampled_from(ACTIONS)), draw(st.integers(1950, 2020))
        add({"id": f"e{n}", "kind": "event", "actor": actor, "action": action, "date": year,
             "distractors": {"actor": [c for c in COUNTRIES if c != actor][:2]}},
            f"Record {n}: {actor} {action} in {year}.")
    for _ in range(draw(st.integers(1, 5))):  # stances, some sharing actor and position
        n += 1
        actor, reason = draw(st.sampled_from(COUNTRIES[:3])), draw(st.sampled_from(REASONS))
        position = draw(st.sampled_from(["stayed neutral", "kept quiet"]))
        add({"id": f"s{n}", "kind": "stance", "actor": actor, "position": position, "rationale": reason},
            f"Record {n}: {actor} {position} because {reason}.")
    for _ in range(draw(st.integers(1, 5))):  # statements, the same words sometimes from two speakers
        n += 1
        speaker, said = draw(st.sampled_from(PEOPLE)), draw(st.sampled_from(POSITIONS_SAID))
        add({"id": f"t{n}", "kind": "statement", "speaker": speaker, "said": said},
            f"Record {n}: {speaker} said “{said}”.")
    for _ in range(draw(st.integers(1, 4))):
        n += 1
        subject, value = draw(st.sampled_from(SUBJECTS)), draw(st.integers(1, 5000))
        add({"id": f"q{n}", "kind": "quantity", "subject": subject, "value": value},
            f"Record {n}: {value} {subject}.")
    entities = [{"name": c, "type": "country"} for c in COUNTRIES] + [{"name": p, "type": "person"} for p in PEOPLE]
    deck = {"deck": {"id": "random", "title": "Random", "corpus": "../seeds"}, "entities": entities, "facts": facts}
    return deck, "\n".join(lines) + "\n"


TEMPLATE_POSITION = {
    "who-abstained": "abstained",
    "who-vetoed": "vetoed",
    "who-voted-for": "in_favor",
    "who-voted-against": "against",
    "who-was-absent": "absent",
    "who-co-sponsored": "co_sponsored",
}


def stance_key(fact):
    return fold(fact.fields["actor"]), fold(fact.fields["position"])


def truths(deck):
    """What the facts make true, computed independently of the generator."""
    votes, years, rationales, speakers, values = {}, {}, {}, {}, {}
    for f in deck.facts:
        if f.kind == "vote":
            for p in VOTE_POSITIONS:
                for a in f.fields.get(p, ()):
                    votes.setdefault(vote_key(f), set()).add((a, p))
            years.setdefault(vote_key(f), set()).add(f.fields["date"][:4])
        elif f.kind == "event":
            years.setdefault(event_key(f), set()).add(f.fields["date"][:4])
        elif f.kind == "stance":
            rationales.setdefault(stance_key(f), set()).add(f.fields["rationale"])
        elif f.kind == "statement":
            speakers.setdefault(f.fields["said"], set()).add(f.fields["speaker"])
        elif f.kind == "quantity":
            values.setdefault(f.fields["subject"], set()).add(f"{f.fields['value']:,}")
    return votes, years, rationales, speakers, values


def assert_no_true_distractor(deck, qset):
    votes, years, rationales, speakers, values = truths(deck)
    for q in qset:
        fact = deck.fact(q.fact)
        wrong = [o for o in q.options if o not in q.answers]
        if q.template.startswith("who-") and fact.kind == "vote":
            position = TEMPLATE_POSITION[q.template]
            assert set(q.answers) <= set(fact.fields[position]), q.id
            for option in wrong:
                assert (option, position) not in votes[vote_key(fact)], (q.id, option)
        elif q.template == "what-year":
            key = vote_key(fact) if fact.kind == "vote" else event_key(fact)
            assert not set(wrong) & years[key], q.id
        elif q.template == "which-rationale":
            assert not set(wrong) & rationales[stance_key(fact)], q.id
        elif q.template == "who-said":
            assert not set(wrong) & speakers[fact.fields["said"]], q.id
        elif q.template == "how-many":
            assert not set(wrong) & values[fact.fields["subject"]], q.id
        elif q.template == "true-false-twin" and fact.kind == "vote":
            assert not any(f"{a} {VOTE_POSITIONS[p]} " in q.prompt for a, p in votes[vote_key(fact)]), q.id
        elif q.template == "true-false-twin" and fact.kind == "statement":
            assert not any(re.search(rf"(: |, ){re.escape(s)} said", q.prompt) for s in speakers[fact.fields["said"]]), q.id


def write_project(tmp_path, deck, document):
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "decks").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "doc.txt").write_text(document, encoding="utf-8")
    catalog = {"sources": [{"id": "doc", "file": "doc.txt", "title": "Doc", "outlet": "Gen", "published": "2022", "date_basis": "test"}]}
    (tmp_path / "seeds" / "catalog.yaml").write_text(yaml.safe_dump(catalog))
    path = tmp_path / "decks" / "random.yaml"
    path.write_text(yaml.safe_dump(json.loads(json.dumps(deck)), sort_keys=False, allow_unicode=True))
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(random_deck(), st.integers(0, 2**16))
def test_random_decks_give_sound_questions(tmp_path, generated, seed):
    deck_yaml, document = generated
    deck = studykit.load_deck(write_project(tmp_path, deck_yaml, document))
    qset = studykit.generate(deck, seed=seed)
    assert len(qset) > 0
    assert_no_true_distractor(deck, qset)
    for q in qset:
        assert q.type in QUESTION_TYPES
        if q.type in ("single", "multiple", "true_false"):
            assert set(q.answers) <= set(q.options), q.id
            assert len(set(q.options)) == len(q.options), q.id
            if q.type != "true_false":
                assert 3 <= len(q.options) <= 5, q.id
        else:
            assert q.options == ()
        for e in q.evidence:
            assert deck.corpus[e.source].text[e.start : e.end] == e.quote
    again = studykit.generate(studykit.load_deck(write_project(tmp_path, deck_yaml, document)), seed=seed)
    assert again.questions == qset.questions
    assert not [f for f in lint(qset) if f.severity == "error"]


def test_fixture_deck_yields_every_family(make_project):
    qset = studykit.generate(studykit.load_deck(make_project().deck()))
    families = {q.family for q in qset}
    assert families == {"who", "year", "date", "rationale", "how-many", "who-said", "true-false", "cloze"}
    types = {q.type for q in qset}
    assert types == {"single", "multiple", "true_false", "short", "cloze"}


def test_multiple_offers_no_other_true_value(make_project):
    qset = studykit.generate(studykit.load_deck(make_project().deck()))
    q = qset.by_id("unsc-vote/who-abstained")
    assert q.type == "multiple"
    assert set(q.answers) == {"India", "United Arab Emirates", "China"}
    assert set(q.options) == {"India", "United Arab Emirates", "China", "Russia"}
    # the time anchor and the body in front: at the end they would attach to the last noun; the
    # count of keys said, or the printed item reads as one answer to circle (review 15)
    assert q.prompt == (
        "On 25 February 2022, at the UN Security Council, which three countries abstained on the draft resolution on Ukraine?"
    )


def test_select_all_of_more_than_four_keys_says_no_count(make_project):
    from conftest import DOCUMENT, deck_data, facts_with

    names = ["Alfa", "Bravo", "Charlie", "Delta", "Echo"]
    line = "In 1990 the Example Council voted on the motion on quotas: " + ", ".join(names) + " abstained, Golf and Hotel voted against."
    facts = facts_with() + [{"id": "quotas", "kind": "vote", "body": "the Example Council", "motion": "the motion on quotas",
                             "date": 1990, "abstained": names, "against": ["Golf", "Hotel"],
                             "evidence": [{"source": "report", "quote": line}]}]
    project = make_project(documents={"report": DOCUMENT + line + "\n"})
    q = studykit.generate(studykit.load_deck(project.write_deck(deck_data(facts)))).by_id("quotas/who-abstained")
    assert q.type == "multiple" and len(q.answers) == 4  # four of the five keys are shown
    assert q.prompt.startswith("In 1990, at the Example Council, which countries abstained")


def test_fallback_to_short_when_too_few_false_options(make_project):
    qset = studykit.generate(studykit.load_deck(make_project().deck()))
    q = qset.by_id("partition-vote/who-voted-for")
    assert q.type == "short" and q.options == () and q.answers == ("the Soviet Union",)
    assert any(f.code == "L013" and f.question == q.id for f in lint(qset))


def test_years_ascending_and_key_position_varies(make_project):
    facts = [
        {"id": f"y{i}", "kind": "event", "actor": "Russia", "action": f"did thing {i}", "date": 1950 + i,
         "evidence": [{"source": "report", "quote": f"In {1950 + i}, Russia did thing {i} again."}]}
        for i in range(40)
    ]
    document = "\n".join(f["evidence"][0]["quote"] for f in facts)
    qset = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}).deck()))
    positions = []
    for q in qset:
        if q.template == "what-year":
            years = [int(o) for o in q.options]
            assert years == sorted(years) and len(years) == 4
            positions.append(q.options.index(q.answers[0]))
    assert set(positions) == {0, 1, 2, 3}


def test_cloze_blanks_a_rare_key_value_in_its_whole_sentence(make_project):
    deck = studykit.load_deck(make_project().deck())
    qset = studykit.generate(deck)
    q = qset.by_id("unsc-vote/cloze")
    before, deleted, after = q.cloze
    assert deleted == "China" and q.answers == ("China",)
    # the whole sentence, after a dateline that says when (the card stands alone)
    assert before.startswith("(The Test Times, 25 February 2022) ")
    assert before.removeprefix("(The Test Times, 25 February 2022) ") + deleted + after in DOCUMENT
    assert q.prompt == before + CLOZE_BLANK + after
    # a figure written in words is never blanked; nor is the deck's ubiquitous subject
    assert "cosponsors/cloze" not in {x.id for x in qset}
    assert all(x.answers != ("Israel",) for x in qset if x.type == "cloze")


def test_a_cloze_shows_the_whole_sentence_and_hides_every_form_of_the_answer(make_project):
    facts = facts_with()
    facts.append({
        "id": "kyiv-upset", "kind": "event", "actor": "Ukraine", "action": "expressed disappointment with Israel",
        "evidence": [{"source": "report", "quote": "Ukraine expressed disappointment with Israel"}],
    })
    document = DOCUMENT + "\nUkraine expressed disappointment with Israel, a Ukrainian source said.\n"
    data = deck_data(facts)
    data["entities"] = [*data["entities"], {"name": "Ukraine", "type": "country", "related": ["Ukrainian"]}]
    project = make_project(facts, documents={"report": document})
    qset = studykit.generate(studykit.load_deck(project.write_deck(data)))
    # the card shows the quote's whole sentence, where "Ukrainian" would give Ukraine away: no cloze
    assert "kyiv-upset/cloze" not in {q.id for q in qset}
    assert "kyiv-upset/who-did" in {q.id for q in qset}


def test_an_article_before_a_blank_goes_into_it(make_project):
    facts = facts_with()
    facts.append({
        "id": "envoy", "kind": "event", "actor": "Oman", "action": "sent an envoy",
        "evidence": [{"source": "report", "quote": "It was an Omani initiative to send an envoy."}],
        "aliases": {"Oman": ["Omani"]},
    })
    document = DOCUMENT + "\nThe talks began in May. It was an Omani initiative to send an envoy.\n"
    qset = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}).deck()))
    q = qset.by_id("envoy/cloze")
    # the article goes into the blank: "an _____" would give its first sound away
    # ("It was …" leans on the sentence before, so the card shows that one too)
    assert q.prompt == "(The Test Times, 25 February 2022) The talks began in May. It was _____ initiative to send an envoy."
    assert q.answers == ("an Omani",)
    assert qset.deck.fact("envoy").answer_spellings("an Omani")[:3] == ("an Omani", "Omani", "Oman")  # also accepted without


def test_explanation_is_one_sentence_with_the_date(make_project):
    qset = studykit.generate(studykit.load_deck(make_project().deck()))
    assert qset.by_id("unsc-vote/who-vetoed").explanation == (
        "On 25 February 2022, the UN Security Council voted on the draft resolution on Ukraine: "
        "India, United Arab Emirates and China abstained; Russia vetoed it."
    )
    assert qset.by_id("ties-cut/what-year").explanation == "In 1967, the Soviet Union cut diplomatic ties with Israel."


def test_adding_a_fact_changes_no_other_question(make_project):
    before = studykit.generate(studykit.load_deck(make_project().deck()))
    facts = copy.deepcopy(FACTS) + [
        {"id": "new-fact", "kind": "event", "actor": "India", "action": "abstained", "date": 2022,
         "evidence": [{"source": "report", "quote": "while India, the UAE and China abstained"}]}
    ]
    after = studykit.generate(studykit.load_deck(make_project(facts).deck()))
    old = {q.id: q for q in before}
    changed = [q.id for q in after if q.id in old and q != old[q.id] and q.template not in ("what-year", "true-false-twin")]
    assert changed == []


def test_same_output_in_separate_processes_with_different_hash_seeds(make_project):
    deck = make_project().deck()
    outputs = []
    for hash_seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-m", "studykit", "export", str(deck)],
            capture_output=True, text=True, env={"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"}, cwd=ROOT, check=True,
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["questions"]


def test_user_template_in_sandbox(make_project):
    from conftest import deck_data

    data = deck_data()
    data["templates"] = [
        {"id": "which-body", "applies_to": ["vote"], "prompt": "Which body voted on {{ motion }} {{ anchor }}?", "answer": "body"},
        {"id": "evil", "applies_to": ["event"], "prompt": "{{ actor.__class__.__mro__[1].__subclasses__() }}", "answer": "actor"},
    ]
    deck = studykit.load_deck(make_project(deck=data).deck())
    try:
        studykit.generate(deck)
    except studykit.LoadError as exc:
        message = str(exc)
    else:  # pragma: no cover - the sandbox must refuse
        raise AssertionError("the sandbox let a template reach Python internals")
    assert "template 'evil' on fact 'ties-cut'" in message and "unsafe" in message
    data["templates"] = data["templates"][:1]
    qset = studykit.generate(studykit.load_deck(make_project(deck=data).deck()))
    q = qset.by_id("unsc-vote/which-body")
    assert q.prompt == "Which body voted on the draft resolution on Ukraine on 25 February 2022?"
    assert q.answers == ("the UN Security Council",) and q.type == "short"


def test_runaway_template_is_stopped(make_project):
    from conftest import deck_data

    data = deck_data()
    data["templates"] = [{"id": "big", "applies_to": ["vote"], "prompt": "{% for i in range(900) %}{{ motion * 20 }}{% endfor %}?", "answer": "body"}]
    deck = studykit.load_deck(make_project(deck=data).deck())
    try:
        studykit.generate(deck)
    except studykit.LoadError as exc:
        assert "template 'big' on fact 'unsc-vote': stopped: output exceeds 10,000 characters" in str(exc)
        assert exc.problems[0].location.line > 0
    else:  # pragma: no cover
        raise AssertionError("runaway template was not stopped")


def test_disable_templates(make_project):
    deck = studykit.load_deck(make_project(disable_templates=["cloze", "true-false"]).deck())
    families = {q.family for q in studykit.generate(deck)}
    assert "cloze" not in families and "true-false" not in families and "who" in families


def _vote(fact_id, motion, quote, **positions):
    return {"id": fact_id, "kind": "vote", "body": "the UN General Assembly", "motion": motion, "date": 1947,
            "evidence": [{"source": "report", "quote": quote}], **positions}


def test_votes_on_different_motions_prove_nothing_about_each_other(make_project):
    document = "In 1947 the Soviet Union voted for plan A.\nIn 1947 Egypt and India voted against plan B.\n"
    facts = [
        _vote("a", "plan A", "In 1947 the Soviet Union voted for plan A.", in_favor=["the Soviet Union"]),
        _vote("b", "plan B", "In 1947 Egypt and India voted against plan B.", against=["Egypt", "India"]),
    ]
    qset = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}).deck()))
    assert qset.by_id("a/who-voted-for").type == "short"  # Egypt and India voted on plan B, not plan A
    assert "a/true-false-twin" not in {q.id for q in qset}


def test_co_sponsors_may_vote_and_a_veto_is_a_vote_against(make_project):
    document = "In 1947 the United States voted in favour and co-sponsored it, Russia vetoed it and voted against.\n"
    quote = document.strip()
    facts = [_vote("v", "plan C", quote, in_favor=["the United States"], co_sponsored=["the United States"],
                   vetoed=["Russia"], against=["Russia"])]
    deck = studykit.load_deck(make_project(facts, documents={"report": document}).deck())
    qset = studykit.generate(deck)
    assert qset.by_id("v/who-co-sponsored").type == "short"  # voting never proves not co-sponsoring
    assert qset.by_id("v/who-voted-for").type == "short"  # the only other actor is Russia: one wrong option


def test_curated_distractor_the_deck_contradicts_is_dropped(make_project):
    document = "In 1947 India abstained on plan D, said one paper.\nIn 1947 China abstained on plan D, said another.\n"
    facts = [
        _vote("d1", "plan D", "In 1947 India abstained on plan D, said one paper.", abstained=["India"],
              distractors={"abstained": ["China", "Russia", "Egypt"]}),
        _vote("d2", "plan D", "In 1947 China abstained on plan D, said another.", abstained=["China"]),
    ]
    qset = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}).deck()))
    question = qset.by_id("d1/who-abstained")
    assert "China" not in question.options and set(question.options) == {"India", "Russia", "Egypt"}


def test_same_words_from_two_speakers_make_a_select_all_question(make_project):
    facts = copy.deepcopy(FACTS)
    facts.append({"id": "lapid-too", "kind": "statement", "speaker": "Amos Gilad", "said": "Israel is not involved in this conflict",
                  "evidence": [{"source": "report", "quote": "Yair Lapid said that “Israel is not involved in this conflict.”"}],
                  "paraphrase": ["speaker"]})
    qset = studykit.generate(studykit.load_deck(make_project(facts).deck()))
    question = qset.by_id("lapid/who-said")
    assert question.type == "multiple" and set(question.answers) == {"Yair Lapid", "Amos Gilad"}
    assert "lapid/true-false-twin" not in {q.id for q in qset} or "Amos Gilad said" not in qset.by_id("lapid/true-false-twin").prompt


def test_a_cloze_card_starts_afresh_and_pairs_its_quotation_marks(make_project):
    facts = facts_with()
    facts.append({
        "id": "viktorov", "kind": "statement", "speaker": "Anatoly Viktorov", "said": "will continue a wise approach",
        "evidence": [{"source": "report", "quote": "Still, Anatoly Viktorov said Israel “will continue a wise approach"}],
    })
    document = DOCUMENT + "Still, Anatoly Viktorov said Israel “will continue a wise approach\n"
    q = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}).deck())).by_id("viktorov/cloze")
    assert q.prompt == "(The Test Times, 25 February 2022) _____ said Israel “will continue a wise approach”"


def test_a_cloze_sentence_that_opens_with_a_pronoun_shows_the_one_before(make_project):
    facts = facts_with()
    facts.append({
        "id": "moldova-against", "kind": "event", "actor": "Moldova", "action": "voted against the fishing plan",
        "evidence": [{"source": "report", "quote": "He said that Moldova voted against the fishing plan."}],
    })
    document = DOCUMENT + "The envoy of Chile spoke to reporters. He said that Moldova voted against the fishing plan.\n"
    q = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}).deck())).by_id("moldova-against/cloze")
    assert q.prompt == ("(The Test Times, 25 February 2022) The envoy of Chile spoke to reporters. "
                        "He said that _____ voted against the fishing plan.")


@pytest.mark.parametrize("above, shown", [
    ("The envoy of Chile spoke to reporters.\n\n", "The envoy of Chile spoke to reporters. "),  # a paragraph above: its sentence
    ("The envoy of Chile at the UN on Friday [Getty]\n\n", ""),  # a photo caption is no sentence of the article
])
def test_a_cloze_blank_that_opens_its_sentence_shows_the_one_before_unless_a_caption(make_project, above, shown):
    facts = facts_with()
    facts.append({
        "id": "moldova-against", "kind": "event", "actor": "Moldova", "action": "voted against the fishing plan",
        "evidence": [{"source": "report", "quote": "Moldova voted against the fishing plan, the envoy said."}],
    })
    document = DOCUMENT + above + "Moldova voted against the fishing plan, the envoy said.\n"
    q = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}).deck())).by_id("moldova-against/cloze")
    assert q.prompt == f"(The Test Times, 25 February 2022) {shown}_____ voted against the fishing plan, the envoy said."


def test_a_quotation_the_document_never_opened_opens_after_its_colon(make_project):
    q = with_fact(make_project, {
        "id": "radio", "kind": "statement", "speaker": "Dan Meridor", "said": "we look at our own future",
        "evidence": [{"source": "report", "quote": "Dan Meridor told Army Radio: we look at our own future.”"}],
    }, "The interview was short. Dan Meridor told Army Radio: we look at our own future.”").by_id("radio/cloze")
    assert q.prompt == "(The Test Times, 25 February 2022) The interview was short. _____ told Army Radio: “we look at our own future.”"


@pytest.mark.parametrize("sentence, cloze", [
    ("A US official said Washington knew it would fail.", False),  # "US" is "U.S." without its dots
    ("He told us Washington knew it would fail.", True),  # "us" is a pronoun, not the country
])
def test_a_cloze_is_not_made_when_an_undotted_acronym_shows_the_answer(make_project, sentence, cloze):
    facts = facts_with()
    facts.append({
        "id": "knew", "kind": "event", "actor": "the United States", "action": "knew it would fail",
        "aliases": {"the United States": ["U.S.", "Washington"]},
        "evidence": [{"source": "report", "quote": sentence}],
    })
    document = DOCUMENT + "\nThe talks began in May. " + sentence + "\n"
    qset = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}).deck()))
    assert ("knew/cloze" in {q.id for q in qset}) is cloze


@pytest.mark.parametrize("title, cloze", [("Prime Minister", False), ("Envoy", True)])
def test_no_cloze_blanks_a_person_after_the_title_of_their_office(make_project, title, cloze):
    """Review: "President _____" in a 2022 article is answered by whoever held the office."""
    facts = facts_with()
    facts.append({
        "id": "signed", "kind": "event", "actor": "Yair Lapid", "action": "signed the fishing accord",
        "evidence": [{"source": "report", "quote": f"{title} Yair Lapid signed the fishing accord."}],
    })
    document = DOCUMENT + f"\nThe talks began in May. {title} Yair Lapid signed the fishing accord.\n"
    qset = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}).deck()))
    assert ("signed/cloze" in {q.id for q in qset}) is cloze


def test_a_false_twin_moves_an_event_two_to_four_years(make_project):
    """A year decades off put the War of Attrition in 1948: false on sight, and no test of memory."""
    facts = facts_with()
    facts.append({
        "id": "talks", "kind": "event", "actor": "Chile", "action": "began the fishing talks", "date": 2010,
        "evidence": [{"source": "report", "quote": "In 2010 Chile began the fishing talks."}],
    })
    document = DOCUMENT + "\nIn 2010 Chile began the fishing talks.\n"
    twins = set()
    for seed in range(8):
        qset = studykit.generate(studykit.load_deck(make_project(facts, documents={"report": document}, seed=seed).deck()))
        twin = qset.by_id("talks/true-false-twin")
        year = int(re.search(r"\b(\d{4})\b", twin.prompt).group(1))
        assert 2 <= abs(year - 2010) <= 4 and twin.answers == ("False",), twin.prompt
        twins.add(year)
    assert len(twins) > 1


def test_a_declared_subject_is_never_the_answer_of_a_who_question(make_project):
    """``deck: subjects:`` names what the deck is about beyond its title (the Soviet Union in a
    deck titled after Russia): "who cut ties with Israel?" would be answered by the deck's theme."""
    plain = studykit.generate(studykit.load_deck(make_project().deck()))
    assert "ties-cut/who-did" in {q.id for q in plain}
    declared = studykit.generate(studykit.load_deck(make_project(subjects=["the Soviet Union"]).deck()))
    assert "ties-cut/who-did" not in {q.id for q in declared}
    assert "ties-cut/what-year" in {q.id for q in declared}


def test_an_unknown_subject_is_a_located_error(make_project):
    project = make_project(subjects=["Israel", "the Soviet Onion"])
    with pytest.raises(studykit.LoadError) as caught:
        studykit.load_deck(project.deck())
    problem = caught.value.problems[0]
    assert "'the Soviet Onion', which is not an entity of the deck; did you mean 'the Soviet Union'?" in problem.message
    line = project.deck().read_text(encoding="utf-8").splitlines()[problem.location.line - 1]
    assert "the Soviet Onion" in line


def test_a_fact_can_switch_off_one_template_or_family(make_project):
    facts = facts_with(**{"ties-cut": {"disable_templates": ["who-did", "true-false"]}})
    qset = studykit.generate(studykit.load_deck(make_project(facts).deck()))
    ids = {q.id for q in qset}
    assert "ties-cut/what-year" in ids
    assert not {"ties-cut/who-did", "ties-cut/true-false", "ties-cut/true-false-twin"} & ids  # the family: both
    assert "partition-vote/true-false" in ids or "unsc-vote/true-false" in ids  # other facts keep theirs


def test_a_fact_switching_off_an_unknown_template_is_a_located_error(make_project):
    facts = facts_with(**{"ties-cut": {"disable_templates": ["what-year", "who-dd"]}})
    project = make_project(facts)
    with pytest.raises(studykit.LoadError) as caught:
        studykit.load_deck(project.deck())
    problem = caught.value.problems[0]
    assert "fact 'ties-cut': 'disable_templates' names unknown template 'who-dd'; did you mean 'who-did'?" in problem.message
    assert "who-dd" in project.deck().read_text(encoding="utf-8").splitlines()[problem.location.line - 1]


@pytest.mark.parametrize(
    "sentence, cloze",
    [
        ("Early leaders like Yair Lapid signed the fishing accord.", False),  # an example: many fit
        ("Early leaders such as Yair Lapid signed the fishing accord.", False),
        ("Then-president of Chile Yair Lapid signed the fishing accord.", False),  # the office names him
        ("The young Yair Lapid signed the fishing accord.", True),
    ],
)
def test_no_cloze_where_many_answers_fit_the_blank(make_project, sentence, cloze):
    """Blind review 3: "Early Israeli leaders like _____" (any of several), "then-president of
    Russia _____" (whoever held the office)."""
    qset = with_fact(make_project, {
        "id": "signed", "kind": "event", "actor": "Yair Lapid", "action": "signed the fishing accord",
        "evidence": [{"source": "report", "quote": sentence}],
    }, f"The talks began in May. {sentence}")
    assert ("signed/cloze" in {q.id for q in qset}) is cloze


def test_no_cloze_blanks_a_description(make_project):
    """ "_____ counterpart of his" for "an American": "a US", "American", "a Western" all fit; a
    speaker the text does not name ("a US official") is a description, never a blank."""
    qset = with_fact(make_project, {
        "id": "counterpart", "kind": "statement", "speaker": "a US official", "said": "we helped you into the group for years",
        "aliases": {"a US official": ["an American counterpart"]},
        "evidence": [{"source": "report", "quote": "An Israeli said that an American counterpart told him: “we helped you into the group for years.”"}],
    }, "An Israeli said that an American counterpart told him: “we helped you into the group for years.”")
    assert "counterpart/who-said" in {q.id for q in qset}
    assert "counterpart/cloze" not in {q.id for q in qset}


def test_wrong_options_for_several_keys_share_what_the_keys_share_and_the_curators_come_first(make_project):
    """Blind review 3: for "which countries abstained" (China, a permanent member, and India, not),
    Russia, which vetoed, was offered before the council members the curator listed."""
    entities = [
        {"name": "Russia", "type": "country", "groups": ["permanent", "council"]},
        {"name": "China", "type": "country", "groups": ["permanent", "council"]},
        {"name": "India", "type": "country", "groups": ["council"]},
        {"name": "United Arab Emirates", "type": "country", "aliases": ["the UAE"], "groups": ["council"]},
        {"name": "Brazil", "type": "country", "groups": ["council"]},
        {"name": "Kenya", "type": "country", "groups": ["council"]},
        {"name": "the Soviet Union", "type": "country"},
        {"name": "Israel", "type": "country"},
        {"name": "Noa Furman", "type": "person"},
        {"name": "Amos Gilad", "type": "person"},
        {"name": "Yair Lapid", "type": "person"},
    ]
    facts = facts_with(**{"unsc-vote": {"distractors": {"abstained": ["Brazil", "Kenya"]}}})
    data = deck_data(facts)
    data["entities"] = entities
    qset = studykit.generate(studykit.load_deck(make_project(deck=data).deck()))
    q = qset.by_id("unsc-vote/who-abstained")
    assert set(q.options) - set(q.answers) == {"Brazil", "Kenya"}, q.options


def test_no_who_question_on_one_example_of_several(make_project):
    """Blind review 4: "Early Israeli leaders like David Ben Gurion had lived in Russia": asking
    who did it has other right answers (Meir, Sharett …)."""
    qset = with_fact(make_project, {
        "id": "lived", "kind": "event", "actor": "Yair Lapid", "action": "had lived abroad and learned Russian",
        "distractors": {"actor": ["Amos Gilad", "Noa Furman"]},
        "evidence": [{"source": "report", "quote": "Leaders like Yair Lapid had lived abroad and learned Russian."}],
    }, "Leaders like Yair Lapid had lived abroad and learned Russian.")
    assert "lived/who-did" not in {q.id for q in qset}


def test_no_cloze_blanks_the_year_in_an_events_name(make_project):
    """ "The _____ Six-Day War": the year of a famous war is general knowledge."""
    facts = facts_with(**{"ties-cut": {"distractors": {"actor": ["India", "China"]}}})
    qset = studykit.generate(studykit.load_deck(make_project(facts).deck()))
    # the fixture's quote: "The 1967 Six-Day War marked a pivotal moment as the Soviet Union cut …"
    assert "ties-cut/cloze" not in {q.id for q in qset} or qset.by_id("ties-cut/cloze").answers != ("1967",)


def test_a_stances_explanation_puts_its_time_first(make_project):
    facts = facts_with(strike={"date": "2014-04", "paraphrase": ["date"]})
    qset = studykit.generate(studykit.load_deck(make_project(facts).deck()))
    assert qset.by_id("strike/which-rationale").explanation == (
        "In April 2014, according to an official, Israel stayed away from the vote. A reason given: A diplomats’ strike."
    )


def test_a_votes_true_statement_is_not_about_the_decks_subject(make_project):
    """ "Russia vetoed the draft demanding its own withdrawal" is guessed from what the deck is about."""
    deck = studykit.load_deck(make_project(title="Russia at the UN").deck())
    qset = studykit.generate(deck)
    statement = _made(deck, "unsc-vote/true-false").prompt  # generate drops it: it has no twin
    assert "Russia vetoed" not in statement and "abstained" in statement, statement
    # nor its false twin: "Russia abstained on the draft against its own troops" is false on sight
    twins = [q.prompt for q in qset if q.id == "unsc-vote/true-false-twin"]
    assert not any("Russia" in t.split(" on ")[0] for t in twins), twins


def test_a_stance_makes_its_true_and_its_false_statement(make_project):
    """ "According to <source>, <actor> <position>, in part because …": the source's reason (true)
    and a curated wrong one (false), both for every stance, so the wording tells nothing (one of
    the two by a seeded coin left it False 9 times in 15: review 11); without curated reasons, or
    without a named source, neither; nor for a position with a clause of its own."""
    wrong = ["an election was near", "the treaty forbade it"]
    facts = facts_with(strike={"distractors": {"rationale": list(wrong)}}, airspace={"distractors": {"rationale": list(wrong)}})
    del facts[[f["id"] for f in facts].index("airspace")]["according_to"]
    for seed in range(3):
        qset = studykit.generate(studykit.load_deck(make_project(facts, seed=seed).deck()))
        made = {q.id: q for q in qset if q.fact == "strike" and q.type == "true_false"}
        assert sorted(made) == ["strike/true-false", "strike/true-false-twin"], sorted(made)
        for q in made.values():
            reason = re.fullmatch(r"True or false: According to an official, Israel stayed away from the vote, in part because (.+)\.", q.prompt)
            assert reason, q.prompt
            truth = reason.group(1) == "a diplomats’ strike"
            assert q.answers == (("True",) if truth else ("False",)) and (truth or reason.group(1) in wrong)
            assert truth == (q.id == "strike/true-false")
        ids = {q.id for q in qset}
        assert not {"airspace/true-false", "airspace/true-false-twin"} & ids  # no source named: only the curator's word
        assert not {"weapons/true-false", "weapons/true-false-twin"} & ids  # no curated reasons
    facts = facts_with(strike={"distractors": {"rationale": list(wrong)}, "position": "stayed away from the vote, though it had said it would come"})
    qset = studykit.generate(studykit.load_deck(make_project(facts).deck()))
    assert not [q.id for q in qset if q.fact == "strike" and q.type == "true_false"]  # "…, though …, in part because …" dangles


def test_no_cloze_blanks_a_year_after_its_month_in_an_events_name(make_project):
    """ "the October _____ Yom Kippur War": the year of a famous war, with its month before it."""
    qset = with_fact(make_project, {
        "id": "war", "kind": "event", "actor": "Chile", "action": "fought the Pacific War", "date": 1973,
        "distractors": {"actor": ["India", "China"]},
        "evidence": [{"source": "report", "quote": "Chile fought the October 1973 Pacific War."}],
    }, "Chile fought the October 1973 Pacific War.")
    assert "war/cloze" not in {q.id for q in qset} or qset.by_id("war/cloze").answers != ("1973",)



def test_no_cloze_on_a_sentence_that_points_back_beyond_the_card(make_project):
    """Review 7: "For over 20 years, the two nations clashed via these proxies …": who and which
    proxies are named sentences back, not on the card."""
    qset = with_fact(make_project, {
        "id": "proxies", "kind": "event", "actor": "Chile", "action": "armed the rebels", "date": 1970,
        "distractors": {"actor": ["India", "China"]},
        "evidence": [{"source": "report", "quote": "In 1970 the two nations clashed via these proxies as Chile armed the rebels."}],
    }, "In 1970 the two nations clashed via these proxies as Chile armed the rebels.")
    assert "proxies/cloze" not in {q.id for q in qset}
    assert "proxies/who-did" in {q.id for q in qset}


def test_accepted_spellings_differ_by_more_than_typography_or_the(make_project):
    facts = facts_with(furman={"aliases": {"Noa Furman": ["the Noa Furman", "Noa Furman’s", "Furman"]}})
    deck = studykit.load_deck(make_project(facts).deck())
    assert deck.fact("furman").also_accepted(("Noa Furman",)) == ("Noa Furman’s", "Furman")


def _made(deck, question_id):
    """What a template makes of a fact, before :func:`studykit.generate` drops a lone true statement."""
    from studykit.distractors import Pools
    from studykit.templates import Context, active_templates

    fact_id, template_id = question_id.split("/")
    template = next(t for t in active_templates(deck) if t.id == template_id)
    return template.apply(deck.fact(fact_id), Context(deck, Pools.build(deck), deck.seed))


def test_a_true_statement_without_its_false_twin_is_dropped_when_the_fact_is_asked_otherwise(make_project):
    """A deck of true statements beside few false ones teaches "answer True": a fact's true
    statement stays only beside its false twin, or as the fact's only question (a stance's one
    statement, true or false by a seeded coin, always stays)."""
    deck = studykit.load_deck(make_project(title="Russia at the UN").deck())
    qset = studykit.generate(deck)
    assert _made(deck, "unsc-vote/true-false") is not None and "unsc-vote/true-false-twin" not in {q.id for q in qset}
    assert "unsc-vote/true-false" not in {q.id for q in qset} and any(q.fact == "unsc-vote" for q in qset)
    by_fact: dict[str, list] = {}
    deck = studykit.load_deck(make_project().deck())
    for q in studykit.generate(deck):
        by_fact.setdefault(q.fact, []).append(q)
    for fact, questions in by_fact.items():
        keys = {q.answers for q in questions if q.type == "true_false"}
        if keys == {("True",)} and len(questions) > 1 and deck.fact(fact).kind != "stance":
            raise AssertionError(f"{fact}: a lone true statement beside {[q.id for q in questions]}")


def test_a_link_to_an_unknown_fact_or_to_itself_is_a_located_error(make_project):
    facts = facts_with(**{"ties-cut": {"linked": ["unsc-vot", "ties-cut"]}})
    project = make_project(facts)
    with pytest.raises(studykit.LoadError) as caught:
        studykit.load_deck(project.deck())
    messages = [p.message for p in caught.value.problems]
    assert "fact 'ties-cut': 'linked' names unknown fact 'unsc-vot'; did you mean 'unsc-vote'?" in messages
    assert "fact 'ties-cut': 'linked' names the fact itself; list other facts' ids" in messages
    lines = project.deck().read_text(encoding="utf-8").splitlines()
    named = {p.message.split("'")[5] if "unknown" in p.message else "ties-cut": p for p in caught.value.problems}
    assert all(name in lines[p.location.line - 1][p.location.col - 1 :] for name, p in named.items())  # each at its item
    project = make_project(facts_with(**{"ties-cut": {"linked": "unsc-vot"}}))  # one id, not in a list
    with pytest.raises(studykit.LoadError) as caught:
        studykit.load_deck(project.deck())
    assert "'linked' names unknown fact 'unsc-vot'; did you mean 'unsc-vote'?" in caught.value.problems[0].message
    project = make_project(facts_with(**{"ties-cut": {"linked": {"a": 1}}}))
    with pytest.raises(studykit.LoadError) as caught:
        studykit.load_deck(project.deck())
    assert "'linked' must be a list of text" in caught.value.problems[0].message


def test_a_distractor_listed_twice_is_a_located_warning(make_project):
    facts = facts_with(strike={"distractors": {"rationale": ["a boycott of the session", "A boycott  of the session", "an instruction from Washington"]}})
    deck = studykit.load_deck(make_project(facts).deck())
    [warning] = [m for m in deck.messages if "twice" in m.message]
    assert warning.severity == "warning"
    assert warning.message == ("fact 'strike': distractors for 'rationale' list 'A boycott  of the session' twice (case and spacing aside): "
                               "the curator's options are the fewer for it; write another")
    line = make_project(facts).deck().read_text(encoding="utf-8").splitlines()[warning.location.line - 1]
    assert "A boycott  of the session" in line


def test_a_generated_cloze_holds_its_sentence_once_and_reads_as_its_parts():
    """``Question.cloze`` of a generated cloze slices the prompt (no second copy of the sentence)
    and is, to every reader, the tuple (before, deleted, after)."""
    import pickle

    import studykit
    from studykit.model import CLOZE_BLANK, ClozeParts

    qset = studykit.generate(studykit.load_deck(ROOT / "decks" / "israel-russia-ukraine.yaml"))
    clozes = [q for q in qset if q.type == "cloze"]
    assert clozes
    for q in clozes:
        assert isinstance(q.cloze, ClozeParts) and q.cloze._prompt is q.prompt
        before, deleted, after = q.cloze
        plain = (before, deleted, after)
        assert before + CLOZE_BLANK + after == q.prompt and deleted == q.answers[0]
        assert q.cloze == plain and plain == q.cloze and hash(q.cloze) == hash(plain)
        assert (q.cloze[0], q.cloze[-1], q.cloze[1:], len(q.cloze), repr(q.cloze)) == (before, after, (deleted, after), 3, repr(plain))
        assert pickle.loads(pickle.dumps(q)) == q and copy.deepcopy(q) == q
    with pytest.raises(ValueError, match="no blank"):
        ClozeParts("no blank here", 0, "x")

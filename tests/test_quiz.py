"""Quiz versions: question choice and order (studykit.quiz)."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

import pytest
from conftest import BUNDLED_DECK, FACTS
from hypothesis import given
from hypothesis import strategies as st

import studykit
from studykit import quiz, vocabulary
from studykit.leaks import _quote_shown, leaks
from studykit.model import Evidence, Question
from studykit.quiz import _Sheet, _spread_facts, plan_sheet, plan_version, select_questions


@dataclass(frozen=True)
class Q:
    fact: str
    n: int


def reference_spread(questions):
    """The rule, written the slow and obvious way: take the earliest question on another fact."""
    rest, out = list(questions), []
    while rest:
        last = out[-1].fact if out else None
        out.append(rest.pop(next((i for i, q in enumerate(rest) if q.fact != last), 0)))
    return out


@given(st.lists(st.sampled_from("abcd"), max_size=30))
def test_spreading_facts_is_the_rule_in_linear_time(facts):
    questions = [Q(f, i) for i, f in enumerate(facts)]
    assert _spread_facts(questions) == reference_spread(questions)


def test_spreading_a_large_set_is_linear():
    questions = [Q(str(i // 3), i) for i in range(300_000)]  # runs of three questions per fact
    spread = _spread_facts(questions)
    assert sorted(q.n for q in spread) == list(range(300_000))
    assert sum(1 for a, b in pairwise(spread) if a.fact == b.fact) <= 2


# ---------------------------------------------------------------------------------------------
# a sheet is a whole: leaks between questions, and versions without them
# ---------------------------------------------------------------------------------------------


def question(qid, prompt, answers, options=(), *, topic="t", type=None, answer_type="text", evidence=(), family=None):
    fact, template = qid.split("/")
    kind = type or ("single" if options else "short")
    return Question(qid, fact, template, family or template, kind, answer_type, prompt, tuple(options), tuple(answers),
                    "", tuple(evidence), topic=topic)


@pytest.fixture(scope="module")
def bundled():
    deck = studykit.load_deck(BUNDLED_DECK)
    return deck, studykit.generate(deck)


def test_two_questions_on_one_fact_leak():
    a = question("f/who", "Who did it?", ["Arland"], ["Arland", "Borduria", "Carpania"])
    b = question("f/year", "In what year did Arland do it?", ["1990"], ["1980", "1990", "2000"], answer_type="year")
    assert "same fact" in leaks(a, b)
    assert leaks(a, a) is None


def test_a_key_shown_in_another_stem_leaks_on_the_same_topic_only():
    asks = question("vote/year", "In what year did the council vote on the accord?", ["2014"], ["2010", "2014", "2018"], answer_type="year")
    states = question("meet/who", "Who met the envoy in April 2014 about the accord?", ["Ann Abel"], ["Ann Abel", "Ben Brook", "Cal Crane"])
    assert "shows '2014'" in leaks(asks, states) and leaks(states, asks) == leaks(asks, states)
    elsewhere = question("meet/who", "Who met the envoy in April 2014 about the accord?", ["Ann Abel"], ["Ann Abel", "Ben Brook", "Cal Crane"], topic="u")
    assert leaks(asks, elsewhere) is None  # a common year on another topic says nothing
    # … unless the two quote overlapping passages of one source
    ev1, ev2 = Evidence("doc", "x" * 20, 10, 30), Evidence("doc", "y" * 20, 25, 45)
    near = question("meet/who", elsewhere.prompt, elsewhere.answers, elsewhere.options, topic="u", evidence=[ev2])
    far = question("meet/who", elsewhere.prompt, elsewhere.answers, elsewhere.options, topic="u", evidence=[Evidence("doc", "z" * 20, 30, 50)])
    asks_quoted = question("vote/year", asks.prompt, asks.answers, asks.options, evidence=[ev1])
    assert "shows '2014'" in leaks(asks_quoted, near)
    assert leaks(asks_quoted, far) is None


def test_a_key_among_another_questions_wrong_options_leaks():
    a = question("veto/who", "Who vetoed the draft?", ["Arland"], ["Arland", "Borduria", "Carpania"])
    b = question("abstain/who", "Who abstained on the draft?", ["Borduria"], ["Arland", "Borduria", "Dorvik"])
    assert "'Arland', the answer to 'veto/who', is a wrong option of 'abstain/who'" in leaks(a, b)
    other_topic = question("abstain/who", b.prompt, b.answers, b.options, topic="u")
    assert leaks(a, other_topic) is None


def test_aliases_related_forms_and_rare_keys_leak_through_the_deck(bundled):
    deck, _ = bundled
    ukraine = question("ukraine-asked-moral-support-2022/who-did", "Which country asked Israel for moral support?",
                       ["Ukraine"], ["Ukraine", "Russia", "the United States"], topic="buildup-2022")
    stem = question("russian-troops-100000-2022/how-many", "How many troops massed on the Ukrainian border?",
                    ["100,000"], ["27,000", "67,000", "100,000"], topic="buildup-2022", answer_type="number")
    assert "'Ukrainian', a form of 'Ukraine'" in leaks(ukraine, stem, deck)
    assert leaks(ukraine, stem) is None  # without the deck, related forms are unknown
    # Czechoslovakia is a value of one fact: wherever it shows, it gives itself away
    czech = question("czechoslovak-arms-1948/who-did", "Who made arms transfers to Israel in 1948?",
                     ["Czechoslovakia"], ["Czechoslovakia", "the United States", "the United Kingdom"], topic="history")
    shows = question("yom-kippur-war-1973/true-false", "True or false: Czechoslovakian arms reached Israel in 1973?",
                     ["True"], ["True", "False"], topic="ties-today", type="true_false")
    assert "'Czechoslovakian', a form of 'Czechoslovakia'" in leaks(czech, shows, deck)
    # a figure without its separators
    figure = question("x/how-many", "How many troops massed?", ["100,000"], ["50,000", "100,000"], topic="buildup-2022")
    says = question("y/true-false", "True or false: 100000 troops massed on the border?", ["True"], ["True", "False"],
                    topic="buildup-2022", type="true_false")
    assert "'100000', a form of '100,000'" in leaks(figure, says, deck)


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5])
def test_a_version_with_a_count_has_no_leaks_and_one_question_per_fact(bundled, version):
    deck, qset = bundled
    plan = plan_sheet(select_questions(qset), count=30, seed=qset.seed, version=version, deck=deck)
    picked = [p.question for p in plan.questions]
    # 30, or fewer only when no question left could join the sheet: each would give one away, or
    # put the true/false keys more than two apart
    assert len(picked) >= 25 and plan.shortfall == 30 - len(picked), len(picked)
    assert (plan.message() is None) == (len(picked) == 30)
    if len(picked) < 30:
        sheet = _Sheet(deck, list(select_questions(qset)), 30)
        for q in picked:
            sheet.add(q)
        keys = Counter(q.answers[0] for q in picked if q.type == "true_false")
        cue = sum(1 if _rule_right(q, deck) else -1 for q in picked if q.type == "true_false")
        for q in select_questions(qset):
            if q in picked:
                continue
            too_apart = q.type == "true_false" and (
                keys[q.answers[0]] + 1 - keys["False" if q.answers[0] == "True" else "True"] > 2
                or abs(cue + (1 if _rule_right(q, deck) else -1)) > 2)
            assert too_apart or sheet.conflict(q) is not None, f"{q.id} would have fitted on a sheet of {len(picked)}"
    assert len({q.fact for q in picked}) == len(picked)
    assert [(a.id, b.id, why) for a, b in itertools.combinations(picked, 2) if (why := leaks(a, b, deck))] == []
    # every family the deck asks often enough to survive the sheet's rules (a family of three
    # year questions may lose all three: a key in the header, the same key as another question)
    common = {family for family, n in Counter(q.family for q in qset).items() if n >= 5}
    assert common <= {q.family for q in picked}, common - {q.family for q in picked}
    # answering "True" to every true/false question must not pay much: the keys are within one,
    # two only when the sheet was being filled up with what was left
    keys = Counter(q.answers[0] for q in picked if q.type == "true_false")
    assert sum(keys.values()) >= 2 and abs(keys["True"] - keys["False"]) <= 2, keys
    # nor "False when it gives a reason ('…, in part because …'), else True" (review 14: 75 %)
    statements = [q for q in picked if q.type == "true_false"]
    right = sum(_rule_right(q, deck) for q in statements)
    assert abs(2 * right - len(statements)) <= 2, (right, len(statements))
    again = plan_sheet(select_questions(qset), count=30, seed=qset.seed, version=version, deck=deck)
    assert [p.question.id for p in again.questions] == [q.id for q in picked]
    assert [p.question.id for p in plan_version(select_questions(qset), count=30, seed=qset.seed, version=version, deck=deck)] == [
        q.id for q in picked
    ]


def test_a_count_that_cannot_be_met_is_a_shortfall_not_a_leak(bundled):
    deck, qset = bundled
    plan = plan_sheet(select_questions(qset), count=200, seed=0, version=1, deck=deck)
    assert len(plan.questions) <= len(deck.facts) and plan.shortfall == 200 - len(plan.questions)
    assert plan.skipped["same fact"] > 0
    assert plan.message().startswith(f"asked for 200 questions but only {len(plan.questions)} fit on one sheet")
    every = plan_sheet(select_questions(qset), count=None, seed=0, version=1, deck=deck)
    assert len(every.questions) == len(qset) and every.shortfall == 0  # all questions means all


def test_the_fixture_deck_fills_a_sheet_per_fact(make_project):
    project = make_project()
    deck = studykit.load_deck(project.deck())
    qset = studykit.generate(deck)
    plan = plan_sheet(select_questions(qset), count=len(FACTS), seed=0, version=1, deck=deck)
    picked = [p.question for p in plan.questions]
    assert len({q.fact for q in picked}) == len(picked)
    assert not [why for a, b in itertools.combinations(picked, 2) if (why := leaks(a, b, deck))]


def test_selection_compares_a_candidate_with_few_questions(monkeypatch):
    """Near-linear: 32,000 questions on 8,000 facts sharing years, names and topics; the number of
    pairs compared grows with the pool, not with its square."""
    names = [f"Name{i}" for i in range(300)]
    pool = []
    for f in range(8000):
        year, name, topic = str(1950 + f % 70), names[f % 300], f"topic-{f % 20}"
        wrong = [names[(f + 7) % 300], names[(f + 11) % 300]]
        pool += [
            question(f"f{f}/who", f"Who signed accord {f} in {year}?", [name], [name, *wrong], topic=topic, family="who"),
            question(f"f{f}/year", f"In what year did {name} sign accord {f}?", [year], ["1940", year, "2030"],
                     topic=topic, answer_type="year", family="year"),
            question(f"f{f}/tf", f"True or false: {name} signed accord {f} in {year}?", ["True"], ["True", "False"],
                     topic=topic, type="true_false", family="tf"),
            question(f"f{f}/cloze", f"In {year}, _____ signed accord {f}.", [name], topic=topic, type="cloze", family="cloze"),
        ]
    calls = 0
    real = quiz.leak_between

    def counting(a, b, vocab):
        nonlocal calls
        calls += 1
        return real(a, b, vocab)

    monkeypatch.setattr(quiz, "leak_between", counting)
    plan = plan_sheet(pool, count=2000, seed=0, version=1)
    picked = [p.question for p in plan.questions]
    assert len(picked) == 2000
    assert calls < 20 * len(pool), calls
    sample = picked[:300]
    assert not [why for a, b in itertools.combinations(sample, 2) if (why := real(a, b, vocabulary.vocabulary(None)))]


class BruteSheet:
    """The sheet's rule the slow and obvious way: compare a candidate with every placed question."""

    def __init__(self, deck, pool, count=None, shared=None):  # (shared: what the fast sheet caches; nothing here)
        self.vocab = vocabulary.vocabulary(deck)
        self.rules = quiz.SheetRules(deck, self.vocab, count)  # the sheet-wide rules, not pairwise
        self.placed = []

    def add(self, q):
        self.placed.append(q)
        self.rules.add(q)

    def conflict(self, q):
        if (found := self.rules.conflict(q)) is not None:
            return found
        same = [other for other in self.placed if other.fact == q.fact]  # the one reason looked for first
        return next((found for other in same + self.placed if (found := quiz.leak_between(q, other, self.vocab))), None)


WORDS = ["Arland", "Borduria", "Ann Abel", "the Council", "1990", "2014", "accord", "border"]


@st.composite
def pools(draw):
    pool = []
    for n in range(draw(st.integers(1, 40))):
        fact = f"f{draw(st.integers(0, 12))}"
        words = draw(st.lists(st.sampled_from(WORDS), max_size=4))
        key = draw(st.sampled_from(WORDS))
        wrong = draw(st.lists(st.sampled_from([w for w in WORDS if w != key]), min_size=2, max_size=3, unique=True))
        source = draw(st.sampled_from(["a", "b"]))
        start = draw(st.integers(0, 100))
        evidence = [Evidence(source, "q" * 20, start, start + 20)]
        kind = draw(st.sampled_from(["single", "short", "true_false", "cloze"]))
        options = [key, *wrong] if kind == "single" else (["True", "False"] if kind == "true_false" else [])
        answers = ["True"] if kind == "true_false" else [key]
        pool.append(question(f"{fact}/t{n}", f"What of {' and '.join(words) or 'it'}?", answers, options, type=kind,
                             topic=draw(st.sampled_from([None, "x", "y"])), evidence=evidence, family=f"fam{n % 3}"))
    return pool


@given(pools(), st.integers(1, 20), st.integers(1, 3))
def test_the_indexed_sheet_chooses_what_comparing_every_pair_would(pool, count, version):
    fast = plan_sheet(pool, count=count, seed=0, version=version)
    real = quiz._Sheet
    try:
        quiz._Sheet = BruteSheet  # type: ignore[misc, assignment]
        slow = plan_sheet(pool, count=count, seed=0, version=version)
    finally:
        quiz._Sheet = real  # type: ignore[misc]
    assert [p.question.id for p in fast.questions] == [p.question.id for p in slow.questions]
    assert sum(fast.skipped.values()) == sum(slow.skipped.values())  # (the reason found first may differ)


def old_pick(pool, count, seed, version):
    """The selection before sheets were wholes, as it was written (round-robin, one question per
    fact while facts last, then whatever is left)."""
    import random
    from collections import defaultdict

    rng = random.Random(quiz.version_seed(seed, version))
    pool = sorted(pool, key=lambda q: q.id)
    if count >= len(pool):
        return [q.id for q in pool]
    by_family = defaultdict(list)
    for q in pool:
        by_family[q.family].append(q)
    families = sorted(by_family)
    for name in families:
        rng.shuffle(by_family[name])
    rng.shuffle(families)
    chosen, facts = [], set()
    for fresh_only in (True, False):
        progress = True
        while len(chosen) < count and progress:
            progress = False
            for name in families:
                if len(chosen) >= count:
                    break
                bucket = by_family[name]
                pick = next((q for q in bucket if not fresh_only or q.fact not in facts), None)
                if pick is None:
                    continue
                bucket.remove(pick)
                chosen.append(pick)
                facts.add(pick.fact)
                progress = True
    return sorted(q.id for q in chosen)


@given(pools(), st.integers(1, 45), st.integers(1, 3))
def test_a_loose_sheet_keeps_the_earlier_rule(pool, count, version):
    loose = plan_sheet(pool, count=count, seed=0, version=version, whole_sheet=False)
    assert sorted(p.question.id for p in loose.questions) == old_pick(pool, count, 0, version)
    assert len(loose.questions) == min(count, len(pool)) and not loose.skipped


def test_a_decks_vocabulary_does_not_keep_the_deck_alive(make_project):
    import gc
    import weakref

    deck = studykit.load_deck(make_project().deck())
    assert vocabulary.vocabulary(deck) is vocabulary.vocabulary(deck)  # worked out once
    gone = weakref.ref(deck)
    del deck
    gc.collect()
    assert gone() is None


# --- the sheet as a whole: its header, repeated keys, one passage, a reason told elsewhere ------


def test_a_key_is_the_answer_once_on_a_sheet_of_thirty():
    """Review: six of nine written answers on one sheet were "the United States"."""
    pool = [question(f"f{i}/who", f"Who did thing {i}?", ["Arland"], ["Arland", "Borduria", "Carpania"], topic=f"t{i}") for i in range(4)]
    pool += [question(f"g{i}/who", f"Who made plan {i}?", [f"Name{i}"], [f"Name{i}", "Dorvik", "Erland"], topic=f"u{i}") for i in range(4)]
    plan = plan_sheet(pool, count=8, seed=0, version=1)
    keys = [p.question.answers[0] for p in plan.questions]
    assert keys.count("Arland") == 1 and len(keys) == 5 and plan.skipped["same key"] == 3
    # a longer sheet may repeat a key once per 30 questions asked
    longer = plan_sheet(pool, count=31, seed=0, version=1)
    assert [p.question.answers[0] for p in longer.questions].count("Arland") == 2


def test_a_key_shown_in_the_sheets_header_is_passed_over(make_project):
    deck = studykit.load_deck(make_project(description="From the 2022 vote to Russia's veto.").deck())
    qset = studykit.generate(deck)
    plan = plan_sheet(select_questions(qset), count=30, seed=0, version=1, deck=deck)
    picked = [p.question for p in plan.questions]
    assert plan.skipped["key in the header"] >= 1
    assert not [q.id for q in picked if {"Russia", "2022"} & set(q.answers)]


def test_two_questions_on_one_quotation_leak_but_neighbouring_ones_do_not():
    ev = Evidence("doc", "x" * 40, 100, 140)
    a = question("a/who", "Who vetoed?", ["Arland"], ["Arland", "Borduria", "Carpania"], topic="t", evidence=[ev])
    b = question("b/who", "Who abstained?", ["Dorvik"], ["Dorvik", "Erland", "Fenwick"], topic="u", evidence=[Evidence("doc", "y" * 30, 110, 140)])
    c = question("c/who", "Who spoke?", ["Gorm"], ["Gorm", "Hald", "Ivo"], topic="u", evidence=[Evidence("doc", "z" * 40, 130, 170)])
    assert "quote the same passage" in leaks(a, b)
    assert leaks(a, c) is None  # 10 of 40 characters in common: another sentence beside it


def test_a_reason_told_by_another_stem_leaks():
    """Review: "during a strike at Israel's Foreign Ministry" stood beside "Its Foreign Ministry
    employees were on strike", the answer to another question."""
    why = question("absent/why", "What was one reason Israel stayed away from the vote?", ["Its Foreign Ministry employees were on strike"],
                   ["Its Foreign Ministry employees were on strike", "It objected to the wording", "It had a holiday"], answer_type="rationale")
    tells = question("visit/who", "Who called off a visit during a strike at Israel’s Foreign Ministry?", ["Dmitry Medvedev"],
                     ["Dmitry Medvedev", "Vladimir Putin", "Boris Yeltsin"])
    says_less = question("visit/who", "Who called off a visit during the strike?", ["Dmitry Medvedev"],
                         ["Dmitry Medvedev", "Vladimir Putin", "Boris Yeltsin"])
    assert "tells the answer to 'absent/why' (foreign, ministry, strike)" in leaks(why, tells)
    assert leaks(why, says_less) is None  # one telling word of five


def test_a_stem_that_prints_another_questions_quote_leaks_and_never_shares_its_sheet(bundled):
    """A cloze shows the whole sentence around its quote, which may hold another fact's quote:
    the true/false on that quote is answered beside it (review 12)."""
    from studykit.model import Evidence

    text = "We're not asking for weapons, but for moral support and diplomatic effort"
    said = question("plea/true-false", f"True or false: A Ukrainian official said “{text}”.", ["True"], ["True", "False"],
                    type="true_false", topic="a", evidence=[Evidence("doc", text, 100, 100 + len(text))])
    cloze = question("ask/cloze", f"The ambassador said that Kyiv had asked for help. “{text}”, said _____.", ["Korniychuk"],
                     type="cloze", topic="b", evidence=[Evidence("doc", "Kyiv had asked for help", 40, 63)])
    assert "prints the quote" in leaks(said, cloze) and "prints the quote" in leaks(cloze, said)
    elsewhere = question("other/cloze", cloze.prompt, ["Korniychuk"], type="cloze", topic="b",
                         evidence=[Evidence("another-doc", "Kyiv had asked for help", 40, 63)])
    assert leaks(said, elsewhere) is None  # another document's sentence: words alike by chance
    deck, qset = bundled
    for version in (1, 2, 3):
        picked = [p.question for p in plan_sheet(select_questions(qset), count=30, seed=0, version=version, deck=deck).questions]
        assert not [(a.id, b.id) for a, b in itertools.combinations(picked, 2) if _quote_shown(a, b) or _quote_shown(b, a)]


def _rule_right(q, deck) -> bool:
    """Whether "False when the statement gives a reason (a stance's), else True" gets ``q`` right."""
    return (deck.fact(q.fact).kind == "stance") == (q.answers[0] == "False")


def test_a_sheets_select_all_keys_never_stand_in_one_block_at_the_top_or_the_bottom():
    """Review 17: the three keys at A–C and both wrong options at D–E read as a pattern."""
    import random

    from studykit.model import Question

    q = Question(id="v/who-abstained", fact="v", template="who-abstained", family="who", type="multiple", answer_type="country",
                 prompt="Which three countries abstained?", options=("A", "B", "C", "D", "E"), answers=("A", "B", "C"),
                 explanation="", evidence=())
    for seed in range(40):
        options = quiz._order_options(q, random.Random(seed), Counter())
        places = sorted(options.index(k) for k in q.answers)
        assert places not in ([0, 1, 2], [2, 3, 4]), options


def test_linked_facts_never_share_a_sheet(make_project):
    """A question that takes another fact's answer as given ("why did Israel stay away from the
    vote?" beside "true or false: Israel was absent") shares words no count can weigh: the deck links them."""
    from conftest import facts_with

    deck = studykit.load_deck(make_project(facts_with(strike={"linked": ["unsc-vote"]})).deck())
    qset = studykit.generate(deck)
    strike = next(q for q in qset if q.fact == "strike")
    vote = next(q for q in qset if q.fact == "unsc-vote")
    assert leaks(strike, vote, deck) == f"{strike.id!r} and {vote.id!r} are on linked facts (the deck's 'linked:')"
    assert leaks(vote, strike, deck) is not None  # either way
    for version in (1, 2, 3):
        plan = plan_sheet(select_questions(qset), count=len(FACTS), seed=0, version=version, deck=deck)
        facts = {p.question.fact for p in plan.questions}
        assert not {"strike", "unsc-vote"} <= facts
        assert plan.skipped["linked facts"] > 0  # one of them was met and passed over
    sheet = _Sheet(deck, list(qset))  # the sheet looks a linked fact's questions up, whatever else they share
    sheet.add(vote)
    assert next(iter(sheet._partners(strike))) == (("any", ""), [vote])


@given(pools(), st.integers(1, 20), st.integers(1, 3))
def test_a_sheet_that_falls_short_is_drawn_again_and_the_fullest_kept(pool, count, version):
    import random

    first = quiz._balanced_pick(sorted(pool, key=lambda q: q.id), count, random.Random(quiz.version_seed(0, version)),
                                quiz._Sheet(None, pool, count), Counter())
    plan = plan_sheet(pool, count=count, seed=0, version=version)
    assert len(plan.questions) >= len(first)
    if len(first) == count:  # full at once: the sheet it has always been
        assert sorted(p.question.id for p in plan.questions) == sorted(q.id for q in first)

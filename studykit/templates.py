"""Question templates: the built-in library and the ones a deck defines.

A template turns one fact into at most one question, or none when the fact cannot make a good
question of its family (a state-like predicate has no year to ask; generic words identify no
speaker; a negated predicate has no false twin). Built-ins are registered by id in
:data:`BUILTIN`; each knows its *family* (who, year, date, rationale, how-many, who-said,
true-false, cloze), the fact kinds it applies to, and its stem. The wrong options come from
:mod:`studykit.distractors`, which alone decides what is provably false and what is plausible;
the words come from :mod:`studykit.phrasing`. The cloze family lives in :mod:`studykit.cloze`.
User templates (deck ``templates:``) render their prompt in jinja2's sandbox.
"""

from __future__ import annotations

import functools
import random
import re
import sys
import zlib
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Sequence

from .corpus import fold
from .dates import display_date, time_anchor, year_of
from .distractors import LOWER_BOUNDS, MIN_SAID_WORDS, UPPER_BOUNDS, Pools, event_key, format_number, pick_options, vote_key
from .model import VOTE_POSITIONS, Deck, Fact, Question, UserTemplate, WrongOption, format_value
from .ordered import RankBalance, spread_keys
from .phrasing import (
    capitalise,
    declarative,
    is_negated,
    is_state,
    join_names,
    lower_first,
    outlet_name,
    sentence,
    typeset,
    with_time,
)
from .vocabulary import words_of

TRUE, FALSE = "True", "False"


@dataclass(frozen=True)
class Context:
    """What a template may use besides the fact: the deck, its distractor pools, the seed."""

    deck: Deck
    pools: Pools
    seed: int
    #: the sentences earlier facts' clozes show, by source: (start, end) spans. One sentence makes
    #: one card, or a learner who sees one card knows the other's answer
    cloze_sentences: dict[str, list[tuple[int, int]]] = field(default_factory=dict, compare=False)
    #: the key ranks of the ordered questions so far, kept level across the deck
    ranks: RankBalance = field(default_factory=RankBalance, compare=False)
    #: the key's places among unordered options so far, kept level the same way
    places: RankBalance = field(default_factory=RankBalance, compare=False)

    def rng(self, question_id: str) -> random.Random:
        # str seeds are hashed with SHA-512 by random, so this is stable across processes
        return random.Random(f"{self.seed}:{self.deck.id}:{question_id}")

    def rank(self, question_id: str) -> Callable[[str], tuple[int, str]]:
        """A seeded rank that belongs to each candidate: a new candidate takes its place among the
        others without reshuffling them, so adding a fact to the deck changes another question
        only where the new value ranks among its chosen options."""
        prefix = zlib.crc32(f"{self.seed}:{self.deck.id}:{question_id}:".encode())  # CRC-32: stable and cheap
        return lambda candidate: (zlib.crc32(candidate.encode(), prefix), candidate)

    def ranked(self, question_id: str, candidates: Iterable[str]) -> list[str]:
        return sorted(candidates, key=self.rank(question_id))


# --- what a fact says, in words -------------------------------------------------------------------


def asked(fact: Fact, question: str) -> str:
    """The question with the fact's time anchor in front ("In April 2014, who met …?"): at the
    end, the anchor would attach to the last noun ("… over its takeover of Crimea in April 2014")."""
    date = fact.fields.get("date")
    if not date:
        return question
    # the stems begin with Who, Which, What, How or According: lowered after the anchor
    return f"{capitalise(time_anchor(date))}, {question[:1].lower()}{question[1:]}"


def anchor(fact: Fact) -> str:
    """' in 1967', ' on 25 February 2022', or nothing."""
    date = fact.fields.get("date")
    return f" {time_anchor(date)}" if date else ""


_VOTE_EXPLAINED = {
    "in_favor": "voted in favour",
    "against": "voted against",
    "abstained": "abstained",
    "vetoed": "vetoed it",
    "absent": "did not attend the vote",
    "co_sponsored": "co-sponsored it",
}


def explain(fact: Fact) -> str:
    """One sentence that states the fact in plain words, with its date."""
    f = fact.fields
    date = f.get("date")
    if fact.kind == "vote":
        parts = [f"{join_names(f[p])} {_VOTE_EXPLAINED[p]}" for p in VOTE_POSITIONS if p in f]
        return typeset(with_time(f"{f['body']} voted on {f['motion']}: " + "; ".join(parts), date))
    if fact.kind == "event":
        return typeset(with_time(f"{f['actor']} {f['action']}", date))
    if fact.kind == "stance":
        source = f"according to {f['according_to']}, " if "according_to" in f else ""
        # the time in front: at the end it would attach to the last noun ("… over its takeover of
        # Crimea in April 2014"); "a reason": a source that gives one of several is not made to say
        # it gave the only one
        return typeset(with_time(f"{source}{f['actor']} {f['position']}", date) + " A reason given: " + sentence(lower_first(f["rationale"])))
    if fact.kind == "statement":
        role = f", {f['role']}," if "role" in f else ""
        return typeset(with_time(f"{f['speaker']}{role} said “{_words(f['said'])}”{_context(fact)}", date))
    if fact.kind == "quantity":
        return typeset(with_time(f"{quantity_text(fact, f['value'])} {declarative(f['subject'])}", date))
    raise AssertionError(fact.kind)  # pragma: no cover - kinds are validated on load


def quantity_text(fact: Fact, value: float) -> str:
    qualifier = fact.fields.get("qualifier")
    unit = fact.fields.get("unit")
    text = format_value(value)
    if unit:
        text = f"{text} {unit}"
    return f"{qualifier} {text}" if qualifier else text


def _words(said: str) -> str:
    """The quoted words as they sit inside quotation marks mid-sentence: no final full stop."""
    return said.strip().rstrip(".").rstrip()


def _context(fact: Fact) -> str:
    context = fact.fields.get("context")
    return f" {context}" if context else ""


#: How many keys a "select all" stem says it has: at most four are shown.
_HOW_MANY_KEYS = {2: "two", 3: "three", 4: "four"}


def who_word(answer_type: str, plural: bool, count: int = 0) -> str:
    """"Which country", "Which institutions", "Who"; with ``count`` (every key shown) "Which three
    countries": a "select all" stem that never says how many left a printed item unanswerable
    under a "fill in the one circle" reading (review 15)."""
    number = f"{_HOW_MANY_KEYS[count]} " if plural and count in _HOW_MANY_KEYS else ""
    if answer_type == "country":
        return f"Which {number}countries" if plural else "Which country"
    if answer_type == "organisation":
        return f"Which {number}institutions" if plural else "Which institution"  # "which organisation" read oddly for the White House
    if answer_type == "person" and number:
        return f"Which {number}people"
    return "Who"


# --- the template base -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A built-in template. ``make`` returns a question, or None when the fact does not fit."""

    id: str
    family: str
    kinds: tuple[str, ...]
    make: Callable[[Template, Fact, Context], Question | None]
    doc: str

    def apply(self, fact: Fact, ctx: Context) -> Question | None:
        if fact.kind not in self.kinds:
            return None
        return self.make(self, fact, ctx)


@functools.lru_cache(maxsize=16)
def _explained(fact: Fact) -> str:
    """A fact's explanation, one string for all its questions (they are made one fact at a time):
    at 20,000 facts, a copy per question was 9 MiB."""
    return explain(fact)


def make_question(template: Template | CompiledUserTemplate, fact: Fact, **fields: Any) -> Question:
    """A question of ``template`` about ``fact``: its id, explanation and evidence filled in."""
    if "explanation" not in fields:
        fields["explanation"] = _explained(fact)
    fields.setdefault("evidence", fact.evidence)
    if fields.get("fallback"):  # worded alike for question after question: one string for all
        fields["fallback"] = sys.intern(fields["fallback"])
    return Question(
        id=f"{fact.id}/{template.id}", fact=fact.id, template=template.id, family=template.family, topic=fact.topic, **fields
    )


def about_the_subject(ctx: Context, keys: Sequence[str]) -> bool:
    """Whether the only key is what the deck is about (its subject, or an entity its title names):
    "Which country …? Israel" in a deck about Israel is answered by guessing the subject."""
    return len(keys) == 1 and fold(keys[0]) in {fold(s) for s in ctx.pools.subjects}


def choice(
    template: Template | CompiledUserTemplate,
    fact: Fact,
    ctx: Context,
    *,
    prompt: str,
    keys: Sequence[str],
    wrong: Sequence[WrongOption],
    answer_type: str,
    fallback_prompt: str | None = None,
) -> Question:
    """A choice question from the keys and the ranked wrong options, or a ``short`` one when
    fewer than two wrong options are proved (one for "select all")."""
    question_id = f"{fact.id}/{template.id}"
    rng = ctx.rng(question_id)
    frequency = None if answer_type in ("text", "rationale") else (lambda text: ctx.pools.document_count(fact, text))
    picked = pick_options(keys, wrong, rng, text_options=answer_type in ("text", "rationale"), frequency=frequency)
    if picked is None:
        return make_question(
            template, fact, type="short", answer_type=answer_type, prompt=typeset(fallback_prompt or prompt), options=(),
            answers=tuple(typeset(k) for k in keys),  # as printed; an LMS accepts the typed "'" too
            fallback=f"only {len(wrong)} provably false and plausible option(s), or none nearly as familiar as the key; asked as a free answer",
        )
    chosen_keys, chosen = picked
    options = [*chosen_keys, *(o.value for o in chosen)]
    rng.shuffle(options)
    if len(chosen_keys) > 1:
        options = spread_keys(options, chosen_keys, rng)
    else:  # the key's place, kept level across the deck as the ordered ranks are
        wrong_count = len(options) - 1
        place = ctx.places.choose(wrong_count, range(len(options)), rng)
        options.insert(place, options.pop(options.index(chosen_keys[0])))
        ctx.places.record(wrong_count, place)
    # options are read, never typed: typeset like the stem
    return make_question(
        template,
        fact,
        type="multiple" if len(chosen_keys) > 1 else "single",
        answer_type=answer_type,
        prompt=typeset(prompt),
        options=tuple(typeset(o) for o in options),
        answers=tuple(typeset(k) for k in chosen_keys),
        wrong=tuple(replace(o, value=typeset(o.value)) for o in chosen),
    )


def ordered_choice(
    template: Template, fact: Fact, *, prompt: str, key: Any, wrong: Sequence[Any], show: Callable[[Any], str], answer_type: str,
    proof: str,
) -> Question | None:
    """A choice among ordered values (years, dates, figures), ascending, or None when too few."""
    if len(wrong) < 2:
        return None
    options = sorted({key, *wrong})
    return make_question(
        template,
        fact,
        type="single",
        answer_type=answer_type,
        prompt=typeset(prompt),
        options=tuple(show(v) for v in options),
        answers=(show(key),),
        ordered=True,
        wrong=tuple(WrongOption(show(v), proof, "below the key" if v < key else "above the key") for v in wrong),
    )


def true_false(template: Template, fact: Fact, statement: str, truth: bool, *, proof: str = "") -> Question:
    statement = typeset(sentence(statement))
    return make_question(
        template,
        fact,
        type="true_false",
        answer_type="boolean",
        prompt=f"True or false: {statement}",
        options=(TRUE, FALSE),
        answers=(TRUE if truth else FALSE,),
        wrong=(WrongOption(TRUE, proof),) if not truth and proof else (),
    )


# --- who -------------------------------------------------------------------------------------------


def _who_voted(position: str) -> Callable[[Template, Fact, Context], Question | None]:
    def make(template: Template, fact: Fact, ctx: Context) -> Question | None:
        keys = list(fact.fields.get(position, ()))
        if not keys or about_the_subject(ctx, keys):
            return None
        f = fact.fields
        answer_type = ctx.deck.entity_type(keys[0], "country")
        shown = len(keys) if len(keys) <= 4 else 0  # more than four keys: four are shown, so no count
        # the body in front: after a long motion "… withdrawal of troops from Ukraine at the UN
        # Security Council" dangled (review 16)
        stem = asked(fact, f"At {f['body']}, {who_word(answer_type, len(keys) > 1, shown).lower()} {VOTE_POSITIONS[position]} {f['motion']}?")
        recorded = frozenset(ctx.pools.positions.get(vote_key(fact), {}))
        wrong = ctx.pools.rank_entities(
            fact, keys, ctx.pools.not_in_position(fact, position), stem=stem, rank=ctx.rank(f"{fact.id}/{template.id}"),
            same_vote=recorded,
        )
        return choice(template, fact, ctx, prompt=stem, keys=keys, wrong=wrong, answer_type=answer_type)

    return make


def _who_did(template: Template, fact: Fact, ctx: Context) -> Question | None:
    from .cloze import named_as_example

    f = fact.fields
    if about_the_subject(ctx, [f["actor"]]) or named_as_example(fact, f["actor"]):
        return None  # "leaders like Ben Gurion": he is one of several who did it
    answer_type = ctx.deck.entity_type(f["actor"], "actor")
    stem = asked(fact, f"{who_word(answer_type, False)} {f['action']}?")
    curated = [(w, "the curator lists it as not the actor") for w in fact.distractors.get("actor", ())]
    wrong = ctx.pools.rank_entities(fact, [f["actor"]], curated, stem=stem, rank=ctx.rank(f"{fact.id}/{template.id}"))
    return choice(template, fact, ctx, prompt=stem, keys=[f["actor"]], wrong=wrong, answer_type=answer_type)


def _who_said(template: Template, fact: Fact, ctx: Context) -> Question | None:
    f = fact.fields
    if _generic(f["said"]):
        return None
    prompt = asked(fact, f"Who said “{_words(f['said'])}”{_context(fact)}?")
    answer_type = ctx.deck.entity_type(f["speaker"], "person")
    keys = ctx.pools.speakers_of(fact)  # the same words may be on record from several speakers
    if about_the_subject(ctx, keys):
        return None
    wrong = ctx.pools.rank_entities(fact, keys, ctx.pools.other_speakers(fact), stem=prompt, rank=ctx.rank(f"{fact.id}/{template.id}"))
    return choice(template, fact, ctx, prompt=prompt, keys=keys, wrong=wrong, answer_type=answer_type)


def _generic(said: str) -> bool:
    """Words too few or too common to tell one speaker from another ("will continue")."""
    return len(said.split()) < MIN_SAID_WORDS


# --- when, why, how many ---------------------------------------------------------------------------


def _year_stem(fact: Fact) -> str | None:
    f = fact.fields
    if fact.kind == "vote":
        return f"In what year did {f['body']} vote on {f['motion']}?"
    if is_state(f["action"]):
        return None  # "had yet to sign", "remained unconvinced": a state, not a moment
    # the event as the fact states it, then the question: "In which year did … cut" would need the
    # verb's base form (review 22: "What year was it when …" read as clumsy)
    return f"{capitalise(f['actor'])} {f['action']}. In which year?"


def _what_year(template: Template, fact: Fact, ctx: Context) -> Question | None:
    date = fact.fields.get("date")
    stem = _year_stem(fact) if date else None
    if not stem or not date:
        return None
    key = year_of(date)
    if re.search(rf"(?<!\d){key}(?!\d)", stem):
        return None  # the stem would give the answer away
    if ctx.pools.trivial_year(fact):
        return None  # the year the article was written, with nothing like it in another year: no question
    wrong = ctx.pools.years(fact, ctx.rng(f"{fact.id}/{template.id}"), balance=ctx.ranks)
    return ordered_choice(template, fact, prompt=stem, key=key, wrong=wrong, show=str, answer_type="year",
                          proof="the event has one year, and no fact gives this one for it or a near-identical event")


def _what_date(template: Template, fact: Fact, ctx: Context) -> Question | None:
    date = fact.fields.get("date")
    if fact.kind != "vote" or not date or date.count("-") != 2:
        return None  # a day is worth asking for a recorded vote, not for every dated remark
    f = fact.fields
    stem = f"On what date did {f['body']} vote on {f['motion']}?"
    wrong = ctx.pools.dates(fact, ctx.rng(f"{fact.id}/{template.id}"), balance=ctx.ranks)
    return ordered_choice(template, fact, prompt=stem, key=date, wrong=wrong, show=display_date, answer_type="date",
                          proof="the vote has one date, and no fact gives this one for it")


def _which_rationale(template: Template, fact: Fact, ctx: Context) -> Question | None:
    f = fact.fields
    source = f", according to {f['according_to']}" if "according_to" in f else ""
    prompt = asked(fact, f"What was one reason {f['actor']} {f['position']}{source}?")
    given = {fold(f["rationale"])}
    # only the curator can say that a reason was *not* this actor's: another actor's reason may be this one's too
    wrong = [
        WrongOption(capitalise(r), "the curator asserts it was not the reason", "written for this actor and position")
        for r in dict.fromkeys(fact.distractors.get("rationale", ()))
        if fold(r) not in given and not near_copy(r, f["rationale"])
    ]
    return choice(template, fact, ctx, prompt=prompt, keys=[capitalise(f["rationale"])], wrong=wrong, answer_type="rationale")


#: A wrong reason sharing this share of its words with the key is a near-copy of it.
NEAR_COPY = 0.4


def near_copy(wrong: str, key: str) -> bool:
    """Whether a wrong reason reads as a variant of the key ("Israel had voted against the UN
    General Assembly resolution condemning …" beside "Israel had been absent from a UN General
    Assembly vote condemning …"): the pair stands out, and a testwise student picks within it
    (review 13, three items). Words are compared as sets, Jaccard at least :data:`NEAR_COPY`."""
    a, b = set(words_of(wrong)), set(words_of(key))
    return bool(a and b) and len(a & b) / len(a | b) >= NEAR_COPY


#: Hedges that make the figure a bound: "more than 60,000" would be true of "over 100,000" too,
#: so an upper bound is asked as its outlet's figure, and a lower bound not at all (``_how_many``).
_BOUNDS = LOWER_BOUNDS | UPPER_BOUNDS
#: Upper bounds that read before "how many" ("up to how many years …?").
_HOW_MANY_BOUNDS = frozenset({"up to", "at most"})


def _how_many(template: Template, fact: Fact, ctx: Context) -> Question | None:
    f = fact.fields
    hedge = fold(f.get("qualifier", ""))
    unit = f" (in {f['unit']})" if "unit" in f else ""
    if hedge in _BOUNDS:  # the figure the source gives, named as its source's: the bound is not the question
        # the figure it gave, its bound not the question: "“over” how many …?" made every lower
        # option true as well (review 8)
        # "… Which figure did it give?" read as machine output, its "it" dangling (review 11)
        # "… a certain number of … What was that number?" read as a stilted template (review 22).
        # An upper bound is asked as English asks it, "up to how many years …?", a choice: "up to
        # 10" is not true of "up to 5". A lower bound makes no good how-many question, so none is
        # made: beside "over 100,000", "over 50,000" is true as well, whether offered ("which
        # figure fills the blank?", review 23; "… which figure did Haaretz give?", review 24) or
        # written ("over how many …?": "over 150,000", widely reported, is true too, review 26)
        if hedge not in _HOW_MANY_BOUNDS:
            return None
        outlet = outlet_name(ctx.deck.source(fact.evidence[0].source).outlet)
        prompt = asked(fact, f"According to {outlet}, {f['qualifier']} how many {f['subject']}{unit}?")
    else:
        noun = "much" if "unit" in f else "many"
        how = f"About how {noun}" if hedge else f"How {noun}"
        prompt = asked(fact, f"{how} {f['subject']}{unit}?")
    wrong = ctx.pools.numbers(fact, ctx.rng(f"{fact.id}/{template.id}"), balance=ctx.ranks)
    proof = "another figure than the one the source gives"
    return ordered_choice(template, fact, prompt=prompt, key=f["value"], wrong=wrong, show=format_number, answer_type="number", proof=proof)


# --- true or false ---------------------------------------------------------------------------------


def _vote_pair(fact: Fact, ctx: Context, question_id: str) -> tuple[str, str, list[WrongOption]] | None:
    """The vote's most telling (position, actor) and the plausible refuted actors for a twin."""
    best = None
    rank = ctx.rank(question_id)
    for position in VOTE_POSITIONS:
        for actor in fact.fields.get(position, ()):
            stem = f"{fact.fields['motion']} at {fact.fields['body']}"
            # a false twin must be false by the documents: only actors the deck records otherwise, not the curator's word
            # nor one of the deck's subjects: "Russia abstained on the draft against its own
            # troops" is false on sight
            candidates = [(a, p) for a, p in ctx.pools.not_in_position(fact, position)
                          if a not in fact.fields.get(position, ()) and p.startswith("recorded") and a not in ctx.pools.subjects]
            wrong = ctx.pools.rank_entities(fact, [actor], candidates, stem=stem, rank=rank,
                                            same_vote=frozenset(ctx.pools.positions.get(vote_key(fact), {})))
            # not the deck's subject ("Russia vetoed the draft against its own troops" tells nothing)
            score = (actor not in ctx.pools.subjects, len(wrong) > 0, -len(fact.fields[position]), rank(position + actor))
            if best is None or score > best[0]:
                best = (score, position, actor, wrong)
    if best is None:
        return None
    return best[1], best[2], best[3]


def _vote_statement(fact: Fact, position: str, actor: str) -> str:
    f = fact.fields
    # the body in front: "… after Russia's takeover of Crimea at the UN General Assembly" put the
    # takeover at the Assembly (review 17)
    return with_time(f"at {f['body']}, {actor} {VOTE_POSITIONS[position]} {f['motion']}", f.get("date"))


def _tf_subject(fact: Fact) -> bool:
    """Whether the fact makes a true/false pair that teaches: no negated or state-like predicate,
    no generic words."""
    f = fact.fields
    if fact.kind == "event":
        return not is_negated(f["action"]) and not is_state(f["action"])
    if fact.kind == "statement":
        return not _generic(f["said"])
    return fact.kind == "vote"


def _true_false(template: Template, fact: Fact, ctx: Context) -> Question | None:
    if fact.kind == "stance":
        return _stance_statement(template, fact, ctx, True)
    if not _tf_subject(fact):
        return None
    f = fact.fields
    if fact.kind == "vote":
        pair = _vote_pair(fact, ctx, f"{fact.id}/true-false-twin")
        return true_false(template, fact, _vote_statement(fact, pair[0], pair[1]), True) if pair else None
    if fact.kind == "event":
        return true_false(template, fact, with_time(f"{f['actor']} {f['action']}", f.get("date")), True)
    return true_false(template, fact, with_time(f"{f['speaker']} said “{_words(f['said'])}”{_context(fact)}", f.get("date")), True)


def _true_false_twin(template: Template, fact: Fact, ctx: Context) -> Question | None:
    """The false twin: the true statement with one discriminating value swapped for a plausible
    one the documents refute (another actor's recorded vote, another speaker, or another year for
    an event that happened once, or for a stance, a reason its source did not give) — never one
    only the curator's word makes false."""
    if fact.kind == "stance":
        return _stance_statement(template, fact, ctx, False)
    if not _tf_subject(fact):
        return None
    f = fact.fields
    question_id = f"{fact.id}/{template.id}"
    rank = ctx.rank(question_id)
    if fact.kind == "vote":
        pair = _vote_pair(fact, ctx, question_id)
        if pair is None or not pair[2]:
            return None
        position, _, wrong = pair
        return true_false(template, fact, _vote_statement(fact, position, wrong[0].value), False, proof=wrong[0].proof)
    if fact.kind == "event":
        date = f.get("date")
        if date and not ctx.pools.trivial_year(fact):
            # another year for the same event: false by the record, and a reader must know when it
            # happened; a near year (2 to 4 off), as memory confuses them: one decades off puts a
            # named war before it began, false on sight
            years = [y for y in ctx.pools.years(fact, ctx.rng(question_id)) if 2 <= abs(y - year_of(date)) <= 4]
            if years:
                year = ctx.ranked(question_id, [str(y) for y in years])[0]
                return true_false(template, fact, with_time(f"{f['actor']} {f['action']}", year), False,
                                  proof="the event happened in another year")
        return None  # only the curator says who else did not do it: not false by the documents
    if ctx.deck.entity_type(f["speaker"], "person") != "person":
        # a country's or an institution's words are a policy line another state could have said
        # ("a clash with Moscow could hurt our security", Israel → Germany: reviews 9 and 10)
        return None
    speakers = ctx.pools.rank_entities(fact, ctx.pools.speakers_of(fact), ctx.pools.other_speakers(fact), stem="", rank=rank)
    if not speakers:
        return None
    statement = with_time(f"{speakers[0].value} said “{_words(f['said'])}”{_context(fact)}", f.get("date"))
    return true_false(template, fact, statement, False, proof=speakers[0].proof)


#: A position that carries a clause of its own ("…, though it generally followed the US lead").
_OWN_CLAUSE = re.compile(r",\s*(?:though|although|while|but|whereas)\b|\b(?:although|even though)\b", re.IGNORECASE)


def _stance_statement(template: Template, fact: Fact, ctx: Context, truth: bool) -> Question | None:
    """ "According to <source>, <actor> <position>, in part because <reason>": the source's own
    reason (true) or one of the curated wrong ones (false by the source, which gave another).

    Only for a stance with its source named and curated wrong reasons (written for this actor and
    position, and noted why they are not the source's): another stance's reason may be this one's
    too, and without "according to" only the curator's word would make it false. Each stance
    makes both, so the wording says nothing of the key: one of the two by a seeded coin left
    "in part because" False 9 times in 15 beside plain statements nearly always True, a rule
    that scored 82 % on two sheets (review 11). A sheet never holds both (one question per fact)."""
    f = fact.fields
    wrong = [r for r in dict.fromkeys(fact.distractors.get("rationale", ())) if fold(r) != fold(f["rationale"])]
    if not wrong or "according_to" not in f or _OWN_CLAUSE.search(f["position"]):
        return None  # a position with a clause of its own leaves "in part because" dangling (review 11)
    reason = f["rationale"] if truth else ctx.ranked(f"{fact.id}/{template.id}", wrong)[0]
    # "in part because": "one reason … was that" leaves a position with a clause of its own as a
    # garden path ("… although it knew Russia would veto it was that it needed …")
    statement = f"according to {f['according_to']}, {f['actor']} {f['position']}, in part because {lower_first(reason)}"
    return true_false(template, fact, with_time(statement, f.get("date")), truth, proof="" if truth else "its source gave another reason")


# --- the library -----------------------------------------------------------------------------------


def _templates() -> dict[str, Template]:
    from .cloze import make_cloze

    table = [
        *(
            Template(
                f"who-{name}",
                "who",
                ("vote",),
                _who_voted(position),
                f"Which country {VOTE_POSITIONS[position]} the motion? Wrong options: actors recorded with another position on the same vote.",
            )
            for position, name in (
                ("abstained", "abstained"),
                ("vetoed", "vetoed"),
                ("in_favor", "voted-for"),
                ("against", "voted-against"),
                ("absent", "was-absent"),
                ("co_sponsored", "co-sponsored"),
            )
        ),
        Template("who-did", "who", ("event",), _who_did, "Who did it? Wrong options: the fact's curated distractors."),
        Template("what-year", "year", ("vote", "event"), _what_year, "In what year? Wrong options on both sides of the key."),
        Template("what-date", "date", ("vote",), _what_date, "On what date did the vote take place (precise dates only)?"),
        Template("which-rationale", "rationale", ("stance",), _which_rationale, "Why? Wrong options: the curator's only."),
        Template("how-many", "how-many", ("quantity",), _how_many, "How many …? Numeric options in ascending order."),
        Template("who-said", "who-said", ("statement",), _who_said, "Who said these words? Wrong options: speakers of the same role."),
        Template("true-false", "true-false", ("vote", "event", "statement", "stance"), _true_false, "A true statement built from the fact."),
        Template("true-false-twin", "true-false", ("vote", "event", "statement", "stance"), _true_false_twin,
                 "A false twin: one part swapped for a refuted one."),
        Template("cloze", "cloze", ("vote", "event", "stance", "statement", "quantity"), make_cloze, "The sentence with a rare key entity or figure deleted."),
    ]
    return {t.id: t for t in table}


#: Built-in templates by id, in the order questions are generated for a fact.
BUILTIN: dict[str, Template] = _templates()
FAMILIES = tuple(dict.fromkeys(t.family for t in BUILTIN.values()))


# --- user templates (rendered in the sandbox of studykit.sandbox) -----------------------------------


@dataclass(frozen=True)
class CompiledUserTemplate:
    spec: UserTemplate
    prompt: object  # a jinja2 Template

    @property
    def id(self) -> str:
        return self.spec.id

    family = "custom"

    def apply(self, fact: Fact, ctx: Context) -> Question | None:
        spec = self.spec
        if fact.kind not in spec.kinds or spec.answer not in fact.fields:
            return None
        variables: dict[str, object] = {name: _for_template(value) for name, value in fact.fields.items()}
        variables.update(
            id=fact.id,
            kind=fact.kind,
            topic=fact.topic,
            anchor=anchor(fact).strip(),
            year=year_of(fact.fields["date"]) if "date" in fact.fields else None,
        )
        from .sandbox import render_limited  # jinja2 is imported only for a deck with templates of its own

        prompt = render_limited(self.prompt, variables, where=spec.location, what=f"template {spec.id!r} on fact {fact.id!r}")
        value = fact.fields[spec.answer]
        keys = [format_value(v) for v in value] if isinstance(value, tuple) else [_for_template(value)]
        if spec.type == "single":
            wrong = [WrongOption(format_value(v), "the curator lists it as false") for v in fact.distractors.get(spec.answer, ())
                     if fold(format_value(v)) not in {fold(k) for k in keys}]
            return choice(self, fact, ctx, prompt=prompt, keys=keys, wrong=wrong, answer_type=spec.answer_type)
        return make_question(self, fact, type="short", answer_type=spec.answer_type, prompt=prompt, options=(), answers=tuple(keys))


def _for_template(value: Any) -> str:
    if isinstance(value, tuple):
        return join_names(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}){0,2}", value):
        return display_date(value)
    return format_value(value)


def active_templates(deck: Deck) -> list[Template | CompiledUserTemplate]:
    """Built-ins the deck did not switch off, then the deck's own templates (compiled)."""
    chosen: list[Template | CompiledUserTemplate] = [t for t in BUILTIN.values() if t.id not in deck.disabled and t.family not in deck.disabled]
    if not deck.templates:
        return chosen
    from .sandbox import compile_user_template  # jinja2 is imported only for a deck with templates of its own

    chosen += [CompiledUserTemplate(spec, compile_user_template(spec)) for spec in deck.templates]
    return chosen


__all__ = ["BUILTIN", "FAMILIES", "Context", "Template", "active_templates", "event_key", "explain", "make_question"]

"""Question templates: the built-in library and the ones a deck defines.

A template turns one fact into at most one question. Built-ins are registered by id in
:data:`BUILTIN`; each knows its *family* (who, year, date, rationale, how-many, who-said,
true-false, cloze), the fact kinds it applies to, and how to phrase stem, options and explanation.
User templates (deck ``templates:``) render their prompt in jinja2's sandbox.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable

from .corpus import find_words as find_words_in
from .corpus import fold, normalize, normalize_with_map
from .dates import display_date, time_anchor, year_of
from .distractors import LOWER_BOUNDS, UPPER_BOUNDS, WRONG_OPTIONS, Pools
from .model import CLOZE_BLANK, VOTE_POSITIONS, Deck, Fact, Question, UserTemplate, format_value
from .sandbox import compile_user_template, render_limited

TRUE, FALSE = "True", "False"


@dataclass(frozen=True)
class Context:
    """What a template may use besides the fact: the deck, its distractor pools, the seed."""

    deck: Deck
    pools: Pools
    seed: int

    def rng(self, question_id: str) -> random.Random:
        # str seeds are hashed with SHA-512 by random, so this is stable across processes
        return random.Random(f"{self.seed}:{self.deck.id}:{question_id}")

    def ranked(self, question_id: str, candidates: Iterable[str]) -> list[str]:
        """Candidates in a seeded order that is each candidate's own: a new candidate takes its
        place among the others without reshuffling them, so adding a fact to the deck changes
        another question only where the new value ranks among its chosen options."""

        prefix = zlib.crc32(f"{self.seed}:{self.deck.id}:{question_id}:".encode())  # CRC-32: stable and cheap

        def rank(candidate: str) -> tuple[int, str]:
            return zlib.crc32(candidate.encode(), prefix), candidate

        return sorted(candidates, key=rank)


# --- phrasing helpers --------------------------------------------------------------------------


def sentence(text: str) -> str:
    """Capitalise the first letter and end with a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def join_names(names: Iterable[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def anchor(fact: Fact) -> str:
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
    when = anchor(fact)
    if fact.kind == "vote":
        parts = [f"{join_names(f[p])} {_VOTE_EXPLAINED[p]}" for p in VOTE_POSITIONS if p in f]
        return sentence(f"{when.strip()}, {f['body']} voted on {f['motion']}: " + "; ".join(parts))
    if fact.kind == "event":
        return sentence(f"{f['actor']} {f['action']}{when}")
    if fact.kind == "stance":
        source = f"According to {f['according_to']}, " if "according_to" in f else ""
        return sentence(f"{source}{f['actor']} {f['position']}{when}. The reason given: {lower_pronoun(f['rationale'])}")
    if fact.kind == "statement":
        role = f", {f['role']}," if "role" in f else ""
        context = f" {f['context']}" if "context" in f else ""
        return sentence(f"{f['speaker']}{role} said “{f['said']}”{context}{when}")
    if fact.kind == "quantity":
        return sentence(f"{quantity_text(fact, f['value'])} {f['subject']}{when}")
    raise AssertionError(fact.kind)  # pragma: no cover - kinds are validated on load


_PRONOUNS = frozenset("a an the it its they their them this these those he his she her we our".split())


def lower_pronoun(clause: str) -> str:
    """'Its diplomats were on strike.' → 'its diplomats were on strike' (names keep their capitals)."""
    clause = clause.strip().rstrip(".")
    first, _, rest = clause.partition(" ")
    return f"{first.lower()} {rest}".strip() if first.lower() in _PRONOUNS else clause


def quantity_text(fact: Fact, value: float) -> str:
    qualifier = fact.fields.get("qualifier")
    unit = fact.fields.get("unit")
    text = format_value(value)
    if unit:
        text = f"{text} {unit}"
    return f"{qualifier} {text}" if qualifier else text


def who_word(answer_type: str, plural: bool) -> str:
    if answer_type == "country":
        return "Which countries" if plural else "Which country"
    if answer_type == "organisation":
        return "Which organisations" if plural else "Which organisation"
    return "Who"


# --- the template base -------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A built-in template. ``make`` returns a question, or None when the fact does not fit."""

    id: str
    family: str
    kinds: tuple[str, ...]
    make: Callable[["Template", Fact, Context], Question | None]
    doc: str

    def apply(self, fact: Fact, ctx: Context) -> Question | None:
        if fact.kind not in self.kinds:
            return None
        return self.make(self, fact, ctx)


def make_question(template: Template | CompiledUserTemplate, fact: Fact, **fields: Any) -> Question:
    """A question of ``template`` about ``fact``: its id, explanation and evidence filled in."""
    fields.setdefault("explanation", explain(fact))
    fields.setdefault("evidence", fact.evidence)
    return Question(
        id=f"{fact.id}/{template.id}", fact=fact.id, template=template.id, family=template.family, topic=fact.topic, **fields
    )


def choice(
    template: Template | CompiledUserTemplate,
    fact: Fact,
    ctx: Context,
    *,
    prompt: str,
    keys: list[str],
    wrong: list[str],
    answer_type: str,
    ordered: bool = False,
    fallback_prompt: str | None = None,
    field: str | None = None,
) -> Question:
    """Assemble a choice question, or a ``short`` one when fewer than two wrong options are proved.

    The curator's own wrong options (``distractors`` of ``field``) are offered before the ones
    the deck proves, so a curator who lists enough of them decides the options alone.
    """
    rng = ctx.rng(f"{fact.id}/{template.id}")
    multiple = len(keys) > 1
    needed = 1 if multiple else 2
    if len(wrong) < needed:
        return make_question(
            template,
            fact,
            type="short",
            answer_type=answer_type,
            prompt=fallback_prompt or prompt,
            options=(),
            answers=tuple(keys),
            fallback=f"only {len(wrong)} provably false option(s); asked as a free answer",
        )
    if not ordered:
        curated = {format_value(v) for v in fact.distractors.get(field, ())} if field else set()
        question_id = f"{fact.id}/{template.id}"
        wrong = ctx.ranked(question_id, [w for w in wrong if w in curated]) + ctx.ranked(
            question_id, [w for w in wrong if w not in curated]
        )
    if multiple and len(keys) > 4:  # "select all that apply" among at most five options
        keep = set(rng.sample(range(len(keys)), 4))
        keys = [k for i, k in enumerate(keys) if i in keep]
    # a single answer gets three wrong options; "select all" fills up to five options in all
    room = max(1, min(len(wrong), 5 - len(keys))) if multiple else min(len(wrong), WRONG_OPTIONS)
    chosen = wrong[:room]
    if answer_type in ("text", "rationale") and not multiple:
        chosen = _key_not_always_longest(keys[0], chosen, wrong[room:])
    options = keys + chosen
    if not ordered:
        rng.shuffle(options)
    return make_question(
        template,
        fact,
        type="multiple" if multiple else "single",
        answer_type=answer_type,
        prompt=prompt,
        options=tuple(options),
        answers=tuple(keys),
        ordered=ordered,
    )


def _key_not_always_longest(key: str, chosen: list[str], spare: list[str]) -> list[str]:
    """Keep the key from always being the longest option: if every chosen wrong option is
    shorter, swap the last one for the best-ranked spare that is at least as long."""
    if not chosen or any(len(option) >= len(key) for option in chosen):
        return chosen
    longer = next((option for option in spare if len(option) >= len(key)), None)
    return chosen if longer is None else [*chosen[:-1], longer]


def true_false(template: Template, fact: Fact, statement: str, truth: bool) -> Question:
    return make_question(
        template,
        fact,
        type="true_false",
        answer_type="boolean",
        prompt=f"True or false: {statement}?",
        options=(TRUE, FALSE),
        answers=(TRUE if truth else FALSE,),
    )


# --- the built-in families -------------------------------------------------------------------


def _who_voted(position: str):
    def make(template: Template, fact: Fact, ctx: Context) -> Question | None:
        keys = list(fact.fields.get(position, ()))
        if not keys:
            return None
        answer_type = ctx.deck.entity_type(keys[0], "country")
        wrong = [a for a in ctx.pools.not_in_position(fact, position) if ctx.deck.entity_type(a, "country") == answer_type]
        verb = VOTE_POSITIONS[position]
        f = fact.fields
        stem = f"{who_word(answer_type, len(keys) > 1)} {verb} {f['motion']} at {f['body']}{anchor(fact)}?"
        return choice(template, fact, ctx, prompt=stem, keys=keys, wrong=wrong, answer_type=answer_type, field=position)

    return make


def _who_did(template: Template, fact: Fact, ctx: Context) -> Question | None:
    f = fact.fields
    answer_type = ctx.deck.entity_type(f["actor"], "actor")
    wrong = [w for w in fact.distractors.get("actor", ()) if fold(w) != fold(f["actor"])]
    prompt = f"{who_word(answer_type, False)} {f['action']}{anchor(fact)}?"
    return choice(template, fact, ctx, prompt=prompt, keys=[f["actor"]], wrong=wrong, answer_type=answer_type, field="actor")


def _event_clause(fact: Fact) -> str:
    f = fact.fields
    if fact.kind == "vote":
        return f"{f['body']} voted on {f['motion']}"
    return f"{f['actor']} {f['action']}"


def _what_year(template: Template, fact: Fact, ctx: Context) -> Question | None:
    date = fact.fields.get("date")
    if not date:
        return None
    key = year_of(date)
    rng = ctx.rng(f"{fact.id}/{template.id}")
    wrong = ctx.pools.years(fact, key, rng)
    prompt = f"In what year did this happen: {_event_clause(fact)}?"
    q = choice(template, fact, ctx, prompt=prompt, keys=[str(key)], wrong=[str(y) for y in wrong], answer_type="year", ordered=True)
    return _sorted_options(q, key=int, show=str)


def _what_date(template: Template, fact: Fact, ctx: Context) -> Question | None:
    date = fact.fields.get("date")
    if not date or date.count("-") != 2:
        return None
    rng = ctx.rng(f"{fact.id}/{template.id}")
    wrong = ctx.pools.dates(fact, date, rng)
    prompt = f"On what date did this happen: {_event_clause(fact)}?"
    q = choice(template, fact, ctx, prompt=prompt, keys=[date], wrong=wrong, answer_type="date", ordered=True)
    return _sorted_options(q, key=lambda d: d, show=display_date)


def _which_rationale(template: Template, fact: Fact, ctx: Context) -> Question | None:
    f = fact.fields
    source = f"According to {f['according_to']}, what" if "according_to" in f else "What"
    prompt = f"{source} was the reason {f['actor']} {f['position']}{anchor(fact)}?"
    wrong = ctx.pools.other_rationales(fact)
    return choice(template, fact, ctx, prompt=prompt, keys=[f["rationale"]], wrong=wrong, answer_type="rationale", field="rationale")


def _how_many(template: Template, fact: Fact, ctx: Context) -> Question | None:
    f = fact.fields
    rng = ctx.rng(f"{fact.id}/{template.id}")
    wrong = ctx.pools.numbers_for(fact, rng)
    # a bound ("over", "up to") is asked plainly: its wrong options lie where the bound rules out
    approximate = "qualifier" in f and fold(f["qualifier"]) not in LOWER_BOUNDS | UPPER_BOUNDS
    lead = ("About how " if approximate else "How ") + ("much" if "unit" in f else "many")
    unit = f" (in {f['unit']})" if "unit" in f else ""
    prompt = f"{lead} {f['subject']}{anchor(fact)}{unit}?"
    q = choice(
        template, fact, ctx, prompt=prompt, keys=[format_value(f["value"])], wrong=[format_value(v) for v in wrong],
        answer_type="number", ordered=True,
    )
    return _sorted_options(q, key=lambda text: float(text.replace(",", "")), show=lambda text: text)


def _who_said(template: Template, fact: Fact, ctx: Context) -> Question | None:
    f = fact.fields
    context = f" {f['context']}" if "context" in f else ""
    prompt = f"Who said “{f['said']}”{context}{anchor(fact)}?"
    answer_type = ctx.deck.entity_type(f["speaker"], "person")
    keys = ctx.pools.speakers_of(fact)  # the same words may be on record from several speakers
    wrong = ctx.pools.other_speakers(fact)
    return choice(template, fact, ctx, prompt=prompt, keys=keys, wrong=wrong, answer_type=answer_type, field="speaker")


def _true_statement(fact: Fact, ctx: Context, rng: random.Random) -> str | None:
    f = fact.fields
    if fact.kind == "vote":
        pairs = [(p, a) for p in VOTE_POSITIONS for a in f.get(p, ())]
        position, actor = pairs[rng.randrange(len(pairs))]
        return f"{actor} {VOTE_POSITIONS[position]} {f['motion']} at {f['body']}{anchor(fact)}"
    if fact.kind == "event" and "date" in f:
        return f"{f['actor']} {f['action']} in {year_of(f['date'])}"
    if fact.kind == "statement":
        return f"{f['speaker']} said “{f['said']}”"
    return None


def _false_statement(fact: Fact, ctx: Context, question_id: str) -> str | None:
    """The false twin: the fact's statement with one part swapped for a provably wrong one."""
    f = fact.fields
    if fact.kind == "vote":
        candidates = {
            f"{actor} {VOTE_POSITIONS[position]}": actor
            for position in VOTE_POSITIONS
            if position in f
            for actor in ctx.pools.not_in_position(fact, position)
        }
        if not candidates:
            return None
        return f"{ctx.ranked(question_id, candidates)[0]} {f['motion']} at {f['body']}{anchor(fact)}"
    if fact.kind == "event" and "date" in f:
        year = year_of(f["date"])
        wrong = [str(y) for y in ctx.pools.years(fact, year, ctx.rng(question_id)) if abs(y - year) >= 2]
        if not wrong:
            return None
        return f"{f['actor']} {f['action']} in {ctx.ranked(question_id, wrong)[0]}"
    if fact.kind == "statement":
        others = ctx.pools.other_speakers(fact)
        if not others:
            return None
        return f"{ctx.ranked(question_id, others)[0]} said “{f['said']}”"
    return None


def _true_false(template: Template, fact: Fact, ctx: Context) -> Question | None:
    statement = _true_statement(fact, ctx, ctx.rng(f"{fact.id}/{template.id}"))
    return true_false(template, fact, statement, True) if statement else None


def _true_false_twin(template: Template, fact: Fact, ctx: Context) -> Question | None:
    statement = _false_statement(fact, ctx, f"{fact.id}/{template.id}")
    return true_false(template, fact, statement, False) if statement else None


def _cloze_targets(fact: Fact) -> list[str]:
    """Values worth deleting, most important first; each is tried with its aliases."""
    f = fact.fields
    if fact.kind == "vote":
        targets = [a for p in VOTE_POSITIONS for a in f.get(p, ())]
    elif fact.kind == "event":
        targets = [f["actor"]]
    elif fact.kind == "stance":
        targets = [f["actor"]]
    elif fact.kind == "statement":
        targets = [f["speaker"]]
    else:
        targets = [format_value(f["value"])]
    if "date" in f:
        targets.append(str(year_of(f["date"])))
    return targets


def _cloze(template: Template, fact: Fact, ctx: Context) -> Question | None:
    targets = _cloze_targets(fact)
    for target in targets:
        if target == targets[0]:
            answer_type = "number" if fact.kind == "quantity" else ctx.deck.entity_type(target, "text")
        else:
            answer_type = "year"
        for evidence in fact.evidence:
            found = find_words(evidence.quote, fact.spellings(target))
            if found is None:
                continue
            start, end = found
            before, deleted, after = evidence.quote[:start], evidence.quote[start:end], evidence.quote[end:]
            if find_words_in(deleted, normalize(before + " " + after)):
                continue  # the answer would still be visible
            before, after = " ".join(before.split()), " ".join(after.split())
            before = before + " " if evidence.quote[:start][-1:].isspace() else before
            after = " " + after if evidence.quote[end:][:1].isspace() else after
            return make_question(
                template,
                fact,
                type="cloze",
                answer_type=answer_type,
                prompt=f"{before}{CLOZE_BLANK}{after}",
                options=(),
                answers=(deleted,),
                evidence=(evidence,),
                cloze=(before, deleted, after),
            )
    return None


def find_words(text: str, spellings: Iterable[str]) -> tuple[int, int] | None:
    """The span of the first spelling found in ``text`` as whole words, typography-tolerant."""
    normalized, index = normalize_with_map(text)
    for spelling in spellings:
        found = find_words_in(spelling, normalized)
        if found:
            return index[found[0]], index[found[1] - 1] + 1
    return None


def _sorted_options(q: Question, *, key, show) -> Question:
    if q.type not in ("single", "multiple"):
        return q
    options = tuple(show(o) for o in sorted(q.options, key=key))
    answers = tuple(show(a) for a in q.answers)
    return replace(q, options=options, answers=answers)




def _templates() -> dict[str, Template]:
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
        Template("who-did", "who", ("event",), _who_did, "Who did it (who met whom, who asked …)? Wrong options: the fact's curated distractors."),
        Template("what-year", "year", ("vote", "event"), _what_year, "In what year did it happen? Wrong options: other events' years, else nearby years."),
        Template("what-date", "date", ("vote", "event"), _what_date, "On what date did it happen (precise dates only)?"),
        Template(
            "which-rationale", "rationale", ("stance",), _which_rationale,
            "Why did the actor take the position? Wrong options: other stances' rationales.",
        ),
        Template("how-many", "how-many", ("quantity",), _how_many, "How many …? Numeric options in ascending order."),
        Template("who-said", "who-said", ("statement",), _who_said, "Who said these words? Wrong options: other statements' speakers."),
        Template("true-false", "true-false", ("vote", "event", "statement"), _true_false, "A true statement built from the fact."),
        Template("true-false-twin", "true-false", ("vote", "event", "statement"), _true_false_twin, "A false twin: one part swapped for a refuted one."),
        Template("cloze", "cloze", ("vote", "event", "stance", "statement", "quantity"), _cloze, "The quote with its key entity or number deleted."),
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
        prompt = render_limited(self.prompt, variables, where=spec.location, what=f"template {spec.id!r} on fact {fact.id!r}")
        value = fact.fields[spec.answer]
        keys = [format_value(v) for v in value] if isinstance(value, tuple) else [_for_template(value)]
        if spec.type == "single":
            wrong = [format_value(v) for v in fact.distractors.get(spec.answer, ())]
            return choice(self, fact, ctx, prompt=prompt, keys=keys, wrong=wrong, answer_type=spec.answer_type, field=spec.answer)
        return make_question(
            self, fact, type="short", answer_type=spec.answer_type, prompt=prompt, options=(), answers=tuple(keys)
        )


def _for_template(value) -> str:
    if isinstance(value, tuple):
        return join_names(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}){0,2}", value):
        return display_date(value)
    return format_value(value)


def active_templates(deck: Deck) -> list:
    """Built-ins the deck did not switch off, then the deck's own templates (compiled)."""
    chosen: list = [t for t in BUILTIN.values() if t.id not in deck.disabled and t.family not in deck.disabled]
    chosen += [CompiledUserTemplate(spec, compile_user_template(spec)) for spec in deck.templates]
    return chosen

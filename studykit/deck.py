"""Deck files: YAML → validated :class:`~studykit.model.Deck`.

Every problem in a deck is collected (unknown keys, wrong types, quotes not found, values not
grounded …) and raised once, each with the ``path:line:col`` of the node it is about.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from .corpus import CATALOG_NAME, Corpus, read_corpus
from .dates import parse_date
from .errors import LoadError, Location, Problem, Problems, display_path
from .grounding import MAX_HINTS, position_clashes, resolve_quote, ungrounded
from .model import (
    COMMON_FACT_KEYS,
    ENTITY_TYPES,
    KINDS,
    Deck,
    Entity,
    Evidence,
    Fact,
    FieldSpec,
    Kind,
    UserTemplate,
    format_value,
)
from .yamlio import LocDict, LocList, YAMLSyntaxError, check_keys, describe, parse_yaml, read_text

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
DEFAULT_CORPUS = "../seeds"
_DECK_KEYS = ("id", "title", "description", "corpus", "seed", "topics", "disable_templates")
_TOP_KEYS = ("deck", "entities", "templates", "facts")
_TEMPLATE_KEYS = ("id", "applies_to", "prompt", "answer", "answer_type", "type", "explanation")
_ENTITY_KEYS = ("name", "type", "aliases", "related", "groups", "since")

#: Figures beyond this are surely typos (and would overflow arithmetic on floats).
MAX_NUMBER = 10**15


def load_deck(
    path: str | os.PathLike[str], *, corpus: Corpus | None = None, progress: Callable[[], object] | None = None
) -> Deck:
    """Load and validate a deck file. Raises :class:`LoadError` listing every problem found.

    ``progress``, when given, is called once per fact checked (see :mod:`studykit.progress`).
    """
    path = Path(path)
    shown = display_path(path)
    data, found, skipped = _parse_skipping_broken_facts(read_text(path, display=shown), shown)
    problems = Problems()
    problems.extend(found)
    if not isinstance(data, LocDict):
        where = data.loc if isinstance(data, LocList) else Location(shown, 1, 1)
        what = "the file is empty" if data is None else f"found {describe(data)}"
        raise LoadError(f"a deck is a mapping with 'deck:' and 'facts:' keys; {what}", where)
    _not_another_kind_of_file(data, path, shown)
    check_keys(data, allowed=_TOP_KEYS, required=("deck", "facts"), what="deck file", problems=problems)
    meta = data.get("deck")
    if not isinstance(meta, LocDict):
        problems.error(data.value_loc("deck"), f"'deck' must be a mapping, found {describe(meta)}")
        problems.raise_if_errors()
        raise AssertionError  # unreachable: a missing mapping is an error
    check_keys(meta, allowed=_DECK_KEYS, required=("id", "title"), what="deck", problems=problems)
    deck_id = _slug(meta, "id", problems, "deck id")
    if corpus is None:
        corpus = _load_corpus(path, meta, problems)
    topics = _topics(meta, problems)
    seed = meta.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        problems.error(meta.value_loc("seed"), f"'seed' must be a whole number, found {describe(seed)}")
        seed = 0
    entities = _entities(data.get("entities"), data, problems)
    templates = _templates(data.get("templates"), data, problems)
    disabled = _string_list(meta, "disable_templates", problems)
    _check_disabled(meta, disabled, problems)
    for key in ("title", "description"):
        if meta.get(key) is not None and not isinstance(meta.get(key), str):
            problems.error(meta.value_loc(key), f"deck: '{key}' must be text, found {describe(meta.get(key))}")
    facts = _facts(data.get("facts"), data, corpus, entities, topics, problems, skipped, progress)
    problems.raise_if_errors()
    if corpus is not None:
        corpus.release_search_maps()  # every quote is resolved; large decks need the memory back
    return Deck(
        id=deck_id or "",
        title=str(meta.get("title", "")),
        description=str(meta.get("description") or ""),
        path=path,
        corpus=corpus,  # type: ignore[arg-type]  # not None once there are no errors
        facts=tuple(facts),
        topics=topics,
        entities=entities,
        templates=tuple(templates),
        disabled=frozenset(disabled),
        seed=seed,
        messages=tuple(problems.items),
    )


def _not_another_kind_of_file(data: LocDict, path: Path, shown: str) -> None:
    """Raise one clear :class:`LoadError` when the file is a corpus catalog or a proposals file
    passed where a deck belongs (their keys would otherwise read as a list of deck errors)."""
    where = Location(shown, 1, 1)
    if "sources" in data and "deck" not in data and "facts" not in data:
        raise LoadError(
            "this is a corpus catalog (it lists documents under 'sources:'), not a deck; check a deck whose "
            "'corpus' is this folder instead (e.g. studykit check decks/), or start one with studykit init",
            where,
        )
    if "facts" in data and "deck" not in data and set(data) <= {"facts", "entities"}:
        raise LoadError(
            "this is a proposals file ('facts:' without 'deck:', as studykit propose writes), not a deck; "
            f"read it with studykit review DECK --proposals {shown}, or copy the facts you keep into a deck",
            where,
        )


#: After this many syntax errors in facts, checking stops.
MAX_BROKEN_FACTS = 20
_FACTS_HEADER = re.compile(r"^facts\s*:\s*(#.*)?$")


def _parse_skipping_broken_facts(text: str, shown: str) -> tuple[Any, list, bool]:
    """Parse a deck; a YAML syntax error inside one fact skips that fact, so every other problem
    of the file is still found in the same run (the skipped lines are blanked, keeping line numbers).

    Returns the data, the problems (syntax errors first) and whether any fact was skipped.
    """
    problems: list = []
    for _ in range(MAX_BROKEN_FACTS):
        try:
            data, found = parse_yaml(text, shown)
        except LoadError as exc:
            where = exc.problems[0].location
            syntax = isinstance(exc, YAMLSyntaxError)
            block = _fact_block(text, where.line if where else 0, syntax=syntax)
            if block is None:
                raise LoadError([*problems, *exc.problems]) from None
            start, end = block
            problems.extend(exc.problems)
            why = "the syntax error" if syntax else "this error"
            problems.append(Problem(Location(shown, start + 1, 1), f"lines {start + 1}–{end} (one fact) were skipped because of {why}", "info"))
            lines = text.split("\n")
            lines[start:end] = [""] * (end - start)
            text = "\n".join(lines)
            continue
        return data, [*problems, *found], bool(problems)
    raise LoadError(problems)


def _fact_block(text: str, line: int, *, syntax: bool = True) -> tuple[int, int] | None:
    """The 0-based line range [start, end) of the item of ``facts:`` that a problem at ``line`` is in
    (for a ``syntax`` error, perhaps the item before: the parser may notice it only at the next one)."""
    lines = text.split("\n")
    header = next((i for i, line in enumerate(lines) if _FACTS_HEADER.match(line)), None)
    if header is None or not header + 1 < line <= len(lines) + 1:
        return None
    first = next((i for i in range(header + 1, len(lines)) if lines[i].strip() and not lines[i].lstrip().startswith("#")), None)
    match = re.match(r"^(\s*)- ", lines[first]) if first is not None else None
    if match is None or first is None:
        return None
    indent = match.group(1)
    end_of_list = next((i for i in range(first, len(lines)) if lines[i][:1].strip() and not lines[i].startswith("#")), len(lines))
    starts = [i for i in range(first, end_of_list) if lines[i].startswith(indent + "- ") and not lines[i][len(indent)].isspace()]
    at = line - 1
    if syntax and at in starts and at != starts[0]:
        at -= 1  # libyaml often reports an unclosed value where the next item begins
    at = min(at, end_of_list - 1)
    item = max((s for s in starts if s <= at), default=None)
    if item is None:
        return None
    end = next((s for s in starts if s > item), end_of_list)
    return item, end


def _slug(mapping: LocDict, key: str, problems: Problems, what: str) -> str | None:
    value = mapping.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        problems.error(
            mapping.value_loc(key),
            f"{what} {value!r} must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
        return None
    return value


def _load_corpus(deck_path: Path, meta: LocDict, problems: Problems) -> Corpus | None:
    relative = meta.get("corpus", DEFAULT_CORPUS)
    if not isinstance(relative, str) or not relative.strip():
        found = "empty text" if isinstance(relative, str) else describe(relative)
        problems.error(meta.value_loc("corpus"), f"'corpus' must be a folder path, found {found}")
        return None
    root = (deck_path.parent / relative)
    where = meta.value_loc("corpus") if "corpus" in meta else meta.loc
    if root.is_dir() and not (root / CATALOG_NAME).exists():
        problems.error(where, f"corpus folder {relative!r} has no {CATALOG_NAME}; set 'corpus' to the folder that holds {CATALOG_NAME}")
        return None
    try:
        corpus = read_corpus(root, display_root=display_path(root) if root.exists() else relative)
        problems.extend(corpus.messages)  # a broken entry stops only the facts citing its source
        return corpus
    except LoadError as exc:
        if not root.is_dir():
            problems.error(
                where,
                f"corpus folder {relative!r} not found (relative to the deck file); "
                "set 'corpus' to the folder that holds catalog.yaml",
            )
        else:
            problems.extend(exc.problems)
        return None


def _topics(meta: LocDict, problems: Problems) -> dict[str, str]:
    topics = meta.get("topics")
    if topics is None:
        return {}
    if not isinstance(topics, LocDict):
        problems.error(meta.value_loc("topics"), f"'topics' must map topic ids to titles, found {describe(topics)}")
        return {}
    result = {}
    for key, title in topics.items():
        if not isinstance(key, str) or not ID_PATTERN.match(key):
            problems.error(topics.key_loc(key), f"topic id {key!r} must be a lower-case slug such as 'crimea-2014'")
        elif not isinstance(title, str) or not title.strip():
            problems.error(topics.value_loc(key), f"topic {key!r} needs a title (text)")
        else:
            result[key] = title.strip()
    return result


def _check_disabled(meta: LocDict, disabled: list[str], problems: Problems) -> None:
    from .templates import BUILTIN, FAMILIES  # the template library, loaded only when a deck names it

    known = [*BUILTIN, *FAMILIES]
    for name in disabled:
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            suggestion = f"did you mean {hint[0]!r}?" if hint else f"built-in templates: {', '.join(BUILTIN)}; families: {', '.join(FAMILIES)}"
            problems.error(meta.value_loc("disable_templates"), f"deck: disable_templates names unknown template {name!r}; {suggestion}")


def _string_list(mapping: LocDict, key: str, problems: Problems) -> list[str]:
    value = mapping.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, LocList):
        problems.error(mapping.value_loc(key), f"'{key}' must be a list of text, found {describe(value)}")
        return []
    bad = next((i for i, v in enumerate(value) if not isinstance(v, str)), None)
    if bad is not None:
        problems.error(value.item_loc(bad), f"'{key}' must be a list of text; item {bad + 1} is {describe(value[bad])}")
        return []
    return list(value)


def _entities(raw: Any, data: LocDict, problems: Problems) -> dict[str, Entity]:
    if raw is None:
        return {}
    if not isinstance(raw, LocList):
        problems.error(data.value_loc("entities"), f"'entities' must be a list, found {describe(raw)}")
        return {}
    entities: dict[str, Entity] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, LocDict):
            problems.error(raw.item_loc(i), f"entity: expected a mapping with name and type, found {describe(item)}")
            continue
        check_keys(item, allowed=_ENTITY_KEYS, required=("name", "type"), what="entity", problems=problems)
        name, kind = item.get("name"), item.get("type")
        for key, value in (("name", name), ("type", kind)):
            if isinstance(value, str) and value and not value.strip():
                problems.error(item.value_loc(key), f"entity: '{key}' is only white space")
            elif value is not None and not isinstance(value, str):
                problems.error(item.value_loc(key), f"entity: '{key}' must be text, found {describe(value)}")
        if not isinstance(name, str) or not isinstance(kind, str) or not name.strip():
            continue
        if kind not in ENTITY_TYPES:
            problems.error(item.value_loc("type"), f"entity {name!r}: unknown type {kind!r}; use one of {', '.join(ENTITY_TYPES)}")
        if name in entities:
            problems.error(item.value_loc("name"), f"entity {name!r} is listed twice")
            continue
        aliases = _string_list(item, "aliases", problems)
        related = _string_list(item, "related", problems)
        groups = _string_list(item, "groups", problems)
        for group in groups:
            if not ID_PATTERN.match(group):
                problems.error(item.value_loc("groups"), f"entity {name!r}: group {group!r} must be a lower-case slug such as 'unsc-permanent-member'")
        since = item.get("since")
        if since is not None and (not isinstance(since, int) or isinstance(since, bool) or not 0 < since < 10_000):
            problems.error(item.value_loc("since"), f"entity {name!r}: 'since' must be a year such as 1945, found {describe(since)}")
            since = None
        entities[name] = Entity(name, kind, tuple(aliases), tuple(related), frozenset(groups), since)
    return entities


def _templates(raw: Any, data: LocDict, problems: Problems) -> list[UserTemplate]:
    if raw is None:
        return []
    if not isinstance(raw, LocList):
        problems.error(data.value_loc("templates"), f"'templates' must be a list, found {describe(raw)}")
        return []
    templates: list[UserTemplate] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, LocDict):
            problems.error(raw.item_loc(i), f"template: expected a mapping, found {describe(item)}")
            continue
        check_keys(
            item, allowed=_TEMPLATE_KEYS, required=("id", "applies_to", "prompt", "answer"), what="template", problems=problems
        )
        template_id = _slug(item, "id", problems, "template id")
        from .templates import BUILTIN

        if template_id in BUILTIN:
            problems.error(item.value_loc("id"), f"template id {template_id!r} is a built-in template's id; choose another id")
            continue
        if template_id in seen:
            problems.error(item.value_loc("id"), f"duplicate template id {template_id!r}")
            continue
        kinds = _string_list(item, "applies_to", problems)
        for kind in kinds:
            if kind not in KINDS:
                problems.error(item.value_loc("applies_to"), f"template {template_id!r}: unknown fact kind {kind!r}; {_valid_kinds()}")
        answer = item.get("answer")
        if answer is not None and not isinstance(answer, str):
            problems.error(item.value_loc("answer"), f"template {template_id!r}: 'answer' must name a field of the kind, found {describe(answer)}")
        for kind in kinds:
            if kind in KINDS and isinstance(answer, str) and KINDS[kind].field(answer) is None:
                names = ", ".join(f.name for f in KINDS[kind].fields)
                problems.error(
                    item.value_loc("answer"), f"template {template_id!r}: kind {kind!r} has no field {answer!r}; its fields: {names}"
                )
        if "answer_type" in item and not (isinstance(item["answer_type"], str) and ID_PATTERN.match(item["answer_type"])):
            problems.error(item.value_loc("answer_type"), f"template {template_id!r}: answer_type must be a word such as 'person' or 'year'")
        qtype = item.get("type", "short")
        if qtype not in ("short", "single"):
            problems.error(item.value_loc("type"), f"template {template_id!r}: type must be 'short' or 'single', not {qtype!r}")
        prompt, explanation = item.get("prompt"), item.get("explanation")
        if explanation is not None and not isinstance(explanation, str):
            problems.error(item.value_loc("explanation"), f"template {template_id!r}: 'explanation' must be text, found {describe(explanation)}")
        if not isinstance(prompt, str):
            if prompt is not None:
                problems.error(item.value_loc("prompt"), f"template {template_id!r}: 'prompt' must be text, found {describe(prompt)}")
            continue
        if template_id is None or not isinstance(answer, str):
            continue
        seen.add(template_id)
        templates.append(
            UserTemplate(
                id=template_id,
                kinds=tuple(kinds),
                prompt=prompt,
                answer=answer,
                answer_type=str(item["answer_type"]) if isinstance(item.get("answer_type"), str) else "text",
                type=str(qtype),
                explanation=explanation if isinstance(explanation, str) else None,
                location=item.loc,
                prompt_location=_text_start(item, "prompt"),
            )
        )
    return templates


def _text_start(mapping: LocDict, key: str) -> Location:
    """Where the text of ``mapping[key]`` begins: at the value, or on the line after a ``|`` or ``>``."""
    at = mapping.value_loc(key)
    return Location(at.path, at.line + 1, 0) if key in mapping.block_values else at


def _valid_kinds() -> str:
    return "valid kinds: " + ", ".join(KINDS)


def _facts(
    raw: Any,
    data: LocDict,
    corpus: Corpus | None,
    entities: dict[str, Entity],
    topics: dict[str, str],
    problems: Problems,
    skipped: bool = False,
    progress: Callable[[], object] | None = None,
) -> list[Fact]:
    if not isinstance(raw, LocList):
        if raw is None and skipped:
            return []  # every fact had a syntax error, already reported
        if raw is not None or "facts" in data:
            problems.error(data.value_loc("facts"), f"'facts' must be a list of facts, found {describe(raw)}")
        return []
    facts: list[Fact] = []
    seen: dict[str, Location] = {}
    entity_aliases = _entity_aliases(entities)
    hints = [MAX_HINTS]  # closest passages still to search for (each costs a pass over a document)
    for i, item in enumerate(raw):
        if not isinstance(item, LocDict):
            problems.error(raw.item_loc(i), f"fact: expected a mapping with id, kind and evidence, found {describe(item)}")
            continue
        fact_id = item.get("id")
        if isinstance(fact_id, str) and fact_id in seen:
            first = seen[fact_id]
            problems.error(item.value_loc("id"), f"duplicate fact id {fact_id!r} (first at line {first.line}); fact ids must be unique")
        elif isinstance(fact_id, str):
            seen[fact_id] = item.value_loc("id")
        fact = _FactReader(item, corpus, entities, topics, problems, entity_aliases, hints).read()
        if fact is not None:
            facts.append(fact)
        if progress is not None:
            progress()
    return facts


class _FactReader:
    """Validates one fact mapping; every problem goes to ``problems``."""

    def __init__(
        self, item: LocDict, corpus: Corpus | None, entities: dict[str, Entity], topics: dict[str, str], problems: Problems,
        entity_aliases: dict[str, tuple[str, ...]] | None = None, hints: list[int] | None = None,
    ):
        self.item, self.corpus, self.entities, self.topics, self.problems = item, corpus, entities, topics, problems
        self.hints = hints if hints is not None else [MAX_HINTS]
        if entity_aliases is None:
            entity_aliases = _entity_aliases(entities)
        self.entity_aliases = entity_aliases
        self.label = f"fact {item.get('id')!r}" if isinstance(item.get("id"), str) else "fact"

    def error(self, key: str | None, message: str) -> None:
        where = self.item.value_loc(key) if key else self.item.loc
        self.problems.error(where, f"{self.label}: {message}")

    def read(self) -> Fact | None:
        item = self.item
        fact_id = _slug(item, "id", self.problems, "fact id")
        kind_name = item.get("kind")
        if "id" not in item:
            self.error(None, "missing key 'id'")
        if not isinstance(kind_name, str) or kind_name not in KINDS:
            if kind_name is None:
                self.error(None, f"missing key 'kind'; {_valid_kinds()}")
            else:
                self.error("kind", f"unknown kind {kind_name!r}; {_valid_kinds()}")
            return None
        kind = KINDS[kind_name]
        check_keys(item, allowed=(*COMMON_FACT_KEYS, *(f.name for f in kind.fields)), what=self.label, problems=self.problems)
        fields: dict[str, Any] = {}
        for spec in kind.fields:
            value = self.field(spec)
            if value is not None:
                fields[spec.name] = value
            elif spec.required and spec.name not in item:
                self.error(None, f"missing key {spec.name!r} ({spec.doc})")
        if kind.one_of and not any(name in fields for name in kind.one_of):
            self.error(None, f"a {kind.name} needs at least one of: {', '.join(kind.one_of)}")
        self.check_one_position(kind.one_of, fields)
        topic = item.get("topic")
        if topic is not None and not isinstance(topic, str):
            self.error("topic", f"'topic' must be one topic id, found {describe(topic)}")
        elif topic is not None and topic not in self.topics:
            known = ", ".join(self.topics) or "none are defined under deck: topics:"
            self.error("topic", f"unknown topic {topic!r}; known topics: {known}")
        aliases = self.aliases(fields)
        distractors = self.distractors(kind)
        paraphrase = frozenset(_string_list(item, "paraphrase", self.problems))
        for name in paraphrase:
            if kind.field(name) is None:
                self.error("paraphrase", f"'paraphrase' names {name!r}, which is not a field of a {kind.name}")
        evidence = self.evidence()
        if fact_id is None or evidence is None:
            return None
        fact = Fact(
            id=fact_id,
            kind=kind.name,
            fields=fields,
            evidence=evidence,
            topic=topic if isinstance(topic, str) else None,
            aliases=aliases,
            distractors=distractors,
            paraphrase=paraphrase,
            note=self.note(),
            location=item.loc,
        )
        self.check_grounding(fact, kind)
        return fact

    def note(self) -> str | None:
        note = self.item.get("note")
        if note is not None and not isinstance(note, str):
            self.error("note", f"'note' must be text, found {describe(note)}")
            return None
        return note

    def field(self, spec: FieldSpec) -> Any:
        if spec.name not in self.item:
            return None
        value, message = _FIELD_READERS[spec.type](spec.name, self.item[spec.name])
        if message:
            self.error(spec.name, message)
        return value

    def check_one_position(self, positions: tuple[str, ...], fields: dict[str, Any]) -> None:
        for finding in position_clashes(positions, fields):
            self.error(finding.field, finding.message)

    def aliases(self, fields: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        # the entity aliases of this fact's own values (not of every entity: decks grow large)
        result = {
            name: list(self.entity_aliases[name]) for name in map(str, _flat_values(fields)) if name in self.entity_aliases
        }
        raw = self.item.get("aliases")
        if raw is None:
            return {k: tuple(v) for k, v in result.items()}
        if not isinstance(raw, LocDict):
            self.error("aliases", f"'aliases' must map a value to its other spellings, found {describe(raw)}")
            return {k: tuple(v) for k, v in result.items()}
        values = {format_value(v) for v in _flat_values(fields)} | {str(v) for v in _flat_values(fields)}
        for key, spellings in raw.items():
            text = str(key)
            if text not in values:
                self.problems.error(raw.key_loc(key), f"{self.label}: alias key {text!r} is not a value of this fact")
                continue
            if isinstance(spellings, str):
                spellings = [spellings]
            if not isinstance(spellings, list) or not all(isinstance(s, (str, int, float)) for s in spellings):
                self.problems.error(raw.value_loc(key), f"{self.label}: aliases of {text!r} must be a list of text")
                continue
            canonical = format_value(key) if isinstance(key, (int, float)) else text
            result.setdefault(canonical, []).extend(str(s) for s in spellings)
        return {k: tuple(v) for k, v in result.items()}

    def distractors(self, kind) -> dict[str, tuple[Any, ...]]:
        raw = self.item.get("distractors")
        if raw is None:
            return {}
        if not isinstance(raw, LocDict):
            self.error("distractors", f"'distractors' must map a field name to false values, found {describe(raw)}")
            return {}
        result: dict[str, tuple[Any, ...]] = {}
        for key, values in raw.items():
            spec = kind.field(key)
            if spec is None:
                names = ", ".join(f.name for f in kind.fields)
                self.problems.error(raw.key_loc(key), f"{self.label}: distractors for {key!r}, which is not a field of a {kind.name} ({names})")
                continue
            if not isinstance(values, list):
                values = [values]
            read = [_FIELD_READERS["text" if spec.type in ("entity", "entities") else spec.type](key, v) for v in values]
            if any(message for _, message in read):
                what = {"number": "numbers", "date": "dates"}.get(spec.type, "text")
                self.problems.error(raw.value_loc(key), f"{self.label}: distractors for {key!r} must be {what}")
                continue
            values = [v for v, _ in read]
            result[key] = tuple(values)
        return result

    def evidence(self) -> tuple[Evidence, ...] | None:
        raw = self.item.get("evidence")
        if raw is None:
            self.error(None, "missing key 'evidence' (a list of {source, quote})")
            return None
        if isinstance(raw, LocDict):
            raw_list = LocList([raw])
            raw_list.loc, raw_list.item_locs = raw.loc, [raw.loc]
            raw = raw_list
        if not isinstance(raw, LocList) or not raw:
            what = "an empty list" if isinstance(raw, LocList) else describe(raw)
            self.error("evidence", f"'evidence' must be a list of {{source, quote}}, found {what}")
            return None
        result: list[Evidence] = []
        ok = True
        for i, piece in enumerate(raw):
            if not isinstance(piece, LocDict):
                self.problems.error(raw.item_loc(i), f"{self.label}: evidence must be a mapping with 'source' and 'quote'")
                ok = False
                continue
            check_keys(piece, allowed=("source", "quote"), required=("source", "quote"), what=f"{self.label}: evidence", problems=self.problems)
            found = self.resolve(piece)
            if found is None:
                ok = False
            else:
                result.append(found)
        return tuple(result) if ok and result else None

    def resolve(self, piece: LocDict) -> Evidence | None:
        source, quote = piece.get("source"), piece.get("quote")
        if not isinstance(source, str) or not isinstance(quote, str):
            for key, value in (("source", source), ("quote", quote)):
                if value is not None and not isinstance(value, str):
                    self.problems.error(piece.value_loc(key), f"{self.label}: evidence '{key}' must be text, found {describe(value)}")
            return None
        if self.corpus is None:
            return None
        if source in self.corpus.broken:
            where = self.corpus.broken[source]
            self.problems.info(
                piece.value_loc("source"),
                f"{self.label}: not checked: source {source!r} has an error in its catalog entry ({where}); fix the entry first",
            )
            return None
        if source not in self.corpus and "" in self.corpus.broken:
            where = self.corpus.broken[""]
            self.problems.info(
                piece.value_loc("source"),
                f"{self.label}: not checked: source {source!r} may be the catalog entry without a usable id ({where}); fix the entry first",
            )
            return None
        if source not in self.corpus:
            known = ", ".join(sorted(self.corpus.documents)) or "none"
            self.problems.error(piece.value_loc("source"), f"{self.label}: unknown source {source!r}; catalog sources: {known}")
            return None
        found = resolve_quote(self.corpus[source], source, quote, hint=self.hints[0] > 0)
        if isinstance(found, str) and found.startswith("quote not found"):
            self.hints[0] -= 1
        if isinstance(found, str):
            self.problems.error(piece.value_loc("quote"), f"{self.label}: {found}")
            return None
        return found

    def check_grounding(self, fact: Fact, kind: Kind) -> None:
        if self.corpus is None:
            return
        for finding in ungrounded(fact, kind, self.corpus):
            where = self.item.value_loc(finding.field) if finding.field else self.item.loc
            if finding.severity == "info":
                self.problems.info(where, f"{self.label}: {finding.message}")
            else:
                self.error(finding.field, finding.message)


def _entity_aliases(entities: dict[str, Entity]) -> dict[str, tuple[str, ...]]:
    """Each entity's other spellings, by name: every fact starts from these (computed once per deck)."""
    return {entity.name: tuple(entity.aliases) for entity in entities.values() if entity.aliases}


def _flat_values(fields: dict[str, Any]) -> list[Any]:
    values: list[Any] = []
    for value in fields.values():
        values.extend(value if isinstance(value, tuple) else (value,))
    return values


# --- field readers, one per field type: (name, raw value) → (value or None, error message or None)


def _read_text(name: str, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.strip():
        return value.strip(), None
    return None, f"'{name}' must be text, found {describe(value)}"


def _read_name(name: str, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.strip():
        return value.strip(), None
    return None, f"'{name}' must be a name, found {describe(value)}"


def _read_names(name: str, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.strip():
        return (value.strip(),), None
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        names = tuple(v.strip() for v in value)
        if len(set(names)) != len(names):
            return names, f"'{name}' lists a name twice"
        return names, None
    if isinstance(value, list) and not value:
        return None, f"'{name}' is an empty list; name at least one, or remove '{name}'"
    if isinstance(value, list):
        at, bad = next((i, v) for i, v in enumerate(value) if not (isinstance(v, str) and v.strip()))
        return None, f"'{name}' must be a list of names; item {at + 1} is {'empty' if isinstance(bad, str) else describe(bad)}"
    return None, f"'{name}' must be a list of names, found {describe(value)}"


def _read_date(name: str, value: Any) -> tuple[Any, str | None]:
    date = parse_date(value)
    if date is not None:
        return date, None
    return None, f"'{name}': {value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2022-02-25)"


def _read_number(name: str, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value) and abs(value) < MAX_NUMBER:
            return value, None
        return None, f"'{name}' must be a finite number below {MAX_NUMBER:,.0f}, not {value!r}"
    return None, f"'{name}' must be a number, found {describe(value)}"


_FIELD_READERS: dict[str, Callable[[str, Any], tuple[Any, str | None]]] = {
    "text": _read_text,
    "entity": _read_name,
    "entities": _read_names,
    "date": _read_date,
    "number": _read_number,
}


def load_proposals(path: str | os.PathLike[str], deck: Deck) -> Deck:
    """``deck`` with the facts of a proposals file (``studykit propose`` output: ``entities:`` and
    ``facts:``, no ``deck:``) added after its own, read against the deck's corpus, topics and
    entities. Problems are located in the proposals file; a proposal whose id the deck already
    uses is an error. Raises :class:`LoadError`."""
    path = Path(path)
    shown = display_path(path)
    data, found = parse_yaml(read_text(path, display=shown), shown)
    problems = Problems()
    problems.extend(found)
    if not isinstance(data, LocDict):
        raise LoadError(f"a proposals file is a mapping with 'facts:' (and 'entities:'); found {describe(data)}", Location(shown, 1, 1))
    check_keys(data, allowed=("entities", "facts"), required=("facts",), what="proposals file", problems=problems)
    entities = dict(deck.entities)
    for name, entity in _entities(data.get("entities"), data, problems).items():
        entities.setdefault(name, entity)
    facts = _facts(data.get("facts"), data, deck.corpus, entities, dict(deck.topics), problems)
    known = {f.id for f in deck.facts}
    for fact in facts:
        if fact.id in known:
            problems.error(fact.location, f"proposed fact {fact.id!r} has the id of a fact of {display_path(deck.path)}; give it another id")
    problems.raise_if_errors()
    return replace(deck, facts=(*deck.facts, *facts), entities=entities, messages=(*deck.messages, *problems.items))

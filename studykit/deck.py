"""Deck files: YAML → validated :class:`~studykit.model.Deck`.

Every problem in a deck is collected (unknown keys, wrong types, quotes not found, values not
grounded …) and raised once, each with the ``path:line:col`` of the node it is about.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from .corpus import CATALOG_NAME, Corpus, read_corpus
from .errors import LoadError, Location, Problem, Problems, display_path
from .facts import ID_PATTERN, read_facts, slug, string_list, valid_kinds
from .model import ENTITY_TYPES, KINDS, Deck, Entity, UserTemplate
from .yamlio import LocDict, LocList, YAMLSyntaxError, check_keys, describe, parse_yaml, read_text

DEFAULT_CORPUS = "../seeds"
_DECK_KEYS = ("id", "title", "description", "corpus", "seed", "topics", "subjects", "disable_templates")
_TOP_KEYS = ("deck", "entities", "templates", "facts")
_TEMPLATE_KEYS = ("id", "applies_to", "prompt", "answer", "answer_type", "type", "explanation")
_ENTITY_KEYS = ("name", "type", "aliases", "related", "groups", "since")


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
    deck_id = slug(meta, "id", problems, "deck id")
    if corpus is None:
        corpus = _load_corpus(path, meta, problems)
    topics = _topics(meta, problems)
    seed = meta.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        problems.error(meta.value_loc("seed"), f"'seed' must be a whole number, found {describe(seed)}")
        seed = 0
    entities = _entities(data.get("entities"), data, problems)
    templates = _templates(data.get("templates"), data, problems)
    disabled = string_list(meta, "disable_templates", problems)
    _check_disabled(meta, disabled, problems)
    subjects = _subjects(meta, entities, problems)
    for key in ("title", "description"):
        if meta.get(key) is not None and not isinstance(meta.get(key), str):
            problems.error(meta.value_loc(key), f"deck: '{key}' must be text, found {describe(meta.get(key))}")
    facts = read_facts(data.get("facts"), data, corpus, entities, topics, problems, skipped, progress, frozenset(t.id for t in templates))
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
        subjects=subjects,
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


def _subjects(meta: LocDict, entities: dict[str, Entity], problems: Problems) -> frozenset[str]:
    """``deck: subjects:``: the entities the deck is about besides those its title names (the
    Soviet Union in a deck titled after Russia), each by its name or an alias."""
    found: set[str] = set()
    by_spelling = {spelling: e.name for e in entities.values() for spelling in (e.name, *e.aliases)}
    raw = meta.get("subjects")
    for i, name in enumerate(string_list(meta, "subjects", problems)):
        if name in by_spelling:
            found.add(by_spelling[name])
            continue
        hint = difflib.get_close_matches(name, list(by_spelling), n=1)
        suggestion = f"did you mean {hint[0]!r}?" if hint else "add it under entities: first"
        where = raw.item_loc(i) if isinstance(raw, LocList) else meta.value_loc("subjects")
        problems.error(where, f"deck: subjects names {name!r}, which is not an entity of the deck; {suggestion}")
    return frozenset(found)


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
        aliases = string_list(item, "aliases", problems)
        related = string_list(item, "related", problems)
        groups = string_list(item, "groups", problems)
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
        template_id = slug(item, "id", problems, "template id")
        from .templates import BUILTIN

        if template_id in BUILTIN:
            problems.error(item.value_loc("id"), f"template id {template_id!r} is a built-in template's id; choose another id")
            continue
        if template_id in seen:
            problems.error(item.value_loc("id"), f"duplicate template id {template_id!r}")
            continue
        kinds = string_list(item, "applies_to", problems)
        for kind in kinds:
            if kind not in KINDS:
                problems.error(item.value_loc("applies_to"), f"template {template_id!r}: unknown fact kind {kind!r}; {valid_kinds()}")
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
    facts = read_facts(data.get("facts"), data, deck.corpus, entities, dict(deck.topics), problems)
    known = {f.id for f in deck.facts}
    for fact in facts:
        if fact.id in known:
            problems.error(fact.location, f"proposed fact {fact.id!r} has the id of a fact of {display_path(deck.path)}; give it another id")
    problems.raise_if_errors()
    return replace(deck, facts=(*deck.facts, *facts), entities=entities, messages=(*deck.messages, *problems.items))

"""Facts: one deck's ``facts:`` list → validated :class:`~studykit.model.Fact` objects.

Each fact is read by :class:`_FactReader`: its kind's fields through one reader per field type
(:data:`_FIELD_READERS`: text, entity, entities, date, number), its evidence resolved to exact
spans of the corpus (:mod:`studykit.grounding`), its values checked against its quotes. Every
problem is collected with the ``path:line:col`` of the node it is about; :mod:`studykit.deck`
reads the rest of the deck file around this.
"""

from __future__ import annotations

import difflib
import math
import re
from types import MappingProxyType
from typing import Any, Callable, Mapping

from .corpus import Corpus, fold
from .dates import parse_date
from .errors import Location, Problems
from .grounding import MAX_HINTS, position_clashes, resolve_quote, ungrounded
from .model import COMMON_FACT_KEYS, KINDS, Entity, Evidence, Fact, FieldSpec, Kind, format_value
from .yamlio import LocDict, LocList, check_keys, describe

__all__ = ["ID_PATTERN", "MAX_NUMBER", "read_facts", "slug", "string_list", "valid_kinds"]

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

#: Figures beyond this are surely typos (and would overflow arithmetic on floats).
MAX_NUMBER = 10**15

#: What most facts have none of, one object for all: 100,000 facts held 300,000 empty frozensets
#: and 200,000 empty dicts of their own (about 90 MB).
_NO_NAMES: frozenset[str] = frozenset()
_NO_VALUES: Mapping[str, tuple[Any, ...]] = MappingProxyType({})


def _names(names: list[str]) -> frozenset[str]:
    return frozenset(names) if names else _NO_NAMES


def slug(mapping: LocDict, key: str, problems: Problems, what: str) -> str | None:
    """``mapping[key]`` if it is a valid id (lower case, digits, ``.``, ``_``, ``-``), else None,
    reported as ``what``."""
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


def string_list(mapping: LocDict, key: str, problems: Problems) -> list[str]:
    """``mapping[key]`` as a list of text (one text counts as a list of one); [] and a located
    problem for anything else."""
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


def valid_kinds() -> str:
    """The fact kinds, for an error message."""
    return "valid kinds: " + ", ".join(KINDS)


def read_facts(
    raw: Any,
    data: LocDict,
    corpus: Corpus | None,
    entities: dict[str, Entity],
    topics: dict[str, str],
    problems: Problems,
    skipped: bool = False,
    progress: Callable[[], object] | None = None,
    template_ids: frozenset[str] = frozenset(),
) -> list[Fact]:
    """The valid facts of a deck's ``facts:`` list (``raw``); each problem goes to ``problems``.
    ``skipped``: some facts were left out for a syntax error already reported; ``progress`` is
    called once per fact read; ``template_ids``: the deck's own templates, which a fact's
    ``disable_templates`` may name beside the built-ins.

    Each item of ``raw`` is released (set to None) once read: the YAML tree of a large deck is
    as large as its facts, and both were held whole until the last fact (100,000 facts: some
    300 MiB more at the peak of the load)."""
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
    links: list[tuple[str, Any, list[tuple[str, Location]]]] = []  # (label, id, [(linked id, where)])
    for i, item in enumerate(raw):
        raw[i] = None  # released once read (the caller's tree need not hold it: see above)
        if not isinstance(item, LocDict):
            problems.error(raw.item_loc(i), f"fact: expected a mapping with id, kind and evidence, found {describe(item)}")
            continue
        if "linked" in item:
            links.append(_links_of(item))
        fact_id = item.get("id")
        if isinstance(fact_id, str) and fact_id in seen:
            first = seen[fact_id]
            problems.error(item.value_loc("id"), f"duplicate fact id {fact_id!r} (first at line {first.line}); fact ids must be unique")
        elif isinstance(fact_id, str):
            seen[fact_id] = item.value_loc("id")
        fact = _FactReader(item, corpus, entities, topics, problems, entity_aliases, hints, template_ids).read()
        if fact is not None:
            facts.append(fact)
        if progress is not None:
            progress()
    _check_links(links, seen, problems)
    return facts


def _links_of(item: LocDict) -> tuple[str, Any, list[tuple[str, Location]]]:
    """A fact's ``linked:`` ids, each with where it is written (checked once every id is known)."""
    links = item.get("linked")
    if isinstance(links, str):  # one id counts as a list of one
        named = [(links, item.value_loc("linked"))]
    elif isinstance(links, LocList):
        named = [(other, links.item_loc(i)) for i, other in enumerate(links) if isinstance(other, str)]  # (others: string_list says)
    else:
        named = []
    label = f"fact {item.get('id')!r}" if isinstance(item.get("id"), str) else "fact"
    return label, item.get("id"), named


def _check_links(links: list[tuple[str, Any, list[tuple[str, Location]]]], ids: dict[str, Location], problems: Problems) -> None:
    """Each id under a fact's ``linked:`` names another fact of the deck."""
    for label, fact_id, named in links:
        for other, where in named:
            if other == fact_id:
                problems.error(where, f"{label}: 'linked' names the fact itself; list other facts' ids")
            elif other not in ids:
                hint = difflib.get_close_matches(other, list(ids), n=1)
                suggestion = f"did you mean {hint[0]!r}?" if hint else "list the ids of other facts of this deck"
                problems.error(where, f"{label}: 'linked' names unknown fact {other!r}; {suggestion}")


class _FactReader:
    """Validates one fact mapping; every problem goes to ``problems``."""

    def __init__(
        self, item: LocDict, corpus: Corpus | None, entities: dict[str, Entity], topics: dict[str, str], problems: Problems,
        entity_aliases: dict[str, tuple[str, ...]] | None = None, hints: list[int] | None = None,
        template_ids: frozenset[str] = frozenset(),
    ):
        self.item, self.corpus, self.entities, self.topics, self.problems = item, corpus, entities, topics, problems
        self.template_ids = template_ids
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
        fact_id = slug(item, "id", self.problems, "fact id")
        kind_name = item.get("kind")
        if "id" not in item:
            self.error(None, "missing key 'id'")
        if not isinstance(kind_name, str) or kind_name not in KINDS:
            if kind_name is None:
                self.error(None, f"missing key 'kind'; {valid_kinds()}")
            else:
                self.error("kind", f"unknown kind {kind_name!r}; {valid_kinds()}")
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
        paraphrase = _names(string_list(item, "paraphrase", self.problems))
        for name in paraphrase:
            if kind.field(name) is None:
                self.error("paraphrase", f"'paraphrase' names {name!r}, which is not a field of a {kind.name}")
        disabled = self.disabled()
        linked = _names(string_list(item, "linked", self.problems))
        evidence = self.evidence()
        if fact_id is None or evidence is None:
            return None
        fact = Fact(
            id=fact_id,
            kind=kind.name,
            fields=fields,
            evidence=evidence,
            topic=topic if isinstance(topic, str) else None,
            aliases=aliases or _NO_VALUES,
            distractors=distractors or _NO_VALUES,
            paraphrase=paraphrase,
            disabled=disabled,
            linked=linked,
            note=self.note(),
            location=item.loc,
        )
        self.check_grounding(fact, kind)
        return fact

    def disabled(self) -> frozenset[str]:
        """``disable_templates`` of the fact: built-in templates, families or the deck's own
        templates that are not asked of this fact (a question a curator judged trivial)."""
        from .templates import BUILTIN, FAMILIES  # the template library, loaded only when a fact names it

        names = string_list(self.item, "disable_templates", self.problems)
        known = [*BUILTIN, *FAMILIES, *sorted(self.template_ids)]
        raw = self.item.get("disable_templates")
        for i, name in enumerate(names):
            if name not in known:
                hint = difflib.get_close_matches(name, known, n=1)
                suggestion = f"did you mean {hint[0]!r}?" if hint else f"built-in templates: {', '.join(BUILTIN)}; families: {', '.join(FAMILIES)}"
                where = raw.item_loc(i) if isinstance(raw, LocList) else self.item.value_loc("disable_templates")
                self.problems.error(where, f"{self.label}: 'disable_templates' names unknown template {name!r}; {suggestion}")
        return _names(names)

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
            seen: set[str] = set()
            for i, value in enumerate(values):
                folded = fold(str(value))  # as options are compared (L001)
                if folded in seen:
                    where = raw[key].item_loc(i) if isinstance(raw[key], LocList) else raw.value_loc(key)
                    self.problems.warning(where, f"{self.label}: distractors for {key!r} list {value!r} twice (case and spacing aside): "
                                                 "the curator's options are the fewer for it; write another")
                seen.add(folded)
            result[key] = tuple(values)
        return result

    def evidence(self) -> tuple[Evidence, ...] | None:
        raw = self.item.get("evidence")
        if raw is None:
            self.error(None, "missing key 'evidence' (a list of {source, quote})")
            return None
        if isinstance(raw, LocDict):
            raw = LocList.at([raw], raw.loc)
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

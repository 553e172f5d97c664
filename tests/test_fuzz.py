"""Mutated decks: loading either succeeds or raises LoadError whose every problem says where — never a crash.

Each example takes the fixture deck as YAML text and breaks it a little: lines deleted, duplicated or
swapped, stray characters typed in (tabs, colons, brackets, quotes, non-ASCII, NUL …), values replaced
by values of another type, keys dropped with their block. Whatever comes out, ``load_deck`` must end
in a Deck or a :class:`studykit.LoadError` whose problems each carry a path, and a line when they are
about a place inside the deck file; a deck that loads must also generate, lint and export.
"""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import deck_data
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import studykit
from studykit.lint import lint

pytestmark = pytest.mark.slow

BASE = yaml.safe_dump(deck_data(), sort_keys=False, allow_unicode=True, width=200)
LINES = BASE.splitlines(keepends=True)

STRAY = ["\t", ":", ": ", "[", "]", "{", "}", '"', "'", "-", "- ", "#", "&a", "*a", "!", "!!str", "|", ">", "%", "@",
         "`", "?", ",", "\x00", "\x07", "\ufeff", "\u202e", "é", "中", "🇮🇱", "\n", " ", "\r", "\\", "---\n", "<<: "]
VALUES = ["[]", "{}", "null", "~", "42", "-1.5e3", ".nan", "true", "no", "[1, 2]", "{a: 1}", '""', "''", "2022-02-30",
          "2022-13-01", "0x1F", "!!binary aGk=", "!!set {a}", "[[[]]]", "'x' * 3", "{{ 7*7 }}", "é" * 3]

line_index = st.integers(0, len(LINES) - 1)
KIND_LINE = next(i for i, line in enumerate(LINES) if line.strip().startswith("kind:"))
TOPIC_LINE = next(i for i, line in enumerate(LINES) if line.strip().startswith("topic:"))


def delete(lines, i):
    return lines[:i] + lines[i + 1 :]


def duplicate(lines, i):
    return lines[: i + 1] + lines[i:]


def swap(lines, i, j):
    lines = list(lines)
    lines[i], lines[j] = lines[j], lines[i]
    return lines


def insert(lines, i, at, text):
    line = lines[i]
    at = at % (len(line) + 1)
    return lines[:i] + [line[:at] + text + line[at:]] + lines[i + 1 :]


def retype(lines, i, value):
    """Replace the value on line ``i`` (after ``key:`` or ``- ``) with a value of another type."""
    match = re.match(r"^(\s*(?:- )?(?:[^:\n]+:\s)?)", lines[i])
    return lines[:i] + [match.group(1) + value + "\n"] + lines[i + 1 :]


def drop_block(lines, i):
    """Delete line ``i`` and the lines indented under it: a key and its whole value."""
    indent = len(lines[i]) - len(lines[i].lstrip(" -"))
    end = i + 1
    while end < len(lines) and len(lines[end]) - len(lines[end].lstrip(" -")) > indent:
        end += 1
    return lines[:i] + lines[end:]


mutation = st.one_of(
    st.tuples(st.just(delete), line_index),
    st.tuples(st.just(duplicate), line_index),
    st.tuples(st.just(swap), line_index, line_index),
    st.tuples(st.just(insert), line_index, st.integers(0, 200), st.sampled_from(STRAY) | st.text(min_size=1, max_size=3)),
    st.tuples(st.just(retype), line_index, st.sampled_from(VALUES)),
    st.tuples(st.just(drop_block), line_index),
)


def check_outcome(path, display):
    try:
        deck = studykit.load_deck(path)
    except studykit.LoadError as exc:
        assert exc.problems
        for problem in exc.problems:
            where = problem.location
            assert where is not None and where.path, problem
            if where.path == display:
                assert where.line >= 1 and where.col >= 1, problem
        return "error"
    try:
        qset = studykit.generate(deck)
    except studykit.LoadError:  # a user template may fail on a fact; the fixture has none, but stay general
        return "error"
    lint(qset)
    studykit.to_json(qset)
    return "ok"

@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(mutation, min_size=1, max_size=4))
@example(mutations=[(retype, KIND_LINE, "[1, 2]")])
@example(mutations=[(retype, TOPIC_LINE, "{a: 1}")])
def test_mutated_deck_loads_or_says_where(make_project, in_dir, mutations):
    project = make_project()
    lines = list(LINES)
    for operation, *args in mutations:
        if lines:
            args = [a % len(lines) if isinstance(a, int) and operation is not insert else a for a in args]
            if operation is insert:
                args[0] = args[0] % len(lines)
            lines = operation(lines, *args)
    project.deck().write_text("".join(lines), encoding="utf-8", errors="surrogatepass")
    with in_dir(project.root):
        check_outcome(project.deck(), "decks/test.yaml")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=64), at=st.integers(0, len(BASE.encode())))
def test_random_bytes_in_a_deck(make_project, in_dir, junk, at):
    project = make_project()
    raw = BASE.encode()
    project.deck().write_bytes(raw[:at] + junk + raw[at:])
    with in_dir(project.root):
        check_outcome(project.deck(), "decks/test.yaml")

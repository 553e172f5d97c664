"""Battery, YAML: every tag refused, on scalars, sequences and mappings alike, and the other
hazards of the format (aliases, merge keys, documents, characters, encodings, depth) located."""

from __future__ import annotations

import pytest
from battery import DECK, DECK_FILE, replace_once, where
from battery import battery as battery  # noqa: F401  (the fixture)

TAG = "YAML tag {tag!r} is not supported; remove it"

#: (id, text replaced in the battery deck, its replacement, where the error points, the tag as shown)
TAGS = [
    ("custom-on-a-sequence", "disable_templates: [cloze]", "disable_templates: !custom [cloze]", "!custom", "!custom"),
    ("python-on-a-sequence", "disable_templates: [cloze]", "disable_templates: !!python/object/apply:os.system [cloze]",
     "!!python", "!!python/object/apply:os.system"),
    ("custom-on-a-block-sequence", "disable_templates: [cloze]", "disable_templates: !custom\n    - cloze", "!custom", "!custom"),
    ("custom-on-a-mapping", "topics:\n    un: At the UN", "topics: !custom\n    un: At the UN", "!custom", "!custom"),
    ("map-on-a-flow-mapping", "distractors: {vetoed: [China]}", "distractors: !!map {vetoed: [China]}", "!!map", "!!map"),
    ("seq-on-a-sequence", "vetoed: [Russia]", "vetoed: !!seq [Russia]", "!!seq", "!!seq"),
    ("python-on-a-mapping", "distractors: {vetoed: [China]}", "distractors: !!python/object:os.system {vetoed: [China]}",
     "!!python", "!!python/object:os.system"),
    ("set", "distractors: {vetoed: [China]}", "distractors: !!set {China}", "!!set", "!!set"),
    ("omap", "vetoed: [Russia]", "vetoed: !!omap [{Russia: 1}]", "!!omap", "!!omap"),
    ("on-a-fact", "  - id: veto\n", "  - !fact\n    id: veto\n", "!fact", "!fact"),
    ("on-an-evidence-item", "      - source: report\n        quote: \"Ultimately", "      - !ev\n        source: report\n        quote: \"Ultimately",
     "!ev", "!ev"),
    ("on-the-root", "deck:\n  id: t\n", "--- !!map\ndeck:\n  id: t\n", "!!map", "!!map"),
    ("on-a-key", "  title: T\n", "  !!str title: T\n", "!!str", "!!str"),
    ("str-on-a-scalar", "  title: T\n", "  title: !!str T\n", "!!str", "!!str"),
    ("int-on-a-scalar", "  seed: 3\n", "  seed: !!int '3'\n", "!!int", "!!int"),
    ("float-on-a-number", "value: 81", "value: !!float .inf", "!!float", "!!float"),
    ("custom-on-a-scalar", "  title: T\n", "  title: !foo T\n", "!foo", "!foo"),
    ("non-specific", "  title: T\n", "  title: ! T\n", "! T", "!"),
    ("verbatim", "  title: T\n", "  title: !<tag:yaml.org,2002:str> T\n", "!<", "!!str"),
    ("binary", "  description: A deck for the battery.\n", "  description: !!binary aGVsbG8=\n", "!!binary", "!!binary"),
    ("timestamp", "date: 2022-02-25", "date: !!timestamp 2022-02-25", "!!timestamp", "!!timestamp"),
    ("null", "  description: A deck for the battery.\n", "  description: !!null\n", "!!null", "!!null"),
    ("python-name", "  title: T\n", "  title: !!python/name:os.system ''\n", "!!python", "!!python/name:os.system"),
    ("tag-directive", "deck:\n  id: t\n", "%TAG !e! tag:example.com,2000:\n---\ndeck:\n  id: !e!x t\n", "!e!x", "tag:example.com,2000:x"),
]


@pytest.mark.parametrize("old, new, at, tag", [c[1:] for c in TAGS], ids=[c[0] for c in TAGS])
def test_every_tag_is_refused_where_it_stands(battery, old, new, at, tag):
    text = replace_once(DECK, old, new)
    battery.write(DECK_FILE, text)
    outcome = battery.run("check")
    battery.assert_failed(outcome, 1, f"{DECK_FILE}:{where(text, at)}: error: " + TAG.format(tag=tag))


def test_a_tag_in_the_catalog_is_refused_too(battery):
    text = battery.edit("seeds/catalog.yaml", "title: Report report", "title: !!python/object/apply:os.system [ls]")
    outcome = battery.run("check")
    battery.assert_failed(outcome, 1, f"seeds/catalog.yaml:{where(text, '!!python')}: error: " + TAG.format(tag="!!python/object/apply:os.system"))


def test_a_tag_on_a_list_stops_a_build_too(battery):
    """The issue's case: the tag was dropped and the deck built with the list it tagged."""
    battery.write(DECK_FILE, replace_once(DECK, "disable_templates: [cloze]", "disable_templates: !custom [cloze]"))
    outcome = battery.run("build", "--quiet")
    battery.assert_failed(outcome, 1, f"{DECK_FILE}:9:22: error: " + TAG.format(tag="!custom"))
    assert not (battery.root / "dist").exists()


#: (id, old, new, where, message) — the other hazards, each refused with its location
HAZARDS = [
    ("anchor-on-a-list", "vetoed: [Russia]", "vetoed: &v [Russia]", "&v",
     "YAML anchors (&v) and aliases are not supported; write the value out"),
    ("alias", "abstained: [China]", "abstained: *v", "*v", "YAML aliases (*v) are not supported; write the value out"),
    ("merge-key", "    body: the UN", "    <<: {x: 1}\n    body: the UN", "<<", "YAML merge keys (<<) are not supported"),
    ("second-document", "  - id: cosponsors\n", "---\n- id: cosponsors\n", "---",
     "a file holds one YAML document; remove the second '---' and what follows it"),
    ("nul", "  title: T\n", "  title: T\x00\n", "\x00",
     "the character U+0000 is not allowed in YAML (control characters are not allowed); remove it or write it as an escape inside double quotes"),
    ("escape-character", "  title: T\n", "  title: T\x1b[31m\n", "\x1b",
     "the character U+001B is not allowed in YAML (control characters are not allowed); remove it or write it as an escape inside double quotes"),
    ("tab-indent", "  title: T\n", "\ttitle: T\n", "\t",
     "YAML syntax error: found a tab character that violates indentation (while scanning a plain scalar); "
     "YAML does not allow tabs for indentation, use spaces"),
    ("unclosed-flow-mapping", "distractors: {vetoed: [China]}", "distractors: {vetoed: [China]",
     "evidence:\n      - source: report\n        quote: \"Ultimately", "YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping)"),
    ("duplicate-key", "  title: T\n", "  title: T\n  title: U\n", "title: U", "duplicate key 'title' (first at line 3); keep only one"),
    ("key-that-is-a-list", "  title: T\n", "  title: T\n  ? [a, b]\n  : c\n", "[a, b]", "a mapping key must be a plain value"),
]


@pytest.mark.parametrize("old, new, at, message", [c[1:] for c in HAZARDS], ids=[c[0] for c in HAZARDS])
def test_other_yaml_hazards_are_located(battery, old, new, at, message):
    text = replace_once(DECK, old, new)
    battery.write(DECK_FILE, text)
    outcome = battery.run("check")
    assert outcome.code == 1, outcome.out
    assert f"{DECK_FILE}:{where(text, at)}: error: {message}" in outcome.errors, outcome.out
    battery.assert_unchanged()


def test_non_utf8_in_the_catalog(battery):
    raw = (battery.root / "seeds/catalog.yaml").read_bytes().replace(b"Report report", b"Report r\xe9port")
    battery.write("seeds/catalog.yaml", raw)
    text = raw.decode("latin-1")
    outcome = battery.run("check")
    at = text.index("\xe9")
    battery.assert_failed(
        outcome, 1,
        f"seeds/catalog.yaml:{where(text, chr(0xe9))}: error: not valid UTF-8: byte 0xe9 at byte offset {at} cannot be decoded; save the file as UTF-8",
    )


def test_a_tag_inside_a_fact_skips_that_fact_and_the_rest_is_still_checked(battery):
    text = replace_once(DECK, "vetoed: [Russia]", "vetoed: !!seq [Russia]")
    text = replace_once(text, "  seed: 3\n", "  seed: 3\n  tpoics: {}\n")
    battery.write(DECK_FILE, text)
    outcome = battery.run("check")
    battery.assert_failed(
        outcome, 1,
        f"{DECK_FILE}:{where(text, 'tpoics')}: error: deck: unknown key 'tpoics'; did you mean 'topics'?",
        f"{DECK_FILE}:{where(text, '!!seq')}: error: YAML tag '!!seq' is not supported; remove it",
    )
    assert f"{DECK_FILE}:38:1: info: lines 38–48 (one fact) were skipped because of this error" in outcome.lines

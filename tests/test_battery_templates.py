"""Battery, templates: a deck's own templates are stopped on recursion as on time and size, refused
when they reach for other templates, and a syntax error is located on the prompt's own line (it
pointed one line off, at ``applies_to:`` in the README's layout)."""

from __future__ import annotations

import pytest
from battery import DECK, DECK_FILE, replace_once, where
from battery import battery as battery  # noqa: F401  (the fixture)

import studykit.sandbox

PROMPT = '    prompt: "Which body voted on {{ motion }}?"\n'
ON_FACT = "template 'which-body' on fact 'veto'"


def with_prompt(battery, prompt_line: str) -> str:
    text = replace_once(DECK, PROMPT, prompt_line)
    battery.write(DECK_FILE, text)
    return text


def template_at(text: str) -> str:
    return f"{DECK_FILE}:{where(text, '- id: which-body', offset=2)}"


def test_a_syntax_error_points_at_the_prompt_in_the_readmes_layout(battery):
    text = with_prompt(battery, '    prompt: "Which body voted on {{ motion }?"\n')
    outcome = battery.run("check")
    at = where(text, '"Which body')
    battery.assert_failed(outcome, 1, f"{DECK_FILE}:{at}: error: template 'which-body': prompt has a jinja2 syntax error: unexpected '}}'")


def test_a_syntax_error_on_the_second_line_of_a_block_prompt(battery):
    text = with_prompt(battery, "    prompt: |\n      Which body voted\n      on {{ motion }?\n")
    outcome = battery.run("check")
    line = where(text, "on {{ motion }?").split(":")[0]
    battery.assert_failed(outcome, 1, f"{DECK_FILE}:{line}: error: template 'which-body': prompt has a jinja2 syntax error: unexpected '}}'")


def test_a_syntax_error_on_the_first_line_of_a_block_prompt(battery):
    text = with_prompt(battery, "    prompt: |\n      Which {% if %} body?\n")
    outcome = battery.run("check")
    line = where(text, "Which {% if").split(":")[0]
    battery.assert_failed(
        outcome, 1, f"{DECK_FILE}:{line}: error: template 'which-body': prompt has a jinja2 syntax error: Expected an expression, got 'end of statement block'"
    )


@pytest.mark.parametrize(
    "prompt, message",
    [
        ("{{ motion|nope }}", "prompt has a jinja2 syntax error: No filter named 'nope'."),
        ("{% for %}", "prompt has a jinja2 syntax error: Expected an expression, got 'end of statement block'"),
    ],
    ids=["unknown-filter", "empty-for"],
)
def test_compile_errors_are_located_at_the_prompt(battery, prompt, message):
    text = with_prompt(battery, f'    prompt: "{prompt}"\n')
    outcome = battery.run("check")
    battery.assert_failed(outcome, 1, f"{DECK_FILE}:{where(text, chr(34) + prompt[:4])}: error: template 'which-body': {message}")


def test_a_prompt_nested_too_deeply_to_compile(battery):
    prompt = "{{ " + "(" * 5000 + "motion" + ")" * 5000 + " }}"
    text = with_prompt(battery, f'    prompt: "{prompt}"\n')
    outcome = battery.run("check")
    battery.assert_failed(outcome, 1, f"{DECK_FILE}:{where(text, chr(34) + '{{ (')}: error: template 'which-body': prompt is nested too deeply to compile")


RUNAWAY = [
    ("recursive-macro", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}",
     "stopped: the template calls itself too deeply (a macro that never stops recursing?)"),
    ("mutual-recursion", "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}",
     "stopped: the template calls itself too deeply (a macro that never stops recursing?)"),
    ("recursive-loop", "{% for i in [1] recursive %}{{ loop([1]) }}{% endfor %}",
     "stopped: the template calls itself too deeply (a macro that never stops recursing?)"),
    ("include", "{% include 'x.html' %}", "a prompt cannot include, import or extend another template ('x.html')"),
    ("import", "{% import 'x.html' as x %}", "a prompt cannot include, import or extend another template ('x.html')"),
    ("from-import", "{% from 'x.html' import y %}", "a prompt cannot include, import or extend another template ('x.html')"),
    ("extends", "{% extends 'x.html' %}", "a prompt cannot include, import or extend another template ('x.html')"),
    ("star-width", "{{ '%*d' % (100000000, 1) }}", "stopped: an argument of 100,000,000 is larger than the output budget of 10,000"),
    ("format-map-width", "{{ '{a:>{w}}'.format_map({'a': 1, 'w': 100000000}) }}",
     "stopped: an argument of 100,000,000 is larger than the output budget of 10,000"),
    ("replace-method", "{% set s = 'a' * 10000 %}{{ s.replace('a', s)|length }}",
     "stopped: replace() would make 100,000,000 characters, more than the output budget of 10,000"),
    ("replace-filter", "{% set s = 'a' * 10000 %}{{ s|replace('a', s)|length }}",
     "stopped: replace() would make 100,000,000 characters, more than the output budget of 10,000"),
    ("expandtabs", "{{ (('\\t' * 10000).expandtabs(10000))|length }}",
     "stopped: expandtabs() would make 100,000,000 characters, more than the output budget of 10,000"),
    ("list-repeat", "{{ ([1] * 10000 * 10000)|length }}", "stopped: output would exceed 10,000 characters"),
    ("power", "{{ 2 ** 1000000 }}", "stopped: exponent too large"),
    ("unknown-test", "{% if motion is nope %}x{% endif %}", "No test named 'nope' found."),
    ("big-range", "{{ range(5000)|list|length }}", "stopped: range() of more than 1,000 items"),
    ("ljust", "{{ motion.ljust(100000) }}", "stopped: an argument of 100,000 is larger than the output budget of 10,000"),
    ("attribute-escape", "{{ cycler.__init__.__globals__ }}", "access to attribute '__init__' of 'type' object is unsafe."),
    ("missing-attribute", "{{ motion.nope }}", "'str object' has no attribute 'nope'"),
]


@pytest.mark.parametrize("prompt, message", [c[1:] for c in RUNAWAY], ids=[c[0] for c in RUNAWAY])
def test_runaway_and_reaching_templates_are_stopped(battery, prompt, message):
    text = with_prompt(battery, f'    prompt: "{prompt}"\n')
    outcome = battery.run("check")
    battery.assert_failed(outcome, 1, f"{template_at(text)}: error: {ON_FACT}: {message}")


def test_a_recursive_macro_stops_a_build_without_an_internal_error(battery):
    """The issue's case: RecursionError reached the top as an internal error (exit 3)."""
    text = with_prompt(battery, '    prompt: "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}"\n')
    outcome = battery.run("build", "--quiet", process=True)
    message = "stopped: the template calls itself too deeply (a macro that never stops recursing?)"
    battery.assert_failed(outcome, 1, f"{template_at(text)}: error: {ON_FACT}: {message}")
    assert not (battery.root / "dist").exists()


def test_a_template_that_runs_too_long_is_stopped(battery):
    battery.monkeypatch.setattr(studykit.sandbox, "RENDER_SECONDS", 0.2)
    loops = "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}{% endfor %}{% endfor %}{% endfor %}"
    text = with_prompt(battery, f'    prompt: "{loops}"\n')
    outcome = battery.run("check")
    battery.assert_failed(outcome, 1, f"{template_at(text)}: error: {ON_FACT}: stopped: took longer than 0.2 s")

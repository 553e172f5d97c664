"""The README stays true: every key, kind, template, lint rule and command is documented."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

from studykit.cli import build_parser
from studykit.lint import RULES
from studykit.model import COMMON_FACT_KEYS, KINDS
from studykit.templates import BUILTIN

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_fact_key_and_kind_field_is_documented():
    for key in COMMON_FACT_KEYS:
        assert re.search(rf"\b{key}:", README), key
    for kind in KINDS.values():
        assert f"| `{kind.name}` |" in README, kind.name
        for field in kind.fields:
            assert f"`{field.name}`" in README, (kind.name, field.name)


def test_every_builtin_template_and_lint_rule_is_documented():
    for template_id in BUILTIN:
        assert f"`{template_id}`" in README, template_id
    for code, (severity, _) in RULES.items():
        assert f"| {code} | {severity} |" in README, code


def test_quickstart_has_two_commands():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)```", quickstart, re.S)
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    assert [c.strip() for c in commands] == [
        venv + "pip install . && studykit build",
        venv + "pip install -e '.[test]' && npm ci --prefix tests/gift && pytest -q",
    ]
    # CI runs exactly these commands: it reads them from the README
    listed = subprocess.run([sys.executable, str(ROOT / ".ci" / "quickstart.py"), str(ROOT / "README.md")],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert listed == [c.strip() for c in commands]
    assert ".ci/quickstart.py README.md" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("command", ["check", "build", "export", "lint", "quiz", "review", "init", "propose"])
def test_every_command_has_help_and_is_in_the_readme(command):
    assert f"`studykit {command}" in README
    result = subprocess.run([sys.executable, "-m", "studykit", command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "usage: studykit " + command in result.stdout


def test_parser_knows_the_commands():
    parser = build_parser()
    choices = next(a for a in parser._actions if a.dest == "command").choices
    assert set(choices) == {"check", "build", "export", "lint", "quiz", "review", "init", "propose"}


def test_a_mistyped_option_gets_the_subcommands_usage_and_a_suggestion(tmp_path):
    result = subprocess.run([sys.executable, "-m", "studykit", "quiz", "deck.yaml", "--cout", "10"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: studykit quiz ")
    assert result.stderr.rstrip().endswith("studykit quiz: error: unrecognized arguments: --cout 10; did you mean --count?")


def test_choices_are_case_insensitive_where_that_is_harmless():
    args = build_parser().parse_args(["quiz", "d.yaml", "--paper", "A4"])
    assert args.paper == "a4"
    assert build_parser().parse_args(["export", "d.yaml", "--format", "GIFT"]).format == "gift"

"""`studykit init DIR`: a fresh folder becomes a project whose first deck checks and builds."""

from __future__ import annotations

import json

from conftest import run_process


def test_init_makes_a_project_that_checks_and_builds(tmp_path):
    result = run_process("init", "first", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "first"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        ".gitignore", "corpus/catalog.yaml", "corpus/riverton-bridge.txt", "decks/first-deck.yaml"]
    check = run_process("check", cwd=root)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "decks/first-deck.yaml: ok: 5 facts" in check.stdout and ": warning:" not in check.stdout and ": info:" not in check.stdout
    lint = run_process("lint", "--strict", cwd=root)
    assert lint.returncode == 0, lint.stdout
    build = run_process("build", cwd=root)
    assert build.returncode == 0, build.stderr
    data = json.loads((root / "dist" / "first-deck.json").read_text(encoding="utf-8"))
    assert {f["kind"] for f in data["facts"]} == {"vote", "event", "stance", "statement", "quantity"}
    assert (root / "dist" / "first-deck.apkg").is_file() and (root / "dist" / "first-deck" / "quiz-v1.html").is_file()


def test_init_never_overwrites_and_changes_nothing_when_it_refuses(tmp_path):
    (tmp_path / "mine" / "decks").mkdir(parents=True)
    (tmp_path / "mine" / "decks" / "first-deck.yaml").write_text("my own deck\n")
    result = run_process("init", "mine", cwd=tmp_path)
    assert result.returncode == 2
    assert "already has mine/decks/first-deck.yaml" in result.stderr and "never overwrites" in result.stderr
    assert sorted(p.name for p in (tmp_path / "mine").rglob("*")) == ["decks", "first-deck.yaml"]
    assert (tmp_path / "mine" / "decks" / "first-deck.yaml").read_text() == "my own deck\n"

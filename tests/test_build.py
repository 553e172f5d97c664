"""`studykit build` end to end, as the Quickstart runs it, in a copy of the project."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT, run_process


@pytest.fixture
def project_copy(tmp_path):
    for folder in ("seeds", "decks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def run(cwd, *args, env=None):
    return run_process(*args, cwd=cwd, env=env)


def test_build_writes_every_output(project_copy):
    result = run(project_copy, "build")
    assert result.returncode == 0, result.stderr
    dist = project_copy / "dist"
    with zipfile.ZipFile(dist / "israel-russia-ukraine.apkg") as apkg:
        assert {"collection.anki2", "media"} <= set(apkg.namelist())
    data = json.loads((dist / "israel-russia-ukraine.json").read_text(encoding="utf-8"))
    assert data["format"] == "studykit-export" and len(data["questions"]) >= len(data["facts"]) > 60
    quiz = (dist / "israel-russia-ukraine" / "quiz-v1.html").read_text(encoding="utf-8")
    assert quiz.count('class="question') >= 30 or quiz.count("<li") >= 30
    assert (dist / "israel-russia-ukraine" / "key-v1.html").is_file()
    assert len(list((dist / "israel-russia-ukraine" / "sources").glob("*.html"))) == 5
    assert "israel-russia-ukraine.apkg" in result.stdout
    leftovers = [p.name for p in dist.rglob(".*") if p.name != ".studykit-manifest.json"]
    assert not list(dist.rglob("*.tmp")) and not leftovers


def test_rebuild_is_byte_identical(project_copy):
    assert run(project_copy, "build", "--quiet").returncode == 0
    first = {p.relative_to(project_copy): p.read_bytes() for p in (project_copy / "dist").rglob("*") if p.is_file()}
    ledger = (project_copy / "decks" / "israel-russia-ukraine.ledger.json").read_bytes()
    result = run(project_copy, "build", "--quiet")
    assert result.returncode == 0 and result.stdout == ""
    second = {p.relative_to(project_copy): p.read_bytes() for p in (project_copy / "dist").rglob("*") if p.is_file()}
    assert first == second
    assert (project_copy / "decks" / "israel-russia-ukraine.ledger.json").read_bytes() == ledger


def test_a_deck_with_errors_stops_the_whole_build_before_anything_is_written(project_copy):
    (project_copy / "decks" / "broken.yaml").write_text("deck:\n  id: broken\n  title: Broken\nfacts:\n  - id: x\n    kind: nope\n")
    result = run(project_copy, "build")
    assert result.returncode == 1
    assert "decks/broken.yaml:6:11: error: fact 'x': unknown kind 'nope'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project_copy / "dist").exists()


def test_the_committed_ledger_is_up_to_date_with_the_bundled_deck(project_copy):
    """Rebuild after editing the deck, and commit decks/*.ledger.json with it."""
    result = run(project_copy, "build")
    assert result.returncode == 0, result.stderr
    assert "since the last build: 0 new, 0 changed" in result.stdout
    assert (project_copy / "decks" / "israel-russia-ukraine.ledger.json").read_bytes() == (
        ROOT / "decks" / "israel-russia-ukraine.ledger.json"
    ).read_bytes()


def test_the_readme_python_api_runs_as_written(project_copy):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    result = subprocess.run([sys.executable, "-c", code], cwd=project_copy, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    dist = project_copy / "dist"
    assert (dist / "israel-russia-ukraine.apkg").is_file() and (dist / "israel-russia-ukraine.json").is_file()
    assert (dist / "israel-russia-ukraine" / "quiz-v2.html").is_file() or (dist / "israel-russia-ukraine" / "quiz-v1.html").is_file()
    assert "anki " in result.stdout and "html " in result.stdout


@pytest.mark.parametrize("command", ["check", "build", "lint"])
def test_check_and_build_agree_about_two_copies_of_a_deck(project_copy, command):
    """Two deck files with the same deck id: every command refuses them, naming both files."""
    shutil.copy(project_copy / "decks" / "israel-russia-ukraine.yaml", project_copy / "decks" / "copy.yaml")
    result = run(project_copy, command)
    assert result.returncode == 1, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "deck files decks/copy.yaml and decks/israel-russia-ukraine.yaml share the deck id 'israel-russia-ukraine'" in said
    assert not (project_copy / "dist").exists()


def test_a_folder_as_deck_argument_means_every_deck_in_it(project_copy):
    result = run(project_copy, "check", "decks")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "decks/israel-russia-ukraine.yaml: ok:" in result.stdout


def test_a_build_empties_the_text_caches_of_checking_before_planning_outputs(project_copy, monkeypatch):
    """What checking cached (normalised and folded texts, word lists, the deck's vocabulary) is
    emptied before the outputs are planned, so they are planned in that memory; and the outputs
    are the same whether the caches were warm or not (a cache changes time, never a result)."""
    from studykit import build as build_module
    from studykit import corpus, heap, vocabulary
    from studykit.build import build, default_exporters

    deck = project_copy / "decks" / "israel-russia-ukraine.yaml"
    seen: list[tuple[int, int, int]] = []
    real_prepare = build_module.prepare

    def prepare(*args, **kwargs):
        qsets = real_prepare(*args, **kwargs)
        seen.append((corpus.fold.cache_info().currsize, vocabulary.words_of.cache_info().currsize, len(vocabulary._VOCABULARIES)))
        return qsets

    monkeypatch.setattr(build_module, "prepare", prepare)
    outputs = []
    for out in ("warm", "cold"):
        if out == "cold":
            heap.drop_caches()
        build([deck], out=project_copy / out, exporters=default_exporters(now=1_700_000_000))
        outputs.append({p.relative_to(project_copy / out): p.read_bytes() for p in (project_copy / out).rglob("*") if p.is_file()})
        assert corpus.fold.cache_info().currsize < seen[-1][0]  # emptied after checking (the outputs fill some again)
    assert all(folds > 0 and words > 0 and vocabularies == 1 for folds, words, vocabularies in seen)
    assert outputs[0] == outputs[1]
    heap.drop_caches()
    assert corpus.fold.cache_info().currsize == vocabulary.words_of.cache_info().currsize == len(vocabulary._VOCABULARIES) == 0

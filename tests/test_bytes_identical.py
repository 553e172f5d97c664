"""Every output is byte-identical to the golden digests for the same input.

Speed work must not change a single byte: this builds a fixed synthetic project (the benchmark's
``generate_project``), rebuilds it with its ledger after the deck changed, writes the review page
and a two-version quiz of every question, lints it, and does the same for the bundled deck; then
compares the sha256 of every file (and of the lint findings' text) with ``tests/golden/bytes.json``.

The bundled deck is edited by curators: when its input (deck, ledger, corpus) is not the one the
goldens were made from, that half fails and says to regenerate. Regenerate deliberately, with the
code as it was before any speed work, and say why in the commit::

    PYTHONPATH=. python tests/test_bytes_identical.py --update

The digests are computed in a child process with ``PYTHONHASHSEED=0``, though no output depends
on string hashing any more (lint's L030 examples did: ``test_hardening`` checks that they do not).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "bytes.json"
BUNDLED = ROOT / "decks" / "israel-russia-ukraine.yaml"
SYNTHETIC_FACTS = 400
NOW, LATER = 1_700_000_000, 1_700_086_400

pytestmark = pytest.mark.slow


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``; the review page links the deck by its absolute
    ``file://`` URL, so the project's folder is written ``<project>`` there first."""
    project = Path.cwd().resolve().as_posix().encode()
    return {
        p.relative_to(folder).as_posix(): _sha(p.read_bytes().replace(project, b"<project>") if p.suffix == ".html" else p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _outputs(deck: Path, out: Path, now: int, *, extras: bool) -> dict[str, str]:
    """Build ``deck`` (every format) into ``out``; with ``extras`` the review page, a quiz of every
    question in two versions and the lint findings too. Returns name → sha256."""
    from studykit import build
    from studykit.lint import lint
    from studykit.review import ReviewExporter

    build.build([deck], out=out, exporters=build.default_exporters(now=now, lms=True))
    digests = {f"out/{k}": v for k, v in _tree(out).items()}
    ledger = deck.with_suffix(".ledger.json")
    digests["ledger"] = _sha(ledger.read_bytes())
    if extras:
        (qset,) = build.prepare([deck])
        findings = lint(qset)
        digests["lint"] = _sha("\n".join(map(str, findings)).encode("utf-8"))
        review = ReviewExporter(findings=findings)
        build.write([lambda: review.plan(qset, out / "review" / f"{qset.deck.id}.review.html")])
        quiz = build.exporter_for("html", versions=2)
        build.write([lambda: quiz.plan(qset, out / "quiz-all")])
        digests.update({f"extra/{k}": v for k, v in _tree(out).items() if k.startswith(("review/", "quiz-all/"))})
    return digests


def synthetic_digests(root: Path) -> dict[str, str]:
    """A first build, a rebuild with the ledger of the same deck, then a rebuild of a changed deck."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench import generate_project

    deck = generate_project(root / "project", SYNTHETIC_FACTS)
    cwd = os.getcwd()
    os.chdir(root / "project")  # messages name files relative to here
    try:
        digests = {f"first/{k}": v for k, v in _outputs(deck, root / "first", NOW, extras=True).items()}
        digests.update({f"same/{k}": v for k, v in _outputs(deck, root / "same", LATER, extras=False).items()})
        # the deck changes: fewer facts (the last notes retire, the last document is shorter)
        changed = generate_project(root / "changed-project", SYNTHETIC_FACTS - 30)
        shutil.copy(deck.with_suffix(".ledger.json"), changed.with_suffix(".ledger.json"))
        os.chdir(root / "changed-project")
        digests.update({f"changed/{k}": v for k, v in _outputs(changed, root / "changed", LATER, extras=False).items()})
    finally:
        os.chdir(cwd)
    return digests


def bundled_input() -> str:
    """One digest of what the bundled deck's outputs are made from."""
    corpus = ROOT / "seeds"
    parts = [BUNDLED, BUNDLED.with_suffix(".ledger.json"), *sorted(p for p in corpus.rglob("*") if p.is_file())]
    return _sha(b"".join(p.relative_to(ROOT).as_posix().encode() + b"\0" + _sha(p.read_bytes()).encode() for p in parts if p.is_file()))


def bundled_digests(root: Path) -> dict[str, str]:
    project = root / "bundled"
    shutil.copytree(ROOT / "decks", project / "decks")
    shutil.copytree(ROOT / "seeds", project / "seeds")
    cwd = os.getcwd()
    os.chdir(project)
    try:
        return _outputs(Path("decks") / BUNDLED.name, project / "out", NOW, extras=True)
    finally:
        os.chdir(cwd)


def _compare(got: dict[str, str], want: dict[str, str]) -> None:
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    changed = sorted(k for k in set(got) & set(want) if got[k] != want[k])
    assert not (missing or extra or changed), f"missing {missing[:10]}, unexpected {extra[:10]}, changed {changed[:10]}"


def _digests_in_child(which: str, tmp: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, __file__, f"--{which}", str(tmp)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_synthetic_outputs_are_byte_identical(tmp_path):
    _compare(_digests_in_child("synthetic", tmp_path), json.loads(GOLDEN.read_text())["synthetic"])


def test_bundled_deck_outputs_are_byte_identical(tmp_path):
    golden = json.loads(GOLDEN.read_text())["bundled"]
    # a curator's edit changes the outputs on purpose: then the goldens are made again, in the
    # same commit, by the code before any speed work in it (never skipped: a skip would hide a change)
    assert bundled_input() == golden["input"], (
        "the bundled deck, its ledger or its corpus changed since the goldens were made: "
        "regenerate them with `PYTHONPATH=. python tests/test_bytes_identical.py --update` before changing any code"
    )
    _compare(_digests_in_child("bundled", tmp_path), golden["files"])


def _main(argv: list[str]) -> int:
    import tempfile

    if len(argv) == 2 and argv[0] in ("--synthetic", "--bundled"):
        make = synthetic_digests if argv[0] == "--synthetic" else bundled_digests
        print(json.dumps(make(Path(argv[1]))))
        return 0
    if argv != ["--update"]:
        raise SystemExit(f"usage: PYTHONPATH=. python {Path(__file__).name} --update")
    with tempfile.TemporaryDirectory() as tmp:
        data = {"synthetic": _digests_in_child("synthetic", Path(tmp) / "s"),
                "bundled": {"input": bundled_input(), "files": _digests_in_child("bundled", Path(tmp) / "b")}}
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"{GOLDEN}: {len(data['synthetic'])} synthetic, {len(data['bundled']['files'])} bundled digests")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))

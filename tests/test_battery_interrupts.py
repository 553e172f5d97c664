"""Battery, interrupts at random moments of a big build (issue 13's measure of done).

The benchmark's 2,000-fact deck (``benchmarks/bench.py``'s ``generate_project``) is built once;
its deck then changes so that every output would change. Twenty times, a copy of that project
is built again by a real ``python -m studykit build`` with its own private ``$TMPDIR``, and SIGINT
is sent at a random moment: half of the moments are drawn over the whole run (loading, checking,
generating, planning, writing), half over the writing alone (from the first staged file on, the
moments that matter). Every time, the project must hold either every previous output or every new
one — byte for byte, the ledger included — and no temporary file, in the project or in ``$TMPDIR``.

(A SIGINT that arrives while Python itself is still importing studykit, before any of its code
runs, ends the process with Python's own KeyboardInterrupt: nothing has begun, so nothing changed.)
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from battery import ROOT, changes, temporary_files, tree

pytestmark = pytest.mark.slow

TRIALS = 20
EPOCH = "1700000000"


def build_process(project: Path, tmpdir: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir), "SOURCE_DATE_EPOCH": EPOCH}
    env.pop("STUDYKIT_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "studykit", "build", "--quiet"], cwd=project, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def staged(project: Path) -> bool:
    return any(name.endswith(".tmp") for folder in ("dist", "decks") for name in os.listdir(project / folder))


def test_twenty_random_interrupts_leave_all_old_or_all_new_outputs(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench import generate_project

    base = tmp_path / "base"
    deck = generate_project(base, 2000)
    private = tmp_path / "tmpdir"
    private.mkdir()
    first = build_process(base, private)
    assert first.wait(timeout=600) == 0, first.stderr.read()
    deck.write_text(deck.read_text(encoding="utf-8").replace("title: ", "title: Renamed ", 1), encoding="utf-8")
    old = tree(base)

    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    started = time.perf_counter()
    process = build_process(reference, private)
    while process.poll() is None and not staged(reference):
        time.sleep(0.001)
    writing = time.perf_counter()
    assert process.wait(timeout=600) == 0, process.stderr.read()
    total, window = time.perf_counter() - started, time.perf_counter() - writing
    new = tree(reference)
    assert changes(old, new), "the changed deck must change the outputs"
    assert temporary_files(reference) == [] and os.listdir(private) == []

    rng = random.Random(13)
    results = []
    for trial in range(TRIALS):
        project = tmp_path / f"trial-{trial}"
        shutil.copytree(base, project)
        process = build_process(project, private)
        began = time.perf_counter()
        if trial % 2 == 0:
            delay = rng.uniform(0, total * 1.1)
            time.sleep(delay)
        else:
            while process.poll() is None and not staged(project):
                time.sleep(0.001)
            delay = time.perf_counter() - began + rng.uniform(0, window * 1.2)
            time.sleep(max(0.0, delay - (time.perf_counter() - began)))
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=600)
        stderr = process.stderr.read()
        state = tree(project)
        outcome = "old" if not changes(old, state) else "new" if not changes(new, state) else "MIXED"
        leftovers = temporary_files(project) + [str(p) for p in private.iterdir()]
        results.append((trial, round(delay, 3), code, outcome, leftovers))
        assert "internal error" not in stderr, stderr
        if code == -signal.SIGINT:  # Python was still importing studykit: its own KeyboardInterrupt, nothing begun
            assert stderr.startswith("Traceback") and "cli.py" not in stderr and stderr.endswith("KeyboardInterrupt\n"), stderr
            assert outcome == "old"
        else:
            assert "Traceback" not in stderr, stderr
            assert code in (0, 130), (trial, code, stderr)
        assert outcome != "MIXED", (trial, delay, code, changes(old, state), changes(new, state))
        assert leftovers == [], (trial, delay, leftovers)
        assert (code == 0) <= (outcome == "new"), (trial, code, outcome)
        shutil.rmtree(project)
    print(f"\nbuild {total:.2f} s, writing {window:.2f} s; (trial, delay s, exit code, outputs, temporary files):")
    for result in results:
        print("  ", result)
    assert len(results) == TRIALS


def test_an_interrupt_python_cannot_raise_prints_no_traceback(capsys):
    """1 of 20 random interrupts landed in importlib's module-lock callback, where Python can only
    print "Exception ignored … Traceback … KeyboardInterrupt": studykit drops it without the traceback."""
    import weakref

    from studykit.cli import _no_traceback_for_a_lost_interrupt

    class Held:
        pass

    def callback(_ref):
        raise KeyboardInterrupt

    with _no_traceback_for_a_lost_interrupt():
        held = Held()
        ref = weakref.ref(held, callback)
        del held  # the callback runs here, where its exception cannot propagate
    assert ref() is None
    assert "Traceback" not in capsys.readouterr().err
    import sys

    seen = []
    previous, sys.unraisablehook = sys.unraisablehook, lambda unraisable: seen.append(unraisable.exc_type)
    try:
        with _no_traceback_for_a_lost_interrupt():
            held = Held()
            ref = weakref.ref(held, callback)
            del held  # dropped
            held = Held()
            ref = weakref.ref(held, lambda _ref: 1 / 0)
            del held  # any other unraisable error goes to the hook before, as before
    finally:
        sys.unraisablehook = previous
    assert seen == [ZeroDivisionError]

"""Benchmark: how long a full studykit build of N facts takes, against a floor.

    python benchmarks/bench.py --facts 50000 --repeat 3
    python benchmarks/bench.py --facts 1000,50000,100000
    python benchmarks/bench.py --quick

For every size it writes a synthetic corpus and deck into a temporary folder (documents of about
50 facts each: votes, events, stances, statements and quantities, several quotes per document,
filler prose around them), then, in a fresh subprocess per repeat, times each phase of a build:

    load      studykit.load_deck (YAML, corpus, quote search, validation)
    generate  studykit.generate
    apkg      studykit.export.anki.write_apkg
    html      studykit.export.html.write_quiz (a 100-question quiz plus every source page)
    quiz_all  the same with every question (not part of a build: ``studykit quiz DECK``)
    json      studykit.write_json

and, in another fresh subprocess, the *floor*: libyaml parsing the same deck YAML
(``yaml.load(text, Loader=yaml.CSafeLoader)``) plus raw genanki writing as many notes as the
build writes. ``lint`` (what ``studykit check`` adds) is timed too but is not part of a build.

Prints one JSON object: per size, the median seconds of each phase, the total, the floor, their
ratio and the peak RSS of the build process; for several sizes, time(largest)/time(half of it) when
both were measured; and the wall time of ``studykit check`` on the bundled deck.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DECK = ROOT / "decks" / "israel-russia-ukraine.yaml"
FACTS_PER_DOCUMENT = 50
BUILD_PHASES = ("load", "generate", "apkg", "html", "json")
FLOOR_PHASES = ("yaml_parse", "genanki_write")

# ---------------------------------------------------------------------------------------------
# Synthetic corpus and deck
# ---------------------------------------------------------------------------------------------

_ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "gr", "st", "tr", "pl", "sk"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_BODIES = ["the UN Security Council", "the UN General Assembly", "the Human Rights Council",
           "the IAEA Board of Governors", "the OSCE Permanent Council", "the Council of Europe"]
_VERBS = ["signed", "rejected", "ratified", "announced", "suspended", "renewed", "proposed", "welcomed"]
_POSITIONS = ["stayed neutral on", "refused to back", "declined to criticise", "quietly supported",
              "abstained from", "publicly opposed"]
_ROLES = ["the foreign minister", "the prime minister", "the ambassador", "a senior official", "the spokesperson"]


class Words:
    """A deterministic pseudo-English vocabulary."""

    def __init__(self, rng: random.Random, size: int = 4000) -> None:
        words: set[str] = set()
        while len(words) < size:
            words.add("".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 3))))
        self.words = sorted(words)
        self.rng = rng

    def phrase(self, lo: int, hi: int) -> str:
        return " ".join(self.rng.choice(self.words) for _ in range(self.rng.randint(lo, hi)))


def _names(rng: random.Random, words: Words, count: int, suffixes: list[str]) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add(rng.choice(words.words).capitalize() + rng.choice(suffixes))
    return sorted(names)


def generate_project(root: Path, n_facts: int, seed: int = 0) -> Path:
    """Write ``root/corpus/`` and ``root/decks/bench.yaml`` holding ``n_facts`` facts; return the deck path."""
    import yaml

    rng = random.Random(seed)
    words = Words(rng)
    countries = _names(rng, words, 240, ["ia", "land", "stan", "ova"])
    people = [f"{first.capitalize()} {last.capitalize()}" for first, last in
              zip(rng.sample(words.words, 1500), rng.sample(words.words, 1500), strict=True)]
    entities = [{"name": c, "type": "country"} for c in countries] + [{"name": p, "type": "person"} for p in people]
    for entity in entities[:24]:  # a few names with other spellings
        entity["aliases"] = [f"the Republic of {entity['name']}"]
    topics = {f"topic-{i}": f"Topic {i}" for i in range(20)}
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    sources, facts = [], []
    n_docs = max(1, -(-n_facts // FACTS_PER_DOCUMENT))
    made = 0
    for d in range(n_docs):
        source_id = f"doc-{d:05d}"
        year = rng.randint(1950, 2023)
        sentences: list[str] = [f"{words.phrase(4, 9).capitalize()}\n"]
        for _ in range(min(FACTS_PER_DOCUMENT, n_facts - made)):
            made += 1
            fact, quote = _fact(rng, words, made, source_id, year, countries, people, topics)
            filler = f"{words.phrase(12, 30).capitalize()}."
            if rng.random() < 0.1:  # a second quote for some facts
                fact["evidence"].append({"source": source_id, "quote": filler})
            facts.append(fact)
            sentences += [quote, filler]
            if rng.random() < 0.3:
                sentences.append("\n")
        (corpus / f"{source_id}.txt").write_text(" ".join(sentences) + "\n", encoding="utf-8")
        sources.append({
            "id": source_id, "file": f"{source_id}.txt", "title": words.phrase(3, 8).capitalize(),
            "outlet": "The Synthetic Times", "author": rng.choice(people), "published": f"{year}-06-15",
            "date_basis": "synthetic", "url": None, "language": "en",
        })
    dump = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    (corpus / "catalog.yaml").write_text(
        yaml.dump({"title": "Synthetic", "sources": sources}, Dumper=dump, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    deck = {"deck": {"id": "bench", "title": "Benchmark", "corpus": "../corpus", "topics": topics},
            "entities": entities, "facts": facts}
    path = root / "decks" / "bench.yaml"
    path.parent.mkdir()
    path.write_text(yaml.dump(deck, Dumper=dump, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    return path


def _fact(rng, words: Words, n: int, source: str, year: int, countries, people, topics) -> tuple[dict, str]:
    """One fact and the sentence of its document that grounds it."""
    kind = rng.choices(["vote", "event", "stance", "statement", "quantity"], [15, 25, 20, 20, 20])[0]
    fact: dict = {"id": f"f{n:06d}", "kind": kind, "topic": rng.choice(list(topics))}
    if kind == "vote":
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        actors = rng.sample(countries, rng.randint(3, 8))
        split = sorted(rng.sample(range(1, len(actors)), 2))
        favour, against, abstained = actors[: split[0]], actors[split[0] : split[1]], actors[split[1] :]
        motion = f"the resolution on {words.phrase(2, 4)}"
        body = rng.choice(_BODIES)
        fact.update(body=body, motion=motion, date=f"{year}-{month:02d}-{day:02d}", in_favor=favour, against=against, abstained=abstained)
        quote = (f"On {day} {_MONTHS[month - 1]} {year}, at {body}, {_join(favour)} voted for {motion}, "
                 f"{_join(against)} voted against and {_join(abstained)} abstained.")
    elif kind == "event":
        actor = rng.choice(countries + people[:200])
        action = f"{rng.choice(_VERBS)} the {words.phrase(2, 3)} agreement with {rng.choice(countries)}"
        fact.update(actor=actor, action=action, date=str(year))
        quote = f"In {year}, {actor} {action}, {words.phrase(3, 8)}."
    elif kind == "stance":
        actor = rng.choice(countries)
        position = f"{rng.choice(_POSITIONS)} the {words.phrase(2, 3)} plan"
        rationale = f"{words.phrase(3, 6)} mattered more than {words.phrase(1, 3)}"
        fact.update(actor=actor, position=position, rationale=rationale, according_to="officials")
        quote = f"{actor} {position} because {rationale}, officials said."
    elif kind == "statement":
        speaker = rng.choice(people)
        said = words.phrase(6, 14)
        fact.update(speaker=speaker, role=rng.choice(_ROLES), said=said, context="to reporters", date=str(year))
        quote = f"In {year}, {fact['role']} {speaker} told reporters: “{said}.”"
    else:
        value = rng.choice([rng.randint(2, 30), rng.randint(31, 5000), rng.randint(5001, 500000)])
        subject = f"{words.phrase(1, 2)} were sent to {words.phrase(1, 2)}"
        fact.update(subject=subject, value=value, qualifier="about", date=str(year))
        quote = f"In {year} about {value:,} {subject}, {words.phrase(3, 8)}."
    fact["evidence"] = [{"source": source, "quote": quote}]
    return fact, quote


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ---------------------------------------------------------------------------------------------
# Workers: one fresh process per measurement, so peak RSS and caches belong to that run only
# ---------------------------------------------------------------------------------------------


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def run_build(deck_path: Path, out: Path) -> dict:
    """Time every phase of a build in this process."""
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    import studykit
    from studykit.lint import lint

    result: dict = {"seconds": {}, "notes": {}}
    seconds = result["seconds"]
    seconds["import"] = time.perf_counter() - start

    def timed(name, fn):
        t0 = time.perf_counter()
        value = fn()
        seconds[name] = time.perf_counter() - t0
        return value

    deck = timed("load", lambda: studykit.load_deck(deck_path))
    qset = timed("generate", lambda: studykit.generate(deck))
    result["facts"], result["questions"] = len(deck.facts), len(qset)
    try:
        from studykit.export.anki import write_apkg
    except ImportError as exc:
        seconds["apkg"], result["notes"]["apkg"] = None, f"studykit.export.anki unavailable: {exc}"
    else:
        timed("apkg", lambda: write_apkg(qset, out / "bench.apkg", ledger_path=out / "bench.ledger.json"))
    try:
        from studykit.export.html import write_quiz
    except ImportError as exc:
        seconds["html"], result["notes"]["html"] = None, f"studykit.export.html unavailable: {exc}"
    else:
        timed("html", lambda: write_quiz(qset, out / "quiz", count=100))
        # a quiz of every question: selection, ordering and the answer key's citations must grow linearly
        timed("quiz_all", lambda: write_quiz(qset, out / "quiz-all"))
    timed("json", lambda: studykit.write_json(qset, out / "bench.json"))
    findings = timed("lint", lambda: lint(qset))
    result["lint_findings"] = len(findings)
    result["peak_rss_mib"] = _peak_rss_mib()
    return result


def run_floor(deck_path: Path, out: Path, notes: int) -> dict:
    """libyaml parsing the deck, and genanki writing ``notes`` minimal notes."""
    import genanki
    import yaml

    seconds: dict = {}
    text = deck_path.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    seconds["yaml_parse"] = time.perf_counter() - t0
    facts = data["facts"]
    model = genanki.Model(1607392319, "Bench", fields=[{"name": "Front"}, {"name": "Back"}],
                          templates=[{"name": "Card", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"}])
    t0 = time.perf_counter()
    deck = genanki.Deck(2059400110, "Bench")
    for i in range(notes):
        fact = facts[i % len(facts)]
        quote = fact["evidence"][0]["quote"]
        deck.add_note(genanki.Note(model=model, fields=[f"{fact['id']} {i}: {quote}", fact["kind"]], guid=str(i)))
    genanki.Package(deck).write_to_file(str(out / "floor.apkg"))
    seconds["genanki_write"] = time.perf_counter() - t0
    return {"seconds": seconds, "peak_rss_mib": _peak_rss_mib()}


def _worker(mode: str, *args: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), f"--{mode}", *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"bench: {mode} worker failed:\n{done.stderr}")
    return json.loads(done.stdout)


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def _median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def bench_size(n_facts: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="studykit-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        deck_path = generate_project(root / "project", n_facts)
        generated = time.perf_counter() - t0
        builds, floors = [], []
        for r in range(repeat):
            out = root / f"out-{r}"
            out.mkdir()
            builds.append(_worker("build-worker", str(deck_path), str(out)))
            floors.append(_worker("floor-worker", str(deck_path), str(out), str(builds[-1]["questions"])))
        size_mib = round(deck_path.stat().st_size / 2**20, 1)
        corpus_mib = round(sum(p.stat().st_size for p in (root / "project" / "corpus").iterdir()) / 2**20, 1)
    phases = {name: _median([b["seconds"].get(name) for b in builds]) for name in ("import", *BUILD_PHASES, "quiz_all", "lint")}
    totals = [sum(b["seconds"][p] or 0 for p in BUILD_PHASES) for b in builds]
    floor_phases = {name: _median([f["seconds"][name] for f in floors]) for name in FLOOR_PHASES}
    floor_totals = [sum(f["seconds"].values()) for f in floors]
    total, floor = _median(totals), _median(floor_totals)
    notes = {k: v for b in builds for k, v in b["notes"].items()}
    return {
        "facts": builds[0]["facts"],
        "questions": builds[0]["questions"],
        "documents": max(1, -(-n_facts // FACTS_PER_DOCUMENT)),
        "deck_mib": size_mib,
        "corpus_mib": corpus_mib,
        "repeats": repeat,
        "seconds": phases,
        "total": total,
        "floor_seconds": floor_phases,
        "floor": floor,
        "ratio": round(total / floor, 2) if floor else None,
        "peak_rss_mib": max(b["peak_rss_mib"] for b in builds),
        "lint_findings": builds[0]["lint_findings"],
        "generate_data_seconds": round(generated, 1),
        **({"notes": notes} if notes else {}),
    }


def check_time(repeat: int) -> dict:
    """Wall time of ``python -m studykit check`` on the bundled deck (import time included)."""
    if not BUNDLED_DECK.is_file():
        return {"seconds": None, "note": f"{BUNDLED_DECK.relative_to(ROOT)} does not exist yet"}
    times, code = [], None
    for _ in range(max(3, repeat)):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "studykit", "check", str(BUNDLED_DECK.relative_to(ROOT))],
                              cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        code = done.returncode
    return {"seconds": _median(times), "exit_code": code, "runs": len(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", default="50000", help="comma-separated deck sizes (default: 50000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians are reported (default: 3)")
    parser.add_argument("--quick", action="store_true", help="a small run: 2,000 facts, one repeat")
    parser.add_argument("--no-check", action="store_true", help="skip timing 'studykit check' on the bundled deck")
    parser.add_argument("--build-worker", nargs=2, metavar=("DECK", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--floor-worker", nargs=3, metavar=("DECK", "OUT", "NOTES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_worker:
        print(json.dumps(run_build(Path(args.build_worker[0]), Path(args.build_worker[1]))))
        return 0
    if args.floor_worker:
        deck, out, notes = args.floor_worker
        print(json.dumps(run_floor(Path(deck), Path(out), int(notes))))
        return 0
    sizes = [2000] if args.quick else [int(s.replace("_", "")) for s in args.facts.split(",") if s.strip()]
    repeat = 1 if args.quick else max(1, args.repeat)
    report: dict = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "sizes": [],
    }
    for n in sizes:
        report["sizes"].append(bench_size(n, repeat))
        print(f"bench: {n:,} facts done", file=sys.stderr)
    by_facts = {s["facts"]: s["total"] for s in report["sizes"]}
    largest = max(by_facts)
    if largest // 2 in by_facts and by_facts[largest // 2]:
        report[f"time_{largest}_over_{largest // 2}"] = round(by_facts[largest] / by_facts[largest // 2], 2)
    if not args.no_check:
        report["check_bundled_deck"] = check_time(repeat)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

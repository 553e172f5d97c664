"""Benchmark: every phase of a studykit build of N facts, each against its own floor.

    python benchmarks/bench.py --facts 50000 --repeat 3
    python benchmarks/bench.py --facts 50000,100000 --check-sizes 5000,50000
    python benchmarks/bench.py --quick

For every size it writes a synthetic corpus and deck into a temporary folder (documents of about
50 facts each: votes, events, stances, statements and quantities, several quotes per document,
filler prose around them). Then, ``--repeat`` times, alternating, each in a fresh process:

``build``    a first build (no ledger), phase by phase, CPU and wall seconds:
             load (``load_deck``), generate, apkg (the Anki exporter with its ledger), html (the
             build's 30-question quiz, its key and every source page), json, and after them the
             LMS exports moodle, qti and gift (``build --lms``); peak RSS is read after json (the
             build itself) and after the LMS exports; lint (what ``studykit check`` adds) last.
``floor``    what the libraries underneath need for the same work, phase by phase:
             load      libyaml's C event stream of the deck + reading and hashing the corpus +
                       ``str.find`` of every quote in its document
             generate  constructing the same Question and Evidence objects from known values
             apkg      one-transaction ``executemany`` of the same note and card rows into a new
                       database of the same schema + zip deflate
             html      a minimal jinja2 template rendering the same questions and paragraphs
                       into the same pages
             json      ``json.dumps`` of the same data, one item a line
             moodle, qti, gift   escaping and formatting the same questions into one text
                       (for qti: one file a question, deflated into a zip)
             The known values are read from the build's own outputs, untimed.
``rebuild``  the same deck again with the first build's ledger in place: load, generate, apkg,
             html, json and peak RSS (the ledger is read and rewritten).
``legacy``   the old floor, kept for continuity: ``yaml.load(…, CSafeLoader)`` of the deck plus raw
             genanki writing as many minimal notes as the build wrote.

Then ``studykit check`` and ``studykit lint`` as commands (CPU and wall, imports included) on decks
of ``--check-sizes`` facts, ``studykit quiz`` of every question on decks of ``--quiz-sizes`` facts
(it must grow linearly), and ``studykit check`` of the bundled deck.

Prints one JSON object (``--markdown`` adds the README's tables on standard error): per size the
median of each figure, the build's total against the sum of the floors, each phase's ratio, the
peak RSS of the build and of the rebuild; time(largest)/time(half of it) when both were measured;
and the targets of issue 17, each with its measured value.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DECK = ROOT / "decks" / "israel-russia-ukraine.yaml"
FACTS_PER_DOCUMENT = 50
#: The phases of ``studykit build`` (its total is compared with the sum of their floors).
BUILD_PHASES = ("load", "generate", "apkg", "html", "json")
#: ``studykit build --lms`` adds these.
LMS_PHASES = ("moodle", "qti", "gift")
PHASES = BUILD_PHASES + LMS_PHASES
REBUILD_PHASES = BUILD_PHASES
LEGACY_PHASES = ("yaml_parse", "genanki_write")
#: The time stamps of the first build and of the rebuild (``SOURCE_DATE_EPOCH``).
NOW, LATER = 1_700_000_000, 1_700_086_400
#: Issue 17's targets.
TARGET_TOTAL_RATIO, TARGET_PHASE_RATIO, TARGET_SCALING, TARGET_RSS_MIB = 2.5, 3.0, 2.1, 1024
TARGET_CHECK_5000, TARGET_CHECK_BUNDLED = 2.0, 0.3
#: The questions of the quiz ``studykit build`` writes (``studykit.build.DEFAULT_QUIZ_QUESTIONS``).
QUIZ_QUESTIONS = 30

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


class Clock:
    """CPU and wall seconds of named steps, and the time garbage collection took."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.gc_seconds = 0.0
        self._gc_start = 0.0
        gc.callbacks.append(self._gc)

    def _gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.process_time()
        else:
            self.gc_seconds += time.process_time() - self._gc_start

    def timed(self, name: str, fn):
        cpu, wall = time.process_time(), time.perf_counter()
        value = fn()
        self.cpu[name] = time.process_time() - cpu
        self.wall[name] = time.perf_counter() - wall
        return value

    def report(self, **extra) -> dict:
        return {"cpu": self.cpu, "wall": self.wall, "gc_seconds": round(self.gc_seconds, 3), **extra}


def run_build(deck_path: Path, out: Path, *, now: int, lms: bool, lint: bool) -> dict:
    """Time every phase of a build in this process (the ledger is ``out/bench.ledger.json``)."""
    sys.path.insert(0, str(ROOT))
    clock = Clock()
    started = time.perf_counter()
    import studykit
    from studykit import heap
    from studykit.build import exporter_for  # noqa: F401  (imported here to be timed as the import)
    from studykit.export.anki import write_apkg  # noqa: F401
    from studykit.lint import lint as lint_qset  # noqa: F401

    imported = time.perf_counter() - started
    with heap.tuned():  # the garbage collector as the studykit command sets it
        return _build_phases(clock, studykit, deck_path, out, now=now, lms=lms, lint=lint, imported=imported)


def _build_phases(clock: Clock, studykit, deck_path: Path, out: Path, *, now: int, lms: bool, lint: bool, imported: float) -> dict:
    from studykit import heap
    from studykit.build import DEFAULT_QUIZ_QUESTIONS, exporter_for
    from studykit.export.anki import write_apkg
    from studykit.lint import lint as lint_qset

    deck = clock.timed("load", lambda: studykit.load_deck(deck_path))
    heap.settle()  # as studykit.build.check does
    qset = clock.timed("generate", lambda: studykit.generate(deck))
    heap.settle()
    clock.timed("apkg", lambda: write_apkg(qset, out / "bench.apkg", ledger_path=out / "bench.ledger.json", now=now))
    quiz = exporter_for("html", count=DEFAULT_QUIZ_QUESTIONS, at_most=True)  # what `studykit build` writes
    clock.timed("html", lambda: studykit.write(qset, [quiz], out))
    clock.timed("json", lambda: studykit.write_json(qset, out / "bench.json"))
    peak_build = _peak_rss_mib()
    extra: dict = {"facts": len(deck.facts), "questions": len(qset), "import_seconds": round(imported, 3), "peak_rss_mib": peak_build,
                   "gc_build_seconds": round(clock.gc_seconds, 3)}
    if lms:
        for name in LMS_PHASES:
            exporter = exporter_for(name)
            clock.timed(name, lambda exporter=exporter: studykit.write(qset, [exporter], out))
        extra["peak_rss_lms_mib"] = _peak_rss_mib()
    if lint:
        # what `studykit build` runs before writing (question by question), then all of `check`'s
        clock.timed("lint_errors", lambda: lint_qset(qset, deck_wide=False))
        extra["lint_findings"] = len(clock.timed("lint", lambda: lint_qset(qset)))
    return clock.report(**extra)


def _known_values(out: Path) -> dict:
    with open(out / "bench.json", encoding="utf-8") as handle:
        return json.load(handle)


def _corpus_dir(deck_path: Path) -> Path:
    return deck_path.parent.parent / "corpus"


def run_floor(deck_path: Path, out: Path) -> dict:
    """What the libraries need for the work of each phase, timed like the build's phases."""
    import jinja2
    import yaml

    sys.path.insert(0, str(ROOT))
    from studykit.model import Evidence, Question

    clock = Clock()
    data = _known_values(out)  # untimed: the values every phase works from
    corpus = _corpus_dir(deck_path)
    quotes = [(e["source"], e["quote"]) for f in data["facts"] for e in f["evidence"]]
    scratch = out / "floor"
    scratch.mkdir()

    def load() -> None:
        for _ in yaml.parse(deck_path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
            pass
        documents = {}
        for path in sorted(corpus.iterdir()):
            raw = path.read_bytes()
            hashlib.sha256(raw).hexdigest()
            documents[path.stem] = raw.decode("utf-8")
        for source, quote in quotes:
            documents[source].find(quote)

    clock.timed("load", load)

    evidence_of = {f["id"]: f["evidence"] for f in data["facts"]}
    rows = [(q["id"], q["fact"], q["template"], q["family"], q["type"], q["answer_type"], q["prompt"], q["options"],
             q["answers"], q["explanation"], q["topic"]) for q in data["questions"]]

    def generate() -> list:
        shared = {fid: tuple(Evidence(e["source"], e["quote"], e["start"], e["end"]) for e in ev) for fid, ev in evidence_of.items()}
        return [Question(i, f, t, fam, ty, at, p, tuple(o), tuple(a), x, shared[f], top) for i, f, t, fam, ty, at, p, o, a, x, top in rows]

    clock.timed("generate", generate)
    clock.timed("apkg", _apkg_floor(out / "bench.apkg", scratch))
    clock.timed("html", _html_floor(jinja2, data, corpus, out / "bench", scratch))

    def json_floor() -> None:
        with open(scratch / "floor.json", "w", encoding="utf-8") as handle:
            handle.write(json.dumps({k: data[k] for k in ("format", "version", "deck", "sources")}, ensure_ascii=False))
            for key in ("facts", "questions"):
                for item in data[key]:
                    handle.write(",\n    " + json.dumps(item, ensure_ascii=False, separators=(", ", ": ")))

    clock.timed("json", json_floor)
    if (out / "bench.moodle.xml").exists():
        for name in LMS_PHASES:
            clock.timed(name, _lms_floor(name, data["questions"], scratch))
    return clock.report(peak_rss_mib=_peak_rss_mib())


def _apkg_floor(package: Path, scratch: Path):
    """The same rows into a new database of the same schema in one transaction, then zipped."""
    with zipfile.ZipFile(package) as archive:
        archive.extract("collection.anki2", scratch / "unpacked")
    source = sqlite3.connect(scratch / "unpacked" / "collection.anki2")
    schema = [sql for (sql,) in source.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")]
    tables = [name for (name,) in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    rows = {t: source.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    source.close()

    def write() -> None:
        db = scratch / "floor.anki2"
        conn = sqlite3.connect(db)
        for sql in schema:
            conn.execute(sql)
        with conn:
            for table, values in rows.items():
                if values:
                    conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(values[0]))})", values)
        conn.close()
        with zipfile.ZipFile(scratch / "floor.apkg", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(db, "collection.anki2")
            archive.writestr("media", b"{}")

    return write


_HTML_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="{{ css }}"></head><body><h1>{{ title }}</h1>
{% for q in questions %}<section id="{{ q.id }}"><p>{{ loop.index }}. {{ q.prompt }}</p><ol>
{% for o in q.options %}<li>{{ o }}</li>{% endfor %}</ol>{% if key %}<p>{{ q.answers | join(', ') }}: {{ q.explanation }}</p>{% endif %}
</section>{% endfor %}
{% for p in paragraphs %}<p id="p{{ loop.index }}"><a href="#p{{ loop.index }}">{{ loop.index }}</a> {{ p }}</p>{% endfor %}
</body></html>"""


def _html_floor(jinja2, data: dict, corpus: Path, quiz_dir: Path, scratch: Path):
    """The build's quiz and key (as many questions) and every source page it wrote, by a minimal template."""
    sources = sorted(p.stem for p in (quiz_dir / "sources").glob("*.html"))
    texts = {s: (corpus / f"{s}.txt").read_text(encoding="utf-8") for s in sources}
    questions = data["questions"][:QUIZ_QUESTIONS]

    def write() -> None:
        page = jinja2.Environment(autoescape=True).from_string(_HTML_PAGE)
        (scratch / "sources").mkdir()
        for name, key in (("quiz", False), ("key", True)):
            (scratch / f"{name}.html").write_text(page.render(title=name, css="style.css", questions=questions, key=key, paragraphs=()), encoding="utf-8")
        for source, text in texts.items():
            paragraphs = [line for line in text.split("\\n") if line.strip()]
            text = page.render(title=source, css="../style.css", questions=(), paragraphs=paragraphs)
            (scratch / "sources" / f"{source}.html").write_text(text, encoding="utf-8")

    return write


def _lms_floor(name: str, questions: list[dict], scratch: Path):
    """Each question escaped and formatted into the format's text; QTI: one deflated file a question."""
    from html import escape

    def gift(text: str) -> str:
        return "".join("\\\\" + c if c in "~=#{}:\\\\" else c for c in text)

    def moodle(q: dict) -> str:
        answers = "".join(f'<answer fraction="{100 if o in q["answers"] else 0}"><text>{escape(o)}</text></answer>' for o in q["options"] or q["answers"])
        return (f'<question type="multichoice"><name><text>{escape(q["id"])}</text></name><questiontext format="html">'
                f'<text>{escape(q["prompt"])}</text></questiontext><generalfeedback><text>{escape(q["explanation"])}</text>'
                f"</generalfeedback>{answers}</question>\\n")

    def qti(q: dict) -> str:
        choices = "".join(f'<response_label ident="{i}"><material><mattext>{escape(o)}</mattext></material></response_label>'
                          for i, o in enumerate(q["options"]))
        return (f'<?xml version="1.0"?><questestinterop><item ident="{escape(q["id"])}"><presentation><material><mattext texttype="text/html">'
                f'{escape(q["prompt"])}</mattext></material><response_lid><render_choice>{choices}</render_choice></response_lid></presentation>'
                f'<itemfeedback><material><mattext>{escape(q["explanation"])}</mattext></material></itemfeedback></item></questestinterop>')

    def write() -> None:
        if name == "qti":
            with zipfile.ZipFile(scratch / "floor.qti.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                for i, q in enumerate(questions):
                    archive.writestr(f"items/{i}.xml", qti(q))
            return
        with open(scratch / f"floor.{name}", "w", encoding="utf-8") as handle:
            for q in questions:
                if name == "moodle":
                    handle.write(moodle(q))
                else:
                    wrong = "".join(f" ~{gift(o)}" for o in q["options"] if o not in q["answers"])
                    right = "".join(f" ={gift(a)}" for a in q["answers"])
                    handle.write(f"::{gift(q['id'])}:: {gift(q['prompt'])} {{{right}{wrong}}}\\n\\n")

    return write


def run_legacy(deck_path: Path, out: Path, notes: int) -> dict:
    """The old floor: libyaml parsing the deck, and genanki writing ``notes`` minimal notes."""
    import genanki
    import yaml

    clock = Clock()
    text = deck_path.read_text(encoding="utf-8")
    data = clock.timed("yaml_parse", lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    facts = data["facts"]
    model = genanki.Model(1607392319, "Bench", fields=[{"name": "Front"}, {"name": "Back"}],
                          templates=[{"name": "Card", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"}])

    def write() -> None:
        deck = genanki.Deck(2059400110, "Bench")
        for i in range(notes):
            fact = facts[i % len(facts)]
            quote = fact["evidence"][0]["quote"]
            deck.add_note(genanki.Note(model=model, fields=[f"{fact['id']} {i}: {quote}", fact["kind"]], guid=str(i)))
        genanki.Package(deck).write_to_file(str(out / "legacy.apkg"))

    clock.timed("genanki_write", write)
    return clock.report(peak_rss_mib=_peak_rss_mib())


def _worker(mode: str, *args: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), f"--{mode}", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    if done.returncode != 0:
        raise SystemExit(f"bench: {mode} worker failed:\\n{done.stderr}")
    return json.loads(done.stdout)


def _command_seconds(args: list[str]) -> tuple[float, float, int]:
    """CPU and wall seconds of ``python -m studykit ARGS`` (its own rusage), and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "studykit", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.returncode


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def _median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def _phases(runs: list[dict], names) -> dict:
    return {n: {"cpu": _median([r["cpu"].get(n) for r in runs]), "wall": _median([r["wall"].get(n) for r in runs])} for n in names}


def bench_size(n_facts: int, repeat: int, *, lms: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix="studykit-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        deck_path = generate_project(root / "project", n_facts)
        generated = time.perf_counter() - t0
        builds, floors, rebuilds, legacies = [], [], [], []
        for r in range(repeat):  # alternating, so a drift of the machine's speed reaches every figure alike
            out, again = root / f"out-{r}", root / f"again-{r}"
            out.mkdir()
            again.mkdir()
            builds.append(_worker("build-worker", str(deck_path), str(out), str(NOW), str(int(lms))))
            floors.append(_worker("floor-worker", str(deck_path), str(out)))
            shutil.copy(out / "bench.ledger.json", again / "bench.ledger.json")
            rebuilds.append(_worker("rebuild-worker", str(deck_path), str(again), str(LATER)))
            legacies.append(_worker("legacy-worker", str(deck_path), str(out), str(builds[-1]["questions"])))
            shutil.rmtree(out)
            shutil.rmtree(again)
        deck_mib = round(deck_path.stat().st_size / 2**20, 1)
        corpus_mib = round(sum(p.stat().st_size for p in _corpus_dir(deck_path).iterdir()) / 2**20, 1)
    names = PHASES if lms else BUILD_PHASES
    phases = _phases(builds, (*names, "lint_errors", "lint"))
    floor = _phases(floors, names)
    for name in names:
        pairs = [b["cpu"][name] / f["cpu"][name] for b, f in zip(builds, floors, strict=True) if f["cpu"].get(name)]
        phases[name]["floor_cpu"], phases[name]["floor_wall"] = floor[name]["cpu"], floor[name]["wall"]
        phases[name]["ratio_cpu"] = _median(pairs)
    totals = {kind: [sum(r[kind][p] for p in BUILD_PHASES) for r in builds] for kind in ("cpu", "wall")}
    floor_totals = {kind: [sum(r[kind][p] for p in BUILD_PHASES) for r in floors] for kind in ("cpu", "wall")}
    rebuild_totals = [sum(r["cpu"][p] for p in REBUILD_PHASES) for r in rebuilds]
    return {
        "facts": builds[0]["facts"],
        "questions": builds[0]["questions"],
        "documents": max(1, -(-n_facts // FACTS_PER_DOCUMENT)),
        "deck_mib": deck_mib,
        "corpus_mib": corpus_mib,
        "repeats": repeat,
        "phases": phases,
        "total_cpu": _median(totals["cpu"]),
        "total_wall": _median(totals["wall"]),
        "floor_cpu": _median(floor_totals["cpu"]),
        "floor_wall": _median(floor_totals["wall"]),
        "ratio_cpu": _median([t / f for t, f in zip(totals["cpu"], floor_totals["cpu"], strict=True)]),
        "ratio_wall": _median([t / f for t, f in zip(totals["wall"], floor_totals["wall"], strict=True)]),
        "gc_seconds": _median([b["gc_build_seconds"] for b in builds]),  # load to json
        "gc_seconds_with_lms_and_lint": _median([b["gc_seconds"] for b in builds]),
        "peak_rss_mib": _median([b["peak_rss_mib"] for b in builds]),
        **({"peak_rss_lms_mib": _median([b["peak_rss_lms_mib"] for b in builds])} if lms else {}),
        "rebuild": {
            "phases": _phases(rebuilds, REBUILD_PHASES),
            "total_cpu": _median(rebuild_totals),
            "peak_rss_mib": _median([r["peak_rss_mib"] for r in rebuilds]),
        },
        "legacy_floor": {
            "phases": _phases(legacies, LEGACY_PHASES),
            "total_cpu": _median([sum(r["cpu"].values()) for r in legacies]),
            "ratio_cpu": _median([t / sum(r["cpu"].values()) for t, r in zip(totals["cpu"], legacies, strict=True)]),
        },
        "lint_findings": builds[0].get("lint_findings"),
        "import_seconds": _median([b["import_seconds"] for b in builds]),
        "generate_data_seconds": round(generated, 1),
    }


def command_times(sizes: list[int], repeat: int) -> list[dict]:
    """``studykit check`` and ``studykit lint`` of a synthetic deck of each size (imports included)."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="studykit-bench-check-") as tmp:
            deck = generate_project(Path(tmp) / "project", n)
            row: dict = {"facts": n}
            for command in ("check", "lint"):
                runs = [_command_seconds([command, str(deck)]) for _ in range(repeat)]
                row[command] = {"cpu": _median([r[0] for r in runs]), "wall": _median([r[1] for r in runs]), "exit_code": runs[-1][2]}
            rows.append(row)
    return rows


def quiz_times(sizes: list[int], repeat: int) -> list[dict]:
    """``studykit quiz DECK`` (a quiz of every question, its key and every source page; imports,
    load and generation included) of a synthetic deck of each size: it must grow linearly."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="studykit-bench-quiz-") as tmp:
            deck = generate_project(Path(tmp) / "project", n)
            runs = [_command_seconds(["quiz", str(deck), "--out", str(Path(tmp) / f"quiz-{i}")]) for i in range(repeat)]
            rows.append({"facts": n, "cpu": _median([r[0] for r in runs]), "wall": _median([r[1] for r in runs]), "exit_code": runs[-1][2]})
    return rows


def check_time(repeat: int) -> dict:
    """``python -m studykit check`` of the bundled deck (imports included)."""
    if not BUNDLED_DECK.is_file():
        return {"wall": None, "note": f"{BUNDLED_DECK.relative_to(ROOT)} does not exist"}
    runs = [_command_seconds(["check", str(BUNDLED_DECK.relative_to(ROOT))]) for _ in range(max(3, repeat))]
    return {"cpu": _median([r[0] for r in runs]), "wall": _median([r[1] for r in runs]), "exit_code": runs[-1][2], "runs": len(runs)}


def targets(report: dict) -> list[dict]:
    """Issue 17's targets against what was measured (None: that size was not run)."""
    sizes = {s["facts"]: s for s in report["sizes"]}
    rows: list[dict] = []

    def add(target: str, value, limit, met) -> None:
        rows.append({"target": target, "measured": value, "limit": limit, "met": met if value is not None else None})

    s50 = sizes.get(50000)
    if s50:
        add("build of 50,000 facts / sum of phase floors (CPU)", s50["ratio_cpu"], TARGET_TOTAL_RATIO, s50["ratio_cpu"] <= TARGET_TOTAL_RATIO)
        worst = max((p for p in s50["phases"] if "ratio_cpu" in s50["phases"][p]), key=lambda p: s50["phases"][p]["ratio_cpu"])
        value = s50["phases"][worst]["ratio_cpu"]
        add(f"no phase over 3x its floor at 50,000 (worst: {worst})", value, TARGET_PHASE_RATIO, value <= TARGET_PHASE_RATIO)
    if report.get("scaling"):
        value = report["scaling"]["cpu"]
        add(f"time({report['scaling']['large']})/time({report['scaling']['small']}) (CPU)", value, TARGET_SCALING, value <= TARGET_SCALING)
    s100 = sizes.get(100000)
    if s100:
        for label, value in (("first build", s100["peak_rss_mib"]), ("rebuild with ledger", s100["rebuild"]["peak_rss_mib"])):
            add(f"peak RSS of a 100,000-fact {label} (MiB)", value, TARGET_RSS_MIB, value < TARGET_RSS_MIB)
    checks = {row["facts"]: row for row in report.get("commands", [])}
    if 5000 in checks:
        value = checks[5000]["check"]["wall"]
        add("studykit check of 5,000 facts (s, wall)", value, TARGET_CHECK_5000, value < TARGET_CHECK_5000)
        if 50000 in checks:
            value = round(checks[50000]["check"]["cpu"] / checks[5000]["check"]["cpu"], 2)
            add("check(50,000)/check(5,000) (CPU; linear is 10)", value, 10.5, value <= 10.5)
    quizzes = sorted(report.get("quizzes", []), key=lambda row: row["facts"])
    if len(quizzes) >= 2 and quizzes[-1]["facts"] == 2 * quizzes[-2]["facts"]:
        small, large = quizzes[-2], quizzes[-1]
        value = round(large["cpu"] / small["cpu"], 2)
        add(f"quiz of every question: time({large['facts']})/time({small['facts']}) (CPU)", value, TARGET_SCALING, value <= TARGET_SCALING)
    bundled = report.get("check_bundled_deck", {})
    if bundled.get("wall") is not None:
        add("studykit check of the bundled deck (s, wall)", bundled["wall"], TARGET_CHECK_BUNDLED, bundled["wall"] < TARGET_CHECK_BUNDLED)
    return rows


def markdown(report: dict) -> str:
    """The README's tables."""
    lines = []
    for s in report["sizes"]:
        lines += [f"\n{s['facts']:,} facts, {s['questions']:,} questions, {s['repeats']} runs (medians; CPU s, wall s in brackets)\n",
                  "| phase | studykit | floor | ratio |", "|---|---:|---:|---:|"]
        for name, p in s["phases"].items():
            if "floor_cpu" in p:
                lines.append(f"| {name} | {p['cpu']:.2f} ({p['wall']:.2f}) | {p['floor_cpu']:.2f} ({p['floor_wall']:.2f}) | {p['ratio_cpu']:.1f}× |")
        lines.append(f"| **build** ({' + '.join(BUILD_PHASES)}) | **{s['total_cpu']:.2f}** ({s['total_wall']:.2f}) | "
                     f"{s['floor_cpu']:.2f} ({s['floor_wall']:.2f}) | **{s['ratio_cpu']:.2f}×** |")
        lines.append(f"| rebuild with the ledger | {s['rebuild']['total_cpu']:.2f} | | |")
        lines.append(f"| old floor (yaml.load + genanki) | | {s['legacy_floor']['total_cpu']:.2f} | {s['legacy_floor']['ratio_cpu']:.2f}× |")
        for name in ("lint_errors", "lint"):
            lines.append(f"| {name} (not in the build total) | {s['phases'][name]['cpu']:.2f} ({s['phases'][name]['wall']:.2f}) | | |")
        rss = f"peak RSS: build {s['peak_rss_mib']:.0f} MiB, rebuild {s['rebuild']['peak_rss_mib']:.0f} MiB"
        if "peak_rss_lms_mib" in s:
            rss += f", with the LMS exports {s['peak_rss_lms_mib']:.0f} MiB"
        lines.append(f"\n{rss}; garbage collection {s['gc_seconds']:.2f} s of the build's CPU "
                     f"({s['gc_seconds_with_lms_and_lint']:.2f} s with the LMS exports and lint)")
    if report.get("commands"):
        lines += ["\n| facts | check CPU (wall) | lint CPU (wall) |", "|---:|---:|---:|"]
        for row in report["commands"]:
            check, lint = row["check"], row["lint"]
            lines.append(f"| {row['facts']:,} | {check['cpu']:.2f} ({check['wall']:.2f}) | {lint['cpu']:.2f} ({lint['wall']:.2f}) |")
    if report.get("quizzes"):
        lines += ["\n| facts | quiz of every question, CPU (wall) |", "|---:|---:|"]
        for row in report["quizzes"]:
            lines.append(f"| {row['facts']:,} | {row['cpu']:.2f} ({row['wall']:.2f}) |")
    lines += ["\n| target | measured | limit | met? |", "|---|---:|---:|---|"]
    for row in report["targets"]:
        met = {True: "met", False: "**not met**", None: "not measured"}[row["met"]]
        lines.append(f"| {row['target']} | {row['measured']} | {row['limit']} | {met} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", default="50000", help="comma-separated deck sizes (default: 50000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians are reported (default: 3)")
    parser.add_argument("--check-sizes", default="5000,50000", help="deck sizes for 'studykit check' and 'lint' ('' for none; default: 5000,50000)")
    parser.add_argument("--quiz-sizes", default="4000,8000", help="deck sizes for 'studykit quiz' of every question ('' for none; default: 4000,8000)")
    parser.add_argument("--no-lms", action="store_true", help="skip the LMS exports")
    parser.add_argument("--quick", action="store_true", help="a small run: 2,000 facts, one repeat, check of 2,000")
    parser.add_argument("--no-check", action="store_true", help="skip timing 'studykit check' on the bundled deck")
    parser.add_argument("--markdown", action="store_true", help="also print the README's tables on standard error")
    parser.add_argument("--build-worker", nargs=4, metavar=("DECK", "OUT", "NOW", "LMS"), help=argparse.SUPPRESS)
    parser.add_argument("--rebuild-worker", nargs=3, metavar=("DECK", "OUT", "NOW"), help=argparse.SUPPRESS)
    parser.add_argument("--floor-worker", nargs=2, metavar=("DECK", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--legacy-worker", nargs=3, metavar=("DECK", "OUT", "NOTES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_worker:
        deck, out, now, lms = args.build_worker
        print(json.dumps(run_build(Path(deck), Path(out), now=int(now), lms=lms == "1", lint=True)))
        return 0
    if args.rebuild_worker:
        deck, out, now = args.rebuild_worker
        print(json.dumps(run_build(Path(deck), Path(out), now=int(now), lms=False, lint=False)))
        return 0
    if args.floor_worker:
        print(json.dumps(run_floor(Path(args.floor_worker[0]), Path(args.floor_worker[1]))))
        return 0
    if args.legacy_worker:
        deck, out, notes = args.legacy_worker
        print(json.dumps(run_legacy(Path(deck), Path(out), int(notes))))
        return 0
    sizes = [2000] if args.quick else [int(s.replace("_", "")) for s in args.facts.split(",") if s.strip()]
    check_sizes = [2000] if args.quick else [int(s.replace("_", "")) for s in args.check_sizes.split(",") if s.strip()]
    quiz_sizes = [1000, 2000] if args.quick else [int(s.replace("_", "")) for s in args.quiz_sizes.split(",") if s.strip()]
    repeat = 1 if args.quick else max(1, args.repeat)
    report: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "sizes": []}
    for n in sizes:
        report["sizes"].append(bench_size(n, repeat, lms=not args.no_lms))
        print(f"bench: {n:,} facts done", file=sys.stderr)
    by_facts = {s["facts"]: s for s in report["sizes"]}
    largest = max(by_facts)
    if largest // 2 in by_facts:
        small, large = by_facts[largest // 2], by_facts[largest]
        report["scaling"] = {"large": largest, "small": largest // 2, "cpu": round(large["total_cpu"] / small["total_cpu"], 2),
                             "wall": round(large["total_wall"] / small["total_wall"], 2)}
    report["commands"] = command_times(check_sizes, repeat)
    report["quizzes"] = quiz_times(quiz_sizes, repeat)
    if not args.no_check:
        report["check_bundled_deck"] = check_time(repeat)
    report["targets"] = targets(report)
    print(json.dumps(report, indent=2))
    if args.markdown:
        print(markdown(report), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

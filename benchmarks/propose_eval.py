"""Measure ``studykit propose`` on the bundled corpus; print one JSON object.

- **recall**: the share of the bundled deck's facts whose sentence (the prose sentence holding
  the start of the fact's first quote; the line, when that quote is in a caption or other chrome)
  is quoted by some proposal; also by kind, and counting only proposals of the fact's own kind;
- **proposals**: how many per document and kind (and how many the bundled deck already has);
- **speed**: seconds to propose from a 10,000-word document once the model is loaded, the
  median of ``--repeat`` runs: the seeds' prose concatenated (every word parsed, the worst
  case) and the seeds concatenated as they are (chrome and all).

Every proposal for the five seeds is written to ``benchmarks/propose-out/<source>.yaml`` (not
committed) so that a reviewer can judge precision; this script does not judge it.

    python benchmarks/propose_eval.py [--repeat 3] [--out benchmarks/propose-out]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studykit import load_corpus, load_deck  # noqa: E402
from studykit.propose import load_model, propose_document  # noqa: E402
from studykit.propose.segment import blocks  # noqa: E402

DECK = ROOT / "decks" / "israel-russia-ukraine.yaml"
SEEDS = ROOT / "seeds"
WORDS = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the 10,000-word document (default 3)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "propose-out", help="where the proposals go")
    args = parser.parse_args()

    started = time.perf_counter()
    model = load_model()
    load_seconds = time.perf_counter() - started
    corpus = load_corpus(SEEDS)
    deck = load_deck(DECK)
    args.out.mkdir(parents=True, exist_ok=True)

    per_document: dict[str, dict[str, object]] = {}
    recalled, recalled_same_kind = 0, 0
    by_kind_total: Counter[str] = Counter()
    by_kind_hit: Counter[str] = Counter()
    missed: list[str] = []
    for source_id, document in corpus.documents.items():
        proposals = propose_document(document, corpus, model)
        (args.out / f"{source_id}.yaml").write_text(proposals.to_yaml(), encoding="utf-8")
        with_deck = propose_document(document, corpus, model, deck=deck)
        spans = [(p.kind, start, end) for p in proposals.facts for start, end in p.evidence]
        kinds = Counter(p.kind for p in proposals.facts)
        per_document[source_id] = {
            "proposals": len(proposals.facts),
            "by_kind": dict(sorted(kinds.items())),
            "already_in_bundled_deck": len(with_deck.duplicates),
            "rejected_by_check": len(proposals.rejected),
        }
        for fact in deck.facts:
            first = fact.evidence[0]
            if first.source != source_id:
                continue
            start, end = _sentence_of(first.start, proposals)
            by_kind_total[fact.kind] += 1
            hit = [kind for kind, s, e in spans if s < end and start < e]
            if hit:
                recalled += 1
                by_kind_hit[fact.kind] += 1
            else:
                missed.append(fact.id)
            if fact.kind in hit:
                recalled_same_kind += 1
    total = sum(by_kind_total.values())

    speed, words = _speed(model, args.repeat)
    result = {
        "model": model.label,
        "python": platform.python_version(),
        "recall": {
            "facts": total,
            "sentence_proposed": recalled,
            "recall": round(recalled / total, 3),
            "recall_same_kind": round(recalled_same_kind / total, 3),
            "by_kind": {k: f"{by_kind_hit[k]}/{by_kind_total[k]}" for k in sorted(by_kind_total)},
            "missed": missed,
        },
        "proposals": {
            "total": sum(int(d["proposals"]) for d in per_document.values()),  # type: ignore[call-overload]
            "by_document": per_document,
        },
        "speed": {
            "document_words": words,
            **speed,
            "target_seconds": 5,
            "model_load_seconds": round(load_seconds, 3),
        },
        "proposals_written_to": str(args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out),
    }
    print(json.dumps(result, indent=2))


def _sentence_of(offset: int, proposals) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    for sentence in proposals.sentences:
        if sentence.start <= offset < sentence.end:
            return sentence.start, sentence.end
    for block in proposals.blocks:  # a caption or other chrome: its line
        if block.start <= offset < block.end:
            return block.start, block.end
    return offset, offset + 1


def _speed(model, repeat: int) -> tuple[dict[str, object], int]:  # type: ignore[no-untyped-def]
    """Time proposals from 10,000-word documents made of the seeds' text.

    ``seeds``: the five documents concatenated as they are (used two and a half times), page
    chrome and all; the first "Last edited:" or "Comments" line ends the article for the
    boilerplate rules, so much of it is never parsed. ``prose``: only the seeds' prose lines,
    so that all 10,000 words are parsed and run through every rule: the worst case. In both,
    each line of a second or third copy starts with the copy's number, or the repeated-line rule
    (a caption shown twice, a quoted forum post) would skip it unparsed.
    """
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    prose = ["\n".join(b.text for b in blocks(text) if b.skip is None) for text in texts]
    results: dict[str, object] = {}
    for name, sources in (("prose", prose), ("seeds", texts)):
        text = _ten_thousand_words(sources)
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder) / "corpus"
            root.mkdir()
            (root / "long.txt").write_text(text, encoding="utf-8")
            (root / "catalog.yaml").write_text(
                "sources:\n  - id: long\n    file: long.txt\n    title: Ten thousand words\n    outlet: benchmark\n"
                "    published: 2022-03-04\n    date_basis: made up for the benchmark\n",
                encoding="utf-8",
            )
            corpus = load_corpus(root)
            document = corpus["long"]
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                proposals = propose_document(document, corpus, model)
                timings.append(time.perf_counter() - started)
            parsed = sum(len(s.text.split()) for s in proposals.sentences)
        results[name] = {
            "words": len(text.split()),
            "words_in_parsed_sentences": parsed,
            "proposals": len(proposals.facts),
            "seconds": [round(t, 3) for t in timings],
            "median_seconds": round(statistics.median(timings), 3),
        }
    return results, WORDS


def _ten_thousand_words(texts: list[str]) -> str:
    lines: list[str] = []
    count = 0
    copy = 0
    while count < WORDS:
        copy += 1
        for text in texts:
            for line in text.splitlines():
                if copy > 1 and line.strip():
                    line = f"({copy}) {line}"
                words = line.split()
                if count + len(words) > WORDS:
                    line = " ".join(words[: WORDS - count])
                    words = line.split()
                lines.append(line)
                count += len(words)
                if count >= WORDS:
                    return "\n".join(lines) + "\n"
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

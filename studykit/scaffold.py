"""``studykit init DIR``: a small working project to start a first deck from.

Writes, all or nothing (and never over an existing file):

    DIR/corpus/catalog.yaml          one source, with its sha256
    DIR/corpus/riverton-bridge.txt   a short example article (invented for this purpose)
    DIR/decks/first-deck.yaml        one fact of each kind, with comments on how to phrase each field
    DIR/.gitignore                   build outputs

after which ``studykit check`` and ``studykit build`` succeed in DIR.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import UsageError
from .export.base import Output
from .fsio import commit

DOCUMENT = """\
Riverton council approves new river bridge

RIVERTON, 14 March 2024 — The Riverton town council voted on Tuesday, 12 March 2024, to approve \
the new Mill Street bridge over the Ash river. Seven councillors voted in favour; the Green Party \
and the Citizens' List voted against, and the Farmers' Union abstained.

Mayor Ana Ortiz said the bridge "will cut the drive to the hospital by twenty minutes". The \
Citizens' List opposed the plan because it would raise local taxes for a decade.

Construction will begin in June 2024. The bridge is expected to cost around 18 million euros \
and to carry 9,000 vehicles a day.
"""

DECK = """\
# A first deck. Every fact is grounded by a quote copied verbatim from a document in ../corpus.
# Run `studykit check` after each edit; `studykit build` writes the Anki deck, a quiz and JSON.
deck:
  id: first-deck                 # a slug; never change it once learners use the deck
  title: Riverton's new bridge
  description: A first deck built on one invented news article.
  corpus: ../corpus              # the folder holding catalog.yaml, relative to this file
  topics:
    bridge: The Mill Street bridge

entities:                        # names used as answers, and the words that give them away
  - name: the Green Party
    type: organisation
    aliases: [Green Party, the Greens]
  - name: the Citizens' List
    type: organisation
    aliases: [Citizens' List]
  - name: the Farmers' Union
    type: organisation
    aliases: [Farmers' Union]
  - name: Ana Ortiz
    type: person
    aliases: [Ortiz]
    groups: [mayor]
  - name: Riverton town council
    type: organisation

facts:
  # vote: body and motion are noun phrases that read in "Who voted against {motion} at {body}?"
  - id: bridge-vote
    kind: vote
    topic: bridge
    body: Riverton town council
    motion: the new Mill Street bridge
    date: 2024-03-12
    against: [the Green Party, the Citizens' List]
    abstained: [the Farmers' Union]
    evidence:
      - source: riverton-bridge
        quote: >-
          The Riverton town council voted on Tuesday, 12 March 2024, to approve the new Mill Street
          bridge over the Ash river. Seven councillors voted in favour; the Green Party and the
          Citizens' List voted against, and the Farmers' Union abstained.

  # event: action is a past-tense predicate that reads after the actor ("… approved the …")
  - id: council-approved-bridge
    kind: event
    topic: bridge
    actor: Riverton town council
    action: approved the new Mill Street bridge over the Ash river
    date: 2024-03-12
    distractors: {actor: [the Green Party, the Farmers' Union]}   # names the text proves did not do it
    evidence:
      - source: riverton-bridge
        quote: "The Riverton town council voted on Tuesday, 12 March 2024, to approve the new Mill Street bridge"

  # stance: position reads after the actor; rationale answers "why?"; wrong reasons are yours to give
  - id: citizens-list-taxes
    kind: stance
    topic: bridge
    actor: the Citizens' List
    position: opposed the bridge plan
    rationale: it would raise local taxes for a decade
    distractors:
      rationale:
        - it would take too long to build
        - it would harm the river's wildlife
        - it would lengthen the drive to the hospital
    evidence:
      - source: riverton-bridge
        quote: "The Citizens' List opposed the plan because it would raise local taxes for a decade."

  # statement: said is the speaker's own words, verbatim, without the final full stop
  - id: ortiz-hospital
    kind: statement
    topic: bridge
    speaker: Ana Ortiz
    role: Mayor of Riverton
    said: will cut the drive to the hospital by twenty minutes
    evidence:
      - source: riverton-bridge
        quote: Mayor Ana Ortiz said the bridge "will cut the drive to the hospital by twenty minutes".

  # quantity: subject reads after "How many" and after the figure: "How many vehicles a day are
  # expected to cross the bridge?" / "9,000 vehicles a day are expected to cross the bridge."
  - id: bridge-traffic
    kind: quantity
    topic: bridge
    subject: vehicles a day are expected to cross the bridge
    value: 9000
    evidence:
      - source: riverton-bridge
        quote: "The bridge is expected to cost around 18 million euros and to carry 9,000 vehicles a day."
"""

GITIGNORE = "dist/\n.venv/\n"


def catalog(document: str) -> str:
    digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
    return f"""\
title: A first corpus
sources:
  - id: riverton-bridge
    file: riverton-bridge.txt
    title: Riverton council approves new river bridge
    outlet: The Riverton Courier (an invented example)
    author: null
    published: 2024-03-14
    date_basis: the dateline
    language: en
    sha256: {digest}
"""


def plan(root: Path) -> Output:
    """The files of a new project in ``root``; refuses to touch a folder that has any of them."""
    root = Path(root)
    files = {
        root / "corpus" / "riverton-bridge.txt": DOCUMENT,
        root / "corpus" / "catalog.yaml": catalog(DOCUMENT),
        root / "decks" / "first-deck.yaml": DECK,
        root / ".gitignore": GITIGNORE,
    }
    existing = [str(p) for p in files if p.exists() or p.is_symlink()]
    if existing:
        raise UsageError(f"{root} already has {', '.join(existing)}; choose a new folder (studykit init never overwrites a file)")
    return Output("init", dict(files), summary=f"a new project in {root}: corpus/ (1 document), decks/first-deck.yaml (5 facts)")


def init(root: Path) -> str:
    """Write a new project in ``root`` (see the module docstring); returns a one-line summary."""
    (report,) = commit([plan(root)])
    return report.summary

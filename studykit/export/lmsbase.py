"""What the three LMS exporters (Moodle XML, QTI for Canvas, GIFT) share.

One job: turn a question set into the items an LMS file holds — which questions in which order
(one printed quiz version, or the whole set), their text made safe for XML 1.0 and written as
HTML, their accepted answers, their feedback (explanation, verbatim quote, source), their
category and tags — and collect the warnings that name the questions a format cannot carry as
they are. Each format's module only writes its own syntax.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Sequence

from ..corpus import Source, http_url
from ..dates import display_date
from ..errors import ExportError, Location, Problem, UsageError, display_path
from ..model import CLOZE_BLANK, Fact, Question, QuestionSet
from ..quiz import plan_sheet, select_questions
from .base import Output, Spool

#: The instruction a select-all question carries (the prompt never does); the Anki deck's words.
SELECT_ALL = "Choose every answer that applies."

# Bounds. Names and ids are question ids, so these only bite on pathological decks; each cut
# or omission is a warning that names the questions.
MAX_NAME = 255  # Moodle question and category names (clean_question_name cuts at 255), Canvas titles
MAX_IDNUMBER = 100  # Moodle's idnumber fields are 100 characters
MAX_TAG = 50  # Moodle's TAG_MAX_LENGTH
MAX_ACCEPTED = 20  # accepted spellings per answer box
MAX_QUOTE = 1000  # characters of each quote shown in the feedback

# XML 1.0 (section 2.2, Char) allows tab, LF, CR and U+0020–U+D7FF, U+E000–U+FFFD, U+10000 up.
# Everything else cannot be written even as a character reference (&#1; is not well-formed), so
# it is replaced by U+FFFD, in every format alike (GIFT files are imported into Moodle's XML world).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile(r"\r\n?|\n")
REPLACEMENT = "\ufffd"

_TYPE_WORDS = {"single": "single", "multiple": "select-all", "true_false": "true/false", "short": "short", "cloze": "cloze"}


def representable(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _XML_ILLEGAL.sub(REPLACEMENT, text)


def html_text(text: str, table: dict[int, str] | None = None) -> str:
    """Plain text as HTML that shows exactly that text: escaped, line breaks as ``<br>``.

    ``table`` (a ``str.translate`` table) re-encodes further characters of the escaped text, for
    formats that give them a meaning of their own (Moodle's cloze braces).
    """
    value = html.escape(representable(text), quote=False)
    if table:
        value = value.translate(table)
    return _LINE_BREAK.sub("<br>", value)


def one_line(text: str) -> str:
    """``text`` representable, on one line, with single spaces (names, paths, typed answers)."""
    return " ".join(representable(text).split())


def bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def stable_ident(*parts: str) -> str:
    """A short identifier derived from ``parts`` (never random): ``sk`` and 16 hex digits."""
    return "sk" + hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# Warnings that name their questions
# ---------------------------------------------------------------------------------------------


class Findings:
    """One warning per kind of finding, naming every question it concerns (the first ten)."""

    def __init__(self) -> None:
        self._ids: dict[str, list[str]] = {}
        self._seen: set[tuple[str, str]] = set()  # a set beside each list: a deck's every cloze is one finding

    def add(self, message: str, question: Question) -> None:
        ids = self._ids.setdefault(message, [])
        if (message, question.id) not in self._seen:
            self._seen.add((message, question.id))
            ids.append(question.id)

    def ids(self, message: str) -> list[str]:
        return list(self._ids.get(message, ()))

    def problems(self, where: Location | None) -> list[Problem]:
        out = []
        for message, ids in self._ids.items():
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            out.append(Problem(where, f"{message} ({len(ids)} question{'' if len(ids) == 1 else 's'}: {shown})", "warning"))
        return out


UNREPRESENTABLE = "control characters that XML 1.0 cannot carry are written as U+FFFD (�)"
SEVERAL_KEYS = "asks for several answers but has one answer box: any one of them is accepted"
TOO_MANY_SPELLINGS = f"more than {MAX_ACCEPTED} accepted spellings: the first {MAX_ACCEPTED} are kept"
QUOTE_CUT = f"a quote longer than {MAX_QUOTE:,} characters is cut short in the feedback"


def check_text(q: Question, findings: Findings) -> None:
    """Warn when the question's text holds characters that only U+FFFD can stand for."""
    texts = [q.prompt, q.explanation, *q.options, *q.answers, *(e.quote for e in q.evidence)]
    if any(_XML_ILLEGAL.search(t) for t in texts):
        findings.add(UNREPRESENTABLE, q)


# ---------------------------------------------------------------------------------------------
# What each question says
# ---------------------------------------------------------------------------------------------


def stem_html(q: Question, body: str | None = None) -> str:
    """The question text as HTML: the prompt (or ``body``, already HTML) and the select-all instruction."""
    text = f"<p>{html_text(q.prompt) if body is None else body}</p>"
    if q.type == "multiple":
        text += f"<p>{SELECT_ALL}</p>"
    return text


def cloze_parts(q: Question) -> tuple[str, str]:
    """The text before and after a cloze's blank, as its prompt shows them (the prompt may show
    more of the quote than ``q.cloze``; when ``q.cloze`` spells the prompt exactly, it decides
    which ``_____`` is the blank, should the quote itself hold one)."""
    if q.cloze and q.cloze[0] + CLOZE_BLANK + q.cloze[2] == q.prompt:
        return q.cloze[0], q.cloze[2]
    if CLOZE_BLANK in q.prompt:
        before, after = q.prompt.split(CLOZE_BLANK, 1)
        return before, after
    return q.prompt + " ", ""  # no blank in the prompt: the gap goes at its end


def source_html(source: Source) -> str:
    """``— title, outlet, date`` with the title linked when the catalog has an http(s) url."""
    title = html_text(source.title)
    url = http_url(representable(source.url or ""))
    if url:
        title = f'<a href="{html.escape(url, quote=True)}">{title}</a>'
    parts = [title, html_text(source.outlet)]
    if source.published:
        parts.append(html_text(display_date(source.published)))
    return "— " + ", ".join(parts)


def feedback_html(qset: QuestionSet, q: Question, findings: Findings) -> str:
    """General feedback: the explanation, then each verbatim quote with its source."""
    parts = [f"<p>{html_text(q.explanation)}</p>"]
    for evidence in q.evidence:
        quote = evidence.quote
        if len(quote) > MAX_QUOTE:
            quote = bounded(quote, MAX_QUOTE)
            findings.add(QUOTE_CUT, q)
        parts.append(f"<blockquote><p>{html_text(quote)}</p></blockquote>")
        parts.append(f"<p>{source_html(qset.deck.source(evidence.source))}</p>")
    return "".join(parts)


def spellings(fact: Fact, answer: str) -> list[str]:
    """``answer`` first, then every other spelling of it the deck knows (:meth:`Fact.answer_spellings`)."""
    return list(fact.answer_spellings(answer))


_STRAIGHT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def straight(text: str) -> str:
    """Typographic quotation marks and apostrophes as a keyboard types them."""
    return text.translate(_STRAIGHT)


def accepted_answers(qset: QuestionSet, q: Question, findings: Findings) -> list[str]:
    """The answers a short-answer box or a cloze gap accepts: each key and its spellings, on one
    line with single spaces (as a student types them), without repeats, at most MAX_ACCEPTED."""
    fact = qset.deck.fact(q.fact)
    out: list[str] = []
    for answer in q.answers:
        # the key as printed ("Minister’s"), its spellings (the deck writes them with a keyboard's
        # "'"), and each as a keyboard types it
        for spelling in dict.fromkeys([*spellings(fact, answer), *spellings(fact, straight(answer))]):
            text = one_line(spelling)
            for form in (text, straight(text)):
                if form and form not in out:
                    out.append(form)
    if len(q.answers) > 1:
        findings.add(SEVERAL_KEYS, q)
    if len(out) > MAX_ACCEPTED:
        findings.add(TOO_MANY_SPELLINGS, q)
        out = out[:MAX_ACCEPTED]
    return out


def tags(qset: QuestionSet, q: Question, findings: Findings) -> list[str]:
    """The fact's kind, the question's family and its source ids (Moodle drops longer tags)."""
    out: list[str] = []
    for tag in (qset.deck.fact(q.fact).kind, q.family, *(e.source for e in q.evidence)):
        tag = one_line(tag)
        if len(tag) > MAX_TAG:
            findings.add(f"a tag longer than {MAX_TAG} characters (Moodle's limit) is left out", q)
        elif tag and tag not in out:
            out.append(tag)
    return out


# ---------------------------------------------------------------------------------------------
# Which questions, in which order
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One question as the LMS file holds it: its options in the order shown, its position
    (slotted: a file of every question of 100,000 facts plans some 385,000)."""

    question: Question
    options: tuple[str, ...]
    position: int


class LmsExporter:
    """Base of the LMS exporters (implements :class:`studykit.export.base.Exporter`).

    With no ``version``, every question of the set, in generation order, with its generated
    option order. With ``version=k``, printed quiz version *k* exactly: the same questions
    (``count``, ``families``, ``topics`` as given to ``studykit quiz``), the same order and the
    same option order, planned with ``seed`` (default: the question set's seed).
    """

    name: ClassVar[str]
    default_target: ClassVar[str]
    label: ClassVar[str]  # the format's name in summaries

    def __init__(
        self,
        *,
        version: int | None = None,
        seed: int | None = None,
        count: int | None = None,
        families: Sequence[str] | None = None,
        topics: Sequence[str] | None = None,
    ) -> None:
        if version is not None and version < 1:
            raise UsageError(f"the quiz version must be at least 1, not {version}")
        if count is not None and count < 1:
            raise UsageError(f"the question count must be at least 1, not {count}")
        if version is None and (count is not None or families or topics):
            raise UsageError("a question count, families or topics choose a printed quiz version: give the version too")
        self.version = version
        self.seed = seed
        self.count = count
        self.families = tuple(families) if families else None
        self.topics = tuple(topics) if topics else None

    def items(self, qset: QuestionSet) -> tuple[list[Item], list[Problem]]:
        if self.version is None:
            return [Item(q, tuple(q.options), i) for i, q in enumerate(qset.questions, 1)], []
        pool = select_questions(qset, families=self.families, topics=self.topics)
        problems = []
        seed = qset.seed if self.seed is None else self.seed
        plan = plan_sheet(pool, count=self.count, seed=seed, version=self.version, deck=qset.deck)
        message = plan.message()
        if message:
            problems.append(Problem(None, f"version {self.version}: {message}", "warning"))
        return [Item(p.question, p.options, i) for i, p in enumerate(plan.questions, 1)], problems

    def version_label(self, qset: QuestionSet) -> str | None:
        """``Version k`` (with the seed when it is not the set's): a category and a quiz title."""
        if self.version is None:
            return None
        seed = qset.seed if self.seed is None else self.seed
        return f"Version {self.version}" + ("" if seed == qset.seed else f", seed {seed}")

    def variant(self, qset: QuestionSet) -> str:
        """Everything that decides which questions and options this export holds, as one string."""
        seed = qset.seed if self.seed is None else self.seed
        return f"{qset.deck.id}\0{qset.seed}\0{self.version}\0{seed}\0{self.count}\0{self.families}\0{self.topics}"

    def category_names(self, qset: QuestionSet, q: Question) -> list[str]:
        """Deck title, then ``Version k`` for a version, then the topic's title (if any)."""
        names = [one_line(qset.deck.title) or qset.deck.id]
        label = self.version_label(qset)
        if label:
            names.append(label)
        if q.topic:
            names.append(one_line(qset.deck.topics.get(q.topic, q.topic)) or q.topic)
        return [bounded(n, MAX_NAME) for n in names]

    def render(self, qset: QuestionSet, items: list[Item], findings: Findings, out: Spool) -> None:
        """Write the file into ``out``, piece by piece (a large deck's file is never held whole)."""
        raise NotImplementedError

    def plan(self, qset: QuestionSet, target: Path) -> Output:
        """The file this exporter would write at ``target``; writes nothing where anyone sees it:
        the file is written first into a :class:`~studykit.export.base.Spool` (memory, or an
        anonymous temporary file for a large deck), so its warnings are known before the commit."""
        items, problems = self.items(qset)
        findings = Findings()
        for item in items:
            check_text(item.question, findings)
        spool = Spool()
        try:
            self.render(qset, items, findings, spool)
        except OSError as exc:
            raise ExportError(
                f"cannot write {target}: the temporary file it is first written to failed ({exc.strerror or exc}); "
                "free space in the folder for temporary files (TMPDIR); nothing was written",
                Location(str(target)),
            ) from None
        content = spool.content()
        where = Location(display_path(qset.deck.path))
        problems = [Problem(p.location or where, p.message, p.severity) for p in problems] + findings.problems(where)
        kinds: Counter[str] = Counter(item.question.type for item in items)
        breakdown = ", ".join(f"{kinds[t]} {word}" for t, word in _TYPE_WORDS.items() if kinds[t])
        label = self.version_label(qset)
        summary = f"{self.label}: {len(items)} question{'' if len(items) == 1 else 's'}" + (f" ({breakdown})" if breakdown else "")
        summary += f", {label.lower()}" if label else ""
        return Output(exporter=self.name, files={Path(target): content}, summary=summary, problems=tuple(problems))

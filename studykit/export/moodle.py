"""Moodle XML: a question-bank file for *Question bank → Import → Moodle XML format*.

One job: write a question set as Moodle XML, built with lxml. Every rule below follows Moodle's
own import code, as read in moodle/moodle:

* ``question/format/xml/format.php`` (qformat_xml): ``import_question`` dispatches on
  ``<question type>`` (``multichoice``, ``truefalse``, ``shortanswer``, ``cloze``, ``category``);
  ``import_headers`` reads name, questiontext, generalfeedback, idnumber and tags; answers carry
  ``fraction`` in percent (``import_answer`` divides by 100); multichoice answers are HTML,
  shortanswer answers plain text; ``getpath(..., true)`` trims every text.
* ``question/format.php`` (qformat_default): every fraction must match Moodle's list within
  0.00001 (``match_grade_options``, ``matchgrades = 'error'``); category paths split on ``/``
  with ``//`` standing for a slash in a name (``split_category_path``/``assemble_category_path``),
  each name cleaned as PARAM_TEXT (tags stripped, so names are written HTML-escaped).
* ``question/engine/bank.php``: the allowed fractions (``ensure_fraction_options_initialised``).
* ``question/type/multichoice/questiontype.php``: a select-all question's positive fractions must
  add up to 1 (``round($totalfraction, 2) != 1`` is refused), a single one's best must be 1.
* ``question/type/shortanswer/question.php``: ``compare_string_with_wildcard`` reads ``*`` as a
  wildcard unless written ``\\*``.
* ``question/type/multianswer/questiontype.php``: ``qtype_multianswer_extract_question`` finds
  gaps with ``ANSWER_REGEX``; an answer ends at the first ``~``, ``#`` or ``}`` not preceded by
  ``\\``, ``&`` or ``&amp;`` (``ANSWER_ALTERNATIVE_ANSWER_REGEX``), then is ``html_entity_decode``d
  and only ``\\}`` and ``\\#`` are unescaped. So every character that could end or mark a gap
  answer is written as a numeric character reference (``&#126;`` for ``~``): the regex passes
  over it (its ``#`` follows ``&``) and the decoding restores it exactly.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from ..model import QuestionSet
from .base import Spool
from .lmsbase import (
    MAX_IDNUMBER,
    MAX_NAME,
    Findings,
    Item,
    LmsExporter,
    accepted_answers,
    bounded,
    cloze_parts,
    feedback_html,
    html_text,
    representable,
    stem_html,
    tags,
)

#: question/engine/bank.php: "all fractions of the form p/q for q <= 6, p/10, 1/q for q <= 10, 1/20".
FRACTIONS = (
    "1.0", "0.9", "0.8333333", "0.8", "0.75", "0.7", "0.6666667", "0.6", "0.5", "0.4", "0.3333333",
    "0.3", "0.25", "0.2", "0.1666667", "0.1428571", "0.125", "0.1111111", "0.1", "0.05", "0.0",
)  # fmt: skip

#: Characters re-encoded inside a cloze gap (see the module docstring), and braces outside gaps,
#: so that quoted text never forms a gap (``{1:SA:…}``) or a gap marker (``{#1}``).
_GAP = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'{}#~/\\=%:"})
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})

CLOZE_BACKSLASH = (
    "an accepted answer has a backslash before } or #, which Moodle's cloze parser drops: "
    "written as a short-answer question with the blank in the text"
)
BAD_FRACTION = "select-all with a number of keys whose share (1/n) is not one of Moodle's grades: left out"


def share(keys: int) -> str | None:
    """Each key's percentage in a select-all question with ``keys`` keys, if Moodle allows it."""
    if keys < 1:
        return None
    for fraction in FRACTIONS:
        if abs(Decimal(fraction) - Decimal(1) / keys) < Decimal("0.00001"):
            return format(Decimal(fraction) * 100, "f").rstrip("0").rstrip(".")
    return None


def category_path(names: list[str]) -> str:
    """``$course$/name/name`` as qformat_default::assemble_category_path writes it: ``/`` in a name
    doubled, a name starting or ending with ``/`` padded with a space; names HTML-escaped."""
    parts = ["$course$"]
    for name in names:
        part = html_text(name).replace("/", "//")
        parts.append((" " if part.startswith("/") else "") + part + (" " if part.endswith("/") else ""))
    return "/".join(parts)


def wildcard_safe(answer: str) -> str:
    """A short answer as Moodle stores it: ``*`` is a wildcard there unless escaped."""
    return answer.replace("*", "\\*")


def _text(parent: etree._Element, tag: str, text: str, fmt: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib={**({"format": fmt} if fmt else {}), **attrs})
    etree.SubElement(element, "text").text = text
    return element


def _answer(parent: etree._Element, text: str, percent: str, fmt: str) -> None:
    answer = _text(parent, "answer", text, fmt, fraction=percent)
    _text(answer, "feedback", "", "html")


def _child(element: etree._Element) -> bytes:
    """``element`` as a pretty-printed child of the document's root, its line ending included."""
    etree.indent(element, space="  ", level=1)
    element.tail = None
    return b"  " + etree.tostring(element, encoding="UTF-8") + b"\n"


class MoodleExporter(LmsExporter):
    """Moodle XML (``studykit export --format moodle``)."""

    name = "moodle"
    default_target = "{deck}.moodle.xml"
    label = "Moodle XML"

    def render(self, qset: QuestionSet, items: list[Item], findings: Findings, out: Spool) -> None:
        """The file, serialised question by question: each question's tree is dropped once it is
        bytes, so a large deck's XML is never held as one tree (lxml's nodes take many times the
        bytes they print as). The bytes are those of ``etree.tostring(quiz, pretty_print=True)``
        of the whole tree: the golden digests compare them."""
        current = None
        started = False
        for item in items:
            element = self._question(qset, item, findings)
            if element is None:
                continue
            if not started:
                out.write(b"<?xml version='1.0' encoding='UTF-8'?>\n<quiz>\n")
                started = True
            path = category_path(self.category_names(qset, item.question))
            if path != current:
                category = etree.Element("question", type="category")
                _text(category, "category", path)
                out.write(_child(category))
                current = path
            out.write(_child(element))
        out.write(b"</quiz>\n" if started else b"<?xml version='1.0' encoding='UTF-8'?>\n<quiz/>\n")

    def _question(self, qset: QuestionSet, item: Item, findings: Findings) -> etree._Element | None:
        q = item.question
        kind = q.type
        if kind == "true_false" and {o.casefold() for o in q.options} != {"true", "false"}:
            kind = "single"  # a true/false question worded otherwise is a plain choice
        gap = None
        if kind == "cloze":
            spellings = [wildcard_safe(s) for s in accepted_answers(qset, q, findings)]
            if any("\\}" in s or "\\#" in s for s in spellings):
                findings.add(CLOZE_BACKSLASH, q)
                kind = "short"
            else:
                gap = "{1:SHORTANSWER:" + "~".join("=" + s.translate(_GAP) for s in spellings) + "}"
        percent = None
        if kind == "multiple":
            percent = share(sum(1 for o in item.options if o in q.answers))
            if percent is None:
                findings.add(BAD_FRACTION, q)
                return None

        moodle_type = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse",
                       "short": "shortanswer", "cloze": "cloze"}[kind]  # fmt: skip
        element = etree.Element("question", type=moodle_type)
        if len(q.id) > MAX_NAME:
            findings.add(f"an id longer than {MAX_NAME} characters is cut short in the question name", q)
        _text(element, "name", html_text(bounded(q.id, MAX_NAME)))
        if gap is not None:
            before, after = cloze_parts(q)
            body = html_text(before, _BRACES) + gap + html_text(after, _BRACES)
            _text(element, "questiontext", stem_html(q, body), "html")
        else:
            _text(element, "questiontext", stem_html(q), "html")
        _text(element, "generalfeedback", feedback_html(qset, q, findings), "html")
        etree.SubElement(element, "defaultgrade").text = "1"
        etree.SubElement(element, "penalty").text = "1" if kind == "true_false" else "0.3333333"
        etree.SubElement(element, "hidden").text = "0"
        if len(q.id) <= MAX_IDNUMBER:
            etree.SubElement(element, "idnumber").text = representable(q.id)
        else:
            findings.add(f"an id longer than {MAX_IDNUMBER} characters is not written as the idnumber", q)

        if kind in ("single", "multiple"):
            etree.SubElement(element, "single").text = "true" if kind == "single" else "false"
            etree.SubElement(element, "shuffleanswers").text = "false"  # the order is the printed one
            etree.SubElement(element, "answernumbering").text = "abc"
            etree.SubElement(element, "showstandardinstruction").text = "0"  # the text carries ours
            for option in item.options:
                if percent is None:  # single
                    mark = "100" if option in q.answers else "0"
                else:  # select-all: each key its share, each wrong pick the same share off
                    mark = percent if option in q.answers else f"-{percent}"
                _answer(element, html_text(option), mark, "html")
        elif kind == "true_false":
            true = q.answers[0].casefold() == "true"
            _answer(element, "true", "100" if true else "0", "moodle_auto_format")
            _answer(element, "false", "0" if true else "100", "moodle_auto_format")
        elif kind == "short":
            etree.SubElement(element, "usecase").text = "0"
            for spelling in accepted_answers(qset, q, findings):
                _answer(element, wildcard_safe(spelling), "100", "moodle_auto_format")

        names = tags(qset, q, findings)
        if names:
            holder = etree.SubElement(element, "tags")
            for tag in names:
                _text(holder, "tag", tag)
        return element


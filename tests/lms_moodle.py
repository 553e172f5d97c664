"""Moodle's import rules for Moodle XML, as Moodle's own code states them: a checker for the tests.

Ported from moodle/moodle, not from studykit's exporter:

* question/type/multianswer/questiontype.php — the embedded-answers (cloze) grammar: the
  ANSWER_* regexes, ``qtype_multianswer_extract_question`` and ``qtype_multianswer_validate_question``;
* question/format/xml/format.php — ``import_question``'s types, ``import_headers``, ``import_answer``
  (fraction in percent), ``import_truefalse`` (answers ``true``/``false``), ``getpath`` (trimmed text);
* question/format.php — ``match_grade_options`` (a fraction within 0.00001 of an allowed one),
  ``split_category_path`` (``/`` separates, ``//`` is a slash);
* question/engine/bank.php — the allowed fractions;
* question/type/multichoice/questiontype.php — a select-all question's positive fractions add up
  to 1 (``round($totalfraction, 2)``), a single one's best fraction is 1;
* question/type/shortanswer/question.php — ``*`` is a wildcard unless written ``\\*``.

:func:`import_xml` returns what Moodle would import and every rule broken, as messages.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

# --- question/engine/bank.php: p/q for q <= 6, p/10, 1/q for q <= 10, 1/20, their negatives -----
_RAW = ("0.9", "0.8333333", "0.8", "0.75", "0.7", "0.6666667", "0.6", "0.5", "0.4", "0.3333333", "0.3",
        "0.25", "0.2", "0.1666667", "0.1428571", "0.125", "0.1111111", "0.1", "0.05")  # fmt: skip
GRADES = [Decimal("0"), Decimal("1"), Decimal("-1"), *(Decimal(f) for f in _RAW), *(-Decimal(f) for f in _RAW)]


def match_grade(fraction: float) -> bool:
    """question/format.php match_grade_options with 'error': |grade - value| < 0.00001."""
    return any(abs(Decimal(str(fraction)) - g) < Decimal("0.00001") for g in GRADES)


# --- question/type/multianswer/questiontype.php, the PHP strings as PCRE reads them ------------
FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
# '.+?(?<!\\\\|&|&amp;)(?=[~#}]|$)': Python's look-behinds must have one width, so the
# alternation (none of \, & or &amp; just before) becomes three look-behinds in a row.
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
TYPES = (
    r"(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
    r"(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
    r"(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
    r"(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)"
)
START = r"\{([0-9]*):(" + TYPES + "):"
GAP = re.compile(START + "(" + ALTERNATIVE + "(~" + ALTERNATIVE + ")*)" + r"\}", re.S)
NEXT_ALTERNATIVE = re.compile("~?" + ALTERNATIVE, re.S)
# Parenthesis positions (ANSWER_REGEX_*, ANSWER_ALTERNATIVE_REGEX_*)
NORM, NUMERICAL, SHORTANSWER, SHORTANSWER_C, ALTERNATIVES = 1, 3, 7, 8, 16
MULTIRESPONSE = (12, 13, 14, 15)
ALT_FRACTION, ALT_PERCENT, ALT_ANSWER, ALT_FEEDBACK = 1, 2, 3, 5

_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def html_entity_decode(text: str) -> str:
    """PHP's html_entity_decode(ENT_QUOTES, 'UTF-8'): only references closed by ``;``."""
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)


@dataclass
class Gap:
    qtype: str  # 'shortanswer', 'multichoice', 'numerical'
    single: bool
    answers: list[tuple[str, float]]  # (answer as Moodle stores it, fraction)


def extract_cloze(text: str) -> tuple[str, list[Gap]]:
    """qtype_multianswer_extract_question: the text with ``{#n}`` for each gap, and the gaps."""
    gaps = []
    position = 1
    while match := GAP.search(text):
        if match.group(NUMERICAL):
            qtype, single = "numerical", True
        elif match.group(SHORTANSWER) or match.group(SHORTANSWER_C):
            qtype, single = "shortanswer", True
        else:
            qtype, single = "multichoice", not any(match.group(g) for g in MULTIRESPONSE)
        answers = []
        remaining = match.group(ALTERNATIVES)
        while alt := NEXT_ALTERNATIVE.search(remaining):
            if alt.group(ALT_FRACTION) == "=":
                fraction = 1.0
            elif alt.group(ALT_PERCENT):
                fraction = 0.01 * float(alt.group(ALT_PERCENT).replace(",", "."))
            else:
                fraction = 0.0
            answer = html_entity_decode(alt.group(ALT_ANSWER)).replace("\\}", "}").replace("\\#", "#")
            answers.append((answer, fraction))
            remaining = remaining.split(alt.group(0), 1)[1]
        gaps.append(Gap(qtype, single, answers))
        text = text.replace(match.group(0), f"{{#{position}}}", 1)
        position += 1
    return text, gaps


def validate_cloze(gaps: list[Gap]) -> list[str]:
    """qtype_multianswer_validate_question: every gap answered, with a full mark among its answers."""
    if not gaps:
        return ["questionsmissing: no embedded answer in the text"]
    errors = []
    for number, gap in enumerate(gaps, 1):
        count = sum(1 for answer, _ in gap.answers if answer.strip() != "")
        full = any(f == 1 for a, f in gap.answers if a.strip()) or (
            gap.qtype == "multichoice" and not gap.single and any(f > 0 for a, f in gap.answers if a.strip())
        )
        if gap.qtype == "multichoice" and count < 2:
            errors.append(f"gap {number}: notenoughanswers (2)")
        elif count == 0:
            errors.append(f"gap {number}: notenoughanswers (1)")
        if not full:
            errors.append(f"gap {number}: fractionsnomax (no answer gives full marks)")
    return errors


def shortanswer_literal(stored: str) -> str | None:
    """The text a stored short answer matches literally, or None when it holds a wildcard ``*``."""
    if re.search(r"(?<!\\)\*", stored):
        return None
    return stored.replace("\\*", "*")


def split_category_path(path: str) -> list[str]:
    """question/format.php split_category_path (PARAM_TEXT cleaning left to the caller's check)."""
    return [raw.replace("//", "/").strip() for raw in re.split(r"(?<!/)/(?!/)", path)]


# --- question/format/xml/format.php ------------------------------------------------------------

FORMATS = ("moodle_auto_format", "html", "plain_text", "wiki_like", "markdown")


@dataclass
class Imported:
    """One question as Moodle's importer reads it."""

    type: str
    name: str
    idnumber: str | None
    text: str  # question text, HTML as stored
    feedback: str  # general feedback, HTML
    category: list[str]
    tags: list[str] = field(default_factory=list)
    single: bool | None = None
    answers: list[tuple[str, float]] = field(default_factory=list)  # (text, fraction 0..1)
    gaps: list[Gap] = field(default_factory=list)


def _text(element: etree._Element | None, path: str, errors: list[str], where: str) -> str | None:
    """getpath(..., istext=true): the trimmed text of ``path/text``; an error when it is not a string."""
    node = element.find(path) if element is not None else None
    if node is None:
        return None
    if len(node):
        errors.append(f"{where}: invalidxml: <{path}> holds elements, not text")
    return (node.text or "").strip()


def import_xml(data: bytes) -> tuple[list[Imported], list[str]]:
    """What Moodle imports from ``data`` and the rules it breaks (an empty list when it imports)."""
    errors: list[str] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(data, parser)
    if root.tag != "quiz":
        return [], [f"the root element is <{root.tag}>, not <quiz>"]
    category: list[str] = []
    questions = []
    for number, element in enumerate(root.iterchildren(tag="question"), 1):
        qtype = element.get("type", "")
        where = f"question {number} ({qtype})"
        if qtype == "category":
            path = _text(element, "category/text", errors, where) or ""
            category = split_category_path(path)
            if category[0] != "$course$" or any(not n or "<" in n for n in category):
                errors.append(f"{where}: bad category path {path!r}")
            continue
        if qtype not in ("multichoice", "truefalse", "shortanswer", "cloze", "multianswer"):
            errors.append(f"{where}: xmltypeunsupported {qtype!r}")
            continue
        name = _text(element, "name/text", errors, where)
        if name is None and qtype not in ("cloze", "multianswer"):
            errors.append(f"{where}: xmlimportnoname")
        name = name or ""
        if len(name) > 255:
            errors.append(f"{where}: name longer than 255 characters")
        for tag in ("questiontext", "generalfeedback"):
            fmt = element.find(tag).get("format", "html") if element.find(tag) is not None else "html"
            if fmt not in FORMATS:
                errors.append(f"{where}: unknown text format {fmt!r} in <{tag}>")
        imported = Imported(
            type=qtype,
            name=name,
            idnumber=_text(element, "idnumber", errors, where),
            text=_text(element, "questiontext/text", errors, where) or "",
            feedback=_text(element, "generalfeedback/text", errors, where) or "",
            category=category,
            tags=[(t.text or "").strip() for t in element.findall("tags/tag/text")],
        )
        if not imported.text:
            errors.append(f"{where}: empty question text")
        if imported.idnumber is not None and len(imported.idnumber) > 100:
            errors.append(f"{where}: idnumber longer than 100 characters")
        if any(len(t) > 50 for t in imported.tags):
            errors.append(f"{where}: a tag longer than TAG_MAX_LENGTH (50)")
        for answer in element.findall("answer"):
            try:
                fraction = float(answer.get("fraction", "0")) / 100
            except ValueError:
                errors.append(f"{where}: fraction {answer.get('fraction')!r} is not a number")
                continue
            fmt = answer.get("format", "moodle_auto_format")
            if fmt not in FORMATS:
                errors.append(f"{where}: unknown answer format {fmt!r}")
            imported.answers.append((_text(answer, "text", errors, where) or "", fraction))
            if not match_grade(fraction):
                errors.append(f"{where}: invalidgrade {fraction!r} is not one of Moodle's grades")
        fractions = [f for _, f in imported.answers]
        if qtype == "multichoice":
            single = (_text(element, "single", errors, where) or "true") not in ("false", "0", "")
            imported.single = single
            if len(imported.answers) < 2:
                errors.append(f"{where}: notenoughanswers (2)")
            if single and max(fractions, default=0) != 1:
                errors.append(f"{where}: fractionsnomax (the best answer is not 100%)")
            if not single and round(sum(f for f in fractions if f > 0), 2) != 1:
                errors.append(f"{where}: fractionsaddwrong (the positive grades add up to {sum(f for f in fractions if f > 0):.7f})")
        elif qtype == "truefalse":
            texts = [t for t, _ in imported.answers]
            if sorted(texts) != ["false", "true"]:
                errors.append(f"{where}: truefalseimporterror (answers {texts!r}, not 'true' and 'false')")
            elif sorted(fractions) != [0, 1]:
                errors.append(f"{where}: exactly one of true and false must be 100% (fractions {fractions!r})")
        elif qtype == "shortanswer":
            if not imported.answers:
                errors.append(f"{where}: notenoughanswers (1)")
            if max(fractions, default=0) != 1:
                errors.append(f"{where}: fractionsnomax (no answer is 100%)")
            for text, _ in imported.answers:
                if shortanswer_literal(text) is None:
                    errors.append(f"{where}: answer {text!r} holds an unescaped wildcard *")
        else:
            imported.text, imported.gaps = extract_cloze(imported.text)
            errors += [f"{where}: {e}" for e in validate_cloze(imported.gaps)]
            for gap in imported.gaps:
                for text, _ in gap.answers:
                    if gap.qtype == "shortanswer" and shortanswer_literal(text) is None:
                        errors.append(f"{where}: gap answer {text!r} holds an unescaped wildcard *")
        questions.append(imported)
    return questions, errors

"""Moodle's GIFT reader, for the tests: what Moodle imports from a GIFT file.

Ported from moodle/moodle ``question/format/gift/format.php`` (qformat_gift::readquestion,
escapedchar_pre/post, parse_text_with_format, commentparser, answerweightparser,
extract_idnumber_and_tags_from_comment) and ``question/format.php`` (readquestions: a question
ends at a blank line, every line trimmed), for the question types studykit writes
(multichoice, truefalse, shortanswer, category). Matching, numerical, essay and description
questions are recognised, not read: studykit never means to write one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lms_moodle import match_grade, split_category_path

_ESCAPES = [("\\:", "&&058;"), ("\\#", "&&035;"), ("\\=", "&&061;"), ("\\{", "&&123;"), ("\\}", "&&125;"), ("\\~", "&&126;"), ("\\n", "&&010")]
_WEIGHT = re.compile(r"^%\-*([0-9]{1,2})\.?([0-9]*)%")
_FORMATS = {"moodle", "html", "plain", "markdown"}


def escapedchar_pre(text: str) -> str:
    text = text.replace("\\\\", "&&092;")
    for escaped, placeholder in _ESCAPES:
        text = text.replace(escaped, placeholder)
    return text.replace("&&092;", "\\")


def escapedchar_post(text: str) -> str:
    for escaped, placeholder in _ESCAPES:
        text = text.replace(placeholder, "\n" if escaped == "\\n" else escaped[1])
    return text


def parse_text_with_format(text: str, default: str = "moodle") -> tuple[str, str]:
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        name = text[1:end] if end >= 0 else text[1:]
        if name in _FORMATS:
            fmt, text = name, text[end + 1 :]
    return fmt, escapedchar_post(text).strip()


@dataclass
class GiftQuestion:
    type: str
    name: str
    idnumber: str
    tags: list[str]
    category: list[str]
    text: str
    text_format: str
    feedback: str
    single: bool | None = None
    answers: list[tuple[str, float]] = field(default_factory=list)  # (text, fraction)
    true: bool | None = None


def _idnumber_and_tags(comments: str) -> tuple[str, list[str]]:
    found = re.search(r"\[id:((?:\\]|[^\]\x00-\x1f\x7f])+)]", comments)
    idnumber = found.group(1).strip().replace("\\]", "]") if found else ""
    tags = [t.strip().replace("\\]", "]") for t in re.findall(r"\[tag:((?:\\]|[^\]<>`\x00-\x1f\x7f])+)]", comments)]
    return idnumber, tags


def _question(lines: list[str], category: list[str], errors: list[str]) -> GiftQuestion | list[str] | None:
    comments = "".join(line + "\n" for line in lines if line.startswith("//"))
    text = "\n".join(" " if line.startswith("//") else line for line in lines).strip()
    if not text:
        return None
    text = escapedchar_pre(text)
    if text.startswith("$CATEGORY:"):
        return split_category_path(text[10:].strip())
    name = ""
    if text.startswith("::"):
        text = text[2:]
        end = text.find("::")
        if end >= 0:
            name, text = escapedchar_post(text[:end]), text[end + 2 :].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 or finish < 0:
        errors.append(f"{name}: braceerror (or a description question)")
        return None
    answertext = text[start + 1 : finish].strip()
    questiontext = text[:start] + text[finish + 1 :] if text.endswith("}") else text[:start] + "_____" + text[finish + 1 :]
    feedback = ""
    separator = answertext.rfind("####")
    if separator >= 0:
        feedback, answertext = answertext[separator + 4 :], answertext[:separator].strip()
    text_format, qtext = parse_text_with_format(questiontext)
    idnumber, tags = _idnumber_and_tags(comments)
    question = GiftQuestion("", name, idnumber, tags, category, qtext, text_format, parse_text_with_format(feedback, text_format)[1])
    if answertext == "":
        question.type = "essay"
    elif answertext[0] == "#":
        question.type = "numerical"
    elif "~" in answertext:
        question.type = "multichoice"
    elif "=" in answertext and "->" in answertext:
        question.type = "match"
    else:
        check = answertext[: answertext.find("#")].strip() if answertext.find("#") > 0 else answertext
        question.type = "truefalse" if check in ("T", "TRUE", "F", "FALSE") else "shortanswer"
    if question.type == "multichoice":
        question.single = "=" in answertext
        answers = answertext.replace("=", "~=").split("~")
        if not answers[0].strip():
            answers = answers[1:]
        if len(answers) < 2:
            errors.append(f"{name}: importminerror")
        for answer in answers:
            answer = answer.strip()
            if answer.startswith("="):
                weight, answer = 1.0, answer[1:]
            elif _WEIGHT.match(answer):
                end = answer.find("%", 1)
                weight, answer = float(answer[1:end]) / 100, answer[end + 1 :]
            else:
                weight = 0.0
            question.answers.append((parse_text_with_format(answer.split("#", 1)[0].strip(), text_format)[1], weight))
    elif question.type == "truefalse":
        question.true = parse_text_with_format(answertext.split("#", 2)[0].strip(), text_format)[1] in ("T", "TRUE")
    elif question.type == "shortanswer":
        answers = answertext.split("=")
        if not answers[0].strip():
            answers = answers[1:]
        for answer in answers:
            answer = answer.strip()
            weight = 1.0
            if _WEIGHT.match(answer):
                end = answer.find("%", 1)
                weight, answer = float(answer[1:end]) / 100, answer[end + 1 :]
            question.answers.append((parse_text_with_format(answer.split("#", 1)[0].strip(), text_format)[1], weight))
    else:
        errors.append(f"{name}: read as a {question.type} question")
    return question


def read_gift(text: str) -> tuple[list[GiftQuestion], list[str]]:
    """What Moodle imports from a GIFT text, and what it would refuse or misread."""
    errors: list[str] = []
    questions, category, block = [], [], []
    for line in [*text.split("\n"), ""]:
        line = line.strip()
        if line in ("", "0"):  # PHP's empty(): "0" is empty too
            if block:
                result = _question(block, category, errors)
                if isinstance(result, list):
                    category = result
                elif result is not None:
                    questions.append(result)
                block = []
        else:
            block.append(line)
    for q in questions:  # question/format.php: grades from Moodle's list; select-all adds up to 1
        for _, fraction in q.answers:
            if not match_grade(fraction):
                errors.append(f"{q.name}: invalidgrade {fraction}")
        if q.type == "multichoice" and not q.single and round(sum(f for _, f in q.answers if f > 0), 2) != 1:
            errors.append(f"{q.name}: fractionsaddwrong")
    return questions, errors

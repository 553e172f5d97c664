"""GIFT: Moodle's plain-text question format (*Question bank → Import → GIFT format*).

One job: write a question set as GIFT text that Moodle's importer and gift-pegjs read the same
way. The rules follow Moodle's reader, ``question/format/gift/format.php`` (qformat_gift), and
gift-pegjs's grammar (``GIFT.pegjs``, the parser the tests run):

* ``\\``, ``~ = # { } :`` are escaped with a backslash (``escapedchar_pre``; gift-pegjs's
  EscapeSequence); a line break inside a text would be ``\\n``, but texts are HTML and break with
  ``<br>``, so no text ever starts a line: a line that starts with ``//`` is a comment to both;
* every text carries a format marker: ``[html]`` for the question (answers and feedback inherit
  it), ``[plain]`` before each typed answer, so that a text which itself starts with ``[html]``
  is never read as a marker (``parse_text_with_format`` looks at the first ``[`` only), and a
  typed answer starting with ``%50%`` is not read as a weight (the weight regex sees ``[plain]``);
* a choice starting with ``[`` or ``%`` writes it as ``&#91;``/``&#37;`` (HTML shows the same);
* ``->`` in a typed answer makes Moodle read ``{=a->b}`` as a matching question and gift-pegjs
  too; ``-`` and ``>`` have no escape, so such an answer is written alone, without ``=``
  (``{[plain]a->b}`` is a one-answer short answer to both) and the other spellings are left out;
* select-all choices carry ``%w%`` weights, keys positive and wrong picks negative, from Moodle's
  list of grades, and no ``=``, which is what makes Moodle's ``single`` false;
* ids and tags go in a ``// [id:…] [tag:…]`` comment (``extract_idnumber_and_tags_from_comment``),
  categories in ``$CATEGORY:`` blocks, the general feedback after ``####``.
"""

from __future__ import annotations

from ..model import Question, QuestionSet
from .base import Spool
from .lmsbase import (
    Findings,
    Item,
    LmsExporter,
    accepted_answers,
    feedback_html,
    html_text,
    stem_html,
    tags,
)
from .moodle import BAD_FRACTION, category_path, share, wildcard_safe

#: GIFT's special characters and what each is written as; the backslash first, since the others
#: bring one (``str.replace`` in turn, each a scan in C: ``str.translate`` looks every character up).
_ESCAPES = (("\\", "\\\\"), ("~", "\\~"), ("=", "\\="), ("#", "\\#"), ("{", "\\{"), ("}", "\\}"), (":", "\\:"), ("\n", "\\n"), ("\r", ""))

NO_CLOZE = "GIFT has no embedded-answer (cloze) type: written as a short answer with the blank in the text"
ARROW_KEY = "the answer holds '->', which GIFT reads as a matching pair: written alone, without its other spellings"
ARROW_SPELLING = "another spelling of the answer holds '->', which GIFT reads as a matching pair: that spelling is left out"


def escape(text: str) -> str:
    """Text with GIFT's special characters escaped."""
    for special, written in _ESCAPES:
        text = text.replace(special, written)
    return text


def _choice(option: str) -> str:
    text = html_text(option)
    if text[:1] in ("[", "%"):
        text = f"&#{ord(text[0])};" + text[1:]
    return escape(text)


class GiftExporter(LmsExporter):
    """GIFT text (``studykit export --format gift``)."""

    name = "gift"
    default_target = "{deck}.gift.txt"
    label = "GIFT"

    def render(self, qset: QuestionSet, items: list[Item], findings: Findings, out: Spool) -> None:
        """Blocks one blank line apart, written as they are made."""
        out.write(f"// studykit: deck {qset.deck.id}, {len(items)} questions".encode("utf-8"))
        current = None
        for item in items:
            block = self._question(qset, item, findings)
            if block is None:
                continue
            path = category_path(self.category_names(qset, item.question)).replace("\\", "\\\\")
            if path != current:
                out.write(f"\n\n$CATEGORY: {path}".encode("utf-8"))
                current = path
            out.write(f"\n\n{block}".encode("utf-8"))
        out.write(b"\n")

    def _question(self, qset: QuestionSet, item: Item, findings: Findings) -> str | None:
        q = item.question
        kind = q.type
        if kind == "true_false" and {o.casefold() for o in q.options} != {"true", "false"}:
            kind = "single"
        if kind == "cloze":
            findings.add(NO_CLOZE, q)
        lines = []
        if kind in ("single", "multiple"):
            percent = share(sum(1 for o in item.options if o in q.answers)) if kind == "multiple" else None
            if kind == "multiple" and percent is None:
                findings.add(BAD_FRACTION, q)
                return None
            for option in item.options:
                if kind == "single":
                    mark = "=" if option in q.answers else "~"
                else:
                    mark = f"~%{percent}%" if option in q.answers else f"~%-{percent}%"
                lines.append(f"\t{mark}{_choice(option)}")
            answers = "{\n" + "\n".join(lines)
        elif kind == "true_false":
            answers = "{" + ("TRUE" if q.answers[0].casefold() == "true" else "FALSE")
        else:
            answers = "{" + self._typed(qset, q, findings)
        feedback = escape(feedback_html(qset, q, findings))
        body = escape(stem_html(q))
        ident = q.id.replace("]", "\\]")  # Moodle reads \] as ] inside [id:…]
        comment = " ".join([f"[id:{ident}]", *(f"[tag:{t}]" for t in tags(qset, q, findings))])
        return f"// {comment}\n::{escape(q.id)}::[html]{body}{answers}\n\t####{feedback}\n}}"

    @staticmethod
    def _typed(qset: QuestionSet, q: Question, findings: Findings) -> str:
        spellings = [wildcard_safe(s) for s in accepted_answers(qset, q, findings)]
        if spellings and "->" in spellings[0]:
            findings.add(ARROW_KEY, q)
            return f"[plain]{escape(spellings[0])}"  # one answer without '=' is no matching pair
        if any("->" in s for s in spellings):
            findings.add(ARROW_SPELLING, q)
            spellings = [s for s in spellings if "->" not in s]
        return "\n" + "\n".join(f"\t=[plain]{escape(s)}" for s in spellings)

"""QTI 1.2 for Canvas: a zip for *Settings → Import course content → QTI .zip file*.

One job: write a question set as one QTI 1.2 assessment in the package layout Canvas reads,
built with lxml, byte-identical for the same input. The layout and vocabulary follow what Canvas
itself exports and imports (instructure/canvas-lms ``lib/cc/qti/qti_items.rb``, and the importer
``gems/plugins/qti_exporter``), as text2qti (gpoore/text2qti) also writes it:

* ``imsmanifest.xml`` with a resource of type ``imsqti_xmlv1p2`` whose file is
  ``<ident>/<ident>.xml``, depending on a ``learning-application-resource`` for
  ``<ident>/assessment_meta.xml``; Canvas applies that meta file to the assessment whose ident is
  the folder's name (``QuizMetadataConverter#post_process_assessments``), so all three share it;
* each item's ``question_type`` in ``itemmetadata`` (``AssessmentItemConverter`` picks the
  converter by it): ``multiple_choice_question``, ``multiple_answers_question``,
  ``true_false_question``, ``short_answer_question``, ``fill_in_multiple_blanks_question``;
* choices as ``response_lid``/``render_choice``; a short answer as ``response_str``/``render_fib``;
  a fill-in-the-blank as one ``response_lid`` named ``response_<blank>`` whose labels are the
  accepted answers, the blank written ``[<blank>]`` in the text (``FillInTheBlank#process_canvas``);
* correct answers in ``resprocessing``: ``varequal`` in a ``respcondition`` that sets SCORE to 100
  (``or`` around several accepted answers, ``and``/``not`` for select-all, since Canvas's own QTI
  tool reads several conditions in one ``conditionvar`` as *and*);
* the general feedback as ``itemfeedback ident="general_fb"`` shown by a ``respcondition`` on
  ``<other/>`` (Canvas reads feedback named ``general_…`` as its neutral comments).

Identifiers are derived from the deck, the version options and the question ids, never random;
zip entries have a fixed order, date and mode.
"""

from __future__ import annotations

import shutil
import zipfile
from typing import IO, Any

from lxml import etree

from ..model import Question, QuestionSet
from .base import SPOOL_CHUNK, Spool
from .lmsbase import (
    MAX_NAME,
    Findings,
    Item,
    LmsExporter,
    accepted_answers,
    bounded,
    cloze_parts,
    feedback_html,
    html_text,
    one_line,
    representable,
    stable_ident,
    stem_html,
)

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
IMSCP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_v1p2"
CANVAS = "http://canvas.instructure.com/xsd/cccv1p0"

CANVAS_TYPES = {
    "single": "multiple_choice_question",
    "multiple": "multiple_answers_question",
    "true_false": "true_false_question",
    "short": "short_answer_question",
    "cloze": "fill_in_multiple_blanks_question",
}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: fixed, so output is reproducible


#: The line a placeholder item takes in the pretty-printed skeleton (three levels deep).
_PLACEHOLDER_LINE = b"      <item/>\n"


def _nsmap(default: str, **prefixed: str) -> Any:
    """A namespace map with a default namespace (lxml's ``None`` key, which lxml-stubs do not type)."""
    return {None: default, **prefixed}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{QTI}}}{tag}", attrib=attrs)
    if text is not None:
        element.text = text
    return element


def _mattext(parent: etree._Element, text: str, texttype: str = "text/plain") -> None:
    material = _el(parent, "material")
    _el(material, "mattext", text, texttype=texttype)


def _field(metadata: etree._Element, label: str, entry: str) -> None:
    field = _el(metadata, "qtimetadatafield")
    _el(field, "fieldlabel", label)
    _el(field, "fieldentry", entry)


def blank_name(text: str) -> str:
    """A blank id whose ``[id]`` does not already occur in the question's text."""
    name, n = "blank", 1
    while f"[{name}]" in text:
        n += 1
        name = f"blank{n}"
    return name


class QtiExporter(LmsExporter):
    """QTI 1.2 zip for Canvas (``studykit export --format qti``)."""

    name = "qti"
    default_target = "{deck}.qti.zip"
    label = "QTI 1.2 (Canvas)"

    def render(self, qset: QuestionSet, items: list[Item], findings: Findings, out: Spool) -> None:
        """The zip, written into ``out``; the assessment's XML is written item by item into a spool of
        its own first, then deflated into the zip in pieces: the bytes are those of
        ``ZipFile.writestr`` of the whole XML (the golden digests compare them)."""
        ident = stable_ident("assessment", self.variant(qset))
        label = self.version_label(qset)
        title = bounded(one_line(qset.deck.title) or qset.deck.id, MAX_NAME - 40) + (f" — {label}" if label else "")
        assessment = Spool()
        self._assessment(qset, items, ident, title, findings, assessment)
        files: list[tuple[str, bytes | IO[bytes]]] = [
            ("imsmanifest.xml", self._manifest(ident, title)),
            (f"{ident}/{ident}.xml", assessment.file),
            (f"{ident}/assessment_meta.xml", self._meta(qset, ident, title, len(items))),
        ]
        with zipfile.ZipFile(out.file, "w") as archive:
            for name, data in files:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # Unix, whatever the machine
                info.external_attr = 0o644 << 16
                if isinstance(data, bytes):
                    archive.writestr(info, data, compresslevel=9)
                    continue
                # what writestr(info, data, compresslevel=9) sets, for data copied in pieces
                # (``_compresslevel`` is the name every Python from 3.7 reads; 3.13 adds
                # ``compress_level`` beside it)
                info._compresslevel = 9  # type: ignore[attr-defined]
                info.file_size = data.tell()
                data.seek(0)
                with archive.open(info, "w") as entry:
                    shutil.copyfileobj(data, entry, SPOOL_CHUNK)
                data.close()

    # --- the package -----------------------------------------------------------------------------

    def _manifest(self, ident: str, title: str) -> bytes:
        manifest = etree.Element(f"{{{IMSCP}}}manifest", nsmap=_nsmap(IMSCP, imsmd=IMSMD), identifier=f"{ident}_manifest")
        metadata = etree.SubElement(manifest, f"{{{IMSCP}}}metadata")
        etree.SubElement(metadata, f"{{{IMSCP}}}schema").text = "IMS Content"
        etree.SubElement(metadata, f"{{{IMSCP}}}schemaversion").text = "1.1.3"
        lom = etree.SubElement(metadata, f"{{{IMSMD}}}lom")
        general = etree.SubElement(lom, f"{{{IMSMD}}}general")
        etree.SubElement(etree.SubElement(general, f"{{{IMSMD}}}title"), f"{{{IMSMD}}}string").text = title
        etree.SubElement(manifest, f"{{{IMSCP}}}organizations")
        resources = etree.SubElement(manifest, f"{{{IMSCP}}}resources")
        quiz = etree.SubElement(resources, f"{{{IMSCP}}}resource", identifier=ident, type="imsqti_xmlv1p2")
        etree.SubElement(quiz, f"{{{IMSCP}}}file", href=f"{ident}/{ident}.xml")
        etree.SubElement(quiz, f"{{{IMSCP}}}dependency", identifierref=f"{ident}_meta")
        meta = etree.SubElement(
            resources,
            f"{{{IMSCP}}}resource",
            identifier=f"{ident}_meta",
            type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
            href=f"{ident}/assessment_meta.xml",
        )
        etree.SubElement(meta, f"{{{IMSCP}}}file", href=f"{ident}/assessment_meta.xml")
        return etree.tostring(manifest, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def _meta(self, qset: QuestionSet, ident: str, title: str, points: int) -> bytes:
        """Canvas's quiz settings (QuizMetadataConverter#get_quiz_meta reads these names)."""
        quiz = etree.Element(f"{{{CANVAS}}}quiz", nsmap=_nsmap(CANVAS), identifier=ident)
        description = f"<p>{html_text(qset.deck.description)}</p>" if qset.deck.description.strip() else ""
        for name, value in (
            ("title", title),
            ("description", description),
            ("shuffle_answers", "false"),  # keep the printed (and the natural, ascending) order
            ("scoring_policy", "keep_highest"),
            ("quiz_type", "assignment"),
            ("points_possible", f"{points}.0"),
            ("show_correct_answers", "true"),
            ("allowed_attempts", "1"),
            ("one_question_at_a_time", "false"),
            ("cant_go_back", "false"),
            ("available", "false"),
        ):
            etree.SubElement(quiz, f"{{{CANVAS}}}{name}").text = value
        return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def _assessment(self, qset: QuestionSet, items: list[Item], ident: str, title: str, findings: Findings, out: Spool) -> None:
        root = etree.Element(f"{{{QTI}}}questestinterop", nsmap=_nsmap(QTI, xsi=XSI))
        root.set(f"{{{XSI}}}schemaLocation", f"{QTI} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd")
        assessment = _el(root, "assessment", ident=ident, title=title)
        metadata = _el(assessment, "qtimetadata")
        _field(metadata, "cc_maxattempts", "1")
        section = _el(assessment, "section", ident="root_section")
        if not items:
            out.write(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
            return
        # item by item, each serialised as it is made and dropped: the whole tree of a large deck
        # is never held (lxml's nodes take many times the bytes they print as). The bytes are those
        # of pretty-printing the whole tree: the skeleton around one placeholder item, and each
        # item as that tree would print it (its namespace declarations are the root's)
        placeholder = _el(section, "item")
        head, tail = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).split(_PLACEHOLDER_LINE)
        section.remove(placeholder)
        declared = b"<item" + b"".join(f' xmlns{":" + k if k else ""}="{v}"'.encode() for k, v in root.nsmap.items())
        out.write(head)
        for item in items:
            self._item(section, qset, item, stable_ident("item", self.variant(qset), item.question.id), findings)
            element = section[-1]
            etree.indent(element, space="  ", level=3)
            element.tail = None
            text = etree.tostring(element, encoding="UTF-8")
            assert text.startswith(declared), "lxml declares a sub-element's namespaces first, in the root's order"
            out.write(b"      <item" + text[len(declared):] + b"\n")
            section.remove(element)
        out.write(tail)

    # --- one item ----------------------------------------------------------------------------------

    def _item(self, section: etree._Element, qset: QuestionSet, item: Item, ident: str, findings: Findings) -> None:
        q = item.question
        if len(q.id) > MAX_NAME:
            findings.add(f"an id longer than {MAX_NAME} characters is cut short in the item title", q)
        element = _el(section, "item", ident=ident, title=representable(bounded(q.id, MAX_NAME)))
        # Each option's label is fixed by its place among the generated options, whatever the order shown.
        labels = {option: f"{ident}_{n}" for n, option in enumerate(q.options)}
        spellings = accepted_answers(qset, q, findings) if q.type in ("short", "cloze") else []
        accepted_labels = [f"{ident}_a{n}" for n in range(len(spellings))]

        metadata = _el(_el(element, "itemmetadata"), "qtimetadata")
        _field(metadata, "question_type", CANVAS_TYPES[q.type])
        _field(metadata, "points_possible", "1")
        _field(metadata, "original_answer_ids", ",".join(labels[o] for o in item.options) or ",".join(accepted_labels))
        _field(metadata, "assessment_question_identifierref", f"{ident}_ref")

        presentation = _el(element, "presentation")
        blank = None
        if q.type == "cloze":
            before, after = cloze_parts(q)
            blank = blank_name(before + after)
            body = stem_html(q, html_text(before) + f"[{blank}]" + html_text(after))
        else:
            body = stem_html(q)
        _mattext(presentation, f"<div>{body}</div>", "text/html")
        if q.type in ("single", "multiple", "true_false"):
            response = _el(presentation, "response_lid", ident="response1", rcardinality="Multiple" if q.type == "multiple" else "Single")
            choices = _el(response, "render_choice", shuffle="No")
            for option in item.options:
                _mattext(_el(choices, "response_label", ident=labels[option]), representable(option))
        elif q.type == "short":
            response = _el(presentation, "response_str", ident="response1", rcardinality="Single")
            _el(_el(response, "render_fib"), "response_label", ident="answer1", rshuffle="No")
        else:
            response = _el(presentation, "response_lid", ident=f"response_{blank}")
            _mattext(response, str(blank))
            choices = _el(response, "render_choice")
            for label, spelling in zip(accepted_labels, spellings, strict=True):
                _mattext(_el(choices, "response_label", ident=label), spelling)

        processing = _el(element, "resprocessing")
        _el(_el(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
        general = _el(processing, "respcondition", **{"continue": "Yes"})
        _el(_el(general, "conditionvar"), "other")
        _el(general, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
        correct = _el(processing, "respcondition", **{"continue": "No"})
        self._correct(_el(correct, "conditionvar"), q, item, labels, spellings, accepted_labels, blank)
        _el(correct, "setvar", "100", action="Set", varname="SCORE")

        feedback = _el(element, "itemfeedback", ident="general_fb")
        _mattext(_el(feedback, "flow_mat"), feedback_html(qset, q, findings), "text/html")

    @staticmethod
    def _correct(
        condition: etree._Element,
        q: Question,
        item: Item,
        labels: dict[str, str],
        spellings: list[str],
        accepted_labels: list[str],
        blank: str | None,
    ) -> None:
        """The condition a correct response meets."""
        if q.type == "multiple":
            every = _el(condition, "and")
            for option in item.options:
                target = every if option in q.answers else _el(every, "not")
                _el(target, "varequal", labels[option], respident="response1")
            return
        if q.type in ("single", "true_false"):
            values, respident = [labels[a] for a in q.answers if a in labels], "response1"
        elif q.type == "short":
            values, respident = spellings, "response1"
        else:
            values, respident = accepted_labels, f"response_{blank}"
        target = _el(condition, "or") if len(values) > 1 else condition
        for value in values:
            _el(target, "varequal", value, respident=respident)

"""QTI 1.2 packages for the tests: the layout Canvas reads, DTD validation, and a scorer.

* :func:`read_package` opens a zip the way Canvas's importer does (``imsmanifest.xml``, the
  ``imsqti_xmlv1p2`` resource's file, the ``assessment_meta.xml`` of the same ident) and returns
  the layout errors it finds;
* :func:`dtd_errors` validates an assessment against tests/lms/ims_qtiasiv1p2p1.dtd (IMS QTI ASI
  1.2.1). The DTD predates XML namespaces: the assessment is validated with its elements' local
  names, without the namespace declaration and ``xsi:schemaLocation`` (which Canvas and text2qti
  write, and which are all a namespace-free copy drops);
* :func:`score` evaluates an item's ``resprocessing`` for a response as QTI 1.2 defines it, with
  Canvas's QTI tool's readings: several conditions in one ``conditionvar`` must all hold, and
  ``<other/>`` is true.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

DTD_PATH = Path(__file__).resolve().parent / "lms" / "ims_qtiasiv1p2p1.dtd"
QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
IMSCP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


@dataclass
class Package:
    names: list[str]
    manifest: etree._Element
    assessment: etree._Element  # with local names (namespace-free copy)
    assessment_bytes: bytes
    meta: etree._Element
    ident: str
    errors: list[str]


def local(tree: etree._Element) -> etree._Element:
    """A copy of ``tree`` with every element under its local name and namespaced attributes dropped."""
    copy = etree.fromstring(etree.tostring(tree))
    for element in copy.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
            for name in [n for n in element.attrib if n.startswith("{")]:
                del element.attrib[name]
    etree.cleanup_namespaces(copy)
    return copy


def read_package(data: bytes) -> Package:
    errors = []
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    if "imsmanifest.xml" not in names:
        raise AssertionError(f"no imsmanifest.xml in {names}")
    manifest = etree.fromstring(archive.read("imsmanifest.xml"))
    ns = {"cp": IMSCP}
    if manifest.tag != f"{{{IMSCP}}}manifest":
        errors.append(f"manifest root is {manifest.tag}")
    quizzes = manifest.findall("cp:resources/cp:resource[@type='imsqti_xmlv1p2']", ns)
    if len(quizzes) != 1:
        raise AssertionError(f"expected one imsqti_xmlv1p2 resource, found {len(quizzes)}")
    quiz = quizzes[0]
    ident = quiz.get("identifier")
    files = [f.get("href") for f in quiz.findall("cp:file", ns)]
    if files != [f"{ident}/{ident}.xml"]:
        errors.append(f"the assessment resource's file is {files}, not {ident}/{ident}.xml")
    for href in files:
        if href not in names:
            errors.append(f"the manifest names {href}, which the zip does not hold")
    dependencies = [d.get("identifierref") for d in quiz.findall("cp:dependency", ns)]
    metas = [r for r in manifest.findall("cp:resources/cp:resource", ns) if r.get("identifier") in dependencies]
    if len(metas) != 1 or not metas[0].get("type", "").endswith("learning-application-resource"):
        errors.append("the assessment does not depend on one learning-application-resource")
    meta_href = f"{ident}/assessment_meta.xml"  # Canvas: File.join(assessment migration id, 'assessment_meta.xml')
    if metas and [f.get("href") for f in metas[0].findall("cp:file", ns)] != [meta_href]:
        errors.append(f"the meta resource's file is not {meta_href}")
    if meta_href not in names:
        errors.append(f"the zip has no {meta_href}")
    for info in archive.infolist():
        if info.filename not in [*files, meta_href, "imsmanifest.xml"]:
            errors.append(f"unexpected entry {info.filename}")
    raw = archive.read(files[0])
    tree = etree.fromstring(raw)
    if tree.tag != f"{{{QTI}}}questestinterop":
        errors.append(f"the assessment's root is {tree.tag}")
    assessment = local(tree)
    if assessment.find("assessment").get("ident") != ident:
        errors.append("the assessment's ident is not its folder's name (Canvas would not apply assessment_meta.xml)")
    meta = etree.fromstring(archive.read(meta_href)) if meta_href in names else etree.Element("quiz")
    if meta.get("identifier") != ident:
        errors.append("assessment_meta.xml names another quiz")
    return Package(names, manifest, assessment, raw, local(meta), ident, errors)


def dtd_errors(assessment: etree._Element) -> list[str]:
    """The DTD's complaints about a (namespace-free) assessment, each with its item's title."""
    dtd = etree.DTD(str(DTD_PATH))
    if dtd.validate(assessment):
        return []
    errors = []
    for item in assessment.iter("item"):  # name the items that fail on their own
        single = etree.Element("questestinterop")
        single.append(etree.fromstring(etree.tostring(item)))
        if not dtd.validate(single):
            errors += [f"{item.get('title')}: {e.message}" for e in dtd.error_log]
    return errors or [e.message for e in etree.DTD(str(DTD_PATH)).error_log] or ["invalid"]


# --- scoring -------------------------------------------------------------------------------------


def _holds(node: etree._Element, response: dict[str, object]) -> bool:
    tag = node.tag
    if tag == "conditionvar" or tag == "and":
        return all(_holds(child, response) for child in node)
    if tag == "or":
        return any(_holds(child, response) for child in node)
    if tag == "not":
        [child] = list(node)
        return not _holds(child, response)
    if tag == "other":
        return True
    if tag == "varequal":
        given = response.get(node.get("respident"))
        value = node.text or ""
        if isinstance(given, (set, frozenset)):
            return value in given
        if given is None:
            return False
        if node.get("case", "No") == "Yes":
            return given == value
        return str(given).casefold() == value.casefold()
    raise AssertionError(f"the scorer does not know <{tag}>")


def score(item: etree._Element, response: dict[str, object]) -> tuple[float, list[str]]:
    """The SCORE and the feedback idents an item's resprocessing gives ``response``
    (``{respident: set of label idents}`` for choices, ``{respident: text}`` for typed answers)."""
    value, feedback = 0.0, []
    processing = item.find("resprocessing")
    for condition in processing.findall("respcondition"):
        if not _holds(condition.find("conditionvar"), response):
            continue
        for setvar in condition.findall("setvar"):
            number = float(setvar.text)
            value = {"Set": number, "Add": value + number, "Subtract": value - number}[setvar.get("action", "Set")]
        feedback += [d.get("linkrefid") for d in condition.findall("displayfeedback")]
        if condition.get("continue", "No") == "No":
            break
    return value, feedback


def metadata(item: etree._Element) -> dict[str, str]:
    return {f.findtext("fieldlabel"): f.findtext("fieldentry") for f in item.iter("qtimetadatafield")}

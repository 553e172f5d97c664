"""The corpus: documents, their catalog, and quote → exact span resolution.

A quote is matched against its document after both are put through the same *matching
normalisation* (curly → straight quotes, dashes → ``-``, every run of white space → one space,
zero-width characters dropped, Unicode compatibility decomposition). The match is then mapped back
to the exact span ``[start, end)`` of the original text, counted in code points, so
``document.text[start:end]`` is the verbatim passage as the document writes it.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from .dates import parse_date
from .errors import LoadError, Location, Problem, Problems, sorted_problems
from .heap import cache
from .yamlio import LocDict, LocList, check_keys, decode_utf8, describe, load_yaml, read_bytes

CATALOG_NAME = "catalog.yaml"
#: How far a sentence shown around a quote may reach on either side, in characters.
SENTENCE_LIMIT = 300
#: A sentence ends at . ! or ? (and closing quotes) before white space and a capital, digit or quote.
_SENTENCE_END = re.compile(r"[.!?][\"”’')]*\s+(?=[A-Z0-9“\"‘'(])")

_QUOTES = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
}
_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e")


_SPACE_RUN = re.compile(r"\s+")


def normalize_with_map(text: str) -> tuple[str, "array[int] | range"]:
    """Matching normalisation of ``text`` and, for each output character, its source index.

    Works run by run: a stretch of ASCII between white space is copied whole (the common case),
    other stretches character by character. The map is a compact array, 4 bytes a character.
    """
    if text.isascii() and " ".join(text.split()) == text:  # already normal: the map is the identity
        return text, range(len(text))
    out: list[str] = []
    index = array("I")
    space_at = -1  # where the white space before the next output character began, if any
    start = 0
    for gap in itertools.chain(_SPACE_RUN.finditer(text), (None,)):
        end = gap.start() if gap else len(text)
        if end > start:
            segment = text[start:end]
            if segment.isascii():
                if space_at >= 0 and out:
                    out.append(" ")
                    index.append(space_at)
                out.append(segment)
                index.extend(range(start, end))
                space_at = -1
            elif _append_unicode(segment, start, space_at if out else -1, out, index):
                space_at = -1  # (a stretch of invisible characters alone leaves the space pending)
        if gap:
            if space_at < 0 or not out:
                space_at = gap.start()
            start = gap.end()
    return "".join(out), index


def _append_unicode(segment: str, offset: int, space_at: int, out: list[str], index) -> bool:
    """Normalise one stretch without white space; emit the pending space before its first output.
    Returns whether anything was emitted."""
    emitted = False
    for i, ch in enumerate(segment, offset):
        if ch in _INVISIBLE:
            continue
        replacement = ch if ch < "\x80" else _QUOTES.get(ch)
        if replacement is None:
            replacement = "..." if ch == "…" else unicodedata.normalize("NFKD", ch)
        if space_at >= 0:
            out.append(" ")
            index.append(space_at)
            space_at = -1
        out.append(replacement)
        index.extend([i] * len(replacement))
        emitted = True
    return emitted


class _Replacements(dict[int, str]):
    """Each character's replacement in the matching normalisation, computed once when first met
    (a ``str.translate`` table): as :func:`_append_unicode` replaces it."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in _INVISIBLE:
            out = ""
        elif ch < "\x80":
            out = ch
        else:
            quote = _QUOTES.get(ch)
            out = quote if quote is not None else "..." if ch == "…" else unicodedata.normalize("NFKD", ch)
        self[code] = out
        return out


_REPLACEMENTS = _Replacements()


def normalize(text: str) -> str:
    """The matching normalisation alone: the text of :func:`normalize_with_map`, without its map.

    The words between white space runs are replaced character by character (a word of invisible
    characters alone vanishes with its space), then joined by single spaces. White space that a
    replacement makes (the decomposition of "¨" starts with a space) stays, as it does there."""
    if text.isascii():  # the same result, faster: ASCII text only has its white space runs collapsed
        return " ".join(text.split())
    if len(text) > 2000:  # a whole document, asked for again and again (distractors ask per candidate name)
        return _normalize_long(text)
    return _normalize_words(text)


@cache(maxsize=64)
def _normalize_long(text: str) -> str:
    return _normalize_words(text)


def _normalize_words(text: str) -> str:
    return " ".join(w for word in text.split() if (w := word if word.isascii() else word.translate(_REPLACEMENTS)))


@cache(maxsize=4096)
def words_pattern(spelling: str) -> "re.Pattern[str] | None":
    """A regex finding ``spelling`` as whole words in normalised text.

    Case is ignored, except for acronyms: "US" must not match the pronoun "us".
    """
    needle = normalize(spelling)
    if not needle:
        return None
    acronym = needle.isupper() and sum(c.isalpha() for c in needle) >= 2
    before = r"(?<!\w)(?<!\d[.,])" if needle[0].isdigit() else r"(?<!\w)"  # "000" is not in "5,000"
    after = r"(?!\w)(?![.,]\d)" if needle[-1].isdigit() else r"(?!\w)"  # nor "5" in "5,000" or "2.5"
    return re.compile(before + re.escape(needle) + after, 0 if acronym else re.IGNORECASE)


def find_words(spelling: str, text: str, *, lowered: str | None = None) -> tuple[int, int] | None:
    """Where ``spelling`` first occurs in normalised ``text`` as whole words, or None.

    The same rules as :func:`words_pattern`, by plain string search: no regular expression is
    compiled for each of a large deck's many values. ``lowered`` is ``text.lower()`` when the
    caller has it already (a document asked about many names).
    """
    needle = normalize(spelling)
    if not needle:
        return None
    if needle.isupper() and sum(c.isalpha() for c in needle) >= 2:  # an acronym: case counts
        haystack, pin = text, needle
    else:
        haystack, pin = text.lower() if lowered is None else lowered, needle.lower()
        if len(haystack) != len(text) or len(pin) != len(needle):  # rare letters change length when lowered
            match = words_pattern(spelling).search(text)  # type: ignore[union-attr]
            return (match.start(), match.end()) if match else None
    at = haystack.find(pin)
    while at >= 0:
        end = at + len(pin)
        if _whole_words(text, at, end, needle):
            return at, end
        at = haystack.find(pin, at + 1)
    return None


def _whole_words(text: str, start: int, end: int, needle: str) -> bool:
    if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return False
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        return False
    if needle[0].isdigit() and start >= 2 and text[start - 1] in ".," and text[start - 2].isdigit():
        return False  # "000" is not in "5,000"
    if needle[-1].isdigit() and end + 1 < len(text) and text[end] in ".," and text[end + 1].isdigit():
        return False  # nor "5" in "5,000" or "2.5"
    return True


@cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Normalisation for comparing values: matching normalisation plus case folding."""
    return normalize(text).casefold()


@dataclass(frozen=True)
class Source:
    """One catalog entry: where a document is and what it is."""

    id: str
    file: str
    path: str  # POSIX, relative to the project root (the corpus directory's parent)
    title: str
    outlet: str
    author: str | None
    published: str | None
    date_basis: str
    url: str | None = None
    language: str | None = None
    sha256: str = ""


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class QuoteMatch:
    """The result of looking a quote up: the spans where it occurs (0, 1 or more)."""

    spans: tuple[Span, ...]
    closest: str | None = None
    similarity: float = 0.0
    closest_line: int = 0


@dataclass(frozen=True, eq=False)
class Document:
    source: Source
    text: str = field(repr=False)

    @cached_property
    def _normalized(self) -> tuple[str, "array[int] | range"]:
        return normalize_with_map(self.text)

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def sentence_around(self, start: int, end: int, *, limit: int = SENTENCE_LIMIT) -> tuple[int, int]:
        """The span of the whole sentence(s) that ``start:end`` lies in: from the end of the
        sentence before (a full stop, question or exclamation mark followed by a capital or a
        quotation mark, or a line break) to the end of the last one. Each side grows by at most
        ``limit`` characters and then stops at a word boundary."""
        text = self.text
        left = start
        floor = max(0, start - limit)
        while left > floor:
            if text[left - 1] == "\n" or (_SENTENCE_END.match(text, left - 2) and left >= 2):
                break
            left -= 1
        while left < start and text[left].isspace():
            left += 1
        if left == floor and floor > 0:  # no sentence start in reach: begin at a word
            while left < start and not text[left - 1].isspace():
                left += 1
        right = end
        ceiling = min(len(text), end + limit)
        if not (end and text[end - 1] in ".!?" and (end == len(text) or text[end].isspace())):
            while right < ceiling:
                if text[right] == "\n":
                    break
                if text[right] in ".!?" and _SENTENCE_END.match(text, right):
                    right += 1
                    while right < len(text) and text[right] in "\"”’')":
                        right += 1
                    break
                right += 1
            if right == ceiling and ceiling < len(text):
                while right > end and not text[right].isspace():
                    right -= 1
        return left, max(right, end)

    def find(self, quote: str, *, closest: bool = True) -> QuoteMatch:
        """Every place the quote occurs, as exact spans of the original text; when there is none,
        the closest passage too (unless ``closest`` is false)."""
        needle = normalize(quote)
        haystack, index = self._normalized
        spans: list[Span] = []
        if needle:
            at = haystack.find(needle)
            while at >= 0:
                end = at + len(needle)
                # a match must start and end on whole original characters
                if (at == 0 or index[at - 1] != index[at]) and (
                    end == len(index) or index[end] != index[end - 1]
                ):
                    spans.append(Span(index[at], index[end - 1] + 1))
                at = haystack.find(needle, at + 1)
        if spans or not closest:
            return QuoteMatch(tuple(spans))
        return self._closest(needle)

    def _closest(self, needle: str) -> QuoteMatch:
        """The passage most like ``needle``: a few candidate windows found by shared trigrams in
        one pass over the document, then aligned finely (see :func:`closest_windows`)."""
        haystack, index = self._normalized
        if not needle or not haystack or len(needle) > MAX_HINT_CHARS:
            return QuoteMatch(())
        width = min(len(needle), len(haystack))
        best = (-1.0, 0)
        for candidate in closest_windows(needle, haystack, width):
            for start in _word_starts_near(haystack, candidate):
                ratio = similarity(needle, haystack[start : start + width])
                if ratio > best[0]:
                    best = (ratio, start)
        ratio, start = best
        end = min(len(index), start + width)
        stop = index[end - 1] + 1
        while stop < len(self.text) and stop - index[end - 1] < 30 and not self.text[stop].isspace():
            stop += 1  # finish the last word
        original = self.text[index[start] : stop]
        return QuoteMatch((), original, ratio, self.line_of(index[start]))


#: Quotes longer than this get no closest-passage hint: no one reads a hint that long.
MAX_HINT_CHARS = 10_000
#: How many candidate windows are aligned finely.
_CANDIDATES = 3
#: Above this length similarity is measured on words: characters would cost the square of the length.
_CHARACTER_RATIO_LIMIT = 500


def closest_windows(needle: str, haystack: str, width: int) -> list[int]:
    """The starts of the ``width``-character windows of ``haystack`` sharing the most character
    trigrams with ``needle`` (counted with multiplicity), at most one per half window: one pass,
    each step adding the trigram that enters the window and dropping the one that leaves it."""
    if len(haystack) <= width:
        return [0]
    folded = needle.lower(), haystack.lower()
    if len(folded[0]) == len(needle) and len(folded[1]) == len(haystack):
        needle, haystack = folded
    size = 3 if width >= 3 else 1
    wanted: dict[str, int] = {}
    for i in range(len(needle) - size + 1):
        gram = needle[i : i + size]
        wanted[gram] = wanted.get(gram, 0) + 1
    grams = width - size + 1  # trigrams in one window
    held: dict[str, int] = {}
    score = 0
    for i in range(grams):
        gram = haystack[i : i + size]
        if gram in wanted:
            count = held.get(gram, 0)
            held[gram] = count + 1
            score += count < wanted[gram]
    block = max(1, width // 2)
    last = len(haystack) - width
    best_score = [-1] * (last // block + 1)
    best_start = [0] * (last // block + 1)
    best_score[0] = score
    for start in range(1, last + 1):
        gone = haystack[start - 1 : start - 1 + size]
        if gone in wanted:
            count = held[gone] - 1
            held[gone] = count
            score -= count < wanted[gone]
        came = haystack[start + grams - 1 : start + grams - 1 + size]
        if came in wanted:
            count = held.get(came, 0)
            held[came] = count + 1
            score += count < wanted[came]
        b = start // block
        if score > best_score[b]:
            best_score[b], best_start[b] = score, start
    ranked = sorted(range(len(best_score)), key=lambda b: (-best_score[b], b))[:_CANDIDATES]
    return [best_start[b] for b in ranked]


def _word_starts_near(text: str, at: int, reach: int = 12) -> list[int]:
    """``at`` and the nearest word starts before and after it (a window is best read from a word)."""
    starts = [at]
    before = at
    while before > 0 and at - before < reach and not text[before - 1].isspace():
        before -= 1
    if before != at and (before == 0 or text[before - 1].isspace()):
        starts.append(before)
    after = at
    while after < len(text) and after - at < reach and not text[after - 1].isspace():
        after += 1
    if after != at and after < len(text) and text[after - 1].isspace():
        starts.append(after)
    return starts


def similarity(a: str, b: str) -> float:
    """difflib's ratio of two passages: of their characters, or of their words when long."""
    if max(len(a), len(b)) <= _CHARACTER_RATIO_LIMIT:
        return difflib.SequenceMatcher(None, b, a, autojunk=False).ratio()
    return difflib.SequenceMatcher(None, b.split(), a.split(), autojunk=False).ratio()


@dataclass(frozen=True, eq=False)
class Corpus:
    """The documents a deck may quote, keyed by source id."""

    root: Path  # the corpus directory (holds catalog.yaml)
    documents: dict[str, Document]
    messages: tuple[Problem, ...] = ()  # warnings found while loading (e.g. a changed document)
    #: Source ids whose catalog entry has an error, each with where the entry is: facts citing
    #: one are not checked (only :func:`read_corpus` returns a corpus with any). The key ``""``
    #: stands for entries without a usable id: with one, no source id is known to be unknown.
    broken: dict[str, Location] = field(default_factory=dict)

    def release_search_maps(self) -> None:
        """Drop each document's normalised text and offset map; a later search rebuilds them."""
        for document in self.documents.values():
            document.__dict__.pop("_normalized", None)

    @property
    def project_root(self) -> Path:
        return self.root.parent

    def __contains__(self, source_id: str) -> bool:
        return source_id in self.documents

    def __getitem__(self, source_id: str) -> Document:
        return self.documents[source_id]

    @property
    def sources(self) -> list[Source]:
        return [doc.source for doc in self.documents.values()]


_CATALOG_KEYS = ("id", "file", "title", "outlet", "author", "published", "date_basis", "url", "language", "sha256")
_CATALOG_REQUIRED = ("id", "file", "title", "outlet", "date_basis")


def load_corpus(root: Path, *, display_root: str | None = None) -> Corpus:
    """Load ``root/catalog.yaml`` and every document it lists. Raises :class:`LoadError` listing
    every problem of the catalog and its documents."""
    corpus = read_corpus(root, display_root=display_root)
    if any(p.severity == "error" for p in corpus.messages):
        raise LoadError(sorted_problems(corpus.messages))
    return corpus


def read_corpus(root: Path, *, display_root: str | None = None) -> Corpus:
    """Load what of the corpus can be loaded: an entry with an error (a missing key, an unreadable
    document, …) is left out and its id recorded in :attr:`Corpus.broken`, the error in
    :attr:`Corpus.messages`, so the facts citing other sources are still checked.

    Raises :class:`LoadError` only when there is no catalog to read at all.
    """
    catalog_path = root / CATALOG_NAME
    shown_root = display_root if display_root is not None else str(root)
    shown = f"{shown_root.rstrip('/')}/{CATALOG_NAME}"
    if not root.is_dir():
        raise LoadError(
            "corpus directory not found; set the deck's 'corpus' key to the folder that holds catalog.yaml",
            Location(shown_root),
        )
    data, found = load_yaml(catalog_path, display=shown)
    problems = Problems()
    problems.extend(found)
    if isinstance(data, LocDict) and "sources" in data and not isinstance(data["sources"], LocList):
        raise LoadError(f"catalog: 'sources' must be a list of documents, found {describe(data['sources'])}", data.value_loc("sources"))
    if not isinstance(data, LocDict) or not isinstance(data.get("sources"), LocList):
        where = data.loc if isinstance(data, (LocDict, LocList)) else Location(shown, 1, 1)
        raise LoadError("a catalog is a mapping with a list under 'sources:'", where)
    check_keys(data, allowed=("sources", "title", "description"), what="catalog", problems=problems)
    for key in ("title", "description"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.error(data.value_loc(key), f"catalog: '{key}' must be text, found {describe(data[key])}")
    documents: dict[str, Document] = {}
    resolved_root = root.resolve()
    broken: dict[str, Location] = {}
    for i, entry in enumerate(data["sources"]):
        where = data["sources"].item_loc(i)
        if not isinstance(entry, LocDict):
            problems.error(where, f"catalog entry {i + 1}: expected a mapping, found {describe(entry)}")
            continue
        errors_before = _count_errors(problems)
        document = _entry_document(entry, i, resolved_root, shown_root, documents, problems)
        source_id = entry.get("id")
        if _count_errors(problems) > errors_before:
            usable_id = source_id if isinstance(source_id, str) and _SOURCE_ID.match(source_id) else ""
            if usable_id not in documents:  # (a duplicate of a good entry breaks nothing)
                broken.setdefault(usable_id, entry.loc)
        elif document is not None:
            documents[document.source.id] = document
    return Corpus(root, documents, tuple(problems.items), broken)


def _count_errors(problems: Problems) -> int:
    return sum(1 for p in problems.items if p.severity == "error")


def _entry_document(
    entry: LocDict, index: int, resolved_root: Path, shown_root: str, documents: dict[str, Document], problems: Problems
) -> Document | None:
    """The document one catalog entry describes, or None (with its problems reported, each
    naming the source id, or the entry's number when it has no id)."""
    source_id, file_name = entry.get("id"), entry.get("file")
    what = f"source {source_id!r}" if isinstance(source_id, str) and source_id else f"catalog entry {index + 1}"
    check_keys(entry, allowed=_CATALOG_KEYS, required=_CATALOG_REQUIRED, what=what, problems=problems)
    for key in _CATALOG_KEYS:
        value = entry.get(key)
        if value is not None and key != "published" and not isinstance(value, str):
            problems.error(entry.value_loc(key), f"{what}: '{key}' must be text, found {describe(value)}")
    if not isinstance(source_id, str) or not isinstance(file_name, str):
        return None
    if not _SOURCE_ID.match(source_id):
        problems.error(entry.value_loc("id"), f"source id {source_id!r} must be lower-case letters, digits, '.', '_' or '-'")
        return None
    url = entry.get("url")
    if isinstance(url, str) and url.strip() and http_url(url) is None:
        problems.error(entry.value_loc("url"), f"source {source_id!r}: 'url' must be an http or https address, not {url!r}")
    if source_id in documents:
        first = documents[source_id].source.file
        problems.error(entry.value_loc("id"), f"duplicate source id {source_id!r} (already the id of {first}); give each document its own id")
        return None
    published = entry.get("published")
    if published is not None:
        published = parse_date(published)
        if published is None:
            problems.error(
                entry.value_loc("published"),
                f"source {source_id!r}: 'published' must be YYYY, YYYY-MM or YYYY-MM-DD (or null)",
            )
    path = safe_path(resolved_root, file_name, problems, entry.value_loc("file"))
    if path is None:
        return None
    shown_file = f"{shown_root.rstrip('/')}/{file_name}"
    if not path.exists():
        problems.error(entry.value_loc("file"), f"source {source_id!r}: document {file_name!r} not found in {shown_root}")
        return None
    try:
        raw = read_bytes(path, display=shown_file)
    except LoadError as exc:  # report it where the catalog names the file
        for problem in exc.problems:
            problems.error(entry.value_loc("file"), f"source {source_id!r}: cannot read {file_name!r}: {problem.message}")
        return None
    try:
        text = decode_utf8(raw, shown_file)
    except LoadError as exc:  # a bad byte is best shown where it stands in the document
        problems.extend(exc.problems)
        return None
    digest = hashlib.sha256(raw).hexdigest()
    expected = entry.get("sha256")
    if isinstance(expected, str) and not _SHA256.match(expected):
        problems.error(
            entry.value_loc("sha256"),
            f"source {source_id!r}: 'sha256' must be 64 hexadecimal digits (what sha256sum prints), not {expected[:80]!r}",
        )
    elif isinstance(expected, str) and expected.lower() != digest:
        problems.warning(
            entry.value_loc("sha256"),
            f"source {source_id!r}: {file_name} changed since it was catalogued (sha256 {digest[:12]}…, "
            f"catalog says {expected[:12]}…); re-check the quotes from it, then update 'sha256'",
        )
    relative = path.relative_to(resolved_root.parent).as_posix()
    source = Source(
        id=source_id,
        file=file_name,
        path=relative,
        title=str(entry.get("title") or ""),
        outlet=str(entry.get("outlet") or ""),
        author=entry.get("author"),
        published=published,
        date_basis=str(entry.get("date_basis") or ""),
        url=entry.get("url"),
        language=entry.get("language"),
        sha256=digest,
    )
    return Document(source, text)


_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def http_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) address with a host (the only links studykit writes), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def safe_path(root: Path, name: str, problems: Problems, where: Location) -> Path | None:
    """Resolve ``name`` inside ``root``; report (and return None for) paths that leave it."""
    candidate = Path(name)
    if candidate.is_absolute() or ".." in candidate.parts:
        problems.error(where, f"path {name!r} leaves the corpus directory; give a file name inside it")
        return None
    resolved = (root / candidate).resolve()
    try:
        resolved.relative_to(root)
    except ValueError:
        problems.error(where, f"path {name!r} leads outside the corpus directory (through a symbolic link)")
        return None
    return resolved

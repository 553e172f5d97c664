"""Dates from time expressions, at the precision that grounding will accept.

A date written out ("April 13, 2014", "Feb. 25", "March 2014", "1947") is taken at its own
precision, and kept only as precisely as the quote spells it (``studykit.dates.date_spellings``).
A date relative to the dateline ("on Friday", "yesterday", "two weeks ago", "last month") is
worked out from the catalog's publication date as a range of possible days, and then written as
the most precise date (day, month or year) that covers the whole range *and* that the publication
date grounds: the same day, a day up to 14 days before it, or a month or year that contains it or
that it contains. So a proposal's date always passes ``studykit check`` exactly as written.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ..corpus import find_words, normalize
from ..dates import date_spellings
from ..grounding import agrees_with_publication

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_NUMBER_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUMBER_WORDS.update({"a": 1, "an": 1, "a couple of": 2, "several": 3})

_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?!\w)", re.I)
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*\d{{4}})", re.I)
_MONTH_YEAR = re.compile(rf"\b{_MONTH},?\s+(\d{{4}})\b", re.I)
_YEAR = re.compile(r"(?<![\d,.$-])\b(1[5-9]\d\d|20\d\d)\b(?!s|'s|\d|-\d|–\d)")
_RANGE = re.compile(r"\b\d{4}\s*[-–]\s*\d{2,4}\b|\b\d{4}s\b")
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
_AGO = re.compile(r"\b(\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a couple of|several)\s+(day|week|month|year)s?\s+ago\b", re.I)
_LAST = re.compile(r"\b(last|this|earlier this|later this)\s+(week|month|year|weekend)\b", re.I)
_LAST_MONTH_NAME = re.compile(rf"\blast\s+{_MONTH}(?!\s+\d)", re.I)
_TODAY = re.compile(r"\b(today|tonight|this (morning|afternoon|evening))\b", re.I)
_YESTERDAY = re.compile(r"\byesterday\b", re.I)


@dataclass(frozen=True)
class Dated:
    """A time expression and the date it grounds, with how it was found."""

    date: str  # YYYY, YYYY-MM or YYYY-MM-DD
    rule: str  # "written" (spelled in the text) or "dateline" (relative to the publication date)
    text: str  # the expression


def publication_range(published: str | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day the catalog's publication date allows."""
    if not published:
        return None
    parts = [int(p) for p in published.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        last = calendar.monthrange(parts[0], parts[1])[1]
        return dt.date(parts[0], parts[1], 1), dt.date(parts[0], parts[1], last)
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


def grounded_by_publication(date: str, published: str | None) -> bool:
    """The rule ``studykit check`` applies (:func:`studykit.grounding.agrees_with_publication`)."""
    return agrees_with_publication(date, published)[0]


def spelled_in(date: str, quote: str) -> bool:
    """Whether the quote writes the date out at its own precision (the grounding rule)."""
    text = normalize(quote)
    return any(all(find_words(piece, text) for piece in pieces) for pieces in date_spellings(date))


def _covering(lo: dt.date, hi: dt.date, published: str | None) -> str | None:
    """The most precise date covering ``[lo, hi]`` that the publication date grounds."""
    candidates = []
    if lo == hi:
        candidates.append(lo.isoformat())
    if (lo.year, lo.month) == (hi.year, hi.month):
        candidates.append(f"{lo.year:04d}-{lo.month:02d}")
    if lo.year == hi.year:
        candidates.append(f"{lo.year:04d}")
    return next((c for c in candidates if grounded_by_publication(c, published)), None)


def _coarsen(date: str, quote: str, published: str | None) -> str | None:
    """``date`` or a coarser one, as precise as the quote or the publication date grounds."""
    parts = date.split("-")
    for n in range(len(parts), 0, -1):
        candidate = "-".join(parts[:n])
        if spelled_in(candidate, quote) or grounded_by_publication(candidate, published):
            return candidate
    return None


def resolve(expression: str, quote: str, published: str | None) -> Dated | None:
    """The date a time expression (a spaCy DATE entity's text, say) stands for, or None.

    ``quote`` is the sentence the proposal will quote: a written date must be spelled in it.
    """
    text = expression.strip()
    if _RANGE.search(text):
        return None  # "1967-1970", "the 1990s": no single date
    pub = publication_range(published)
    for pattern, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        match = pattern.search(text)
        if match:
            groups = match.groups()
            day, month, year = (groups[0], groups[1], groups[2]) if order == "dmy" else (groups[1], groups[0], groups[2])
            found = _written(int(year), _MONTHS[month.lower().rstrip(".")], int(day), quote, published)
            return Dated(found, "written", text) if found else None
    match = _DAY_MONTH.search(text) or _MONTH_DAY.search(text)
    if match and pub:
        first, second = match.groups()
        day, month = (first, second) if first.isdigit() else (second, first)
        month_number = _MONTHS[month.lower().rstrip(".")]
        # no year: the latest such day on or before the dateline (reports look back, not ahead)
        year = pub[1].year if (month_number, int(day)) <= (pub[1].month, pub[1].day) else pub[1].year - 1
        found = _written(year, month_number, int(day), quote, published)
        return Dated(found, "written", text) if found else None
    match = _MONTH_YEAR.search(text)
    if match:
        candidate = f"{int(match.group(2)):04d}-{_MONTHS[match.group(1).lower().rstrip('.')]:02d}"
        found = _coarsen(candidate, quote, published)
        return Dated(found, "written", text) if found else None
    match = _YEAR.search(text)
    if match and not _AGO.search(text):
        return Dated(match.group(1), "written", text) if spelled_in(match.group(1), quote) else None
    if pub is None:
        return None
    relative = _relative(text, pub)
    if relative is None:
        return None
    found = _covering(*relative, published)
    return Dated(found, "dateline", text) if found else None


def _written(year: int, month: int, day: int, quote: str, published: str | None) -> str | None:
    try:
        candidate = dt.date(year, month, day).isoformat()
    except ValueError:
        return None
    return _coarsen(candidate, quote, published)


def _relative(text: str, pub: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date] | None:
    """The days a relative expression can mean, given the days the dateline can be."""
    lo, hi = pub
    match = _WEEKDAY.search(text)
    if match:
        weekday = _WEEKDAYS[match.group(1).lower()]
        # the latest such weekday on or before the dateline ("on Friday" in a Friday paper: that day)
        return lo - dt.timedelta(days=(lo.weekday() - weekday) % 7), hi - dt.timedelta(days=(hi.weekday() - weekday) % 7)
    if _TODAY.search(text):
        return lo, hi
    if _YESTERDAY.search(text):
        return lo - dt.timedelta(days=1), hi - dt.timedelta(days=1)
    match = _AGO.search(text)
    if match:
        count_text, unit = match.group(1).lower(), match.group(2).lower()
        count = int(count_text) if count_text.isdigit() else _NUMBER_WORDS.get(count_text, 0)
        if unit == "day":
            return lo - dt.timedelta(days=count), hi - dt.timedelta(days=count)
        if unit == "week":  # "two weeks ago" is loose: give it half a week either way
            return lo - dt.timedelta(days=7 * count + 3), hi - dt.timedelta(days=max(0, 7 * count - 3))
        if unit == "month":
            return _months_before(lo, count + 1), _months_before(hi, max(0, count - 1))
        return dt.date(lo.year - count - 1, 1, 1), dt.date(hi.year - count + 1, 12, 31)
    match = _LAST.search(text)
    if match:
        which, unit = match.group(1).lower(), match.group(2).lower()
        if unit in ("week", "weekend"):
            return (lo - dt.timedelta(days=13), hi - dt.timedelta(days=1)) if which == "last" else (lo - dt.timedelta(days=6), hi)
        if unit == "month":
            return (_months_before(lo, 1).replace(day=1), hi.replace(day=1) - dt.timedelta(days=1)) if which == "last" else (lo.replace(day=1), hi)
        return (dt.date(lo.year - 1, 1, 1), dt.date(hi.year - 1, 12, 31)) if which == "last" else (dt.date(lo.year, 1, 1), hi)
    match = _LAST_MONTH_NAME.search(text)
    if match:
        month = _MONTHS[match.group(1).lower().rstrip(".")]
        year_lo = lo.year if month < lo.month else lo.year - 1
        year_hi = hi.year if month < hi.month else hi.year - 1
        return dt.date(year_lo, month, 1), dt.date(year_hi, month, calendar.monthrange(year_hi, month)[1])
    return None


def _months_before(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))

"""Dates as precise as the source supports: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""

from __future__ import annotations

import datetime as _dt
import re

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def parse_date(value: object) -> str | None:
    """Return the canonical text of a date value, or ``None`` if it is not a valid date.

    Accepts a year as a number (``2014``), a YAML date (``2022-02-25``) or text in one of the
    three precisions. Impossible dates (``2022-02-30``) are rejected.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    match = _PATTERN.match(value.strip())
    if not match:
        return None
    year, month, day = match.groups()
    try:
        _dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return value.strip()


def year_of(date: str) -> int:
    return int(date[:4])


def display_date(date: str) -> str:
    """``2022-02-25`` → ``25 February 2022``; ``2014-03`` → ``March 2014``; ``1967`` → ``1967``."""
    parts = date.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return parts[0]


def time_anchor(date: str) -> str:
    """The phrase a question stem carries: ``on 25 February 2022``, ``in March 2014``, ``in 1967``."""
    return ("on " if date.count("-") == 2 else "in ") + display_date(date)


def date_spellings(date: str) -> list[list[str]]:
    """Ways a text may write a date, at the date's own precision, for grounding.

    Returns alternatives, each a list of pieces that must all occur: a day needs its day and
    month written out ("25 February", "Feb. 25"); a month needs its name and year; a year itself.
    """
    parts = date.split("-")
    year = parts[0]
    if len(parts) == 1:
        return [[year]]
    month = _MONTHS[int(parts[1]) - 1]
    names = [month, month[:3] + ".", month[:3]] if len(month) > 3 else [month]
    if len(parts) == 2:
        return [[f"{name} {year}"] for name in names] + [[name, year] for name in names]
    day = str(int(parts[2]))
    return [[f"{day} {name}"] for name in names] + [[f"{name} {day}"] for name in names] + [[date]]

"""Every date format seen in LinkedIn exports (and plain ISO dates for CRM files).

Decision: a value without a time zone is taken as **UTC**. LinkedIn writes some columns in
UTC explicitly (``... UTC``) and others with no zone at all (``Connected On``, ``Sent At``,
``Date`` of Shares/Comments/Reactions); the export does not say which zone those use, so
they are read as UTC, which can shift an event by the member's UTC offset. A date without a
time of day (``17 Jun 2021``, ``2016-10-20``) is midnight UTC of that day. Explicit zones other
than UTC/GMT/Z (or a numeric offset) are refused rather than guessed.

Month names are matched with our own English table, so parsing does not depend on the
process locale. Two-digit years: ``00``-``69`` are 20xx, ``70``-``99`` are 19xx.

Accepted shapes (examples):

* ``17 Jun 2021`` (Connections)
* ``8/26/22, 8:56 PM`` and ``12/09/22, 07:18 PM`` (Invitations, Recommendations, 2018 files)
* ``2022-09-08 18:08:14 UTC``, ``2021-06-16 03:28:40`` (messages, Shares, Comments, Reactions)
* ``2022/07/27 01:50:25 UTC`` (Endorsements, 2018 Shares)
* ``Tue Aug 30 14:33:11 UTC 2022`` (Company Follows)
* ``You uploaded a feed photo on June 10, 2025 at 12:54 PM (GMT)`` (Rich Media prose)
* ISO 8601: ``2022-09-08T18:08:14Z``, ``2022-09-08T18:08:14+02:00``, ``2016-10-20``
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

_ZONE = r"(?:\s*\(?(UTC|GMT|Z)\)?)?"
_DAY_MON_YEAR = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{4})$")
_US = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4}),?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?" + _ZONE + "$"
)
_YMD = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?" + _ZONE + "$")
_UNIX_DATE = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3,9})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+"
    r"(UTC|GMT|Z)\s+(\d{4})$"
)
_PROSE = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}), (\d{4})(?:,? at (\d{1,2}):(\d{2})\s*([AaPp][Mm])?)?" + _ZONE)

_OTHER_ZONE = re.compile(r"\((?!UTC\)|GMT\))[A-Z]{2,5}\)")


def _month(name: str) -> int:
    number = MONTHS.get(name[:3].lower())
    if number is None:
        raise ValueError(f"unknown month {name!r}")
    return number


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _hour(hour: str | None, meridiem: str | None) -> int:
    value = int(hour or 0)
    if meridiem:
        if not 1 <= value <= 12:
            raise ValueError("hour out of range for AM/PM")
        value = value % 12 + (12 if meridiem.lower() == "pm" else 0)
    return value


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def parse_timestamp(value: str) -> datetime:
    """Parse any supported export date into an aware UTC datetime; ``ValueError`` otherwise."""
    text = " ".join(value.replace("\xa0", " ").split())
    if not text:
        raise ValueError("empty date")
    if match := _DAY_MON_YEAR.match(text):
        day, month, year = match.groups()
        return _utc(int(year), _month(month), int(day))
    if match := _US.match(text):
        month, day, year, hour, minute, second, meridiem, _zone = match.groups()
        return _utc(_year(year), int(month), int(day), _hour(hour, meridiem), int(minute or 0), int(second or 0))
    if match := _YMD.match(text):
        year, month, day, hour, minute, second, _zone = match.groups()
        return _utc(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    if match := _UNIX_DATE.match(text):
        month, day, hour, minute, second, _zone, year = match.groups()
        return _utc(int(year), _month(month), int(day), int(hour), int(minute), int(second))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is not None:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if (match := _PROSE.search(text)) and not _OTHER_ZONE.search(text):
        month, day, year, hour, minute, meridiem, _zone = match.groups()
        return _utc(int(year), _month(month), int(day), _hour(hour, meridiem), int(minute or 0))
    raise ValueError(f"unrecognised date {value!r}")

"""Every LinkedIn export date format; naive values are UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from importers.events import iso_z
from importers.linkedin.dates import parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17 Jun 2021", "2021-06-17T00:00:00Z"),
        ("9 Sep 2022", "2022-09-09T00:00:00Z"),
        ("1/8/18, 6:14 PM", "2018-01-08T18:14:00Z"),
        ("8/26/22, 8:56 PM", "2022-08-26T20:56:00Z"),
        ("12/09/22, 07:18 PM", "2022-12-09T19:18:00Z"),
        ("12/24/23, 05:28 AM", "2023-12-24T05:28:00Z"),
        ("2/12/26, 12:05 AM", "2026-02-12T00:05:00Z"),
        ("2/12/26, 12:05 PM", "2026-02-12T12:05:00Z"),
        ("2022-09-08 18:08:14 UTC", "2022-09-08T18:08:14Z"),
        ("2021-06-16 03:28:40", "2021-06-16T03:28:40Z"),
        ("2022/07/27 01:50:25 UTC", "2022-07-27T01:50:25Z"),
        ("Tue Aug 30 14:33:11 UTC 2022", "2022-08-30T14:33:11Z"),
        ("Wed Jun 16 06:56:05 UTC 2021", "2021-06-16T06:56:05Z"),
        ("You uploaded a feed photo on June 10, 2025 at 12:54 PM (GMT)", "2025-06-10T12:54:00Z"),
        ("2016-10-20", "2016-10-20T00:00:00Z"),
        ("2022-09-08T18:08:14Z", "2022-09-08T18:08:14Z"),
        ("2022-09-08T20:08:14+02:00", "2022-09-08T18:08:14Z"),
        (" 17\xa0Jun 2021 ", "2021-06-17T00:00:00Z"),
    ],
)
def test_formats(text: str, expected: str) -> None:
    parsed = parse_timestamp(text)
    assert parsed.tzinfo is not None
    assert iso_z(parsed) == expected


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "31 Foo 2021", "13/45/22, 9:00 AM", "8/26/22, 13:00 PM", "June 10, 2025 at 1:00 PM (PDT)"],
)
def test_unparseable(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)


def test_iso_z_treats_naive_as_utc() -> None:
    assert iso_z(datetime(2022, 1, 2, 3, 4, 5)) == "2022-01-02T03:04:05Z"
    assert iso_z(datetime(2022, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2022-01-02T03:04:05Z"

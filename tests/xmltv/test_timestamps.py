"""XMLTV times: 14 digits, a space, +0000; cached formatting equals the plain one."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from xmltv.timestamps import TimestampFormatter, format_timestamp

SHAPE = re.compile(r"^\d{14} \+0000$")


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        (0, "19700101000000 +0000"),
        (1_704_067_200, "20240101000000 +0000"),
        (1_704_067_200 + 12 * 3600 + 34 * 60 + 56, "20240101123456 +0000"),
        (1_709_164_800, "20240229000000 +0000"),  # leap day
        (1_704_067_199, "20231231235959 +0000"),  # the second before midnight, new year
        (1_711_846_800, "20240331010000 +0000"),  # EU DST starts; UTC does not care
        (-1, "19691231235959 +0000"),
    ],
)
def test_format(ts: int, expected: str) -> None:
    assert format_timestamp(ts) == expected
    formatter = TimestampFormatter()
    assert formatter(ts) == expected
    assert formatter(ts) == expected  # from the cache


def test_cached_formatter_matches_datetime_over_a_week() -> None:
    formatter = TimestampFormatter()
    for ts in range(1_704_067_200 - 3600, 1_704_067_200 + 7 * 86_400, 997):
        expected = datetime.fromtimestamp(ts, UTC).strftime("%Y%m%d%H%M%S +0000")
        assert formatter(ts) == expected
        assert SHAPE.match(formatter(ts))

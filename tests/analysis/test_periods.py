import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudwarn.analysis.periods import parse_time, period_key, period_label


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-30 08:01:02", dt.datetime(2026, 11, 30, 8, 1, 2)),
        ("2026/11/30", dt.datetime(2026, 11, 30)),
        ("2026.11.3 8:05", dt.datetime(2026, 11, 3, 8, 5)),
        ("2026年11月30日 14时05分", dt.datetime(2026, 11, 30, 14, 5)),
        ("2026-11-30T08:01:02+08:00", dt.datetime(2026, 11, 30, 8, 1, 2)),
        ("20261130", dt.datetime(2026, 11, 30)),
        ("20261130141500", dt.datetime(2026, 11, 30, 14, 15)),
        ("1764460800", dt.datetime(2025, 11, 30, 8, 0)),  # Unix seconds, read in Beijing time
        ("1764460800000", dt.datetime(2025, 11, 30, 8, 0)),  # milliseconds
    ],
)
def test_times_as_exports_write_them(raw, expected):
    assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["", "  ", "昨天", "2026-13-01", "2026-02-30", "0000-01-01", "12345", None])
def test_what_is_not_a_time_is_none(raw):
    assert parse_time(raw) is None


def test_period_keys_and_labels():
    t = dt.datetime(2026, 11, 30, 23, 59)  # a Monday
    assert period_key(t, "day") == "2026-11-30"
    assert period_key(t, "week") == "2026-W49"
    assert period_key(dt.datetime(2026, 11, 29), "week") == "2026-W48"  # Sunday belongs to the week before
    assert period_label("2026-W49") == "2026年第49周"
    assert period_label("2026-11-30") == "11月30日"


@given(st.text(max_size=40))
def test_any_text_parses_or_is_none(s):
    t = parse_time(s)
    assert t is None or 1990 <= t.year <= 2100

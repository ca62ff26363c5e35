"""Message times as exported by gateways and phones, and the day or week they fall in.

Exports write times in many ways (``2026-11-30 08:01:02``, ``2026/11/30``, ``2026年11月30日``,
``20261130``, Unix seconds or milliseconds). Times are only bucketed, so the parse is
deliberately lenient and time-zone free: a zone suffix is ignored, the wall-clock date kept.
"""

from __future__ import annotations

import datetime as _dt
import re

PERIODS = ("day", "week")

_DATE = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2}(?:\.\d+)?))?)?"
)
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?\s*$")
_EPOCH = re.compile(r"^\s*(\d{10}|\d{13})(?:\.\d+)?\s*$")
_MIN_YEAR, _MAX_YEAR = 1990, 2100


def parse_time(value: str | None) -> _dt.datetime | None:
    """The wall-clock time written in ``value``, or None when it is not a time we can read."""
    if value is None:
        return None
    s = value.strip()
    if not s:
        return None
    m = _EPOCH.match(s)
    if m and not _COMPACT.match(s):
        seconds = int(m.group(1)) / (1000 if len(m.group(1)) == 13 else 1)
        try:
            t = _dt.datetime.fromtimestamp(seconds, tz=_dt.timezone(_dt.timedelta(hours=8)))
        except (OverflowError, OSError, ValueError):
            return None
        return t.replace(tzinfo=None) if _MIN_YEAR <= t.year <= _MAX_YEAR else None
    m = _DATE.match(s) or _COMPACT.match(s)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.group(1, 2, 3))
    hh, mm = int(m.group(4) or 0), int(m.group(5) or 0)
    ss = int(float(m.group(6) or 0))
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        return None
    try:
        return _dt.datetime(y, mo, d, hh, mm, min(ss, 59))
    except ValueError:
        return None


def period_key(t: _dt.datetime, period: str) -> str:
    """``2026-11-30`` for a day, ``2026-W49`` (ISO week, Monday first) for a week."""
    if period == "day":
        return t.date().isoformat()
    if period == "week":
        y, w, _ = t.isocalendar()
        return f"{y}-W{w:02d}"
    raise ValueError(f"unknown period {period!r}")


def period_label(key: str) -> str:
    """A key as a reader says it: ``2026年第49周`` or ``11月30日``."""
    if "-W" in key:
        y, w = key.split("-W")
        return f"{y}年第{int(w)}周"
    d = _dt.date.fromisoformat(key)
    return f"{d.month}月{d.day}日"

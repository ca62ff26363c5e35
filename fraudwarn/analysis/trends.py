"""Trends: which fraud types rose or fell against the previous day or week.

Input is a ``fraudwarn batch --time-column … --summary`` file, whose ``by_period`` holds
per-period counts of 诈骗信息 and 案情描述 per type. The change is said the way police
notices say it ("较上周上升四成", "翻了一番"), in Chinese numerals.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudwarn.categories import NORMAL_ID, get_category
from fraudwarn.errors import FraudwarnError, InputError

_DIGITS = "零一二三四五六七八九"
#: Below this many messages in both periods a change is noise, and is not called a rise.
MIN_COUNT = 5
#: A rise smaller than this (relative) is not called a rise in a notice.
MIN_RISE = 0.2


@dataclass(frozen=True)
class TypeTrend:
    category: str
    current: int
    previous: int

    @property
    def change(self) -> float | None:
        """Relative change; None when the type is new this period."""
        return None if self.previous == 0 else (self.current - self.previous) / self.previous

    @property
    def phrase(self) -> str:
        return change_phrase(self.previous, self.current)


@dataclass(frozen=True)
class Trends:
    period: str  # "day" or "week"
    current: str  # period key, e.g. 2026-W49
    previous: str
    types: tuple[TypeTrend, ...]  # biggest absolute change first

    @property
    def unit(self) -> str:
        return "周" if self.period == "week" else "日"

    def rising(self) -> list[TypeTrend]:
        """Types that rose by at least 两成 with enough messages to say so in a notice."""
        return [
            t for t in self.types
            if t.current >= MIN_COUNT and (t.previous == 0 or t.current >= t.previous * (1 + MIN_RISE))
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "current": self.current,
            "previous": self.previous,
            "types": [
                {
                    "category": t.category,
                    "current": t.current,
                    "previous": t.previous,
                    "change": None if t.change is None else round(t.change, 4),
                    "phrase": t.phrase,
                }
                for t in self.types
            ],
        }


def _cn_small(n: int) -> str:
    """1–99 in Chinese numerals, with 两 for a lone 2 (两成, 两倍)."""
    if n == 2:
        return "两"
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def change_phrase(previous: int, current: int) -> str:
    """``上升四成``, ``下降两成``, ``翻了一番``, ``增长两倍``, ``基本持平``, ``新出现``."""
    if previous == 0:
        return "新出现" if current else "均未出现"
    r = (current - previous) / previous
    if abs(r) < 0.05:
        return "基本持平"
    if current == 0:
        return "降为零"
    if r >= 1:
        times = round(r)
        return "翻了一番" if times == 1 else f"增长{_cn_small(min(times, 99))}倍"
    tenths = max(1, round(abs(r) * 10))  # |r| >= 0.05 here: at least 一成
    word = "上升" if r > 0 else "下降"
    if tenths == 10:
        return "下降九成以上" if r < 0 else "翻了一番"
    return f"{word}{_cn_small(tenths)}成"


def load_summary(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except OSError as e:
        raise InputError(f"无法读取汇总文件 {path}：{e.strerror or e}。") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path} 不是 JSON 汇总文件：请使用 fraudwarn batch --summary 生成的文件。") from e
    if not isinstance(data, dict):
        raise InputError(f"{path} 不是 fraudwarn batch 的汇总文件。")
    return data


def _previous_key(key: str, period: str) -> str:
    if period == "week":
        y, w = key.split("-W")
        monday = _dt.date.fromisocalendar(int(y), int(w), 1) - _dt.timedelta(days=7)
        py, pw, _ = monday.isocalendar()
        return f"{py}-W{pw:02d}"
    return (_dt.date.fromisoformat(key) - _dt.timedelta(days=1)).isoformat()


def compute_trends(summary: Mapping[str, Any], *, current: str | None = None) -> Trends:
    """Counts of the latest (or the given) period against the one before it."""
    by = summary.get("by_period")
    period = summary.get("period")
    if not isinstance(by, Mapping) or period not in ("day", "week") or not by:
        raise InputError(
            "汇总文件中没有按时间的计数：运行 fraudwarn batch 时加上 --time-column（发送时间所在的列）和 --summary。"
        )
    keys = sorted(by)
    cur = current or keys[-1]
    if cur not in by:
        raise InputError(f"汇总中没有时段“{cur}”；已有：{'、'.join(keys[-6:])}。")
    prev = _previous_key(cur, period)
    now = by[cur].get("types", {})
    before = by.get(prev, {}).get("types", {})
    names = {n for n in (*now, *before) if get_category(n).id != NORMAL_ID}
    types = [TypeTrend(n, int(now.get(n, 0)), int(before.get(n, 0))) for n in names]
    types.sort(key=lambda t: (-abs(t.current - t.previous), -t.current, get_category(t.category).index))
    return Trends(period, cur, prev, tuple(types))


def trend_sentence(t: TypeTrend, unit: str) -> str:
    """``本周刷单返利类信息较上周上升四成`` (for a notice)."""
    name = t.category
    if t.previous == 0:
        return f"本{unit}新出现{name}类信息"
    return f"本{unit}{name}类信息较上{unit}{t.phrase}"


def _cjk_font() -> str | None:
    """A font with Chinese glyphs: from matplotlib's cache, else from the system's font files
    (a font installed after the cache was built is not in it)."""
    from matplotlib import font_manager

    keys = ("CJK", "WenQuanYi", "Hei", "Song", "Kai", "Source Han", "Droid Sans Fallback")
    for f in font_manager.fontManager.ttflist:
        if any(k in f.name for k in keys):
            return str(f.name)
    for path in font_manager.findSystemFonts():
        if any(k in path.lower() for k in ("wqy", "cjk", "droidsansfallback", "sourcehan", "simhei", "simsun")):
            try:
                font_manager.fontManager.addfont(path)
                return str(font_manager.FontProperties(fname=path).get_name())
            except (OSError, RuntimeError, ValueError):
                continue
    return None


def plot_trends(summary: Mapping[str, Any], path: str | Path, *, top: int = 6) -> str | None:
    """A line chart of the top types per period; returns a note when labels fell back to English.

    Without a CJK font the chart uses the English type ids rather than draw empty boxes.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise FraudwarnError("画图需要 matplotlib：pip install 'fraudwarn[plot]'") from e
    t = compute_trends(summary)
    by = summary["by_period"]
    keys = sorted(by)
    totals: dict[str, int] = {}
    for k in keys:
        for n, c in by[k].get("types", {}).items():
            if get_category(n).id != NORMAL_ID:
                totals[n] = totals.get(n, 0) + int(c)
    names = sorted(totals, key=lambda n: -totals[n])[:top]
    font = _cjk_font()
    note = None
    if font:
        plt.rcParams["font.sans-serif"] = [font, *plt.rcParams["font.sans-serif"]]
    else:
        note = "未找到中文字体，图中类型名用英文；安装中文字体（如 Debian 的 fonts-noto-cjk）后可显示中文。"
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    for n in names:
        label = n if font else get_category(n).id
        ax.plot(range(len(keys)), [int(by[k].get("types", {}).get(n, 0)) for k in keys], marker="o", label=label)
    ax.set_xticks(range(len(keys)), keys, rotation=30, ha="right")
    ax.set_ylabel("条数" if font else "messages")
    ax.set_title(
        f"各类涉诈信息数量（{t.current} 对比 {t.previous}）" if font else f"fraud messages per type ({t.current})"
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return note

"""Small helpers that turn library results into what the templates draw (no scoring here)."""

from __future__ import annotations

from dataclasses import dataclass

from fraudwarn.result import Classification

INDICATOR_NAMES = {
    "url": "网址", "email": "邮箱", "phone": "电话", "qq": "QQ", "wechat": "微信号", "id_number": "身份证号",
    "bank_card": "银行卡号", "money": "金额", "app": "应用/平台",
}
RISK_CLASS = {"高": "risk-high", "中": "risk-mid", "低": "risk-low"}


@dataclass(frozen=True)
class Segment:
    text: str
    evidence: bool
    flags: tuple[str, ...]  # names of the red flags whose span covers this piece


def segments(r: Classification) -> list[Segment]:
    """The message cut where highlighting changes: evidence terms and named red flags."""
    n = len(r.text)
    ev = [False] * n
    names: list[list[str]] = [[] for _ in range(n)]
    for e in r.evidence:
        if e.weight <= 0:
            continue
        for s, t in e.spans:
            for i in range(max(0, s), min(t, n)):
                ev[i] = True
    for f in r.red_flags:
        for s, t in f.spans:
            for i in range(max(0, s), min(t, n)):
                if f.name not in names[i]:
                    names[i].append(f.name)
    out: list[Segment] = []
    i = 0
    while i < n:
        j = i + 1
        while j < n and ev[j] == ev[i] and names[j] == names[i]:
            j += 1
        out.append(Segment(r.text[i:j], ev[i], tuple(names[i])))
        i = j
    return out


def indicator_rows(r: Classification) -> list[tuple[str, str, int]]:
    return [(INDICATOR_NAMES.get(i.kind, i.kind), i.value, i.count) for i in r.indicators]


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    y: int
    width: int


def bar_chart(counts: dict[str, int], *, width: int = 420, row: int = 26) -> tuple[list[Bar], int]:
    """Horizontal bars for an inline SVG (no JavaScript, no external library); returns bars and height."""
    items = sorted(counts.items(), key=lambda kv: -kv[1])
    top = max((c for _, c in items), default=0) or 1
    bars = [Bar(k, c, i * row, max(2, round(width * c / top)) if c else 0) for i, (k, c) in enumerate(items)]
    return bars, max(row, len(bars) * row)


def split_messages(raw: str, *, one_per_line: bool) -> list[str]:
    """The pasted text as messages: the whole text, or one message per non-blank line."""
    if one_per_line:
        return [line.strip() for line in raw.splitlines() if line.strip()]
    return [raw.strip()] if raw.strip() else []

